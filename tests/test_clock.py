"""One clock, one moment: a plain `pvreport build`, the `mkdocs serve` plugin and `pvreport
validate` judge an embargo at the moment they run, to the second, not at the start of the day.

These tests use the real clock (no --as-of, no SOURCE_DATE_EPOCH): the embargoes are written an
hour either side of now.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from conftest import BASE, copy_base, make_project

from pvreport import build

LIFTED = "LiftedAnHourAgo note"
LIFTING = "LiftsInAnHour note"


def _moment(hours: int) -> str:
    """A moment ``hours`` from now (an hour ago, or in an hour). In the first hour of a UTC day
    "an hour ago" is yesterday, which a clock cut to midnight would also call past: there, half
    the time since midnight is taken instead, so that the test still tells the two apart."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    delta = dt.timedelta(hours=hours)
    since_midnight = now - now.replace(hour=0, minute=0, second=0)
    if hours < 0 and since_midnight < -delta:
        delta = -max(since_midnight / 2, dt.timedelta(seconds=1))
    return (now + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def _append_results(package: Path, rows: list[dict[str, str]]) -> None:
    path = package / "results.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(out.getvalue())


def _embargoed_a_hour_either_side(package: Path) -> None:
    _append_results(
        package,
        [
            {
                "indicator_id": "damp-homes",
                "period": "2026/27",
                "group": "all",
                "value": "8.5",
                "status": "provisional",
                "embargo_until": _moment(-1),
                "note": LIFTED,
            },
            {
                "indicator_id": "repairs-done",
                "period": "2026/27",
                "group": "all",
                "value": "777",
                "status": "provisional",
                "embargo_until": _moment(1),
                "note": LIFTING,
            },
        ],
    )


@pytest.fixture
def real_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def _texts(folder: Path, pattern: str) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob(pattern)))


@pytest.mark.usefixtures("real_clock")
def test_a_plain_build_publishes_an_embargo_lifted_an_hour_ago_and_not_one_lifting_in_an_hour(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path / "project", BASE)
    _embargoed_a_hour_either_side(project / "datapackages" / BASE.name)
    result = build.build(project)
    pages = _texts(result.site_dir, "*.html")
    downloads = (result.site_dir / "data" / "downloads" / "results.csv").read_text("utf-8")
    assert LIFTED in pages and LIFTED in downloads
    assert LIFTING not in pages and LIFTING not in downloads
    assert "777" not in downloads
    # One result withheld, under embargo, and said so on its indicator's page.
    assert result.withheld.total == 1
    assert "under embargo" in (
        result.site_dir / "indicators" / "repairs-done" / "index.html"
    ).read_text("utf-8")


@pytest.mark.usefixtures("real_clock")
def test_the_serve_plugin_judges_the_embargo_at_the_same_moment(tmp_path: Path) -> None:
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files

    project = make_project(tmp_path / "project", BASE)
    _embargoed_a_hour_either_side(project / "datapackages" / BASE.name)
    config = load_config(str(project / "mkdocs.yml"))
    config = config.plugins.on_config(config)
    plugin = config.plugins["pvreport"]
    assert plugin.built is not None
    docs = plugin.built.docs_dir
    assert docs == project / "build" / "serve" / "docs"
    pages = _texts(docs, "*.md")
    downloads = (docs / "data" / "downloads" / "results.csv").read_text("utf-8")
    assert LIFTED in pages and LIFTED in downloads
    assert LIFTING not in pages and LIFTING not in downloads
    # And MkDocs is handed these files.
    files = config.plugins.on_files(get_files(config), config=config)
    handed = files.get_file_from_path("data/downloads/results.csv")
    assert handed is not None and Path(handed.abs_src_path or "").read_text("utf-8") == downloads


@pytest.mark.usefixtures("real_clock")
@pytest.mark.parametrize(("hours", "warned"), [(-1, True), (1, False)])
def test_validate_judges_the_embargo_at_the_same_moment(
    tmp_path: Path, hours: int, warned: bool
) -> None:
    """damp-homes meets its target while its counterbalance falls, in a result under embargo
    until an hour from now (not yet on the site, so no warning) or an hour ago (on the site)."""
    from pvreport.validate import validate_package

    package = copy_base(tmp_path / "package")
    path = package / "results.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    header = list(rows[0])
    for row in rows:
        if (row["indicator_id"], row["period"]) == ("damp-homes", "2025/26"):
            row.update(value="7.5", lower="7", upper="8")
        if (row["indicator_id"], row["period"]) == ("repairs-done", "2025/26"):
            row.update(value="350", embargo_until=_moment(hours))
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    codes = {p.code for p in validate_package(package).problems}
    assert ("target-met-counterbalance-worsening" in codes) is warned
