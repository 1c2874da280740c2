"""The public data as one workbook on /data/, for readers who double-click downloads: the same
rows and cells as the public CSV files (withheld rows out, formula-like cells led by '), every
cell text, a package sheet and a data dictionary, linked on the data page with its size. That it
holds no withheld text is checked with the CSV files (tests/test_open_data.py,
tests/test_build_cases.py), and that two builds give the same bytes with the whole site
(tests/test_build.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from bs4 import BeautifulSoup
from conftest import AS_OF, BASE, make_project
from jinja2.filters import do_filesizeformat

from pvreport import build, contract
from pvreport.site import xlsx

pytestmark = pytest.mark.slow


def test_the_data_page_offers_the_workbook(example_site: Any) -> None:
    site: Path = example_site.site_dir
    downloads = site / "data" / "downloads"
    (book,) = downloads.glob("*.xlsx")
    assert book.name == "harrowfield-public-value-2025-26.xlsx"
    page = BeautifulSoup((site / "data" / "index.html").read_text("utf-8"), "html.parser")
    link = page.find("a", href=f"downloads/{book.name}")
    assert link is not None
    assert link.get_text() == f"All the data as one Excel workbook ({book.name})"
    item = link.find_parent("li").get_text(" ", strip=True)
    assert f"{do_filesizeformat(book.stat().st_size)}, a sheet for each kind of record" in item

    workbook = openpyxl.load_workbook(book)
    names = [n for n in contract.RESOURCES if (downloads / f"{n}.csv").exists()]
    assert workbook.sheetnames == ["package", *names, "data dictionary"]
    for name in names:
        with (downloads / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            records = list(csv.reader(handle))
        cells = list(workbook[name].iter_rows())
        # Cell for cell the public CSV (an empty cell is left empty), every one of them text.
        assert [[c.value or "" for c in row] for row in cells] == records, name
        assert {c.data_type for row in cells for c in row if c.value is not None} == {"s"}
    package = dict(workbook["package"].iter_rows(min_row=2, values_only=True))
    assert package["organisation.name"] == "Harrowfield Borough Council"
    assert package["reporting_period.label"] == "2025/26"
    dictionary = list(workbook["data dictionary"].iter_rows(values_only=True))
    assert dictionary[0] == (
        "sheet",
        "column",
        "type",
        "required",
        "what it means",
        "allowed values",
    )
    kind = next(r for r in dictionary if r[:2] == ("indicators", "kind"))
    assert kind[3] == "yes" and kind[5] == "outcome, output"
    # The file says it was made on the day the site was built as of, not on the day it was.
    assert workbook.properties.created == dt.datetime(2026, 6, 1)


def test_every_cell_is_text_even_one_that_looks_like_a_formula() -> None:
    """The public CSV files lead a formula-like text cell with ' (the inject-formula case of
    tests/test_build_cases.py finds it so in the workbook); a number that starts with - is left
    as the CSV has it, and in the workbook every cell is text, so none is ever run."""
    csvs = {"options": b"decision_id,id,title,cost\nd,=HYPERLINK(x),'+SUM(A1),-5\n"}
    stamp = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    first = xlsx.public_workbook({"name": "p"}, csvs, created=stamp)
    assert first is not None
    sheet = openpyxl.load_workbook(io.BytesIO(first))["options"]
    assert [c.value for c in sheet[2]] == ["d", "=HYPERLINK(x)", "'+SUM(A1)", "-5"]
    assert {c.data_type for c in sheet[2]} == {"s"}
    # The same data and date give the same bytes.
    assert xlsx.public_workbook({"name": "p"}, csvs, created=stamp) == first


def test_no_workbook_for_data_too_large_for_one(tmp_path: Path) -> None:
    rows = xlsx.WORKBOOK_CELLS // 2 + 1
    big = ("a,b\n" + "1,2\n" * rows).encode()
    stamp = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert xlsx.public_workbook({"name": "p"}, {"results": big}, created=stamp) is None
    just = ("a,b\n" + "1,2\n" * (rows - 1)).encode()
    assert xlsx.public_workbook({"name": "p"}, {"results": just}, created=stamp) is not None


def test_the_data_page_says_when_there_is_no_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Public data over the workbook's size (here made small, so the build is quick): the data
    page says there is no workbook and why, and the CSV files are there."""
    monkeypatch.setattr(xlsx, "WORKBOOK_CELLS", 100)
    package = shutil.copytree(BASE, tmp_path / "package")
    project = make_project(tmp_path / "project", package)
    built = build.build(project, as_of=AS_OF)
    downloads = built.site_dir / "data" / "downloads"
    assert not list(downloads.glob("*.xlsx")) and (downloads / "results.csv").is_file()
    page = BeautifulSoup((built.site_dir / "data" / "index.html").read_text("utf-8"), "html.parser")
    text = " ".join(page.get_text(" ").split())
    assert "There is no Excel workbook of this data: it is too large for one" in text
    assert "The workbook holds" not in text
