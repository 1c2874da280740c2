"""The chart cache: content-addressed, never stale, safe to delete; only changed charts drawn.

Real drawings of small charts by svg.py; a real build of the base fixture twice.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_OF, BASE, make_project

from pvreport import build, charts, svg


def bar(chart_id: str, value: float) -> charts.Chart:
    """A small chart with a drawing of one bar, as charts.py makes its profile charts."""
    drawing = svg.ProfileDrawing((svg.ProfileBar("All", value, 50, f"{value}% took part"),))
    return charts.Chart(
        chart_id, "t", "c", "a", {}, ["Group"], [["All"]], "group\nAll\n", drawing=drawing
    )


def svg_files(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.svg"))


def test_the_key_follows_the_drawing_the_renderer_and_the_theme(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawing = bar("a", 1).drawing
    assert drawing is not None
    # Equal drawings (not the same object) share a key; any changed value gives another.
    assert charts.cache_key(drawing) == charts.cache_key(bar("b", 1).drawing)  # type: ignore[arg-type]
    assert charts.cache_key(drawing) != charts.cache_key(bar("a", 2).drawing)  # type: ignore[arg-type]
    one, two = charts.cache_key(drawing, "pvreport-svg 1"), charts.cache_key(drawing, "svg 2")
    assert one != two
    assert svg.RENDERER_VERSION.startswith("pvreport-svg ")
    before = charts.cache_key(drawing)
    theme = copy.deepcopy(charts.THEME_CONFIG)
    theme["background"] = "#000000"
    monkeypatch.setattr(charts, "THEME_CONFIG", theme)
    assert charts.cache_key(drawing) != before


def test_a_cached_chart_is_the_same_bytes_and_only_changed_charts_are_drawn(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    first_set = [bar("a", 1), bar("b", 2), bar("c", 3)]
    fresh = charts.render_svgs(first_set)

    first = charts.render_cached(first_set, cache_dir=cache)
    assert first.from_cache == 0 and first.svgs == fresh
    assert len(svg_files(cache)) == 3

    again = charts.render_cached(first_set, cache_dir=cache)
    assert again.from_cache == 3 and again.svgs == fresh

    # One changed value: one chart drawn, and its new picture is not the old one.
    changed = [bar("a", 1), bar("b", 20), bar("c", 3)]
    third = charts.render_cached(changed, cache_dir=cache)
    assert third.from_cache == 2
    assert third.svgs["b"] == charts.render_svgs([bar("b", 20)])["b"] != fresh["b"]
    assert len(svg_files(cache)) == 4


def test_the_cache_is_safe_to_delete_or_damage(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    chart_set = [bar("a", 1), bar("b", 2)]
    fresh = charts.render_cached(chart_set, cache_dir=cache).svgs
    # Damaged: a half-written file is drawn again, not served.
    damaged = svg_files(cache)[0]
    damaged.write_text(damaged.read_text(encoding="utf-8")[:100], encoding="utf-8")
    result = charts.render_cached(chart_set, cache_dir=cache)
    assert result.from_cache == 1 and result.svgs == fresh
    assert damaged.read_text(encoding="utf-8").rstrip().endswith("</svg>")
    # Deleted: everything drawn again, same bytes.
    for path in svg_files(cache):
        path.unlink()
    result = charts.render_cached(chart_set, cache_dir=cache)
    assert result.from_cache == 0 and result.svgs == fresh
    assert not list(cache.rglob("*.tmp"))


def test_progress_and_equal_drawings_drawn_once(tmp_path: Path) -> None:
    chart_set = [bar(f"c{i}", i % 3) for i in range(6)]
    seen: list[int] = []
    cache = tmp_path / "cache"
    first = charts.render_cached(chart_set, cache_dir=cache, on_chart=seen.append)
    assert list(first.svgs) == [c.id for c in chart_set]
    assert first.svgs == charts.render_svgs(chart_set)
    assert seen[-1] == 6
    assert len(svg_files(cache)) == 3  # three distinct drawings
    again = charts.render_cached(chart_set, cache_dir=cache)
    assert again.from_cache == 6 and again.svgs == first.svgs


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        charts.render_cached([bar("a", 1), bar("a", 2)])


def chart_svgs(site: Path) -> dict[str, Any]:
    return {p.name: p.read_bytes() for p in sorted((site / "charts").glob("*.svg"))}


@pytest.mark.slow
def test_a_rebuild_takes_unchanged_charts_from_the_cache(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", BASE)
    first = build.build(project, as_of=AS_OF)
    cached = svg_files(project / build.CACHE_FOLDER)
    assert cached, "the build filled no cache"
    svgs = chart_svgs(first.site_dir)
    assert len(cached) <= len(svgs)

    second = build.build(project, as_of=AS_OF)
    assert chart_svgs(second.site_dir) == svgs
    assert svg_files(project / build.CACHE_FOLDER) == cached

    # Without the cache the site is the same, byte for byte.
    (project / ".pvreport").rename(tmp_path / "old-cache")
    third = build.build(project, as_of=AS_OF, cache=False)
    assert chart_svgs(third.site_dir) == svgs
    assert not (project / build.CACHE_FOLDER).exists()
