"""Whatever validates builds: for any package `validate` accepts, `build` succeeds.

Packages are the base package with hypothesis' choice of extreme numbers (in every number field),
ids (the words the site uses for itself, ids that end like another indicator's chart names),
breakdown groups and descriptor values (funding, licences, contributors, texts). Each example is
validated; where validation finds no error, the real build (frictionless, MkDocs Material, the
chart drawing) must succeed. Builds take seconds, so the examples are few; the explicit examples
are the packages that once validated and then failed to build.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_OF, BASE, copy_base, make_project
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pvreport import build
from pvreport.validate import validate_package

pytestmark = pytest.mark.slow

#: Numbers as a spreadsheet or a careless export may write them: at and near the largest and
#: smallest sizes pvreport takes, signed zero, and (less often) NaN, infinity and beyond.
VALID_NUMBERS = st.one_of(
    st.sampled_from(
        [
            "1e15",
            "-1e15",
            "1000000000000000",
            "999999999999999.9",
            "1e-300",
            "5e-324",
            "-5e-324",
            "-0",
            "0",
            "0.0001",
            "123456789012.345",
            "1E+14",
            " 7 ",
            "+3",
        ]
    ),
    st.floats(min_value=-1e15, max_value=1e15).map(repr),
    st.integers(min_value=-(10**15), max_value=10**15).map(str),
)
WRONG_NUMBERS = st.one_of(
    st.sampled_from(
        ["1.7e308", "-1.7e308", "1e400", "NaN", "nan", "inf", "-Infinity", "1000000000000001"]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
NUMBERS = st.one_of(VALID_NUMBERS, VALID_NUMBERS, VALID_NUMBERS, WRONG_NUMBERS)
#: Ids that are words the site uses, and ids that end like another indicator's chart names.
IDS = st.one_of(
    st.sampled_from(
        [
            "index",
            "data",
            "search",
            "assets",
            "charts",
            "x",
            "a" * 64,
            "damp-homes-by-age",
            "street-cleanliness-by-age",
            "street-cleanliness-trend",
            "damp-homes-2",
            "404",
            "embed",
            "print",
            "what-changed",
        ]
    ),
    st.from_regex(r"[a-z0-9][a-z0-9-]{0,30}", fullmatch=True),
)
DIMENSIONS = st.one_of(
    st.sampled_from(["age trend", "trend", "Age", "age", "by", "ward: x", "Ward Trend", "é ü"]),
    st.text(alphabet="abAB -_:é1", min_size=1, max_size=12).filter(lambda t: t.strip()),
)
TEXT = st.text(max_size=20)
TEXT_OR_NOT = st.one_of(
    TEXT, TEXT, TEXT, st.integers(), st.floats(allow_nan=False), st.booleans(), st.none()
)
FUNDING = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "amount": st.one_of(
                st.sampled_from([0, 1e15, 10**15, 214500000, 5e-324, 0.5]),
                st.sampled_from([10**15 + 1, -1, "lots", 1.5e300, 10**400]),
                st.floats(min_value=0, max_value=1e15),
                st.integers(min_value=0, max_value=10**15),
            ),
            "currency": st.one_of(st.sampled_from(["GBP", "EUR", "£", "", "XYZ"]), TEXT_OR_NOT),
        },
        optional={"period": TEXT_OR_NOT, "sources": st.one_of(st.lists(st.text()), TEXT_OR_NOT)},
    ),
)
OBJECTS = st.fixed_dictionaries({}, optional={"name": TEXT, "title": TEXT, "role": TEXT})
LISTS_OF_OBJECTS = st.one_of(
    st.lists(OBJECTS, max_size=3),
    st.lists(OBJECTS, max_size=3),
    st.integers(),
    st.text(max_size=5),
    st.lists(st.one_of(OBJECTS, st.integers(), st.fixed_dictionaries({"title": TEXT_OR_NOT}))),
)


@st.composite
def packages(draw: st.DrawFn) -> dict[str, Any]:
    """What to change in the base package: numbers, an id, a breakdown, descriptor values."""
    changes: dict[str, Any] = {}
    if draw(st.booleans()):
        changes["numbers"] = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(
                        [
                            ("results.csv", 2, "value"),
                            ("results.csv", 7, "value"),
                            ("results.csv", 9, "lower"),
                            ("results.csv", 9, "upper"),
                            ("results.csv", 10, "sample_size"),
                            ("indicators.csv", 2, "baseline_value"),
                            ("indicators.csv", 3, "target_value"),
                            ("options.csv", 2, "cost"),
                            ("options.csv", 3, "public_support"),
                            ("engagements.csv", 2, "participants"),
                        ]
                    ),
                    NUMBERS,
                ),
                min_size=1,
                max_size=3,
            )
        )
    if draw(st.booleans()):
        changes["indicator_id"] = draw(IDS)
    if draw(st.booleans()):
        changes["dimension"] = draw(DIMENSIONS)
    if draw(st.booleans()):
        descriptor: dict[str, Any] = {}
        for key, strategy in (
            ("funding", FUNDING),
            ("licenses", LISTS_OF_OBJECTS),
            ("contributors", LISTS_OF_OBJECTS),
            ("title", TEXT_OR_NOT),
            ("name", TEXT_OR_NOT),
            ("version", TEXT_OR_NOT),
        ):
            if draw(st.booleans()):
                descriptor[key] = draw(strategy)
        changes["descriptor"] = descriptor
    return changes


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _write(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def apply(package: Path, changes: dict[str, Any]) -> None:
    for (file, line, field), value in changes.get("numbers", []):
        rows = _rows(package / file)
        rows[line - 1][rows[0].index(field)] = value
        _write(package / file, rows)
    new_id = changes.get("indicator_id")
    if new_id is not None and new_id != "repairs-done":
        for file, fields in (
            ("indicators.csv", ("id", "counterbalance_id")),
            ("results.csv", ("indicator_id",)),
        ):
            rows = _rows(package / file)
            columns = [rows[0].index(f) for f in fields]
            for row in rows[1:]:
                for c in columns:
                    if row[c] == "repairs-done":
                        row[c] = new_id
            _write(package / file, rows)
    dimension = changes.get("dimension")
    if dimension is not None:
        rows = _rows(package / "results.csv")
        for category, value in (("first", "40"), ("second", "60")):
            rows.append(
                ["street-cleanliness", "2025/26", f"{dimension}: {category}", value]
                + [""] * (len(rows[0]) - 4)
            )
        _write(package / "results.csv", rows)
    if "descriptor" in changes:
        path = package / "datapackage.json"
        descriptor = json.loads(path.read_text(encoding="utf-8"))
        for key, value in changes["descriptor"].items():
            if key == "funding":
                if value is None:
                    descriptor["organisation"].pop("funding", None)
                else:
                    descriptor["organisation"]["funding"] = value
            else:
                descriptor[key] = value
        path.write_text(json.dumps(descriptor, indent=2, allow_nan=False), encoding="utf-8")


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=packages())
# The packages that once validated and then failed to build.
@example(changes={"descriptor": {"licenses": 5, "contributors": 7}})
@example(changes={"descriptor": {"funding": {"amount": "lots", "currency": "GBP"}}})
@example(changes={"numbers": [(("results.csv", 7, "value"), "1.7e308")]})
@example(changes={"indicator_id": "street-cleanliness-by-age", "dimension": "age trend"})
@example(changes={"indicator_id": "index"})
# The extremes that validate: they must draw.
@example(
    changes={
        "numbers": [
            (("results.csv", 9, "lower"), "-1e15"),
            (("results.csv", 9, "upper"), "1e15"),
            (("results.csv", 2, "value"), "5e-324"),
            (("indicators.csv", 3, "target_value"), "-1e15"),
        ],
        "descriptor": {"funding": {"amount": 10**15, "currency": "XYZ"}, "licenses": []},
    }
)
def test_whatever_validates_builds(
    changes: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("property")
    package = copy_base(folder / BASE.name)
    try:
        apply(package, changes)
    except ValueError:  # a float JSON cannot hold: not a descriptor anyone can write
        return
    if not validate_package(package, as_of=AS_OF).ok:
        return
    project = make_project(folder / "project", package)
    result = build.build(project, as_of=AS_OF)
    assert (result.site_dir / "index.html").is_file()
