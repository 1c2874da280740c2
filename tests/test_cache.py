"""The chart cache: content-addressed, never stale, safe to delete; only changed charts drawn.

Real drawings of small charts by svg.py; a real build of the base fixture twice.
"""

from __future__ import annotations

import copy
import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_OF, BASE, make_project

from pvreport import build
from pvreport.site import axes, charts, svg


def bar(chart_id: str, value: float) -> charts.Chart:
    """A small chart with a drawing of one bar, as charts.py makes its profile charts."""
    axis = axes.value_axis([0, 50, value], "Share (per cent)", percent=True)
    drawing = svg.ProfileDrawing((svg.ProfileBar("All", value, 50, f"{value}% took part"),), axis)
    return charts.Chart(
        chart_id, "t", "c", "a", {}, ["Group"], [["All"]], "group\nAll\n", drawing=drawing
    )


def cached(cache: Path) -> dict[str, bytes]:
    """The SVGs in a cache folder, by key, as the next build would read them."""
    return charts.read_pack(cache / charts.PACK_NAME)


def test_the_key_follows_the_drawing_the_renderer_and_the_theme(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawing = bar("a", 1).drawing
    assert drawing is not None
    # Equal drawings (not the same object) share a key; any changed value gives another.
    assert charts.cache_key(drawing) == charts.cache_key(bar("b", 1).drawing)  # type: ignore[arg-type]
    assert charts.cache_key(drawing) != charts.cache_key(bar("a", 2).drawing)  # type: ignore[arg-type]
    # The axis is part of the drawing: the same bars on another axis are another picture.
    assert isinstance(drawing, svg.ProfileDrawing)
    wider = dataclasses.replace(drawing, axis=axes.value_axis([0, 80], "Share (per cent)"))
    assert charts.cache_key(drawing) != charts.cache_key(wider)
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
    assert sorted(s.decode() for s in cached(cache).values()) == sorted(fresh.values())

    again = charts.render_cached(first_set, cache_dir=cache)
    assert again.from_cache == 3 and again.svgs == fresh

    # One changed value: one chart drawn, and its new picture is not the old one.
    changed = [bar("a", 1), bar("b", 20), bar("c", 3)]
    third = charts.render_cached(changed, cache_dir=cache)
    assert third.from_cache == 2
    assert third.svgs["b"] == charts.render_svgs([bar("b", 20)])["b"] != fresh["b"]
    # The cache holds this build's charts: the old picture of b is gone, the new one is there.
    assert sorted(s.decode() for s in cached(cache).values()) == sorted(third.svgs.values())
    # Nothing changed since: the cache file is not written again.
    before = (cache / charts.PACK_NAME).stat().st_mtime_ns
    assert charts.render_cached(changed, cache_dir=cache).from_cache == 3
    assert (cache / charts.PACK_NAME).stat().st_mtime_ns == before


def test_the_cache_is_safe_to_delete_or_damage(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    chart_set = [bar("a", 1), bar("b", 2), bar("c", 3)]
    fresh = charts.render_cached(chart_set, cache_dir=cache).svgs
    pack = cache / charts.PACK_NAME
    whole = pack.read_bytes()
    # Cut short (a copy stopped half-way): what is whole is used, the rest drawn again.
    pack.write_bytes(whole[: len(whole) - 100])
    assert len(cached(cache)) == 2
    result = charts.render_cached(chart_set, cache_dir=cache)
    assert result.from_cache == 2 and result.svgs == fresh
    assert pack.read_bytes() == whole  # repaired
    # A changed byte inside an SVG's length: that entry and those after it are not trusted.
    key_line = whole.index(b"\n", len(b"pvreport chart cache 1\n")) - 1
    digit = b"1" if whole[key_line : key_line + 1] != b"1" else b"2"
    pack.write_bytes(whole[:key_line] + digit + whole[key_line + 1 :])
    assert cached(cache) == {}
    assert charts.render_cached(chart_set, cache_dir=cache).svgs == fresh
    # Not a cache file at all, or another format: nothing served from it.
    pack.write_bytes(b"<svg>not ours</svg>")
    result = charts.render_cached(chart_set, cache_dir=cache)
    assert result.from_cache == 0 and result.svgs == fresh
    # Deleted: everything drawn again, same bytes.
    shutil.rmtree(cache)
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
    assert len(cached(cache)) == 3  # three distinct drawings
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
    kept = cached(project / build.CACHE_FOLDER)
    assert kept, "the build filled no cache"
    svgs = chart_svgs(first.site_dir)
    assert set(kept.values()) == set(svgs.values())

    second = build.build(project, as_of=AS_OF)
    assert chart_svgs(second.site_dir) == svgs
    assert cached(project / build.CACHE_FOLDER) == kept

    # Without the cache the site is the same, byte for byte.
    (project / ".pvreport").rename(tmp_path / "old-cache")
    third = build.build(project, as_of=AS_OF, cache=False)
    assert chart_svgs(third.site_dir) == svgs
    assert not (project / build.CACHE_FOLDER).exists()
