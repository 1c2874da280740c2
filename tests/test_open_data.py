"""The report as open data: /data/datapackage.json (checked by the real `frictionless validate`),
each measure's /indicators/<id>/data.json, and the embed card /embed/indicators/<id>/, on real
builds of the example and of a package with confidential and embargoed rows."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from bs4 import BeautifulSoup
from conftest import AS_OF, EXAMPLE, make_project, search_entries
from test_build_cases import make_case_project

from pvreport import build, contract
from pvreport.site import write
from pvreport.tables.read import WrittenNumber

pytestmark = pytest.mark.slow

FRICTIONLESS = Path(sys.executable).with_name("frictionless")
#: Cases of the build suite whose rows are withheld: a confidential measure, an embargoed result.
WITHHELD_CASES = ["withheld-indicator", "withheld-embargoed-result"]
WITHHELD_TEXTS = ["CanaryIndicator203", "CanaryResult203", "secret-measure203", "CanaryEmbargo208"]


@pytest.fixture(scope="module")
def withheld_site(tmp_path_factory: pytest.TempPathFactory) -> build.Built:
    project = make_case_project(tmp_path_factory.mktemp("open-data"), WITHHELD_CASES)
    return build.build(project, as_of=AS_OF)


def frictionless_report(descriptor: Path) -> dict[str, Any]:
    run = subprocess.run(
        [str(FRICTIONLESS), "validate", "--json", str(descriptor)],
        capture_output=True,
        text=True,
        cwd=descriptor.parent,
        timeout=300,
        check=False,
    )
    report: dict[str, Any] = json.loads(run.stdout)
    return report


def _errors(report: dict[str, Any]) -> list[str]:
    found = [e.get("message", "") for e in report.get("errors", [])]
    for task in report.get("tasks", []):
        found += [f"{task.get('name')}: {e.get('message', '')}" for e in task.get("errors", [])]
    return found


@pytest.mark.parametrize("which", ["example", "withheld"])
def test_the_published_package_is_valid_frictionless(
    which: str, example_site: build.Built, withheld_site: build.Built
) -> None:
    site = (example_site if which == "example" else withheld_site).site_dir
    descriptor = site / "data" / "datapackage.json"
    report = frictionless_report(descriptor)
    assert report["valid"], _errors(report)
    published = json.loads(descriptor.read_text(encoding="utf-8"))
    # Every resource is read from the site's own downloads, relative to the descriptor.
    paths = {r["name"]: r["path"] for r in published["resources"]}
    assert paths["results"] == "downloads/results.csv"
    for path in paths.values():
        assert (descriptor.parent / path).is_file(), path
    # Described by the contract's schema, field by field as the CSV has its columns.
    results = next(r for r in published["resources"] if r["name"] == "results")
    with (descriptor.parent / results["path"]).open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert [f["name"] for f in results["schema"]["fields"]] == header
    assert results["schema"]["primaryKey"] == ["indicator_id", "period", "group"]
    assert len(report["tasks"]) == len(published["resources"])


def test_the_published_package_holds_no_withheld_row(withheld_site: build.Built) -> None:
    data = withheld_site.site_dir / "data"
    texts = [(data / "datapackage.json").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in (data / "downloads").glob("*.csv")]
    # The workbook of the public data, every cell of every sheet as a spreadsheet reads it.
    (book,) = (data / "downloads").glob("*.xlsx")
    workbook = openpyxl.load_workbook(book, read_only=True)
    texts += [
        "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v)
        for sheet in workbook.worksheets
    ]
    assert any("damp-homes" in text for text in texts[-len(workbook.worksheets) :])
    for text in texts:
        for canary in [*WITHHELD_TEXTS, "7.25"]:
            assert canary not in text
    # ... and no page of its own: no data file, no embed card.
    site = withheld_site.site_dir
    assert not (site / "indicators" / "secret-measure203").exists()
    assert not (site / "embed" / "indicators" / "secret-measure203").exists()
    damp = json.loads((site / "indicators" / "damp-homes" / "data.json").read_text("utf-8"))
    assert "2026/27" not in [r["period"] for r in damp["results"]]
    assert damp["status"]["latest"]["period"] != "2026/27"


def test_the_data_of_a_measure(example_site: build.Built) -> None:
    raw = example_site.site_dir / "indicators" / "homeless-again-within-a-year" / "data.json"
    text = raw.read_text(encoding="utf-8")
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert data["id"] == "homeless-again-within-a-year"
    assert data["address"] == "indicators/homeless-again-within-a-year/"
    assert data["embed"] == "embed/indicators/homeless-again-within-a-year/"
    assert data["as_of"] == AS_OF.isoformat()
    ind = data["indicator"]
    assert ind["title"] == "Households homeless again within a year"
    assert ind["unit"] == "%" and ind["direction"] == "decrease"
    assert ind["baseline_value"] == 6.1 and ind["target_value"] == 5
    assert ind["counterbalance_id"] == "moved-on-within-6-weeks"
    assert "visibility" not in ind
    # The contract's fields, every one named even where empty.
    assert set(ind) == set(contract.fields("indicators")) - {"visibility"}
    with (EXAMPLE / "results.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["indicator_id"] == data["id"]]
    assert len(data["results"]) == len(rows)
    assert {(r["period"], r["group"]) for r in data["results"]} == {
        (r["period"], r["group"]) for r in rows
    }
    assert set(data["results"][0]) == set(contract.fields("results")) - {"indicator_id"}
    status = data["status"]
    assert status["direction_of_travel"] in {
        "improving", "worsening", "no clear change", "not enough data", "no data"
    }  # fmt: skip
    assert status["target_status"] in {"met", "not met", "no target"}
    assert status["direction_of_travel_reason"].endswith(".")
    assert status["direction_of_travel_rule"] and status["target_rule"]
    latest = [r for r in data["results"] if r["group"] == "all"][-1]
    assert status["latest"] == {
        "period": latest["period"], "value": latest["value"], "status": latest["status"]
    }  # fmt: skip
    assert "decided_by" in status and "threshold" in status and "overdue" in status


def test_numbers_keep_their_written_decimals(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(EXAMPLE, package)
    path = package / "results.csv"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[0].split(",")
    first = next(
        i for i, line in enumerate(lines[1:], 1) if line.startswith("homeless-again-within-a-year,")
    )
    cells = next(csv.reader([lines[first]]))
    cells[header.index("value")] = "12.50"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    lines[first] = buffer.getvalue()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    project = make_project(tmp_path / "project", package)
    built = build.build(project, as_of=AS_OF)
    folder = built.site_dir / "indicators" / "homeless-again-within-a-year"
    raw = (folder / "data.json").read_text("utf-8")
    assert '"value":12.50' in raw
    assert json.loads(raw)["results"]


def test_json_bytes_writes_numbers_as_the_package_wrote_them() -> None:
    """The one serialiser of the open data: keys sorted, compact, text unescaped, a number's
    written decimals kept, a whole float written whole, not a number written as null, and rows
    made column by column written exactly as rows made one by one."""
    fields = ("period", "value", "lower", "note")

    class Float(float):
        """Another library's float (NumPy's float64 is one): written as a plain float."""

    columns = [
        ["2024", "2025"],
        write.json_column([WrittenNumber("97.50"), 16.0]),
        write.json_column([None, 0.1]),
        ["Caerdydd – “ô” £", None],
    ]
    rows = write.json_rows(fields, columns)
    value = {"b": 16.0, "a": [WrittenNumber("12.0"), float("nan"), 2.5, Float(3.0)], "rows": rows}
    expected = (
        '{"a":[12.0,null,2.5,3],"b":16,"rows":['
        '{"lower":null,"note":"Caerdydd – “ô” £","period":"2024","value":97.50},'
        '{"lower":0.1,"note":null,"period":"2025","value":16}]}\n'
    )
    assert write.json_bytes(value) == expected.encode("utf-8")
    one_by_one = [dict(zip(fields, row, strict=True)) for row in zip(*columns, strict=True)]
    assert write.json_bytes({"rows": one_by_one}) == write.json_bytes({"rows": rows})


def test_the_embed_card(example_site: build.Built) -> None:
    site = example_site.site_dir
    page = site / "embed" / "indicators" / "homeless-again-within-a-year" / "index.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    data = json.loads(
        (site / "indicators" / "homeless-again-within-a-year" / "data.json").read_text("utf-8")
    )
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert soup.html["lang"] == "en"
    assert not soup.find("script") and not soup.find("nav") and not soup.find("header")
    assert not soup.find("form") and not soup.find("footer")
    assert soup.h1.get_text(" ", strip=True) == "Households homeless again within a year"
    text = " ".join(soup.get_text(" ").split())
    # The latest value and both statuses in words.
    assert "Latest result" in text
    words = {"met": "met", "not met": "not met", "no target": "no target"}
    assert words[data["status"]["target_status"]] in text.lower()
    assert data["status"]["direction_of_travel"] in text.lower()
    assert data["status"]["direction_of_travel_reason"] in text
    # The trend chart's own SVG, with its text alternative.
    img = soup.find("img")
    assert img["alt"] and len(img["alt"]) > 40
    assert (page.parent / img["src"]).resolve().is_file()
    assert img["src"].endswith(".svg")
    # The full page, opened in the whole window rather than inside the frame.
    full = [a for a in soup.find_all("a") if a.get("target") == "_top"]
    assert full and (page.parent / full[0]["href"] / "index.html").resolve() == (
        site / "indicators" / "homeless-again-within-a-year" / "index.html"
    )
    # Not in the sitemap nor in the site's search.
    assert "embed/" not in (site / "sitemap.xml").read_text(encoding="utf-8")
    assert not [d for d in search_entries(site) if d["location"].startswith("embed/")]


def test_each_measure_page_offers_its_embed_snippet(example_site: build.Built) -> None:
    site = example_site.site_dir
    page = site / "indicators" / "homeless-again-within-a-year" / "index.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    details = [d for d in soup.find_all("details") if "Embed this measure" in d.summary.get_text()]
    assert len(details) == 1
    code = details[0].find("code").get_text()
    frame = BeautifulSoup(code, "html.parser").iframe
    assert frame is not None
    assert (
        frame["src"] == "https://example.org/report/embed/indicators/homeless-again-within-a-year/"
    )
    assert frame["title"] == "Households homeless again within a year"
    # The measure's own data is linked from its page.
    assert any(a.get("href", "").endswith("data.json") for a in soup.find_all("a"))
    embeds = sorted(p.parent.name for p in (site / "embed" / "indicators").glob("*/index.html"))
    assert embeds == sorted(i.id for i in example_site.report.indicators)
