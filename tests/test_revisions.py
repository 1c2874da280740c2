"""A revision names one row, read one way (pvreport.keys.resolve) by validation and withholding."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import AS_OF, copy_base

from pvreport import keys
from pvreport.report import load, visibility
from pvreport.validate import validate_package

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)

ROWS = {
    ("damp-homes", "2024/25", "all"): "r1",
    ("damp-homes", "2024/25", "age: 16-24"): "r2",
}


@pytest.mark.parametrize(
    ("row_id", "row"),
    [
        ("damp-homes;2024/25;all", "r1"),  # the contract's form
        (" damp-homes ; 2024/25 ; all ", "r1"),
        ("damp-homes 2024/25 all", "r1"),  # older form, still read
        ("damp-homes 2024/25 age: 16-24", "r2"),
        ("damp-homes;2024/25;age: 16-24", "r2"),
        ("Damp-homes;2024/25;all", None),  # case differs: no guess
        ("damp-homes;2024/25", None),
        ("damp-homes;2024/25;all;x", None),
        ("damp-homes-v2;2024/25;all", None),
        ("damp-homes/2024/25/all", None),
    ],
)
def test_resolve_results(row_id: str, row: str | None) -> None:
    assert keys.resolve("results", row_id, ROWS) == row


def test_resolve_other_resources() -> None:
    options = {("park-bins", "fifty-bins"): "o"}
    assert keys.resolve("options", "park-bins;fifty-bins", options) == "o"
    assert keys.resolve("options", "park-bins/fifty-bins", options) == "o"
    assert keys.resolve("options", "park-bins fifty-bins", options) == "o"
    assert keys.resolve("options", "fifty-bins", options) is None
    ids = {("secret",): "i"}
    assert keys.resolve("indicators", "secret", ids) == "i"
    assert keys.resolve("indicators", "Secret", ids) is None
    assert keys.resolve("indicators", "secret-2", ids) is None
    assert keys.resolve("revisions", "secret", ids) is None


def test_closest() -> None:
    assert keys.closest("Damp-Homes", ["repairs-done", "damp-homes"]) == "damp-homes"
    assert keys.closest("damp-homes ", ["damp-homes"]) == "damp-homes"
    assert keys.closest("damp-home", ["repairs-done", "damp-homes"]) == "damp-homes"
    assert keys.closest("zzz", ["repairs-done", "damp-homes"]) is None


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def _withhold(pkg: Path) -> tuple[list[str], visibility.Withheld]:
    validation = validate_package(pkg, as_of=AS_OF)
    assert validation.descriptor is not None
    report = load.to_report(validation.descriptor, validation.tables)
    public, withheld = visibility.withhold(report, now=NOW)
    return [r.reason for r in public.revisions], withheld


def test_revisions_about_withheld_rows_are_withheld(tmp_path: Path) -> None:
    pkg = copy_base(tmp_path / "pkg")
    _append(
        pkg / "indicators.csv",
        "secret-ind,safe-homes,Secret,outcome,%,decrease,,,,,,,false,,,M,S,,confidential",
    )
    _append(
        pkg / "engagements.csv",
        "eng-secret,Secret talk,deliberative,involve,2025-05-01,2025-05-02,5,Us,Q?,,,confidential",
    )
    _append(pkg / "engagement_profile.csv", "eng-secret,age,all,100,100")
    for row_id, field, old, reason in [
        ("eng-secret;age;all", "participants_share", "90", "profile of a withheld engagement"),
        ("damp-homes", "counterbalance_id", "secret-ind", "old value is a withheld id"),
        ("damp-homes", "counterbalance_id", "repairs-done;secret-ind", "a list naming one"),
        ("Secret-Ind", "title", "Old", "differs only in case"),
        ("secret-ind-2", "title", "Old", "differs by a suffix"),
        ("damp-homes", "title", "Old", "public"),
    ]:
        resource = "engagement_profile" if ";" in row_id else "indicators"
        _append(pkg / "revisions.csv", f"2025-07-01,{resource},{row_id},{field},{old},,{reason}")
    shown, withheld = _withhold(pkg)
    assert shown == ["The tenants' panel asked us to aim higher.", "public"]
    assert withheld.rows["revisions"] == 5
    # The list of changes says how many are not shown.
    assert [(n.what, n.count) for n in withheld.at("revisions")] == [("revisions", 5)]
    assert "old value is a withheld id" in {c.text for c in withheld.canaries}


def test_a_revision_names_no_row_with_the_key_form_in_the_hint(tmp_path: Path) -> None:
    pkg = copy_base(tmp_path / "pkg")
    _append(pkg / "revisions.csv", "2025-07-01,results,damp-homes 2023/24,value,1,2,Why.")
    _append(pkg / "revisions.csv", "2025-07-01,options,Park-Bins;fifty-bins,cost,1,2,Why.")
    _append(pkg / "revisions.csv", "2025-07-01,options,park-bins;fifty-bins,cost,1,2,Why.")
    problems = validate_package(pkg, as_of=AS_OF).problems
    assert [(p.line, p.field, p.code) for p in problems] == [
        (3, "row_id", "revision-names-no-row"),
        (4, "row_id", "revision-names-no-row"),
    ]
    results, options = problems
    assert "indicator;period;group" in (results.hint or "")
    assert "Did you mean 'damp-homes;2023/24;all'?" in results.message
    assert "decision;id" in (options.hint or "")
    assert "Did you mean 'park-bins;fifty-bins'?" in options.message


def test_a_revision_of_a_result_under_embargo_is_counted_as_embargoed(tmp_path: Path) -> None:
    """It will be shown when the embargo lifts: the changes page must not call it confidential."""
    pkg = copy_base(tmp_path / "pkg")
    _append(pkg / "results.csv", "damp-homes,2026/27,all,7.25,,,,provisional,2027-01-01T09:30:00Z,")
    _append(pkg / "revisions.csv", "2026-05-01,results,damp-homes;2026/27;all,value,7.0,,Recounted")
    shown, withheld = _withhold(pkg)
    assert "Recounted" not in shown
    assert [(n.what, n.count, n.reason) for n in withheld.at("revisions")] == [
        ("revisions", 1, "embargo")
    ]
