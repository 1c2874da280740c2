"""No input makes pvreport raise or print a traceback: every outcome is a clean problem list or a pass.

Hypothesis feeds real validation (gate, hygiene, frictionless, rules) random and mutated CSV bytes
and descriptors. Example counts are modest so the file runs in well under a minute.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conftest import AS_OF, BASE, copy_base
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pvreport import cli, contract
from pvreport.problems import catalogue
from pvreport.validate import validate_package

#: PVREPORT_FUZZ_EXAMPLES=500 explores further (and randomly) when hunting for a crash.
_EXAMPLES = int(os.environ.get("PVREPORT_FUZZ_EXAMPLES", "0"))
SETTINGS = settings(
    max_examples=_EXAMPLES or 15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=not _EXAMPLES,
)
#: frictionless takes most of the time, so the package under test keeps six of the ten resources:
#: the required ones and two with dates, integers and lists of ids.
KEPT = (*contract.REQUIRED_RESOURCES, "engagements", "decisions")
CSV_FILES = sorted(f"{name}.csv" for name in KEPT)
#: Characters that matter to a CSV reader or to hygiene, mixed into random text.
NASTY = st.sampled_from(
    [",", '"', "\n", "\r\n", ";", "\t", "\x00", "\x1b", "\u200b", "\u202e", "\ufeff", "é", "%", " "]
)
TEXT = st.lists(st.one_of(NASTY, st.text(max_size=5)), max_size=20).map("".join)


def small_descriptor() -> dict[str, Any]:
    descriptor = json.loads((BASE / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] in KEPT]
    return descriptor


DESCRIPTOR = small_descriptor()


@contextlib.contextmanager
def a_package() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        package = copy_base(Path(tmp) / "package")
        (package / "datapackage.json").write_text(json.dumps(DESCRIPTOR), encoding="utf-8")
        yield package


def assert_clean(package: Path) -> None:
    """The command finishes with a clean problem list or a pass, never an exception.

    cli.main runs the whole of validate_package; an exception escaping it fails the test.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(
            ["validate", str(package), "--format", "json", "--as-of", AS_OF.isoformat()]
        )
    assert err.getvalue() == ""
    problems = json.loads(out.getvalue())
    assert isinstance(problems, list)
    for p in problems:
        assert p["code"] in catalogue()
        assert p["message"] and p["hint"]
        assert p["severity"] in ("error", "warning")
        assert p["line"] is None or (isinstance(p["line"], int) and p["line"] >= 1)
    assert code == (1 if any(p["severity"] == "error" for p in problems) else 0)


def test_the_small_package_passes() -> None:
    with a_package() as package:
        result = validate_package(package, as_of=AS_OF)
        assert result.ok and set(result.tables) == set(KEPT)
        assert_clean(package)


@SETTINGS
@given(file=st.sampled_from(CSV_FILES), content=st.binary(max_size=400))
def test_random_bytes_as_a_csv_file(file: str, content: bytes) -> None:
    with a_package() as package:
        (package / file).write_bytes(content)
        assert_clean(package)


@SETTINGS
@given(
    file=st.sampled_from(CSV_FILES),
    cut=st.floats(min_value=0, max_value=1),
    length=st.integers(min_value=0, max_value=40),
    insert=TEXT,
)
def test_mutated_csv_text(file: str, cut: float, length: int, insert: str) -> None:
    original = (BASE / file).read_text(encoding="utf-8")
    at = int(cut * len(original))
    mutated = original[:at] + insert + original[at + length :]
    with a_package() as package:
        (package / file).write_text(mutated, encoding="utf-8", newline="")
        assert_clean(package)


@SETTINGS
@given(file=st.sampled_from(CSV_FILES), keep=st.floats(min_value=0, max_value=1))
def test_truncated_csv_file(file: str, keep: float) -> None:
    data = (BASE / file).read_bytes()
    with a_package() as package:
        (package / file).write_bytes(data[: int(keep * len(data))])
        assert_clean(package)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON value: a tuple of keys and indexes."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


PLACES = [p for p in _paths(DESCRIPTOR) if p]


@SETTINGS
@given(
    place=st.sampled_from(PLACES),
    action=st.sampled_from(["drop", "replace"]),
    value=JSON_VALUES,
)
def test_mutated_descriptor(place: tuple[Any, ...], action: str, value: Any) -> None:
    descriptor = json.loads(json.dumps(DESCRIPTOR))
    parent = descriptor
    for step in place[:-1]:
        parent = parent[step]
    if action == "drop":
        del parent[place[-1]]
    else:
        parent[place[-1]] = value
    with a_package() as package:
        (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
        assert_clean(package)


@SETTINGS
@given(keep=st.floats(min_value=0, max_value=1), junk=TEXT)
def test_truncated_or_garbled_descriptor_text(keep: float, junk: str) -> None:
    text = json.dumps(DESCRIPTOR, indent=2)
    with a_package() as package:
        (package / "datapackage.json").write_text(
            text[: int(keep * len(text))] + junk, encoding="utf-8"
        )
        assert_clean(package)


#: Any code point at all, lone surrogates and NUL included (a JSON escape can name them).
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=12)
PATHS = st.one_of(
    ANY_TEXT,
    TEXT.map(lambda t: t + ".csv"),
    st.sampled_from(["../x.csv", "/x.csv", ".x.csv", "x.csv.gz", "C:\\x.csv", "a//b.csv", "."]),
)


@SETTINGS
@given(
    index=st.integers(min_value=0, max_value=len(KEPT) - 1),
    path=PATHS,
    key=st.sampled_from(["path", "schema", "dialect", "name"]),
)
def test_hostile_resource_references(index: int, path: str, key: str) -> None:
    descriptor = json.loads(json.dumps(DESCRIPTOR))
    descriptor["resources"][index][key] = path
    with a_package() as package:
        (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
        assert_clean(package)
