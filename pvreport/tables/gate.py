"""The gate in front of everything that reads a package: the descriptor and the paths it names.

Nothing else opens a file of a package before the gate has said it is safe: ``datapackage.json`` is
parsed here (refusing duplicate keys and absurd size or depth), and every resource path must be a
plain, non-hidden, uncompressed CSV file inside the package folder once symlinks are resolved.
frictionless is never handed the package's own descriptor, so none of its remote loading or
``trusted`` paths can be reached.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import math
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from importlib import resources as package_files
from pathlib import Path, PurePosixPath
from typing import Any

from .. import contract, keys, messages
from ..problems import Problem
from . import read

DESCRIPTOR = "datapackage.json"
#: A real descriptor is a few kilobytes; these limits only stop abuse and accidents.
MAX_DESCRIPTOR_BYTES = 2_000_000
MAX_DEPTH = 32

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
_COMPRESSED = frozenset(
    {".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".zst", ".tar", ".rar", ".lz"}
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclasses.dataclass(frozen=True)
class Resource:
    """A resource that passed the gate: its file is safe to open."""

    name: str
    file: str  # as written in datapackage.json, relative to the package folder
    path: Path  # resolved, inside the package folder
    declared_schema: Mapping[str, Any] | None = None


@dataclasses.dataclass(frozen=True)
class GateResult:
    descriptor: dict[str, Any] | None
    problems: list[Problem]
    #: Contract resources whose files may be read, by resource name.
    resources: dict[str, Resource]


def _depth(value: Any) -> int:
    """Nesting depth of parsed JSON, without recursion (the value may be deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


JsonPath = tuple[str | int, ...]


def json_lines(text: str) -> tuple[dict[JsonPath, int], list[tuple[str, int, int]]]:
    """Where each value of a JSON text starts, and where keys repeat within one object.

    Returns ``{path: line}`` (an object member's line is its key's line) and the ``(key, line,
    first line)`` of every repeated key. Python's json module gives no positions, so this small scanner walks
    the text once; it assumes the text has already parsed.
    """
    lines: dict[JsonPath, int] = {(): 1}
    repeats: list[tuple[str, int, int]] = []
    # Each open container: [path, is_object, next index or pending key, keys seen, want key].
    stack: list[list[Any]] = []
    line, i, size = 1, 0, len(text)

    def value_path() -> JsonPath | None:
        if not stack:
            return ()
        path, _, slot, _, _ = stack[-1]
        return (*path, slot) if slot is not None else None

    while i < size:
        char = text[i]
        if char == "\n":
            line += 1
        elif char == '"':
            end = i + 1
            while end < size and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            raw = text[i : end + 1]
            if stack and stack[-1][1] and stack[-1][4]:
                key = json.loads(raw)
                frame = stack[-1]
                if key in frame[3]:
                    repeats.append((key, line, lines.get((*frame[0], key), line)))
                frame[3].add(key)
                frame[2], frame[4] = key, False
                lines.setdefault((*frame[0], key), line)
            else:
                path = value_path()
                if path is not None:
                    lines.setdefault(path, line)
            line += raw.count("\n")
            i = end
        elif char in "{[":
            path = value_path()
            if path is not None:
                lines.setdefault(path, line)
            is_object = char == "{"
            stack.append(
                [
                    path if path is not None else (),
                    is_object,
                    None if is_object else 0,
                    set(),
                    is_object,
                ]
            )
        elif char in "}]":
            if stack:
                stack.pop()
        elif char == "," and stack:
            frame = stack[-1]
            if frame[1]:
                frame[4] = True
            else:
                frame[2] += 1
        elif not char.isspace() and char != ":":
            path = value_path()
            if path is not None:
                lines.setdefault(path, line)
        i += 1
    return lines, repeats


def locate(lines: dict[JsonPath, int], path: JsonPath) -> int | None:
    """The line of ``path``, or of its nearest enclosing value that exists."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def read_json(path: Path, file: str) -> tuple[Any, list[Problem]]:
    """Parse a JSON file of the package safely: (value or None, problems)."""
    try:
        size = path.stat().st_size
        if size > MAX_DESCRIPTOR_BYTES:
            return None, [
                Problem(
                    "descriptor-too-complex",
                    f"{file} is {size:,} bytes long; pvreport reads JSON files of at most "
                    f"{MAX_DESCRIPTOR_BYTES:,} bytes.",
                    file=file,
                )
            ]
        data = path.read_bytes()
    except OSError as error:
        return None, [
            Problem("descriptor-not-json", f"{file} cannot be opened: {error.strerror}.", file=file)
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return None, [
                Problem(
                    "descriptor-not-json",
                    f'{file} is saved as UTF-16 ("Unicode"), not UTF-8.',
                    file=file,
                    hint="Save the file as UTF-8 in your text editor.",
                )
            ]
        line = _line_of(data, error.start)
        return None, [
            Problem(
                "descriptor-not-json",
                f"{file} is not saved as UTF-8 (the first unreadable byte is on line {line}).",
                file=file,
                line=line,
                hint="Save the file as UTF-8 in your text editor.",
            )
        ]
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                duplicates.append(key)
            out[key] = value
        return out

    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not a number JSON allows")

    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_constant=no_constant)
    except json.JSONDecodeError as error:
        line, words = json_mistake(text, error)
        return None, [
            Problem(
                "descriptor-not-json",
                f"{file} is not valid JSON: " + (f"line {line}: {words}" if line else words),
                file=file,
                line=line,
                hint=f"Open {file} in a text editor and fix {f'line {line}' if line else 'it'}. "
                f"(The JSON reader's own words: {error.msg}, line {error.lineno}, column "
                f"{error.colno}.)",
            )
        ]
    except ValueError as error:
        return None, [
            Problem("descriptor-not-json", f"{file} is not valid JSON: {error}.", file=file)
        ]
    except RecursionError:
        return None, [
            Problem(
                "descriptor-too-complex",
                f"{file} nests objects or lists more than {MAX_DEPTH} levels deep.",
                file=file,
            )
        ]
    if duplicates:
        _, repeats = json_lines(text)
        return None, [
            Problem(
                "duplicate-key",
                messages.gettext(
                    'The property "{key}" is already written on line {first} of {file}, in the '
                    "same object: it is written again here, on line {line}."
                ).format(key=key, first=first, file=file, line=line),
                file=file,
                line=line,
                value=key,
                hint=messages.gettext(
                    "Keep one of the two entries (line {first} or line {line}) and delete the "
                    "other: a program reading the file keeps only one of them, silently."
                ).format(first=first, line=line),
            )
            for key, line, first in repeats
        ]
    if _depth(value) > MAX_DEPTH:
        return None, [
            Problem(
                "descriptor-too-complex",
                f"{file} nests objects or lists more than {MAX_DEPTH} levels deep.",
                file=file,
            )
        ]
    return value, []


def json_mistake(text: str, error: json.JSONDecodeError) -> tuple[int | None, str]:
    """Where a JSON syntax error is and what it is, in the words of someone editing by hand.

    The line is the one to change: a stray comma's own line, not the line of the bracket after it.
    """
    if not text.strip():
        return None, "the file is empty (it should hold one object, {...})."
    pos = error.pos
    here = text[pos] if pos < len(text) else ""
    before = text[:pos].rstrip()
    last = before[-1:] if before else ""
    last_line = _line_of(before.encode("utf-8"), len(before.encode("utf-8"))) if before else 1
    at_end = not text[pos:].strip()
    msg = error.msg
    if here == "\ufeff":
        return error.lineno, (
            "an invisible byte-order mark (BOM) in the middle of the file, where two files were "
            "joined or pasted; delete it (or retype the line)."
        )
    if msg.startswith("Expecting property name") or msg == "Expecting value":
        closer = "an object ({...})" if here == "}" else "a list ([...])"
        if last == "," and here in "}]" and here:
            return last_line, f"a comma after the last item of {closer}; remove it."
        if last == "," and here == ",":
            return error.lineno, "two commas in a row; remove one."
        if at_end:
            return _unclosed(text)
        if here == "'":
            return (
                error.lineno,
                'single quotes; JSON needs double quotes (") around names and text.',
            )
        if msg.startswith("Expecting property name"):
            return error.lineno, 'a name without double quotes; write names as "name".'
        if here in "}],":
            return error.lineno, "a value is missing (after a colon or a comma)."
        return error.lineno, (
            'text without double quotes; write text as "text" (numbers, true, false and null '
            "need none)."
        )
    if msg == "Expecting ',' delimiter":
        if at_end:
            return _unclosed(text)
        return last_line, "a comma is missing at the end of this line, before the next item."
    if msg == "Expecting ':' delimiter":
        return error.lineno, 'a name without a colon after it; write "name": value.'
    if msg == "Extra data":
        return error.lineno, (
            "text after the end of the report's object: the outer { } closes before this line "
            "(an extra } or ], or text outside the braces)."
        )
    if msg.startswith("Unterminated string"):
        return error.lineno, 'a text opens with a double quote (") but never closes.'
    if msg.startswith("Invalid control character") and here in "\r\n":
        return error.lineno, (
            "a text in double quotes runs on past the end of the line: its closing double quote "
            '(") is missing (or, for a line break inside the text, write \\n).'
        )
    if msg.startswith("Invalid control character"):
        return (
            error.lineno,
            "a line break or tab inside a text in double quotes; write \\n or a space.",
        )
    if msg.startswith(("Invalid \\escape", "Invalid \\uXXXX")):
        return error.lineno, "a backslash (\\) inside a text; write it twice (\\\\), or use /."
    return error.lineno, f"{msg} (column {error.colno})."


def _unclosed(text: str) -> tuple[int | None, str]:
    """The innermost { or [ that the end of the file leaves open."""
    stack: list[tuple[str, int]] = []
    line, quoted, escaped = 1, False, False
    for char in text:
        if char == "\n":
            line += 1
        if quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char in "{[":
            stack.append((char, line))
        elif char in "}]" and stack:
            stack.pop()
    if quoted:
        return None, 'the file ends inside a text: a closing double quote (") is missing.'
    if not stack:
        return None, "the file ends before its object is complete."
    opener, at = stack[-1]
    closer = "}" if opener == "{" else "]"
    return at, f"this {opener} is never closed (the file ends first); add a {closer} where it ends."


def _described(value: Any) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "nothing (null)"


def _required(
    value: Any, name: str, kind: type, wanted: str, about: str, hint: str | None = None
) -> Problem | None:
    """A property the contract requires: missing-property where it is absent (or blank, where it
    is text), ending the message with ``about``; wrong-property-type where it is not a ``kind``,
    saying it must be ``wanted``. None where it is there and of its kind."""
    if value is None or (kind is str and isinstance(value, str) and not value.strip()):
        return Problem(
            "missing-property",
            f'datapackage.json has no "{name}"{about}.',
            file=DESCRIPTOR,
            field=name,
            hint=hint,
        )
    if not isinstance(value, kind):
        return Problem(
            "wrong-property-type",
            f'"{name}" must be {wanted}, not {_described(value)}.',
            file=DESCRIPTOR,
            field=name,
        )
    return None


def _check_properties(descriptor: Mapping[str, Any]) -> Iterator[Problem]:
    """The descriptor's own properties that the contract requires."""
    org = descriptor.get("organisation")
    found = _required(
        org,
        "organisation",
        dict,
        "an object with a name and a purpose",
        ": it needs the organisation's name and purpose",
        hint='Add "organisation": {"name": "...", "purpose": "..."} to datapackage.json.',
    )
    if found is not None:
        yield found
    else:
        for key, meaning in (("name", "the organisation's name"), ("purpose", "what it is for")):
            value = org.get(key)
            if found := _required(value, f"organisation.{key}", str, "text", f": {meaning}"):
                yield found
    period = descriptor.get("reporting_period")
    found = _required(
        period,
        "reporting_period",
        dict,
        "an object with label, start and end",
        ": the period this report covers",
        hint='Add for example "reporting_period": {"label": "2025/26", "start": "2025-04-01", '
        '"end": "2026-03-31"}.',
    )
    if found is not None:
        yield found
    else:
        yield from _check_period(period)
    resources = descriptor.get("resources")
    if found := _required(
        resources, "resources", list, "a list", ": the list of the report's files"
    ):
        yield found
    yield from _check_status_rules(descriptor)
    yield from _check_published(descriptor)


def _check_status_rules(descriptor: Mapping[str, Any]) -> Iterator[Problem]:
    """``status_rules`` (contract v1.1): how much change counts, where results have no range of
    uncertainty."""
    f = DESCRIPTOR
    rules = descriptor.get("status_rules")
    if rules is None:
        return
    example = '"status_rules": {"relative_change_threshold": 2}'
    if not isinstance(rules, dict):
        yield Problem(
            "wrong-property-type",
            f'"status_rules" must be an object, not {_described(rules)}.',
            file=f,
            field="status_rules",
            hint=f"Write it as an object, for example {example}, or leave it out.",
        )
        return
    for key in rules:
        if key != "relative_change_threshold":
            yield Problem(
                "unknown-status-rule",
                f'"status_rules" has a property "{str(key)[:80]}" that pvreport does not know, so '
                "it is ignored.",
                file=f,
                field=f"status_rules.{key}",
                value=str(key)[:200],
            )
    name = "status_rules.relative_change_threshold"
    value = rules.get("relative_change_threshold")
    if value is None:
        return
    shown = json.dumps(value, ensure_ascii=False)[:80]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        described = (
            "a number too large to use"
            if isinstance(value, float)
            else _described(value) + (f" ({shown})" if isinstance(value, str) else "")
        )
        yield Problem(
            "wrong-property-type",
            f'"{name}" must be a percentage written as a number, such as 2, not {described}.',
            file=f,
            field=name,
            value=str(value)[:200],
            hint=f"Write the number without quotes and without a % sign, for example {example}.",
        )
    elif value < 0:
        yield Problem(
            "negative-change-threshold",
            f'"{name}" is {shown}, but a change cannot be smaller than no change at all.',
            file=f,
            field=name,
            value=shown,
            hint="Write 0 or more: with 2, a change of less than 2% of the earlier figure counts "
            "as no clear change; with 0, any change counts.",
        )


#: What the hand-written checks above say in their own words, and the schema leaves to them:
#: the organisation (as a whole, its name and purpose), the reporting period, the status rules
#: and the resources.
_CHECKED_BY_HAND = ("organisation", "organisation.name", "organisation.purpose")
_CHECKED_BY_HAND_UNDER = ("reporting_period", "status_rules", "resources")

_KINDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "array": "a list",
    "object": "an object",
    "boolean": "true or false",
}


@functools.cache
def descriptor_schema() -> dict[str, Any]:
    """The JSON Schema of every property of datapackage.json pvreport reads."""
    text = (package_files.files("pvreport") / "schemas" / "descriptor.schema.json").read_text(
        encoding="utf-8"
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def _dotted(path: Iterable[str | int]) -> str:
    return ".".join(str(part) for part in path)


@dataclasses.dataclass(frozen=True)
class SchemaError:
    """Where a value breaks its JSON Schema: the path, the keyword, and the schema there."""

    path: JsonPath
    keyword: str
    schema: Mapping[str, Any]
    instance: Any


_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def schema_errors(
    value: Any, schema: Mapping[str, Any], path: JsonPath = ()
) -> Iterator[SchemaError]:
    """Where ``value`` breaks ``schema``, for the keywords the descriptor's schema uses (type,
    required, properties, items, minimum, maximum, minLength), as JSON Schema defines them.

    A few lines rather than the jsonschema package, whose import (about 60 ms) would be a tenth
    of validating a national report. ``tests/test_gate.py`` compares the two.
    """
    kinds = schema.get("type")
    if kinds is not None:
        wanted = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_JSON_TYPES[k](value) for k in wanted):
            yield SchemaError(path, "type", schema, value)
            return
    if isinstance(value, dict):
        for key in schema.get("required", ()):
            if key not in value:
                yield SchemaError(path, "required", schema, value)
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                yield from schema_errors(value[key], sub, (*path, key))
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            yield from schema_errors(item, schema["items"], (*path, index))
    if _JSON_TYPES["number"](value):
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and value < low:
            yield SchemaError(path, "minimum", schema, value)
        if high is not None and value > high:
            yield SchemaError(path, "maximum", schema, value)
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        yield SchemaError(path, "minLength", schema, value)


def _check_schema(descriptor: Mapping[str, Any], lines: dict[JsonPath, int]) -> Iterator[Problem]:
    """Problems of the descriptor's own properties against its JSON Schema, each located: the
    property as a dotted path (``organisation.funding.amount``, ``licenses.0.name``), its line."""
    for error in schema_errors(descriptor, descriptor_schema()):
        path = error.path
        if error.keyword == "required":
            # The property missing is the first required one absent from the object at ``path``.
            missing = next((k for k in error.schema["required"] if k not in error.instance), None)
            path = (*path, missing) if missing is not None else path
        field = _dotted(path)
        if field in _CHECKED_BY_HAND or any(
            field == top or field.startswith(top + ".") for top in _CHECKED_BY_HAND_UNDER
        ):
            continue
        line = locate(lines, path)
        value = error.instance
        if error.keyword == "type":
            wanted = error.schema["type"]
            kinds = [wanted] if isinstance(wanted, str) else list(wanted)
            words = " or ".join(_KINDS.get(k, k) for k in kinds)
            yield Problem(
                "wrong-property-type",
                f'"{field}" in datapackage.json must be {words}, not {_described(value)}.',
                file=DESCRIPTOR,
                line=line,
                field=field,
                value=json.dumps(value, ensure_ascii=False)[:200],
                hint=_type_hint(field, kinds),
            )
        elif error.keyword in ("minimum", "maximum"):
            yield Problem(
                "property-out-of-range",
                f'"{field}" in datapackage.json is {_shortly(value)}; pvreport takes a number '
                f"from {_shortly(error.schema.get('minimum'))} to "
                f"{_shortly(error.schema.get('maximum'))}.",
                file=DESCRIPTOR,
                line=line,
                field=field,
                value=_shortly(value),
            )
        elif error.keyword == "required":
            yield Problem(
                "missing-property",
                f'datapackage.json has no "{field}".',
                file=DESCRIPTOR,
                line=line,
                field=field,
            )
        else:
            yield Problem(
                "missing-property",
                f'"{field}" in datapackage.json is empty.',
                file=DESCRIPTOR,
                line=line,
                field=field,
            )


def _shortly(value: Any) -> str:
    """A number as a person reads it, however large: ``214,500,000``, ``1.7e+308``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return json.dumps(value, ensure_ascii=False)[:80]
    if isinstance(value, int) and abs(value) > 10**300:
        return f"a number of {len(str(abs(value))):,} digits"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{'minus ' if value < 0 else ''}infinity (a number too large to store)"
    if value == int(value) and abs(value) < 10**18:
        return f"{int(value):,}"
    return f"{value:.4g}"


def _type_hint(field: str, kinds: list[str]) -> str:
    examples = {
        "string": f'"{field.rsplit(".", 1)[-1]}": "some text"',
        "number": f'"{field.rsplit(".", 1)[-1]}": 214500000 (digits, no quotes)',
        "array": f'"{field.rsplit(".", 1)[-1]}": [ ... ] (a list in square brackets)',
        "object": f'"{field.rsplit(".", 1)[-1]}": {{ ... }} (an object in curly brackets)',
    }
    shown = "; or ".join(examples[k] for k in kinds if k in examples)
    if field in ("licenses", "contributors") or field.startswith(("licenses.", "contributors.")):
        shown += (
            '. For example "licenses": [{"name": "OGL-UK-3.0", "title": "Open Government '
            'Licence v3.0"}] and "contributors": [{"title": "Policy team", "role": "author"}]'
        )
    return f"Write it as {shown}." if shown else "Write the property as the contract shows it."


def _check_period(period: Mapping[str, Any]) -> Iterator[Problem]:
    f = DESCRIPTOR
    label = period.get("label")
    if found := _required(label, "reporting_period.label", str, "text", ', for example "2025/26"'):
        yield found
    dates: dict[str, dt.date] = {}
    for key in ("start", "end"):
        value = period.get(key)
        name = f"reporting_period.{key}"
        if value is None:
            yield Problem(
                "missing-property", f'datapackage.json has no "{name}".', file=f, field=name
            )
            continue
        if not isinstance(value, str) or not _DATE.match(value):
            yield Problem(
                "bad-reporting-period",
                f'"{name}" is {json.dumps(value, ensure_ascii=False)[:80]}, not a date written '
                "YYYY-MM-DD.",
                file=f,
                field=name,
                value=str(value)[:200],
            )
            continue
        try:
            dates[key] = dt.date.fromisoformat(value)
        except ValueError:
            yield Problem(
                "bad-reporting-period",
                f'"{name}" is {value}, which is not a real day.',
                file=f,
                field=name,
                value=value,
            )
    if len(dates) == 2 and dates["start"] > dates["end"]:
        yield Problem(
            "bad-reporting-period",
            f"The reporting period starts on {dates['start']} after it ends on {dates['end']}.",
            file=f,
            field="reporting_period.end",
            value=period.get("end"),
            hint="Swap the two dates, or correct the one that is wrong.",
        )


def published_date(descriptor: Mapping[str, Any]) -> dt.date | None:
    """The day the statement was published (``published``), where it is a real date."""
    value = descriptor.get("published")
    if isinstance(value, str) and _DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _check_published(descriptor: Mapping[str, Any]) -> Iterator[Problem]:
    """``published``, where given: a real day, and not before the reporting period ends."""
    value = descriptor.get("published")
    if not isinstance(value, str):
        return  # absent, or not text: the schema's check says so
    day = published_date(descriptor)
    if day is None:
        yield Problem(
            "bad-published-date",
            f'"published" is {json.dumps(value, ensure_ascii=False)[:80]}, not a real day written '
            "YYYY-MM-DD.",
            file=DESCRIPTOR,
            field="published",
            value=str(value)[:200],
        )
        return
    period = descriptor.get("reporting_period")
    end = period.get("end") if isinstance(period, Mapping) else None
    try:
        ends = dt.date.fromisoformat(end) if isinstance(end, str) else None
    except ValueError:
        ends = None
    if ends is not None and day < ends:
        yield Problem(
            "published-before-period-end",
            f'"published" is {day}, before the reporting period ends on {ends}: a statement '
            "is published once the year it reports on is over.",
            file=DESCRIPTOR,
            field="published",
            value=str(value),
        )


def _upper_first(text: str) -> str:
    # str.capitalize() would also lower-case a resource name quoted later in the sentence.
    return text[:1].upper() + text[1:]


def _hidden(parts: Iterable[str]) -> bool:
    return any(part.startswith(".") and part not in (".",) for part in parts)


def check_path(
    package_dir: Path, raw: Any, *, what: str, field: str, suffixes: tuple[str, ...] = (".csv",)
) -> tuple[Path | None, list[Problem]]:
    """Whether a path written in the descriptor names a safe file: (resolved path or None, problems)."""
    f = DESCRIPTOR

    def refuse(code: str, message: str, hint: str | None = None) -> tuple[None, list[Problem]]:
        return None, [Problem(code, message, file=f, field=field, value=str(raw)[:300], hint=hint)]

    if isinstance(raw, list):
        return refuse(
            "unsupported-format",
            f"{what} lists several files; pvreport reads one CSV file per resource.",
            hint="Join the files into one CSV file and give its name as the path.",
        )
    if not isinstance(raw, str) or not raw.strip():
        return refuse("wrong-property-type", f"The path of {what} must be a file name (text).")
    if raw.startswith("//") or (_SCHEME.match(raw) and not re.match(r"^[A-Za-z]:[\\/]", raw)):
        return refuse(
            "remote-reference",
            f'The path of {what} is "{raw[:200]}", a web address or other remote location.',
        )
    pure = PurePosixPath(raw.replace("\\", "/"))
    if pure.is_absolute() or re.match(r"^[A-Za-z]:", raw) or ".." in pure.parts:
        return refuse(
            "path-outside-package",
            f'The path of {what} is "{raw[:200]}", which leads outside the report\'s folder.',
        )
    if _hidden(pure.parts):
        return refuse(
            "hidden-path", f'The path of {what} is "{raw[:200]}", a hidden file or folder.'
        )
    suffix = pure.suffix.lower()
    if suffix in _COMPRESSED:
        return refuse(
            "compressed-resource", f'{_upper_first(what)} is a compressed file ("{raw[:200]}").'
        )
    if suffix not in suffixes:
        expected = " or ".join(suffixes)
        return refuse(
            "unsupported-format",
            f'{_upper_first(what)} is "{raw[:200]}"; pvreport reads {expected} files here.',
        )
    root = package_dir.resolve()
    try:
        resolved = (root / pure).resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL in the name
        return refuse("file-missing", f'The file "{raw[:200]}" of {what} cannot be opened.')
    if not resolved.is_relative_to(root):
        return refuse(
            "path-outside-package",
            f'The file "{raw[:200]}" of {what} is a link to a place outside the report\'s folder.',
        )
    if _hidden(resolved.relative_to(root).parts):
        return refuse(
            "hidden-path", f'The file "{raw[:200]}" of {what} is a link to a hidden file.'
        )
    twin = _case_twin(root, pure.parts)
    if twin is not None:
        return refuse(
            "file-name-case",
            f'datapackage.json lists "{raw[:200]}" for {what}, but the file in the folder is '
            f'"{twin}": the names differ only in small and capital letters.',
            hint=f'Write "{twin}" in datapackage.json, or rename the file to "{pure.as_posix()}". '
            "Some computers take the two names for one file and others (most web servers among "
            "them) for two, so the report would build on one and fail on another.",
        )
    try:
        mode = resolved.stat().st_mode
    except (OSError, ValueError):
        return refuse(
            "file-missing",
            f'datapackage.json lists "{raw[:200]}" for {what}, but there is no such file in the '
            f"folder.{_similar_file(root / pure)}",
        )
    if not stat.S_ISREG(mode):
        return refuse(
            "file-missing", f'"{raw[:200]}" of {what} is a folder or a device, not a plain file.'
        )
    return resolved, []


def _case_twin(root: Path, parts: Iterable[str]) -> str | None:
    """The path as the folder spells it, where that differs from ``parts`` only in case.

    Read from the folder listings, so the answer is the same on a file system that ignores case
    (where the misspelt name would open) and on one that does not (where it would be missing).
    """
    here = root
    found: list[str] = []
    for part in parts:
        try:
            names = os.listdir(here)
        except (OSError, ValueError):
            return None
        if part not in names:
            matches = [n for n in names if n.casefold() == part.casefold()]
            if len(matches) != 1:
                return None
            part = matches[0]
        found.append(part)
        here = here / part
    return "/".join(found) if found != list(parts) else None


def _similar_file(path: Path) -> str:
    """`` Did you mean "x"?`` naming the file of that folder most like ``path``'s name, or ''."""
    try:
        names = [n for n in os.listdir(path.parent) if not n.startswith(".")]
    except (OSError, ValueError):
        return ""
    found = keys.closest(path.name, names)
    return f' Did you mean "{found}"?' if found is not None else ""


#: Files a spreadsheet user may leave in the folder, meaning them to be part of the report.
_TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xls", ".ods")


def _unlisted_files(
    package_dir: Path, items: list[Any], reported: Iterable[str]
) -> Iterator[Problem]:
    """Tables that datapackage.json does not list, in the package's folder or in a folder that
    holds a listed file: pvreport would not read them.

    Other folders (a project's ``site/`` where the package is the project folder, say) are not
    looked into. ``reported`` are file names another problem already asks to list (a missing
    required resource's file).
    """
    listed: set[str] = {name.casefold() for name in reported}
    folders = {PurePosixPath(".")}
    for item in items:
        path = item.get("path") if isinstance(item, dict) else None
        if isinstance(path, str):
            pure = PurePosixPath(path.replace("\\", "/"))
            listed.add(pure.as_posix().casefold())
            folders.add(pure.parent)
    for folder in sorted(folders):
        try:
            names = sorted(os.listdir(package_dir / folder))
        except (OSError, ValueError):
            continue
        for name in names:
            if name.startswith(".") or not name.lower().endswith(_TABLE_SUFFIXES):
                continue
            relative = (folder / name).as_posix()
            if relative.casefold() in listed or not (package_dir / relative).is_file():
                continue
            yield Problem(
                "unlisted-file",
                f'"{relative}" is in the report\'s folder, but datapackage.json does not list it, '
                "so pvreport does not read it.",
                file=relative,
                value=relative,
                hint=_unlisted_hint(relative),
            )


def _unlisted_hint(relative: str) -> str:
    stem = PurePosixPath(relative).stem.lower()
    example = (
        f' (for example {{"name": "{stem}", "path": "{relative}"}})'
        if stem in contract.RESOURCES
        else ""
    )
    return (
        f'If it belongs to the report, add it to "resources" in datapackage.json{example}; if '
        "not, move it out of the report's folder."
    )


def _normal_name(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def _check_resource(
    package_dir: Path, index: int, item: Any, seen: set[str]
) -> tuple[Resource | None, list[Problem]]:
    f = DESCRIPTOR
    problems: list[Problem] = []
    label = f"resource number {index + 1}"
    if not isinstance(item, dict):
        return None, [
            Problem(
                "wrong-property-type",
                f'The {label} in "resources" must be an object with a name and a path, not '
                f"{_described(item)}.",
                file=f,
                field="resources",
            )
        ]
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(
            Problem(
                "missing-property" if name is None else "wrong-property-type",
                f'The {label} in "resources" has no name (text such as "objectives").',
                file=f,
                field="name",
                hint='Give the resource its contract name, for example "name": "objectives".',
            )
        )
        name = None
    else:
        label = f'the resource "{name}"'
    if "data" in item:
        problems.append(
            Problem(
                "inline-data",
                f"{_upper_first(label)} holds its rows inside datapackage.json.",
                file=f,
                field="data",
                value=name,
            )
        )
    if "compression" in item:
        problems.append(
            Problem(
                "compressed-resource",
                f"{_upper_first(label)} is declared as compressed "
                f"({str(item['compression'])[:40]}).",
                file=f,
                field="compression",
                value=name,
            )
        )
    fmt = item.get("format")
    if fmt is not None and str(fmt).lower() != "csv":
        problems.append(
            Problem(
                "unsupported-format",
                f'{_upper_first(label)} is declared with format "{str(fmt)[:40]}"; pvreport reads '
                "CSV files.",
                file=f,
                field="format",
                value=str(fmt)[:200],
            )
        )
    path: Path | None = None
    if "path" not in item:
        if "data" not in item:
            problems.append(
                Problem(
                    "missing-property",
                    f'{_upper_first(label)} has no "path" naming its CSV file.',
                    file=f,
                    field="path",
                    value=name,
                    hint='Add "path": "<name>.csv" to the resource in datapackage.json.',
                )
            )
    else:
        path, found = check_path(package_dir, item["path"], what=label, field="path")
        problems.extend(found)
    declared: Mapping[str, Any] | None = None
    if "schema" in item:
        declared, found = _declared_schema(package_dir, item["schema"], label)
        problems.extend(found)
    dialect = item.get("dialect")
    if dialect is not None and not isinstance(dialect, dict):
        if isinstance(dialect, str):
            # pvreport always reads comma-separated UTF-8, so a dialect file is never opened;
            # it is still refused when it points outside the package.
            problems.extend(
                check_path(
                    package_dir,
                    dialect,
                    what=f"the dialect of {label}",
                    field="dialect",
                    suffixes=(".json",),
                )[1]
            )
        else:
            problems.append(
                Problem(
                    "wrong-property-type",
                    f'The "dialect" of {label} must be an object, not {_described(dialect)}.',
                    file=f,
                    field="dialect",
                )
            )
    if name is None:
        return None, problems
    if name in seen:
        problems.append(
            Problem(
                "duplicate-resource",
                f'The resource "{name}" is listed more than once in datapackage.json.',
                file=f,
                field="name",
                value=name,
            )
        )
        return None, problems
    seen.add(name)
    if name not in contract.RESOURCES:
        stem = (
            _normal_name(PurePosixPath(str(item.get("path"))).stem)
            if isinstance(item.get("path"), str)
            else ""
        )
        meant = _normal_name(name)
        if meant not in contract.RESOURCES and stem in contract.RESOURCES:
            meant = stem
        if meant in contract.RESOURCES:
            problems.append(
                Problem(
                    "resource-name-mismatch",
                    f'The resource "{name}" looks like the contract\'s "{meant}", but its name '
                    "is written differently.",
                    file=f,
                    field="name",
                    value=name,
                    hint=f'Write "name": "{meant}" in datapackage.json.',
                )
            )
        else:
            problems.append(
                Problem(
                    "unknown-resource",
                    f'The resource "{name}" is not part of the contract: pvreport does not check '
                    "it and it is not shown on the site.",
                    file=f,
                    field="name",
                    value=name,
                )
            )
        return None, problems
    if path is None or any(p.is_error for p in problems):
        return None, problems
    return Resource(name, str(item["path"]), path, declared), problems


def _declared_schema(
    package_dir: Path, raw: Any, label: str
) -> tuple[Mapping[str, Any] | None, list[Problem]]:
    f = DESCRIPTOR
    if isinstance(raw, str):
        path, problems = check_path(
            package_dir, raw, what=f"the schema of {label}", field="schema", suffixes=(".json",)
        )
        if path is None:
            return None, problems
        value, found = read_json(path, raw)
        if value is None:
            return None, found
        raw = value
    if not isinstance(raw, dict) or not isinstance(raw.get("fields", []), list):
        return None, [
            Problem(
                "schema-invalid",
                f'The "schema" of {label} is not a Table Schema (an object with a list of fields).',
                file=f,
                field="schema",
            )
        ]
    return raw, []


def _files_by_contract_name(package_dir: Path) -> dict[str, Resource]:
    """Where datapackage.json cannot be read: the files named as the contract names its
    resources (``objectives.csv``), so that their problems are found all the same (the package
    still fails on the descriptor's own). A file the gate would refuse is left out silently."""
    found: dict[str, Resource] = {}
    seen: set[str] = set()
    for index, name in enumerate(contract.RESOURCES):
        if not (package_dir / f"{name}.csv").is_file():
            continue
        resource, problems = _check_resource(
            package_dir, index, {"name": name, "path": f"{name}.csv"}, seen
        )
        if resource is not None and not problems:
            found[name] = resource
    return found


def check(package_dir: Path) -> GateResult:
    """Read and check ``datapackage.json`` and the paths it names."""
    package_dir = Path(package_dir)
    if not package_dir.is_dir():
        return GateResult(
            None,
            [
                Problem(
                    "descriptor-missing",
                    f"{package_dir} is not a folder.",
                    file=DESCRIPTOR,
                    hint="Give the folder that holds datapackage.json.",
                )
            ],
            {},
        )
    path, problems = check_path(
        package_dir,
        DESCRIPTOR,
        what="the descriptor",
        field="datapackage.json",
        suffixes=(".json",),
    )
    if path is None:
        missing = [p for p in problems if p.code == "file-missing"]
        if missing:
            problems = [
                Problem(
                    "descriptor-missing",
                    f"There is no datapackage.json in {package_dir}.",
                    file=DESCRIPTOR,
                )
            ]
        return GateResult(
            None,
            [dataclasses.replace(p, field=None) for p in problems],
            _files_by_contract_name(package_dir) if missing else {},
        )
    descriptor, problems = read_json(path, DESCRIPTOR)
    if descriptor is None:
        return GateResult(None, problems, _files_by_contract_name(package_dir))
    if not isinstance(descriptor, dict):
        return GateResult(
            None,
            [
                Problem(
                    "wrong-property-type",
                    f"datapackage.json must hold one JSON object ({{...}}), not "
                    f"{_described(descriptor)}.",
                    file=DESCRIPTOR,
                )
            ],
            _files_by_contract_name(package_dir),
        )
    text = path.read_bytes().decode("utf-8-sig")
    lines, _ = json_lines(text)

    def placed(found: Iterable[Problem], *prefix: str | int) -> list[Problem]:
        """Problems with the line of the property they name."""
        return [
            dataclasses.replace(
                p, line=locate(lines, (*prefix, *(p.field.split(".") if p.field else ())))
            )
            if p.file == DESCRIPTOR and p.line is None
            else p
            for p in found
        ]

    problems = placed(_check_properties(descriptor))
    problems.extend(_check_schema(descriptor, lines))
    accepted: dict[str, Resource] = {}
    listed: set[str] = set()
    items = descriptor.get("resources")
    if isinstance(items, list):
        seen: set[str] = set()
        for index, item in enumerate(items):
            resource, found = _check_resource(package_dir, index, item, seen)
            problems.extend(placed(found, "resources", index))
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                listed.add(item["name"])
            if resource is not None:
                accepted[resource.name] = resource
    if isinstance(items, list) and len(accepted) == len(items):
        # Only once every entry is right: a refused entry's own problem is the one to fix first
        # (its file would otherwise be reported again as unlisted).
        missing = {
            f"{name}{suffix}"
            for name in contract.REQUIRED_RESOURCES
            if name not in listed
            for suffix in _TABLE_SUFFIXES
        }
        problems.extend(_unlisted_files(package_dir, items, missing))
    for name in contract.REQUIRED_RESOURCES:
        if name not in listed:
            problems.append(
                Problem(
                    "missing-resource",
                    f'The report has no "{name}" resource; every report must have one.',
                    file=DESCRIPTOR,
                    field="resources",
                    value=name,
                    hint=f'Add {{"name": "{name}", "path": "{name}.csv"}} to "resources" in '
                    f"datapackage.json, and the file {name}.csv to the folder.",
                    line=locate(lines, ("resources",)),
                )
            )
    return GateResult(descriptor, problems, accepted)


def check_rows(tables: Mapping[str, read.Table]) -> Iterator[Problem]:
    """Required resources that were read must hold at least one row."""
    for name in contract.REQUIRED_RESOURCES:
        table = tables.get(name)
        if table is not None and not table.row_count:
            yield Problem(
                "empty-resource",
                f"{table.file} has a heading row but no data rows; {name} needs at least one row.",
                file=table.file,
            )
