"""Charts: spec content, alt texts written from concrete data, tables and CSVs, contrast of the
theme, SVGs drawn by pvreport (and the same bytes twice; test_svg.py checks the drawing itself),
and the chart partial on a page built by real MkDocs."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import http.server
import io
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import altair as alt
import pytest
import vl_convert
from bs4 import BeautifulSoup

from pvreport import validate
from pvreport.report import derive, load
from pvreport.report.model import (
    Engagement,
    Indicator,
    Organisation,
    ProfileRow,
    Report,
    ReportingPeriod,
    Result,
)
from pvreport.site import charts

AS_OF = dt.date(2026, 6, 1)
BASE = Path(__file__).parent / "fixtures" / "base"
ASSETS = Path(charts.__file__).parents[1] / "assets"


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def indicator(**kw: Any) -> Indicator:
    fields: dict[str, Any] = {
        "id": "satisfied", "objective_id": "o", "title": "Residents satisfied", "kind": "outcome",
        "unit": "%", "direction": "increase", "method": "m", "source": "s",
    }  # fmt: skip
    fields.update(kw)
    return Indicator(**fields)


def result(period: str, value: float, lower: float | None = None, upper: float | None = None,
           group: str = "all", ind: str = "satisfied") -> Result:  # fmt: skip
    return Result(ind, period, group, value, lower, upper)


def engagement(level: str = "consult") -> Engagement:
    return Engagement("panel", "Residents' panel", "deliberative", level,  # type: ignore[arg-type]
                      dt.date(2025, 1, 1), dt.date(2025, 3, 1), 40, "residents", "what?")  # fmt: skip


def make_report(indicators: tuple[Indicator, ...], results: tuple[Result, ...],
                profile: tuple[ProfileRow, ...] = ()) -> Report:  # fmt: skip
    return Report(
        name="r", title="R", organisation=Organisation("Org", "Purpose"),
        reporting_period=ReportingPeriod("2025/26", dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
        present=frozenset({"indicators", "results", "engagements", "engagement_profile"}),
        indicators=indicators, results=results, engagements=(engagement(),),
        engagement_profile=profile,
    )  # fmt: skip


TRENDING = indicator(baseline_period="2021/22", baseline_value=16, target_period="2026/27",
                     target_value=25)  # fmt: skip
TREND_RESULTS = (
    result("2021/22", 16, 14, 18),
    result("2023/24", 18, 16.5, 19.5),
    result("2025/26", 20, 18.5, 21.5),
    result("2025/26", 25, 22, 28, group="age: 16-24"),
    result("2025/26", 21, 19, 23, group="age: 25-64"),
    result("2025/26", 12, 9, 15, group="age: 65+"),
    result("2023/24", 30, group="age: 65+"),  # an older period: not in the breakdown chart
)


def trend_charts() -> list[charts.Chart]:
    return charts.indicator_charts(make_report((TRENDING,), TREND_RESULTS), TRENDING, as_of=AS_OF)


def layers_of(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["layer"]


def mark_type(layer: dict[str, Any]) -> str:
    mark = layer["mark"]
    return mark if isinstance(mark, str) else mark["type"]


# -- the theme ----------------------------------------------------------------------------------


def test_importing_pvreport_changes_no_chart_librarys_global_state() -> None:
    # A user's own Altair charts keep their theme: pvreport does not even import Altair (Altair
    # is a test dependency here). Checked in a fresh interpreter, after a whole build's imports.
    code = (
        "import sys, pvreport.build, pvreport.cli, pvreport.site.mkdocs_plugin, pvreport.site.charts; "
        "assert 'altair' not in sys.modules, 'pvreport imports altair'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    # The theme is in every spec instead.
    for chart in trend_charts():
        assert chart.spec["config"] == charts.THEME_CONFIG
        assert chart.spec["config"]["font"] == charts.FONT


def test_the_pinned_vega_lite_version_is_altairs_schema_and_in_vl_convert() -> None:
    import vl_convert

    assert charts.SCHEMA_URL == alt.SCHEMA_URL
    assert charts.VEGA_LITE_VERSION in [f"v{v}" for v in vl_convert.get_vegalite_versions()]


def test_theme_colours_have_enough_contrast() -> None:
    for colour in charts.PALETTE:
        assert contrast(colour, charts.BACKGROUND) >= 3, colour
    for colour in (charts.TEXT, charts.MUTED_TEXT):
        assert contrast(colour, charts.BACKGROUND) >= 4.5, colour
    config = charts.THEME_CONFIG
    assert contrast(config["axis"]["labelColor"], config["background"]) >= 4.5
    assert contrast(config["axis"]["domainColor"], config["background"]) >= 3
    assert contrast(config["text"]["color"], config["background"]) >= 4.5


def solid_colours(node: Any, faint: bool = False) -> Iterator[str]:
    """Every colour a chart draws at full strength (skipping faint decorative marks)."""
    if isinstance(node, dict):
        faint = faint or node.get("opacity", 1) < 1
        for key, value in node.items():
            if key in ("color", "stroke", "fill", "value") and isinstance(value, str):
                if re.fullmatch(r"#[0-9a-fA-F]{6}", value) and not faint:
                    yield value
            elif key == "range" and isinstance(value, list):
                yield from (v for v in value if isinstance(v, str) and v.startswith("#"))
            else:
                yield from solid_colours(value, faint)
    elif isinstance(node, list):
        for item in node:
            yield from solid_colours(item, faint)


def test_every_mark_colour_in_every_chart_has_3_to_1_contrast() -> None:
    every = trend_charts() + base_charts()
    seen = set()
    for chart in every:
        body = {k: v for k, v in chart.spec.items() if k != "config"}
        for colour in solid_colours(body):
            seen.add(colour)
            if colour == charts.BACKGROUND:
                continue  # the unfilled ladder rungs: their outline carries them
            assert contrast(colour, charts.BACKGROUND) >= 3, (chart.id, colour)
    assert charts.PRIMARY in seen and charts.TEXT in seen


# -- specs --------------------------------------------------------------------------------------


def test_specs_are_valid_vega_lite() -> None:
    for chart in trend_charts() + base_charts():
        kind = alt.VConcatChart if "vconcat" in chart.spec else alt.LayerChart
        rebuilt = kind.from_dict(chart.spec, validate=True).to_dict()
        assert rebuilt["description"] == chart.alt
        assert chart.spec["$schema"] == alt.SCHEMA_URL


def test_trend_spec_marks_band_baseline_target_and_latest() -> None:
    trend = trend_charts()[0]
    assert trend.id == "indicator_satisfied_trend"
    layers = layers_of(trend.spec)
    assert [mark_type(layer) for layer in layers] == [
        "area", "rule", "line", "rule", "text", "rule", "text", "text",
    ]  # fmt: skip
    line = layers[2]
    assert [v["period"] for v in line["data"]["values"]] == ["2021/22", "2023/24", "2025/26"]
    assert line["encoding"]["x"]["sort"] == ["2021/22", "2023/24", "2025/26"]
    baseline, target = layers[3], layers[5]
    assert baseline["data"]["values"][0]["value"] == 16
    assert target["data"]["values"][0]["value"] == 25
    # Baseline and target differ by dash pattern and by their words, not by colour.
    assert baseline["mark"]["strokeDash"] != target["mark"]["strokeDash"]
    assert layers[4]["data"]["values"][0]["label"] == "Baseline 16% (2021/22)"
    assert layers[6]["data"]["values"][0]["label"] == "Target 25% for 2026/27"
    latest = layers[7]["data"]["values"]
    assert [(v["period"], v["label"]) for v in latest] == [("2025/26", "20%")]
    assert layers[0]["mark"]["opacity"] < 1 and "opacity" not in layers[1]["mark"]


def test_trend_without_intervals_or_target_has_no_band_or_target_line() -> None:
    plain = indicator(unit="days", direction="decrease")
    report = make_report((plain,), (result("2024", 5), result("2025", 4.5)))
    (trend,) = charts.indicator_charts(report, plain, as_of=AS_OF)
    assert [mark_type(layer) for layer in layers_of(trend.spec)] == ["line", "text"]
    assert trend.alt == "Fell from 5 days in 2024 to 4.5 days in 2025; lower is better."
    assert trend.rows == [
        ["2024", "5 days", "", "", "final"],
        ["2025", "4.5 days", "", "", "final"],
    ]
    assert trend.csv == "Period,Value,Lower,Upper,Status\n2024,5,,,final\n2025,4.5,,,final\n"


def test_no_results_no_chart() -> None:
    lonely = indicator()
    assert charts.indicator_charts(make_report((lonely,), ()), lonely, as_of=AS_OF) == []


def test_breakdown_spec_names_the_worst_group_by_shape_and_words() -> None:
    by_age = trend_charts()[1]
    assert by_age.id == "indicator_satisfied_by-age"
    points = next(layer for layer in layers_of(by_age.spec) if mark_type(layer) == "point")
    shape = points["encoding"]["shape"]["scale"]
    assert dict(zip(shape["domain"], shape["range"], strict=True)) == {
        "Other groups": "circle", "Group with the worst result": "diamond",
    }  # fmt: skip
    values = {v["group"]: v for v in points["data"]["values"]}
    assert set(values) == {"16-24", "25-64", "65+"}  # 2025/26 only
    assert values["65+"]["role"] == "Group with the worst result"
    assert values["65+"]["label"] == "12% (worst result)"
    everyone = [layer for layer in layers_of(by_age.spec) if mark_type(layer) == "rule"]
    assert any(layer["data"]["values"][0].get("label") == "Everyone 20%" for layer in everyone)


# -- alt texts, tables and CSVs for concrete data -----------------------------------------------


def test_alt_texts_for_concrete_data() -> None:
    trend, by_age = trend_charts()
    assert trend.alt == (
        "Rose from 16% in 2021/22 (the baseline) to 20% in 2025/26; "
        "the target of 25% for 2026/27 is not met."
    )
    assert by_age.alt == (
        "In 2025/26, by age, the group with the worst result is 65+, at 12%: 13 percentage "
        "points below 16-24, at 25%. All groups: 16-24 25%, 25-64 21% and 65+ 12%."
    )


@pytest.mark.parametrize(
    ("results", "fields", "expected"),
    [
        ([result("2025-Q1", 40)], {}, "One result so far: 40% in January to March 2025."),
        ([result("2026-03-31", 72)], {}, "One result so far: 72% on 31 March 2026."),
        ([result("2025-03-31", 6.75), result("2026-03-31", 6.7)], {},
         ("Fell from 6.75% on 31 March 2025 to 6.7% on 31 March 2026, a change too small to "
         "count, so this is no clear change.")),
        ([result("2024", 97.5), result("2025", 97.49863969529174)], {},
         ("Fell from 97.500% in 2024 to 97.499% in 2025, a change too small to count, so this is "
         "no clear change.")),
        (
            [result("2024", 40, 35, 45), result("2025", 42, 37, 47)],
            {"target_period": "2026", "target_value": 41},
            ("Rose from 40% in 2024 to 42% in 2025, but the ranges of uncertainty overlap, so "
            "this is no clear change; the target of 41% for 2026 is met."),
        ),
        ([result("2024-03", 40), result("2024-04", 40)], {},
         "Stayed at 40% from March 2024 to April 2024."),
    ],
)  # fmt: skip
def test_trend_alt_edge_cases(results: list[Result], fields: dict[str, Any], expected: str) -> None:
    ind = indicator(**fields)
    (trend,) = charts.indicator_charts(make_report((ind,), tuple(results)), ind, as_of=AS_OF)
    assert trend.alt == expected


def test_tables_and_csv_hold_the_same_data() -> None:
    trend, by_age = trend_charts()
    assert trend.columns == ["Period", "Value", "Lower", "Upper", "Status"]
    assert trend.rows[0] == ["2021/22", "16%", "14%", "18%", "final"]
    parsed = list(csv.reader(io.StringIO(trend.csv)))
    assert parsed[0] == trend.columns
    assert parsed[1:] == [
        ["2021/22", "16", "14", "18", "final"],
        ["2023/24", "18", "16.5", "19.5", "final"],
        ["2025/26", "20", "18.5", "21.5", "final"],
    ]
    assert by_age.rows == [
        ["16-24", "25%", "22%", "28%", ""],
        ["25-64", "21%", "19%", "23%", ""],
        ["65+", "12%", "9%", "15%", "yes"],
    ]
    rows = list(csv.DictReader(io.StringIO(by_age.csv)))
    assert [(r["Group"], r["Value"], r["Worst result"]) for r in rows] == [
        ("age: 16-24", "25", "false"), ("age: 25-64", "21", "false"), ("age: 65+", "12", "true"),
    ]  # fmt: skip


def test_engagement_charts_profile_and_ladder() -> None:
    profile = (
        ProfileRow("panel", "age", "16-34", 10, 30),
        ProfileRow("panel", "age", "35-64", 50, 50),
        ProfileRow("panel", "age", "65+", 40, 20),
    )
    report = make_report((), (), profile)
    by_age, ladder = charts.engagement_charts(report, report.engagements[0])
    assert by_age.id == "engagement_panel_profile-age"
    assert by_age.alt == (
        "Who took part, by age, against the population: 16-34, 10% of participants against 30% of the population "
        "(under-represented); 35-64, 50% of participants against 50% of the population; 65+, "
        "40% of participants against 20% of the population. On a scale from 0 (just like the "
        "population) to 100 (nothing like it), the difference is 20."
    )
    kinds = [mark_type(layer) for layer in layers_of(by_age.spec)]
    assert kinds == ["bar", "tick", "text"]  # population is a tick: a shape, not a colour
    categories = [v["category"] for v in by_age.spec["data"]["values"]]
    assert categories == ["16-34 (under-represented)", "35-64", "65+"]
    assert by_age.rows[0] == ["16-34", "10%", "30%", "yes"]

    assert ladder.id == "engagement_panel_ladder"
    assert ladder.alt == (
        "This engagement was at the consult rung, step 2 of 5 on the participation ladder "
        "(inform, consult, involve, collaborate and empower)."
    )
    marked = [v for v in ladder.spec["data"]["values"] if v["this"]]
    assert [(v["rung"], v["label"]) for v in marked] == [("Consult", "This engagement")]
    assert [row[2] for row in ladder.rows] == ["", "yes", "", "", ""]


def test_engagement_without_profile_has_only_the_ladder() -> None:
    report = make_report((), ())
    assert [c.id for c in charts.engagement_charts(report, report.engagements[0])] == [
        "engagement_panel_ladder"
    ]


def test_status_chart_counts() -> None:
    statuses = [
        derive.indicator_status(TRENDING, TREND_RESULTS, as_of=AS_OF),
        derive.indicator_status(indicator(), [], as_of=AS_OF),
    ]
    chart = charts.status_chart(statuses)
    assert chart.id == "home_index_status"
    assert chart.alt == (
        "Of 2 measures, direction of travel: 1 improving; 0 worsening; 0 no clear change; "
        "0 not enough data; 1 no data. Targets: 0 met; 1 not met; 1 with no target."
    )
    panels = chart.spec["vconcat"]
    counts = {v["status"]: v["count"] for p in panels for v in p["data"]["values"]}
    assert counts == {"improving": 1, "worsening": 0, "no clear change": 0,
                      "not enough data": 0, "no data": 1, "met": 0, "not met": 1,
                      "no target": 1}  # fmt: skip
    # Every bar carries its count in words on the chart, not only its length.
    assert all(mark_type(p["layer"][1]) == "text" for p in panels)
    assert ["Direction of travel", "improving", "1"] in chart.rows


# -- the base fixture package -------------------------------------------------------------------


@functools.cache
def base_report() -> Report:
    checked = validate.validate_package(BASE, as_of=AS_OF)
    assert checked.ok and checked.descriptor is not None
    return load.to_report(checked.descriptor, checked.tables)


@functools.cache
def _base_charts() -> tuple[charts.Chart, ...]:
    report = base_report()
    out: list[charts.Chart] = []
    for ind in report.indicators:
        out += charts.indicator_charts(report, ind, as_of=AS_OF)
    for eng in report.engagements:
        out += charts.engagement_charts(report, eng)
    out.append(charts.status_chart(derive.report_statuses(report, as_of=AS_OF).values()))
    return tuple(out)


def base_charts() -> list[charts.Chart]:
    """The charts of the base package (validated once per test session: frictionless is slow)."""
    return list(_base_charts())


def test_every_alt_text_of_the_base_package() -> None:
    alts = {chart.id: chart.alt for chart in base_charts()}
    assert alts == {
        "indicator_damp-homes_trend": "Fell from 12% in 2023/24 (the baseline) to 9% in "
        "2025/26 (provisional); lower is better; the target of 8% for 2025/26 is not met.",
        "indicator_repairs-done_trend": "Rose from 400 repairs in 2023/24 (the baseline) to 610 "
        "repairs in 2025/26; the target of 600 repairs for 2025/26 is met.",
        "indicator_street-cleanliness_trend": "Rose from 61% in 2023/24 (the baseline) to 66% "
        "in 2025/26, but the ranges of uncertainty overlap, so this is no clear change; the "
        "target of 70% for 2025/26 is not met.",
        "indicator_street-cleanliness_by-age": "In 2025/26, by age, the group with the worst "
        "result is 16-34, at 58%: 11 percentage points below 35 and over, at 69%.",
        "engagement_eng-housing_profile-age": "Who took part, by age, against the population: "
        "16-34, 30% of participants against 35% of the population; 35 and over, 70% of participants against 65% of the "
        "population. On a scale from 0 (just like the population) to 100 (nothing like it), the "
        "difference is 5.",
        "engagement_eng-housing_ladder": "This engagement was at the involve rung, step 3 of 5 "
        "on the participation ladder (inform, consult, involve, collaborate and empower).",
        "engagement_eng-streets_profile-age": "Who took part, by age, against the population: "
        "16-34, 30% of participants against 35% of the population; 35 and over, 70% of participants against 65% of the "
        "population. On a scale from 0 (just like the population) to 100 (nothing like it), the "
        "difference is 5.",
        "engagement_eng-streets_ladder": "This engagement was at the consult rung, step 2 of 5 "
        "on the participation ladder (inform, consult, involve, collaborate and empower).",
        "home_index_status": "Of 3 measures, direction of travel: 2 improving; 0 worsening; 1 no "
        "clear change; 0 not enough data; 0 no data. Targets: 1 met; 2 not met; 0 with no "
        "target.",
    }


def test_chart_ids_are_unique_and_read_back_into_page_and_name() -> None:
    ids = [c.id for c in base_charts() + trend_charts()]
    assert len(ids) == len(set(ids))
    # kind _ row id _ name within the page: no part holds the separator, so two charts share a
    # file name only if they are the same chart of the same page.
    assert all(re.fullmatch(r"[a-z]+_[a-z0-9][a-z0-9-]*_[a-z0-9][a-z0-9-]*", i) for i in ids)
    assert charts.slug("Age band (years)") == "age-band-years"
    with pytest.raises(ValueError):
        charts.chart_id("indicator", "a_b", "trend")


def test_an_id_ending_like_another_charts_name_gets_its_own_files() -> None:
    """The trend of ``x-by-ward`` and the breakdown of ``x`` by ``ward trend`` were one file."""
    assert charts.chart_id("indicator", "x-by-ward", "trend") != charts.chart_id(
        "indicator", "x", "by-" + charts.slug("ward trend")
    )


# -- SVGs ---------------------------------------------------------------------------------------


def test_svgs_render_with_their_words_and_are_deterministic() -> None:
    every = trend_charts() + base_charts()
    first = charts.render_svgs(every)
    # Same charts, same bytes: rendered again in another order.
    again = charts.render_svgs(list(reversed(every[:4])))
    assert again == {k: first[k] for k in again}
    assert set(first) == {c.id for c in every}
    for svg in first.values():
        assert svg.lstrip().startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert "http" not in svg.replace("http://www.w3.org/", "")
    trend = first["indicator_satisfied_trend"]
    for words in ("Baseline 16% (2021/22)", "Target 25% for 2026/27", "20%", "2023/24"):
        assert words in trend
    assert "12% (worst result)" in first["indicator_satisfied_by-age"]
    assert "This engagement" in first["engagement_eng-housing_ladder"]


def test_duplicate_ids_are_refused() -> None:
    chart = trend_charts()[0]
    with pytest.raises(ValueError, match="unique"):
        charts.render_svgs([chart, chart])


def test_chart_files() -> None:
    chart = trend_charts()[0]
    files = charts.chart_files(chart, "<svg/>")
    assert set(files) == {f"{chart.id}.svg", f"{chart.id}.csv", f"{chart.id}.json"}
    assert files[f"{chart.id}.json"] == charts.spec_json(chart)
    assert charts.spec_json(chart) == charts.spec_json(trend_charts()[0])


# -- the partial, on a page built by MkDocs -----------------------------------------------------


HOSTILE = charts.Chart(
    id="indicator_x_trend",
    title="Trend <b>bold</b> [link](http://evil.example)",
    caption="Caption & *stars*",
    alt='Rose from 1% to "2%" <script>alert(1)</script> [x](y)',
    spec={},
    columns=["Period", "Value"],
    rows=[["2024 <i>", "1%"], ["| pipe", "2%"]],
    csv="",
)


def build_chart_page(
    root: Path,
    chart_list: list[charts.Chart],
    *,
    missing: str | None = None,
    svgs: dict[str, str] | None = None,
    scripts: bool = False,
) -> subprocess.CompletedProcess[str]:
    """A one-page MkDocs Material site showing the charts through the real partial and the real
    page environment, built with ``--strict``; ``missing`` names a chart file left out; with
    ``scripts``, the shipped scripts are listed (charts.js first, as the site lists them)."""
    from pvreport.site import render

    docs = root / "docs"
    (docs / "indicators").mkdir(parents=True)
    (docs / "charts").mkdir()
    env = render.environment()
    parts = []
    for chart in chart_list:
        svg = (svgs or {}).get(chart.id, "<svg xmlns='http://www.w3.org/2000/svg'/>")
        for name, text in charts.chart_files(chart, svg).items():
            if name != missing:
                (docs / "charts" / name).write_text(text, encoding="utf-8")
        # As render.py calls it: the table shown, its empty columns left out.
        columns = [
            i for i in range(len(chart.columns)) if i == 0 or any(row[i] for row in chart.rows)
        ]
        parts.append(
            env.get_template("partials/_chart.md.j2").render(
                chart=chart, src=f"../charts/{chart.id}.svg", columns=columns, table=True
            )
        )
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    page = "# Page\n\nBefore.\n\n" + "\n\n".join(parts) + "\nAfter.\n"
    (docs / "indicators" / "x.md").write_text(page, encoding="utf-8")
    config = (
        "site_name: t\ntheme:\n  name: material\n  font: false\n"
        "markdown_extensions:\n  - md_in_html\n"
        "validation:\n  links:\n    not_found: warn\n    unrecognized_links: warn\n"
    )
    if scripts:
        (docs / "assets").mkdir()
        for name in ("charts.js", "vega-bundle.js"):
            (docs / "assets" / name).write_bytes((ASSETS / name).read_bytes())
        config += "extra_javascript:\n  - assets/charts.js\n  - assets/vega-bundle.js\n"
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    env_vars = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
         str(root / "mkdocs.yml"), "-d", str(root / "site")],
        capture_output=True, text=True, env=env_vars, check=False,
    )  # fmt: skip


def test_chart_partial_in_a_real_mkdocs_build(tmp_path: Path) -> None:
    hostile = HOSTILE
    real = trend_charts()[0]
    done = build_chart_page(tmp_path, [hostile, real])
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "site" / "indicators" / "x" / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    figures = soup.select("figure.pv-chart")
    assert [f["id"] for f in figures] == ["indicator_x_trend", "indicator_satisfied_trend"]
    bad, good = figures
    # The data table and the links follow each figure (outside it, so that Markdown leaves it be).
    bad_table, good_table = [d.find("table") for d in soup.select("details.pv-chart-data")]
    # Text from data arrives as text: no element, link or emphasis was made from it.
    for part in (bad, bad_table):
        assert part.find("script") is None and part.find("b") is None and part.find("em") is None
    assert not soup.find("a", href=re.compile("evil"))
    assert [a["href"] for a in soup.find_all("a", href=re.compile("^[.][.]/[.][.]/charts/"))] == [
        "../../charts/indicator_x_trend.csv", "../../charts/indicator_x_trend.json",
        "../../charts/indicator_satisfied_trend.csv", "../../charts/indicator_satisfied_trend.json",
    ]  # fmt: skip
    img = bad.find("img")
    assert img["alt"] == hostile.alt
    assert img["src"] == "../../charts/indicator_x_trend.svg"  # rewritten for directory URLs
    assert bad["data-vega-spec"] == "indicator_x_trend.json"
    assert bad_table.find("caption").get_text() == f"{hostile.title}: the data"
    assert hostile.caption in bad.find("figcaption").get_text()
    assert [th.get_text() for th in bad_table.select("tbody th[scope=row]")] == [
        "2024 <i>", "| pipe",
    ]  # fmt: skip
    assert good.find("img")["alt"] == real.alt
    assert [th.get_text() for th in good_table.select("thead th[scope=col]")] == real.columns
    body = [
        [c.get_text() for c in tr.find_all(["th", "td"])] for tr in good_table.select("tbody tr")
    ]
    assert body == real.rows
    assert soup.find(string=re.compile("Before")) and soup.find(string=re.compile("After"))


# -- the shipped scripts ------------------------------------------------------------------------


def test_chart_script_uses_the_shipped_bundle_only() -> None:
    script = (ASSETS / "charts.js").read_text(encoding="utf-8")
    assert "document$" in script and "actions: false" in script
    assert "figure[data-vega-spec]" in script
    assert "http" not in script


def test_a_missing_chart_file_fails_the_strict_build(tmp_path: Path) -> None:
    # The image and links are Markdown, so MkDocs checks that every chart file exists.
    done = build_chart_page(tmp_path, [HOSTILE], missing="indicator_x_trend.svg")
    assert done.returncode != 0
    assert "indicator_x_trend.svg" in done.stderr


# -- the example package ------------------------------------------------------------------------

EXAMPLE = Path(__file__).parent.parent / "datapackages" / "example"


def test_every_alt_text_of_the_example_package() -> None:
    """Each alt text tells the same story as its chart's data, for every chart of the example."""
    from pvreport.report.formatting import format_number, format_period

    checked = validate.validate_package(EXAMPLE, as_of=AS_OF)
    assert checked.ok and checked.descriptor is not None
    report = load.to_report(checked.descriptor, checked.tables)
    statuses = derive.report_statuses(report, as_of=AS_OF)
    seen: list[str] = []
    for ind in report.indicators:
        results = report.results_for(ind.id)
        made = {c.id: c for c in charts.indicator_charts(report, ind, as_of=AS_OF)}
        status = statuses[ind.id]
        if status.latest is not None:
            trend = made.pop(charts.chart_id("indicator", ind.id, "trend"))
            assert format_number(status.latest.value, ind.unit) in trend.alt
            assert format_period(status.latest.period) in trend.alt
            if ind.target_value is not None:
                target = f"target of {format_number(ind.target_value, ind.unit)}"
                assert f"{target}" in trend.alt and trend.alt.endswith(f"is {status.target}.")
            if status.direction == "no clear change" and status.change:
                if status.decided_by == "below threshold":
                    assert "a change too small to count, so this is no clear change" in trend.alt
                else:
                    assert "overlap" in trend.alt
            seen.append(trend.alt)
        for gap in derive.equity_gaps(ind, results):
            chart = made.pop(
                charts.chart_id("indicator", ind.id, f"by-{charts.slug(gap.dimension)}")
            )
            for words in (
                gap.worst_group,
                gap.best_group,
                format_number(gap.worst_value, ind.unit),
            ):
                assert words in chart.alt
            assert f"the group with the worst result is {gap.worst_group}," in chart.alt
            seen.append(chart.alt)
        assert made == {}
    for eng in report.engagements:
        made = {c.id: c for c in charts.engagement_charts(report, eng)}
        ladder = made.pop(charts.chart_id("engagement", eng.id, "ladder"))
        assert f"at the {eng.level} rung" in ladder.alt
        seen.append(ladder.alt)
        rows = [p for p in report.engagement_profile if p.engagement_id == eng.id]
        for rep in derive.representativeness(rows):
            chart = made.pop(
                charts.chart_id("engagement", eng.id, f"profile-{charts.slug(rep.dimension)}")
            )
            for row in (r for r in rows if r.dimension == rep.dimension):
                assert f"{row.category}, {format_number(row.participants_share, '%')}" in chart.alt
            assert chart.alt.count("(under-represented)") == len(rep.under_represented)
            assert chart.alt.endswith(f"the difference is {format_number(rep.dissimilarity)}.")
            seen.append(chart.alt)
        assert made == {}
    home = charts.status_chart(statuses.values())
    counts = derive.status_counts(statuses.values())
    assert home.alt.startswith(f"Of {len(statuses)} measures")
    for word in derive.DIRECTIONS:
        assert f"{counts[word]} {word}" in home.alt
    seen.append(home.alt)
    assert len(seen) >= 20
    for alt_text in seen:
        assert alt_text[0].isupper() and alt_text.endswith(".")
        assert "None" not in alt_text and "nan" not in alt_text.split()


def test_long_labels_wrap_and_quotes_cannot_break_the_expression() -> None:
    long = 'rents from the council or a "housing" association'
    profile = (
        ProfileRow("panel", "home", long, 10, 40),
        ProfileRow("panel", "home", "owns", 90, 60),
    )
    report = make_report((), (), profile)
    chart = charts.engagement_charts(report, report.engagements[0])[0]
    axis = chart.spec["layer"][0]["encoding"]["y"]["axis"]
    assert axis["labelLimit"] == 0 and "labelExpr" in axis
    svg = charts.render_svgs([chart])[chart.id]
    # Each line of the wrapped label is its own line of text in the SVG; nothing cut short.
    assert "rents from the council" in svg and "(under-represented)" in svg
    assert "…" not in svg
    assert charts._wrapped_labels(["short", "labels"]) == {}


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_charts_become_interactive_with_the_shipped_bundle_only(tmp_path: Path) -> None:
    every = trend_charts()
    done = build_chart_page(tmp_path, every, svgs=charts.render_svgs(every), scripts=True)
    assert done.returncode == 0, done.stderr
    site = tmp_path / "site"
    requested: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(site), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            requested.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/indicators/x/"
        dom = subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-dev-shm-usage", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             # Any host but the local server fails to resolve: nothing may come from elsewhere.
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
             "--virtual-time-budget=10000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120, check=True,
        ).stdout  # fmt: skip
    finally:
        server.shutdown()
        thread.join()
    soup = BeautifulSoup(dom, "html.parser")
    figures = soup.select("figure.pv-chart")
    assert [f.get("data-vega-state") for f in figures] == ["interactive"] * len(every)
    for figure, chart in zip(figures, every, strict=True):
        drawn = figure.select_one(".pv-chart-interactive")
        assert drawn is not None and drawn.find("svg") is not None
        # The interactive chart says what the image said; the image is hidden, not removed.
        assert drawn["aria-label"] == chart.alt
        assert "display: none" in figure.find("img").parent.get("style", "")
    assert any(path.endswith(f"/{every[0].id}.json") for path in requested)


def test_provisional_latest_is_named_on_the_chart_and_in_words() -> None:
    ind = indicator()
    results = (result("2024", 40), Result("satisfied", "2025", "all", 45, status="provisional"))
    (trend,) = charts.indicator_charts(make_report((ind,), results), ind, as_of=AS_OF)
    assert trend.alt == "Rose from 40% in 2024 to 45% in 2025 (provisional)."
    assert trend.spec["layer"][-1]["data"]["values"][0]["label"] == "45% (provisional)"
    assert trend.rows[-1] == ["2025", "45%", "", "", "provisional"]


def test_chart_csv_text_cannot_run_as_a_formula() -> None:
    profile = (
        ProfileRow("panel", "age", "=HYPERLINK(1)", 50, 50),
        ProfileRow("panel", "age", "-", 50, 50),
    )
    report = make_report((), (), profile)
    chart = charts.engagement_charts(report, report.engagements[0])[0]
    rows = list(csv.reader(io.StringIO(chart.csv)))
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(1)", "'-"]
    assert rows[1][1:] == ["50", "50", "false"]  # numbers stay numbers


def test_a_group_value_at_the_right_end_is_labelled_inside_the_interactive_plot() -> None:
    ind = indicator(unit="minutes", direction="decrease")
    results = (
        result("2025", 8.3),
        result("2025", 9.85, group="area: North"),
        result("2025", 6.75, group="area: South"),
    )
    (by_area,) = [
        c
        for c in charts.indicator_charts(make_report((ind,), results), ind, as_of=AS_OF)
        if c.id.endswith("by-area")
    ]
    rendered = vl_convert.vegalite_to_svg(by_area.spec)
    texts = re.findall(r'<text [^>]*text-anchor="(\w+)" transform="translate\(([-\d.]+),[-\d.]+\)"'
                       r'[^>]*>([^<]*)</text>', rendered)  # fmt: skip
    labels = [(a, float(x), words) for a, x, words in texts if words.startswith(("9.85", "6.75"))]
    assert len(labels) == 2
    for anchor, x, words in labels:
        width = charts.svg.text_width(words)
        start = {"end": x - width, "middle": x - width / 2}.get(anchor, x)
        assert 0 <= start and start + width <= by_area.spec["width"], (words, start, width)
