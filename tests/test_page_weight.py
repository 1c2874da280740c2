"""Light pages at any size: a measure's page lists the latest periods of each breakdown, not
every row, so its weight does not grow with the length of the series."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from conftest import AS_OF

from pvreport import build, render, synthetic
from pvreport.validate import validate_package


def pages_of(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, periods: int) -> dict[str, str]:
    """The pages of a small generated report whose measures have ``periods`` monthly results
    for each of 3 breakdown groups."""
    monkeypatch.setitem(
        synthetic.SIZES,
        "T",
        synthetic.Size(
            objectives=2, indicators=3, periods=periods, breakdowns=3, engagements=1, decisions=1
        ),
    )
    package = synthetic.generate(tmp_path / f"t{periods}", "T", seed=3)
    validation = validate_package(package, as_of=AS_OF)
    assert validation.ok, [p for p in validation.problems if p.is_error][:3]
    site = build.render_report(validation, build.Clock.make(AS_OF), with_files=False)
    return {p.src: p.text for p in site.rendered.pages}


def breakdown_rows(page: str) -> list[str]:
    """Rows of the Breakdowns section's tables (Markdown table rows with a Group column)."""
    section = page.split("## Breakdowns", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [line for line in rows if "---" not in line][1:]


def test_a_long_series_lists_its_latest_periods_and_links_to_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    short = pages_of(tmp_path, monkeypatch, periods=render.BREAKDOWN_PERIODS)
    long = pages_of(tmp_path, monkeypatch, periods=6 * render.BREAKDOWN_PERIODS)
    src = next(s for s in long if re.fullmatch(r"indicators/ind-\d+\.md", s))
    assert "## Breakdowns" in long[src] and "## Breakdowns" in short[src]
    # Same number of breakdown rows whatever the length of the series...
    assert len(breakdown_rows(long[src])) == len(breakdown_rows(short[src])) > 0
    periods = {row.split("|")[1].strip() for row in breakdown_rows(long[src])}
    assert len(periods) == render.BREAKDOWN_PERIODS
    # ... the latest ones, with a pointer to the download that holds the rest.
    assert "March 2026" in periods
    shown = f"latest {render.BREAKDOWN_PERIODS} of {6 * render.BREAKDOWN_PERIODS} periods"
    assert shown in long[src]
    assert "data/downloads/results.csv" in long[src]
    assert "periods. Every result is in" not in short[src]
    # The page grows far more slowly than the series (the whole-population table keeps every
    # period: it is one row a period).
    assert len(long[src]) < 2.5 * len(short[src])


def test_the_engine_prunes_the_navigation_unless_the_project_expands_it() -> None:
    report = cast(Any, SimpleNamespace(title="A report"))
    plain = build.engine_config_for({"theme": {"name": "material"}}, [], report, [], [])
    assert "navigation.prune" in plain["theme"]["features"]
    own = {"theme": {"name": "material", "features": ["navigation.sections"]}}
    kept = build.engine_config_for(own, [], report, [], [])
    assert kept["theme"]["features"] == ["navigation.sections", "navigation.prune"]
    # The project's own list is not changed in place.
    assert own["theme"]["features"] == ["navigation.sections"]
    expand = {"theme": {"name": "material", "features": ["navigation.expand"]}}
    assert build.engine_config_for(expand, [], report, [], [])["theme"]["features"] == [
        "navigation.expand"
    ]
