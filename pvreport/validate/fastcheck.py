"""Table Schema checks of CSV files, vectorised, giving the errors frictionless gives.

frictionless reads a file cell by cell in Python (about 60,000 rows a second). Almost every cell
of a large file is fine, and a column holds few distinct values, so this module works by column:

- the file is parsed once with the same CSV reader settings frictionless uses, into pyarrow
  string columns (compact), keeping each record's physical line;
- a vectorised test, built from the field's Table Schema descriptor and run once per distinct
  value, clears the cells that are certainly valid (a plain number within its bounds, a text
  matching its pattern or in its enum, a date, datetime, boolean or web address in its
  everyday spelling); each test is narrower than frictionless' rule, never wider. Every other
  *distinct* value is read by frictionless' own cell reader, so doubtful types, missing values
  and constraints are judged by frictionless itself, and a clean file never imports it;
- rows with a doubtful cell, a blank row or the wrong number of cells are read whole by
  frictionless' own ``Row``, which makes their cell errors exactly;
- the primary key and single-field foreign keys are checked by column with pyarrow and pandas,
  and their errors are built by frictionless' error classes from those rows.

The result is a list of frictionless errors in frictionless' order, which ``tabular`` converts
to problems as it converts frictionless' own report; the differential tests hold the two paths
to the same problems. frictionless stays the reference (and the path for a file this module
does not support, :class:`Unsupported`); validation checks every file here.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..tables import read
from ..tables.read import Lines, Parsed  # noqa: F401  (read here before they moved to load)

if TYPE_CHECKING:
    # frictionless is imported where it is used (about 0.2-0.4 s): a clean large file is
    # decided by the vectorised checks alone.
    import frictionless
    from frictionless.table.row import Row

#: Files with more data rows than this have their columns encoded ahead, on a second thread.
FAST_ROWS = 20_000
#: frictionless stops a resource's report at this many errors (settings.DEFAULT_LIMIT_ERRORS).
#: (Written out rather than read from frictionless: a test holds the two equal.)
LIMIT_ERRORS = 1000

# Cells these patterns match are valid numbers for frictionless (Decimal / int accept them) and
# are compared with their bounds as floats; anything else is read by frictionless itself.
_PLAIN_NUMBER = r"^-?[0-9]{1,15}(\.[0-9]{1,15})?$"
_PLAIN_INTEGER = r"^-?[0-9]{1,18}$"


class Unsupported(Exception):
    """The file or schema needs something this module does not do; use frictionless."""


def count_rows(path: Path, data: bytes | None = None) -> int:
    """About how many data rows a file holds (line ends; cheap, used to choose the path).
    ``data`` is the file's bytes, where already read."""
    if data is not None:
        return data.count(b"\n")
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


@functools.lru_cache(maxsize=64)
def _schema_of(text: str) -> tuple[frictionless.Schema, dict[str, Any]]:
    import frictionless
    from frictionless.table.row import create_cell_handlers

    schema = frictionless.Schema.from_descriptor(json.loads(text))
    return schema, create_cell_handlers(schema.fields)


def _frictionless_schema(table_schema: Mapping[str, Any]) -> tuple[frictionless.Schema, Any]:
    """frictionless' Schema of a descriptor and its cell handlers, made once per descriptor:
    frictionless validates a descriptor against its JSON Schema each time, which adds up over
    the files of a package. Both are only read, never changed."""
    return _schema_of(json.dumps(table_schema, sort_keys=True))


#: frictionless guesses the heading from the widths of this many first records.
#: (Written out rather than read from frictionless: a test holds the two equal.)
_SAMPLE_ROWS = 100


def _header_rows(path: Path, table_schema: Mapping[str, Any]) -> list[int]:
    """The heading row frictionless picks: it guesses from the widths of the first rows, so
    blank or short rows near the top can make it take a data row for the heading."""
    import frictionless
    from frictionless.formats import CsvControl

    probe = frictionless.Resource(
        path=path.name,
        basepath=str(path.parent),
        format="csv",
        encoding="utf-8",
        control=CsvControl(delimiter=","),
        # Without foreign keys, opening it reads no other file.
        schema=frictionless.Schema.from_descriptor({**table_schema, "foreignKeys": []}),
    )
    with probe:
        return list(probe.dialect.header_rows)


#: Cells these patterns match are read by frictionless as they stand; each is narrower than
#: frictionless' own rule (RE2's ``$`` is the very end, its ``\\s`` only ASCII), so a cell it
#: refuses is simply read by frictionless.
_BOOLEANS = ("true", "false")
#: Number options that change which spellings frictionless reads; with any, it decides.
_NUMBER_OPTIONS = {"bareNumber", "decimalChar", "groupChar", "floatNumber"}
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-](0[0-9]|1[0-9]|2[0-3]):[0-5][0-9])?$"
_URI = r"^https?://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(/[A-Za-z0-9._~/-]*)?$"


def _python_checked(values: pa.Array, shape: str, valid: Callable[[str], object]) -> pa.Array:
    """Which distinct ``values`` have ``shape`` and pass ``valid`` (Python's own date reading:
    the distinct dates of a column are few)."""
    shaped = pc.match_substring_regex(values, shape)
    out = []
    for value, fits in zip(values.to_pylist(), shaped.to_pylist()):
        if fits:
            try:
                valid(value)
            except ValueError:
                fits = False
        out.append(bool(fits))
    return pa.array(out, pa.bool_())


def _distinct_ok(values: pa.Array, field: Mapping[str, Any]) -> pa.Array | None:
    """For each distinct cell, True where frictionless certainly reads it and finds it within
    the field's constraints; None where this module does not know the field's rules."""
    kind = field.get("type", "string")
    form = field.get("format") or "default"
    constraints = dict(field.get("constraints") or {})
    constraints.pop("required", None)
    if kind == "string" and form == "default":
        # Not pa.array(np.ones(...)): a NumPy array there imports numpy.ma (30 ms).
        ok = pa.repeat(True, len(values))
    elif kind == "string" and form == "uri":
        ok = pc.match_substring_regex(values, _URI)
    elif kind in ("number", "integer") and form == "default" and not _NUMBER_OPTIONS & set(field):
        plain = pc.match_substring_regex(
            values, _PLAIN_NUMBER if kind == "number" else _PLAIN_INTEGER
        )
        numbers = pc.cast(pc.if_else(plain, values, "0"), pa.float64())
        ok = plain
        # Strictly inside the bounds as floats means inside them exactly (rounding is monotonic);
        # a value on a bound is left to frictionless.
        for name, compare in (
            ("minimum", pc.greater),
            ("exclusiveMinimum", pc.greater),
            ("maximum", pc.less),
            ("exclusiveMaximum", pc.less),
        ):
            bound = constraints.pop(name, None)
            if bound is not None:
                ok = pc.and_(ok, compare(numbers, float(bound)))
    elif kind == "boolean" and "trueValues" not in field and "falseValues" not in field:
        ok = pc.is_in(values, value_set=pa.array(_BOOLEANS, pa.string()))
    elif kind == "date" and form == "default":
        ok = _python_checked(values, _DATE, lambda v: dt.datetime.strptime(v, "%Y-%m-%d"))
    elif kind == "datetime" and form == "default":
        ok = _python_checked(values, _DATETIME, dt.datetime.fromisoformat)
    else:
        return None
    if "pattern" in constraints:
        if kind != "string":
            return None
        try:
            fits = pc.match_substring_regex(values, f"^(?:{constraints.pop('pattern')})$")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None  # a pattern RE2 cannot read: frictionless reads every cell
        ok = pc.and_(ok, fits)
    if "enum" in constraints:
        enum = constraints.pop("enum")
        if kind != "string" or not all(isinstance(v, str) for v in enum):
            return None
        ok = pc.and_(ok, pc.is_in(values, value_set=pa.array(enum, pa.string())))
    if constraints:
        return None  # a constraint not written here (lengths, uniqueness): frictionless decides
    return ok


def _certainly_valid(
    column: pa.Array,
    field: Mapping[str, Any],
    encoded: Callable[[], pa.DictionaryArray],
    empty: pa.Array | None = None,
) -> pa.Array | bool | None:
    """A mask of cells that need no reading, True when none does, or None when every distinct
    value must be read. ``field`` is the field's Table Schema descriptor (the only missing
    value being the empty cell); ``encoded`` gives the column as numbers of its distinct cells;
    ``empty`` is the mask of its empty cells, where already worked out."""
    constraints = field.get("constraints") or {}
    required = bool(constraints.get("required"))
    if empty is None:
        empty = pc.equal(column, "")
    free_text = (
        field.get("type", "string") == "string" and (field.get("format") or "default") == "default"
    )
    if free_text and not set(constraints) - {"required"}:
        return pc.invert(empty) if required else True
    # The checks run once per distinct cell, and their answer is spread back by number.
    distinct = encoded()
    ok = _distinct_ok(distinct.dictionary, field)
    if ok is None:
        return None
    # The empty cell is the distinct value "": judged with the others, so that a column whose
    # every distinct value passes is cleared without spreading the answer over its rows.
    blank = pc.equal(distinct.dictionary, "")
    ok = pc.and_(ok, pc.invert(blank)) if required else pc.or_(ok, blank)
    ok = pc.fill_null(ok, False)
    if distinct.indices.null_count == 0 and pc.all(ok).as_py() is not False:
        return True
    return pc.fill_null(pc.take(ok, distinct.indices), False)


def _doubtful_rows(
    parsed: Parsed, table_schema: Mapping[str, Any]
) -> tuple[set[int], dict[str, dict[str, Any]]]:
    """Row indexes (0-based, data rows) with a cell frictionless may object to, and, for each
    column, the typed value frictionless reads from its doubtful distinct values.

    frictionless is imported only where some cell is in doubt: a clean file is decided here."""
    doubtful: set[int] = set()
    typed: dict[str, dict[str, Any]] = {}
    blank: pa.Array | None = None
    plain_missing = list(table_schema.get("missingValues", [""])) == [""]
    pending: list[tuple[int, pa.Array]] = []
    for position, (field, column) in enumerate(zip(table_schema["fields"], parsed.columns)):
        empty = pc.equal(column, "")
        ok = (
            _certainly_valid(column, field, lambda p=position: parsed.encoded(p), empty)
            if plain_missing
            else None
        )
        blank = empty if blank is None else pc.and_(blank, empty)
        if ok is True:
            continue
        # Every cell in doubt: its distinct values are those of the shared encoding.
        if ok is None:
            pending.append((position, parsed.encoded(position).dictionary))
        elif not pc.all(ok).as_py():
            pending.append((position, pc.unique(pc.filter(column, pc.invert(ok)))))
    if pending:
        _, handlers = _frictionless_schema(table_schema)
        readers = list(handlers.values())
        for position, distinct in pending:
            handler = readers[position]
            column = parsed.columns[position]
            values: dict[str, Any] = {}
            bad: list[str] = []
            for value in distinct.to_pylist():
                target, notes = handler.reader(value)
                values[value] = target
                if notes:
                    bad.append(value)
            typed[handler.field.name] = values
            if bad:
                hits = pc.is_in(column, value_set=pa.array(bad, pa.string()))
                doubtful.update(pc.indices_nonzero(hits).to_pylist())
    if blank is not None:
        doubtful.update(pc.indices_nonzero(blank).to_pylist())
    doubtful.update(n - 2 for n in parsed.irregular)
    return doubtful, typed


def _record(parsed: Parsed, index: int) -> list[str]:
    row_number = index + 2
    if row_number in parsed.irregular:
        return parsed.irregular[row_number]
    return [column[index].as_py() for column in parsed.columns]


def lookup_values(
    path: Path,
    table_schema: Mapping[str, Any],
    field_name: str,
    parsed: read.Parsed | None = None,
) -> set[Any]:
    """The values of one field over a resource's rows, as frictionless' foreign-key lookup
    holds them (typed; empty and unreadable cells left out). ``parsed`` is the file already
    read by column, if it has been; each distinct cell is read once."""
    fields = list(table_schema["fields"])
    names = [f["name"] for f in fields]
    if field_name not in names:
        return set()
    position = names.index(field_name)
    field = fields[position]
    if (
        field.get("type", "string") == "string"
        and (field.get("format") or "default") == "default"
        and list(table_schema.get("missingValues", [""])) == [""]
    ):
        # Plain text reads as itself, and only an empty cell is missing: no need of frictionless.
        def reader(source: str | None) -> tuple[Any, Any]:
            return (source or None), None
    else:
        schema, _ = _frictionless_schema(table_schema)
        reader = schema.get_field(field_name).create_cell_reader()
    if parsed is None:
        try:
            parsed = read.parse(path)
        except ValueError:
            return set()
    if position >= len(parsed.columns):
        return set()
    column = parsed.columns[position]
    # A short row has no cell here (None to frictionless), not an empty one.
    short = [n - 2 for n, record in parsed.irregular.items() if position >= len(record)]
    if short:
        keep = np.ones(len(column), dtype=bool)
        keep[short] = False
        column = column.filter(pa.array(keep))
    found: set[Any] = set()
    for source in pc.unique(column).to_pylist():
        target, _notes = reader(source)
        if target is not None:
            found.add(target)
    return found


def check(
    path: Path,
    table_schema: Mapping[str, Any],
    lookups: Mapping[tuple[str, str], set[Any]],
    name: str,
    parsed: read.Parsed | None = None,
) -> tuple[list[Any], Sequence[int]]:
    """The errors frictionless would report for one CSV resource, and each record's line.

    ``table_schema`` is the file's schema as given to frictionless; ``lookups`` holds, for each
    foreign key's ``(resource, field)``, the values found there (see :func:`lookup_values`).
    ``parsed`` is the file already read by column, if it has been.
    Raises :class:`Unsupported` where frictionless must do the work.
    """
    if parsed is None:
        try:
            parsed = read.parse(path)
        except ValueError as error:
            raise Unsupported(str(error)) from error
    if parsed.lines[0] != 1:
        raise Unsupported("blank lines above the heading: frictionless decides where it is")
    fields = list(table_schema["fields"])
    # Where every record of frictionless' sample is as wide as the first, the first is the
    # heading it picks; otherwise ask frictionless.
    if any(n <= _SAMPLE_ROWS for n in parsed.irregular) and _header_rows(path, table_schema) != [1]:
        raise Unsupported("frictionless takes another row for the heading")
    if len(parsed.header) != len(fields):
        raise Unsupported("the heading does not match the schema")
    doubtful, typed = _doubtful_rows(parsed, table_schema)

    # Keys are compared as frictionless compares them: typed values, None for an empty or
    # unreadable cell. Text keys read as themselves unless their cell is doubtful.
    names = [f["name"] for f in fields]
    kinds = {f["name"]: f.get("type", "string") for f in fields}
    key_fields = list(table_schema.get("primaryKey") or [])
    if isinstance(table_schema.get("primaryKey"), str):
        raise Unsupported("a primary key written as one name")
    foreign_keys = list(table_schema.get("foreignKeys") or [])
    fk_list = [
        fk
        for fk in foreign_keys
        if isinstance(fk["fields"], list)
        and len(fk["fields"]) == 1
        and isinstance(fk["reference"]["fields"], list)
    ]
    if len(fk_list) != len(foreign_keys):
        raise Unsupported("a foreign key of several fields")
    for field_name in {*key_fields, *(fk["fields"][0] for fk in fk_list)}:
        if kinds.get(field_name) != "string":
            raise Unsupported("a key that is not text")

    # frictionless' rows and errors are made only for rows with something to report.
    rows: dict[int, Row] = {}

    def row_at(index: int) -> Row:
        from frictionless.table.row import Row

        if index not in rows:
            _, handlers = _frictionless_schema(table_schema)
            rows[index] = Row(_record(parsed, index), handlers=handlers, row_number=index + 2)
        return rows[index]

    def key_column(field_name: str) -> pa.Array:
        """The column as frictionless compares it: null for an empty or unreadable cell."""
        position = names.index(field_name)
        column = parsed.columns[position]
        if "" in table_schema.get("missingValues", [""]):
            # An empty cell is a missing value, None to frictionless (its reading of the
            # column's doubtful cells, below, may not have met one).
            empty = pc.equal(column, "")
            if pc.any(empty).as_py():
                column = pc.if_else(empty, pa.scalar(None, pa.string()), column)
        unread = [v for v, t in typed.get(field_name, {}).items() if t is None]
        if unread:
            nulls = pc.is_in(column, value_set=pa.array(unread, pa.string()))
            column = pc.if_else(nulls, pa.scalar(None, pa.string()), column)
        short = [n - 2 for n, record in parsed.irregular.items() if position >= len(record)]
        if short:
            # A short row's absent cells are None to frictionless, not "".
            mask = np.zeros(len(column), dtype=bool)
            mask[short] = True
            column = pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), column)
        return column

    found: dict[int, list[Any]] = {}
    for index in sorted(doubtful):
        row = row_at(index)
        if row.errors:
            found.setdefault(index, []).extend(row.errors)

    if key_fields:
        keys = [key_column(f) for f in key_fields]
        present = keys[0].is_valid()
        for key in keys[1:]:
            present = pc.or_(present, key.is_valid())
        for index in pc.indices_nonzero(pc.invert(present)).to_pylist():
            note = 'cells composing the primary keys are all "None"'
            found.setdefault(index, []).append(
                _errors().PrimaryKeyError.from_row(row_at(index), note=note)
            )
        # A key column read as it stands shares its distinct values with the other checks.
        shared = [
            parsed.encoded(names.index(f)) if key is parsed.columns[names.index(f)] else None
            for f, key in zip(key_fields, keys)
        ]
        for index, note in _repeated_keys(keys, present, shared):
            found.setdefault(index, []).append(
                _errors().PrimaryKeyError.from_row(row_at(index), note=note)
            )

    for fk in fk_list:
        field_name = fk["fields"][0]
        source = fk["reference"]["resource"]
        source_field = fk["reference"]["fields"][0]
        allowed = lookups[(source or name, source_field)]
        values = key_column(field_name)
        known = pc.is_in(values, value_set=pa.array(sorted(allowed), pa.string()))
        unknown = pc.and_(values.is_valid(), pc.invert(known))
        for index in pc.indices_nonzero(unknown).to_pylist():
            cell = values[index].as_py()
            note = (
                f'for "{field_name}": values "{cell}" not found in the lookup table '
                f'"{source}" as "{source_field}"'
            )
            found.setdefault(index, []).append(
                _errors().ForeignKeyError.from_row(
                    row_at(index),
                    note=note,
                    field_names=[field_name],
                    field_values=[cell],
                    reference_name=source,
                    reference_field_names=[source_field],
                )
            )

    return _limited(found[i] for i in sorted(found)), parsed.lines


def _errors() -> Any:
    """frictionless' error classes, imported only where a row has an error to report."""
    from frictionless import errors

    return errors


def _repeated_keys(
    keys: list[pa.Array],
    present: pa.Array,
    encoded: Sequence[pa.DictionaryArray | None] = (),
) -> list[tuple[int, str]]:
    """Rows whose key repeats an earlier row's, with frictionless' note (which names the
    latest earlier row with that key)."""
    numbers = _key_numbers(keys, encoded)
    rows = np.flatnonzero(present.to_numpy(zero_copy_only=False))
    used = numbers[rows]
    if _all_different(used):
        return []  # every key is unique: the usual case
    # Rows in order of their key, and in their own order within one key (a stable sort): a
    # row with the same key as the one before it repeats it, and that one is the latest
    # earlier row with the key.
    order = np.argsort(used, kind="stable")
    ordered = used[order]
    repeats = np.flatnonzero(ordered[1:] == ordered[:-1])
    pairs = sorted(zip(rows[order[repeats + 1]].tolist(), rows[order[repeats]].tolist()))
    return [(row, f"the same as in the row at position {earlier + 2}") for row, earlier in pairs]


def _key_numbers(
    keys: list[pa.Array], encoded: Sequence[pa.DictionaryArray | None] = ()
) -> np.ndarray:
    """One number per row for its key (the cells of ``keys`` together): equal keys, equal
    numbers. Each key column as numbers of its distinct values (``encoded``, where already
    worked out), combined; much faster than a group-by on text."""
    combined = np.zeros(len(keys[0]) if keys else 0, dtype=np.int64)
    span = 1
    for position, key in enumerate(keys):
        given = encoded[position] if position < len(encoded) else None
        distinct = given if given is not None else pc.dictionary_encode(key)
        size = len(distinct.dictionary) + 1
        if span * size >= 2**62:
            # Too many combinations to number: number the distinct ones seen so far instead.
            _, combined = np.unique(combined, return_inverse=True)
            span = int(combined.max(initial=0)) + 1
        codes = pc.fill_null(distinct.indices, -1).to_numpy(zero_copy_only=False)
        combined = combined * size + codes.astype(np.int64) + 1
        span *= size
    return combined


def _all_different(numbers: np.ndarray) -> bool:
    """Whether no two of ``numbers`` (non-negative) are equal."""
    if len(numbers) < 2:
        return True
    if int(numbers.max()) <= 4 * len(numbers) + 1_000_000:
        # Few enough possible numbers to count each in an array: one pass, no sort.
        return int(np.bincount(numbers).max()) <= 1
    ordered = np.sort(numbers)
    return not bool(np.any(ordered[1:] == ordered[:-1]))


def _limited(per_row: Iterable[list[Any]]) -> list[Any]:
    """frictionless' error limit: it stops after the row that reaches the limit."""
    out: list[Any] = []
    for errors in per_row:
        out.extend(errors)
        if len(out) >= LIMIT_ERRORS:
            return out[:LIMIT_ERRORS]
    return out
