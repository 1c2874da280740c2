"""The chart cache: content-addressed, never stale, safe to delete; and the pool that fills it.

Real vl-convert renders of small charts; a real build of the base fixture twice.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_OF, BASE, make_project

from pvreport import build, charts


def bar(chart_id: str, value: float) -> charts.Chart:
    """A small chart made the way pvreport's templates make theirs (a filled spec dict)."""
    spec = charts._spec(
        f"One bar of {value}.",
        {
            "data": {"values": [{"group": "All", "value": value}]},
            "mark": {"type": "bar"},
            "encoding": {
                "y": {"field": "group", "type": "nominal"},
                "x": {"field": "value", "type": "quantitative"},
            },
        },
    )
    return charts.Chart(chart_id, "t", "c", "a", spec, ["Group"], [["All"]], "group\nAll\n")


def svg_files(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.svg"))


def test_the_key_follows_the_spec_the_renderer_and_the_theme(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = bar("a", 1).spec
    reordered = dict(reversed(list(spec.items())))
    assert charts.cache_key(spec) == charts.cache_key(reordered)
    assert charts.cache_key(spec) != charts.cache_key(bar("a", 2).spec)
    assert charts.cache_key(spec, "vl-convert 1.9.0") != charts.cache_key(spec, "vl-convert 2.0")
    before = charts.cache_key(spec)
    theme = copy.deepcopy(charts.THEME_CONFIG)
    theme["background"] = "#000000"
    monkeypatch.setattr(charts, "THEME_CONFIG", theme)
    assert charts.cache_key(spec) != before


def test_a_cached_chart_is_the_same_bytes_and_only_changed_charts_are_drawn(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    first_set = [bar("a", 1), bar("b", 2), bar("c", 3)]
    fresh = charts.render_svgs(first_set)

    first = charts.render_cached(first_set, cache_dir=cache, processes=1)
    assert first.from_cache == 0 and first.svgs == fresh
    assert len(svg_files(cache)) == 3

    again = charts.render_cached(first_set, cache_dir=cache, processes=1)
    assert again.from_cache == 3 and again.svgs == fresh

    # One changed value: one chart drawn, and its new picture is not the old one.
    changed = [bar("a", 1), bar("b", 20), bar("c", 3)]
    third = charts.render_cached(changed, cache_dir=cache, processes=1)
    assert third.from_cache == 2
    assert third.svgs["b"] == charts.render_svgs([bar("b", 20)])["b"] != fresh["b"]
    assert len(svg_files(cache)) == 4


def test_the_cache_is_safe_to_delete_or_damage(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    chart_set = [bar("a", 1), bar("b", 2)]
    fresh = charts.render_cached(chart_set, cache_dir=cache, processes=1).svgs
    # Damaged: a half-written file is drawn again, not served.
    damaged = svg_files(cache)[0]
    damaged.write_text(damaged.read_text(encoding="utf-8")[:100], encoding="utf-8")
    result = charts.render_cached(chart_set, cache_dir=cache, processes=1)
    assert result.from_cache == 1 and result.svgs == fresh
    assert damaged.read_text(encoding="utf-8").rstrip().endswith("</svg>")
    # Deleted: everything drawn again, same bytes.
    for path in svg_files(cache):
        path.unlink()
    result = charts.render_cached(chart_set, cache_dir=cache, processes=1)
    assert result.from_cache == 0 and result.svgs == fresh
    assert not list(cache.rglob("*.tmp"))


def test_the_pool_draws_the_same_bytes_in_the_same_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chart_set = [bar(f"c{i}", i) for i in range(6)]
    monkeypatch.setattr(charts, "POOL_THRESHOLD", 2)
    seen: list[int] = []
    pooled = charts.render_cached(chart_set, cache_dir=None, processes=2, on_chart=seen.append)
    assert list(pooled.svgs) == [c.id for c in chart_set]
    assert pooled.svgs == charts.render_svgs(chart_set)
    assert seen[-1] == 6


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        charts.render_cached([bar("a", 1), bar("a", 2)], processes=1)


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
