"""The embed card's iframe snippet is as tall as the card: nothing cut off at a phone's 320 px,
no tall blank box at the card's full width. Real cards of the example, measured in Chromium."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import AS_OF, REPO

from pvreport import build
from pvreport.site import render

pytestmark = pytest.mark.slow

WIDTHS = [320, 360, 390, 480, 640]
#: The most blank space a snippet may leave below a card, at the width where the card is
#: tallest (a little, for fonts wider than the test machine's).
SPARE = 120


def test_line_wrapping_counts_lines_as_a_browser_would() -> None:
    assert render._lines("", 10) == 1
    assert render._lines("one two three", 13) == 1
    assert render._lines("one two three", 12) == 2
    assert render._lines("a" * 25, 10) == 3


def test_a_card_with_more_text_is_taller() -> None:
    card = "<main><h1>{}</h1><dl><dt>Latest</dt><dd>{}</dd></dl></main>"
    short = render.card_height(card.format("Title", "Short."), (560, 400))
    long = render.card_height(card.format("Title", "A longer sentence. " * 20), (560, 400))
    assert long > short
    assert render.card_height(card.format("Title", "Short."), None) < short


@pytest.mark.skipif(
    shutil.which("node") is None
    or shutil.which("chromium") is None
    or not (REPO / "node_modules" / "playwright-core").exists(),
    reason="needs node, Chromium and the npm packages (make install-browser)",
)
def test_snippet_height_fits_every_card_of_the_example(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("mkdocs.yml", "content", "datapackages"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, project / name)
    built = build.build(project, as_of=AS_OF)
    site = built.site_dir
    snippets = {}
    for page in sorted((site / "indicators").glob("*/index.html")):
        text = html.unescape(page.read_text(encoding="utf-8"))
        found = re.search(
            r'<iframe src="[^"]*?(embed/indicators/[^/"]+/)"[^>]*height="(\d+)"', text
        )
        assert found, page
        snippets[found[1]] = int(found[2])
    assert len(snippets) > 10
    config = tmp_path / "config.json"
    out = tmp_path / "heights.json"
    config.write_text(
        json.dumps(
            {
                "site": str(site),
                "cards": sorted(snippets),
                "widths": WIDTHS,
                "chromium": shutil.which("chromium"),
                "out": str(out),
            }
        ),
        encoding="utf-8",
    )
    subprocess.run(
        ["node", str(REPO / "tests" / "browser" / "embed_heights.mjs"), str(config)],
        check=True,
        timeout=300,
    )
    measured = json.loads(out.read_text(encoding="utf-8"))
    cut, blank = [], []
    for card, height in snippets.items():
        tallest = max(measured[card].values())
        if tallest > height:
            cut.append((card, height, measured[card]))
        if height - tallest > SPARE:
            blank.append((card, height, measured[card]))
    assert cut == [], "cards taller than their snippet (cut off)"
    assert blank == [], "snippets far taller than their card"
