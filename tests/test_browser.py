"""Accessibility checked the way auditors check it: in a real browser, on every page.

Debian's Chromium runs axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA) and the behaviour checks of
``tests/browser/check_pages.mjs`` (reflow at 320 px, skip link, keyboard reach and visible focus,
chart images with text alternatives and data tables, content without JavaScript, no request
leaving the local server); pa11y-ci runs HTML_CodeSniffer over the same pages; the Nu HTML checker
reads every HTML file once. Everything ignored is in ``tests/browser/ignored.yaml``, with reasons.

Two sites are checked. A tiny MkDocs Material site with planted violations proves that each check
fails when it should and passes when it should. The example report, built once per session, must
pass everything. ``make test`` installs what these tests need (Chromium, Java, ``npm ci``).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import functools
import http.server
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import AS_OF

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
BROWSER = REPO / "tests" / "browser"
NODE_MODULES = REPO / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
PA11Y_CI = NODE_MODULES / "pa11y-ci" / "bin" / "pa11y-ci.js"
EXTRA_CSS = REPO / "pvreport" / "assets" / "extra.css"
KEYBOARD_JS = REPO / "pvreport" / "assets" / "keyboard.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The same flags as check_pages.mjs: a headless browser that starts nothing of its own and asks no
# server but ours.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


# --- tools -------------------------------------------------------------------------------------


@functools.cache
def _missing_tools() -> list[str]:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append("chromium (apt-get install chromium)")
    if shutil.which("node") is None:
        missing.append("node")
    if shutil.which("java") is None:
        missing.append("java (apt-get install default-jre-headless)")
    for package in ("playwright-core", "axe-core", "pa11y-ci", "vnu-jar"):
        if not (NODE_MODULES / package / "package.json").exists():
            missing.append(f"node_modules/{package} (npm ci)")
    return missing


@pytest.fixture(scope="session")
def tools() -> None:
    # A missing tool fails rather than skips: a browser suite that quietly skips on a fresh machine
    # would report an accessible site it never looked at.
    if missing := _missing_tools():
        pytest.fail("browser checks need: " + ", ".join(missing) + " - run `make install`")


@dataclasses.dataclass(frozen=True)
class Ignored:
    """What tests/browser/ignored.yaml tells each tool to leave out."""

    axe_rules: tuple[str, ...]
    pa11y_codes: tuple[str, ...]
    pa11y_hide: tuple[str, ...]
    vnu: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]


@functools.cache
def ignored() -> Ignored:
    data = yaml.safe_load((BROWSER / "ignored.yaml").read_text(encoding="utf-8"))
    for entry in [*data["pa11y"]["ignore"], *data["pa11y"]["hide_elements"], *data["vnu"]]:
        assert len(entry.get("reason", "")) > 40, f"ignored without a reason: {entry}"
    for rule in data["axe"]:
        assert isinstance(rule, dict) and len(rule.get("reason", "")) > 40, rule
    return Ignored(
        axe_rules=tuple(rule["rule"] for rule in data["axe"]),
        pa11y_codes=tuple(e["code"] for e in data["pa11y"]["ignore"]),
        pa11y_hide=tuple(e["selector"] for e in data["pa11y"]["hide_elements"]),
        vnu=tuple((re.compile(e["message"]), re.compile(e["extract"])) for e in data["vnu"]),
    )


# --- serving and the list of pages -------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve a built site on 127.0.0.1 at a free port the system picks; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def sitemap_pages(site: Path) -> list[str]:
    """Every page of the site's sitemap.xml, as a path relative to the site's root folder.

    The sitemap holds public addresses (``https://example.org/report/objectives/x/``); the part of
    the path after the site's own prefix is found by matching it to the built files.
    """
    tree = ET.parse(site / "sitemap.xml")
    locs = [el.text or "" for el in tree.iter() if el.tag.endswith("}loc") or el.tag == "loc"]
    assert locs, f"{site / 'sitemap.xml'} lists no page (is site_url set in the config?)"
    pages = []
    for loc in locs:
        parts = [p for p in urlsplit(loc.strip()).path.split("/") if p]
        trailing = loc.strip().endswith("/")
        for start in range(len(parts) + 1):
            rel = "/".join(parts[start:]) + ("/" if trailing and parts[start:] else "")
            target = site / rel
            if (target / "index.html").is_file() if (trailing or not rel) else target.is_file():
                pages.append(rel)
                break
        else:
            raise AssertionError(f"sitemap address {loc} matches no file in {site}")
    return pages


# --- the three tools ----------------------------------------------------------------------------


def check_pages(
    base: str,
    pages: Sequence[str],
    work: Path,
    screenshots: Sequence[dict[str, Any]] = (),
    tables_fit: Sequence[str] = (),
    cards: Sequence[str] = (),
) -> dict[str, dict[str, Any]]:
    """Run check_pages.mjs over the pages; its findings by page path.

    The narrow-screen menu, the same on every page (it is the theme's), is tried on the first.
    On the ``tables_fit`` pages every table must fit the window at 390 and 320 px. The ``cards``
    (embed cards, with no site menu) need no skip link."""
    config = work / "check-pages.json"
    out = work / "check-pages-results.json"
    config.write_text(
        json.dumps(
            {
                "base": base,
                "pages": list(pages),
                "chromium": CHROMIUM,
                "axeDisabledRules": list(ignored().axe_rules),
                "screenshots": list(screenshots),
                "menuPages": list(pages[:1]),
                "tablesFit": list(tables_fit),
                "cardPages": list(cards),
                "out": str(out),
            }
        ),
        encoding="utf-8",
    )
    run = subprocess.run(
        ["node", str(BROWSER / "check_pages.mjs"), str(config)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, f"check_pages.mjs failed:\n{run.stdout}\n{run.stderr}"
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["pages"] == len(pages)
    return {r["page"]: r for r in results["results"]}


def pa11y(base: str, pages: Sequence[str], work: Path) -> dict[str, list[dict[str, Any]]]:
    """Run pa11y-ci (HTML_CodeSniffer, WCAG 2 AA) over the pages; its errors by page path."""
    settings = json.loads((BROWSER / "pa11yci.json").read_text(encoding="utf-8"))
    defaults = settings["defaults"]
    defaults["chromeLaunchConfig"] = {"executablePath": CHROMIUM, "args": CHROMIUM_ARGS}
    defaults["ignore"] = list(ignored().pa11y_codes)
    defaults["hideElements"] = ", ".join(ignored().pa11y_hide)
    urls = {base + page: page for page in pages}
    config = work / "pa11yci.json"
    config.write_text(json.dumps({"defaults": defaults, "urls": list(urls)}), encoding="utf-8")
    run = subprocess.run(
        ["node", str(PA11Y_CI), "--config", str(config), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "true"},
    )
    # Exit 2 means "errors found"; anything else but 0 means pa11y-ci itself failed.
    assert run.returncode in (0, 2), f"pa11y-ci failed:\n{run.stdout}\n{run.stderr}"
    report = json.loads(run.stdout)
    assert report["total"] == len(pages), report
    found: dict[str, list[dict[str, Any]]] = {page: [] for page in pages}
    for url, issues in report["results"].items():
        for issue in issues:
            # pa11y-ci reports a page it could not load as one issue with a message only.
            found[urls[url]].append(issue if isinstance(issue, dict) else {"message": str(issue)})
    return found


def vnu(site: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The Nu HTML checker over every HTML file of the site, once: (errors, errors filtered out)."""
    run = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--format",
            "json",
            "--skip-non-html",
            str(site),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    # vnu writes its JSON report to stderr and exits 1 when it found errors.
    report = json.loads(run.stderr or run.stdout)
    errors, filtered = [], []
    for message in report["messages"]:
        if message.get("type") not in ("error", "non-document-error"):
            continue
        rules = ignored().vnu
        if any(
            m.search(message.get("message", "")) and e.search(message.get("extract", ""))
            for m, e in rules
        ):
            filtered.append(message)
        else:
            errors.append(message)
    return errors, filtered


def describe(results: dict[str, dict[str, Any]]) -> str:
    """Every finding, one line each, for an assertion message a person can act on."""
    lines = []
    for page, result in results.items():
        for violation in result["axe"]:
            for node in violation["nodes"][:3]:
                lines.append(
                    f"/{page}: axe {violation['id']}: {violation['help']} at {node['target']}"
                )
        for problem in result["problems"]:
            lines.append(f"/{page}: {problem['kind']}: {problem['message']}")
    return "\n".join(lines)


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


# --- a tiny site with planted violations -------------------------------------------------------

CHART = """
<figure id="chart-{name}">
<img src="../chart.svg" alt="Rose from 16% in 2021/22 to 20% in 2025/26; the 25% target is not met">
{table}
<figcaption>Share of residents who feel safe after dark</figcaption>
</figure>
"""
TABLE = """<table><caption>The data in this chart</caption>
<thead><tr><th scope="col">Year</th><th scope="col">Share</th></tr></thead>
<tbody><tr><td>2021/22</td><td>16%</td></tr><tr><td>2025/26</td><td>20%</td></tr></tbody></table>"""

WIDE_TABLE = """Three options we weighed.

<table{stack}>
<thead><tr><th scope="col">Option</th><th scope="col">Benefits</th>\
<th scope="col">Drawbacks</th><th scope="col">Cost</th><th scope="col">Support</th>\
</tr></thead>
<tbody>
<tr><th scope="row">Rent homes from private landlords</th>\
<td data-label="Benefits">Homes are ready within months</td>\
<td data-label="Drawbacks">Landlords can end the lease</td>\
<td data-label="Cost">£1.9 million per year</td><td data-label="Support">48%</td></tr>
<tr><th scope="row">Buy homes ourselves</th>\
<td data-label="Benefits">We own the homes for good</td>\
<td data-label="Drawbacks">Only sixty homes in three years</td>\
<td data-label="Cost">£2.3 million per year</td><td data-label="Support">41%</td></tr>
<tr><th scope="row">Keep using hotels and bed and breakfasts</th>\
<td data-label="Benefits">No new contracts</td>\
<td data-label="Drawbacks">Families live in one room</td>\
<td data-label="Cost">£3.4 million per year</td><td data-label="Support">11%</td></tr>
</tbody>
</table>
"""
STACK = ' data-stack="options"'


#: Each page plants one violation; ``clean`` plants none and must pass every check.
PLANTED: dict[str, str] = {
    "clean": "Plain words and a [link to the other page](../wide/index.md) in a sentence.\n"
    + CHART.format(name="clean", table=TABLE),
    "no-alt": '<img src="../chart.svg">\n\nA chart with no text alternative.',
    "low-contrast": '<p style="color: #b8b8b8">Pale grey text that is hard to read.</p>',
    "wide": '<div style="width: 900px">A box wider than a phone screen.</div>',
    "external": '<img src="https://fonts.example.net/pixel.png" alt="A picture from another site">',
    "js-only": '<p id="late"></p>\n<script>document.getElementById("late").textContent = '
    '"Only people with JavaScript read this sentence.";</script>',
    "no-focus": '<p><span tabindex="0" style="outline: none">A control that hides its focus'
    "</span></p>",
    "first-tab": '<p><a href="#top" tabindex="1">A link that jumps the queue</a></p>',
    "chart-no-table": CHART.format(name="no-table", table=""),
    "invalid": '<p><span id="twice">One</span> and <span id="twice">two</span>.</p>',
    # A table of options side by side: on a phone it scrolls inside its box, the third option
    # out of sight. The same table marked to stack (as pvreport writes it) fits.
    "wide-table": WIDE_TABLE.format(stack=""),
    "stacked-table": WIDE_TABLE.format(stack=STACK),
}
#: Pages of the planted site whose tables must fit the window.
TABLES_FIT = ["clean/", "wide-table/", "stacked-table/"]


def build_mkdocs_site(folder: Path, pages: dict[str, str], *, fixes: bool) -> Path:
    """A small MkDocs Material site as pvreport configures it (no web fonts, site_url set), with
    or without pvreport's fixes to the theme (extra.css and keyboard.js)."""
    docs = folder / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text(
        "# Test pages\n\nPages with planted problems.\n", encoding="utf-8"
    )
    for name, body in pages.items():
        (docs / name).mkdir()
        (docs / name / "index.md").write_text(f"# Page {name}\n\n{body}\n", encoding="utf-8")
    (docs / "chart.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
        '<rect width="200" height="100" fill="#1d4f91"/></svg>',
        encoding="utf-8",
    )
    config: dict[str, Any] = {
        "site_name": "Planted pages",
        "site_url": "https://example.org/report/",
        "theme": {"name": "material", "font": False, "language": "en"},
        "nav": ["index.md", *[f"{name}/index.md" for name in pages]],
    }
    if fixes:
        shutil.copy(EXTRA_CSS, docs / "extra.css")
        shutil.copy(KEYBOARD_JS, docs / "keyboard.js")
        config["extra_css"] = ["extra.css"]
        config["extra_javascript"] = ["keyboard.js"]
    (folder / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    subprocess.run(
        [str(Path(sys.executable).parent / "mkdocs"), "build", "--quiet"],
        cwd=folder,
        check=True,
        env=ENV,
        capture_output=True,
    )
    return folder / "site"


@dataclasses.dataclass(frozen=True)
class Checked:
    site: Path
    pages: list[str]
    pages_results: dict[str, dict[str, Any]]
    pa11y: dict[str, list[dict[str, Any]]]
    vnu_errors: list[dict[str, Any]]
    vnu_filtered: list[dict[str, Any]]

    def vnu_for(self, page: str) -> list[dict[str, Any]]:
        target = (self.site / page / "index.html").resolve().as_uri().removeprefix("file://")
        return [e for e in self.vnu_errors if e.get("url", "").endswith(target)]


def check_site(
    site: Path,
    work: Path,
    screenshots: Sequence[dict[str, Any]] = (),
    tables_fit: Sequence[str] = (),
    cards: Sequence[str] = (),
    parts: Sequence[str] = (),
) -> Checked:
    """Every check over the sitemap's pages and the ``cards`` (embed cards: not in the sitemap,
    checked all the same), and the pages of each part of the site in ``parts`` (``en/``, each
    with a sitemap of its own)."""
    pages = [
        *sitemap_pages(site),
        *(part + page for part in parts for page in sitemap_pages(site / part)),
        *cards,
    ]
    # The three tools run at once: each spends much of its time waiting on the others' pages or
    # on Java's start-up, so together they take little longer than the slowest alone.
    with serve(site) as base, concurrent.futures.ThreadPoolExecutor(3) as pool:
        results = pool.submit(check_pages, base, pages, work, screenshots, tables_fit, cards)
        by_pa11y = pool.submit(pa11y, base, pages, work)
        by_vnu = pool.submit(vnu, site)
        errors, filtered = by_vnu.result()
        return Checked(site, pages, results.result(), by_pa11y.result(), errors, filtered)


@pytest.fixture(scope="module")
def planted(tools: None, tmp_path_factory: pytest.TempPathFactory) -> Checked:
    folder = tmp_path_factory.mktemp("planted")
    site = build_mkdocs_site(folder, PLANTED, fixes=True)
    return check_site(site, folder, tables_fit=TABLES_FIT)


def test_sitemap_lists_every_page(planted: Checked) -> None:
    assert sorted(planted.pages) == sorted(["", *[f"{name}/" for name in PLANTED]])


def test_clean_page_passes_every_check(planted: Checked) -> None:
    for page in ("", "clean/", "stacked-table/"):
        result = planted.pages_results[page]
        assert result["axe"] == [] and result["problems"] == [], describe({page: result})
        assert planted.pa11y[page] == [], planted.pa11y[page]
        assert planted.vnu_for(page) == [], planted.vnu_for(page)
    assert planted.pages_results["clean/"]["charts"] == 1
    assert planted.pages_results["clean/"]["focusable"] > 5


@pytest.mark.parametrize(
    ("page", "axe_rule", "kind", "words"),
    [
        ("no-alt/", "image-alt", None, None),
        ("low-contrast/", "color-contrast", None, None),
        ("wide/", None, "reflow", "scrolls sideways at 320 px"),
        ("external/", None, "external-request", "fonts.example.net"),
        ("js-only/", None, "no-javascript", "Only people with JavaScript"),
        ("no-focus/", None, "keyboard", "no visible focus on span"),
        ("first-tab/", None, "keyboard", "not a skip link"),
        ("chart-no-table/", None, "chart", "no data table"),
        ("wide-table/", None, "table-width", 'at 320 px, table 1 ("Option")'),
        ("wide-table/", None, "table-width", 'at 390 px, table 1 ("Option")'),
    ],
)
def test_planted_violation_is_caught(
    planted: Checked, page: str, axe_rule: str | None, kind: str | None, words: str | None
) -> None:
    result = planted.pages_results[page]
    if axe_rule:
        assert [v["id"] for v in result["axe"]] == [axe_rule], describe({page: result})
    else:
        assert result["axe"] == [], describe({page: result})
    if kind:
        found = [p for p in result["problems"] if p["kind"] == kind and words in p["message"]]
        assert found, describe({page: result})
    else:
        assert result["problems"] == [], describe({page: result})


def test_pa11y_catches_missing_alt_and_low_contrast(planted: Checked) -> None:
    codes = {
        page: {issue.get("code", "") for issue in planted.pa11y[page]} for page in planted.pages
    }
    assert any(".H37" in code for code in codes["no-alt/"]), codes["no-alt/"]
    assert any(".G18" in code for code in codes["low-contrast/"]), codes["low-contrast/"]


def test_vnu_catches_invalid_html_and_filters_only_what_is_listed(planted: Checked) -> None:
    by_page = {
        page: [e["message"] for e in planted.vnu_for(page)]
        for page in planted.pages
        if planted.vnu_for(page)
    }
    assert by_page.keys() == {"invalid/", "no-alt/"}, by_page
    assert by_page["invalid/"] == ["Duplicate ID “twice”."]
    assert by_page["no-alt/"][0].startswith("An “img” element must have an “alt” attribute")
    assert len(planted.vnu_errors) == 2
    # The listed filter hides Material's checkbox attributes and nothing else.
    assert planted.vnu_filtered
    assert all('type="checkbox"' in e["extract"] for e in planted.vnu_filtered)


def test_the_theme_fails_without_pvreports_fixes(
    tools: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("no-fixes")
    site = build_mkdocs_site(folder, {"clean": PLANTED["clean"]}, fixes=False)
    with serve(site) as base:
        results = check_pages(base, ["clean/"], folder)
    failing = {
        (violation["id"], node["target"])
        for violation in results["clean/"]["axe"]
        for node in violation["nodes"]
    }
    # Material's footer is 4.47:1, its links in sentences are told apart by colour alone...
    assert ("color-contrast", ".md-copyright") in failing, describe(results)
    assert any(rule == "link-in-text-block" for rule, _ in failing), describe(results)
    # ...and on a narrow screen the keyboard walks through the closed, off-screen menu, while the
    # menu button itself cannot be reached.
    keyboard = [p["message"] for p in results["clean/"]["problems"] if p["kind"] == "keyboard"]
    assert any(m.startswith("at 320 px: the focus is off screen on a") for m in keyboard), keyboard
    assert "at 320 px: the menu button cannot be reached with the keyboard" in keyboard, keyboard


# --- the example report, built once per session (tests/conftest.py) -----------------------------


@pytest.fixture(scope="module")
def example(
    tools: None, example_site: Any, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Checked, dict[tuple[str, int], Path]]:
    """Every check over every page of the built example, plus screenshots of an indicator page."""
    site = Path(example_site.site_dir)
    work = tmp_path_factory.mktemp("example-browser")
    pages = sitemap_pages(site)
    indicator = min(p for p in pages if re.fullmatch(r"indicators/[^/]+/", p))
    shots = {(indicator, w): work / f"indicator-{w}px.png" for w in (320, 1280)}
    # The decision that shows the most options, on a phone.
    report = example_site.report
    decision = max(
        report.decisions, key=lambda d: sum(o.decision_id == d.id for o in report.options)
    )
    shots |= {(f"decisions/{decision.id}/", w): work / f"decision-{w}px.png" for w in (320, 390)}
    # One measure's embed card: not in the sitemap (nor the search), but checked like a page.
    card = "embed/" + indicator
    shots |= {(card, w): work / f"embed-{w}px.png" for w in (320, 640)}
    screenshots = [{"page": p, "width": w, "file": str(f)} for (p, w), f in shots.items()]
    checked = check_site(
        site, work, screenshots, tables_fit=narrow_table_pages(pages), cards=[card]
    )
    return checked, shots


def narrow_table_pages(pages: Sequence[str]) -> list[str]:
    """The pages whose tables must fit a phone's window: the decisions and each one's options,
    and the measures with their latest results (the summary, and each objective's own)."""
    wanted = re.compile(r"decisions/([^/]+/)?|objectives/[^/]+/|indicators/")
    return [p for p in pages if wanted.fullmatch(p)]


def test_example_sitemap_lists_every_page(
    example: tuple[Checked, dict[tuple[str, int], Path]],
) -> None:
    checked, _ = example
    built = {
        str(path.parent.relative_to(checked.site)).removeprefix(".") + "/"
        for path in checked.site.rglob("index.html")
    }
    # The embed cards are left out of the sitemap on purpose (not for search engines); one is
    # checked all the same.
    cards = {p for p in built if p.startswith("embed/")}
    assert len(cards) == len(list(Path(checked.site, "embed", "indicators").iterdir()))
    listed = set(sitemap_pages(checked.site))
    assert {p if p else "/" for p in listed} == built - cards
    assert [p for p in checked.pages if p.startswith("embed/")] == [
        min(p for p in cards if p.startswith("embed/indicators/"))
    ]
    assert len(checked.pages) >= 30


def test_example_has_no_axe_violation_and_passes_behaviour_checks(
    example: tuple[Checked, dict[tuple[str, int], Path]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    checked, _ = example
    results = checked.pages_results
    assert describe(results) == ""
    violations = sum(len(r["axe"]) for r in results.values())
    charts = sum(r["charts"] for r in results.values())
    with capsys.disabled():
        print(
            f"\naxe (wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22aa): {violations} violations on "
            f"{len(results)} pages; reflow, keyboard, charts ({charts}), no-JavaScript and "
            "no-outside-request checks passed on every page"
        )
    # Every indicator page has its charts, each checked for its image, alt text and table.
    for page, result in results.items():
        if re.fullmatch(r"indicators/[^/]+/", page):
            assert result["charts"] >= 1, page
        assert result["focusable"] > 0, page


def test_example_passes_pa11y(
    example: tuple[Checked, dict[tuple[str, int], Path]],
) -> None:
    checked, _ = example
    found = {page: issues for page, issues in checked.pa11y.items() if issues}
    assert found == {}


def test_example_is_valid_html(
    example: tuple[Checked, dict[tuple[str, int], Path]],
) -> None:
    checked, _ = example
    found = [
        f"{e.get('url', '').rsplit('/site/', 1)[-1]}:{e.get('lastLine')}: {e.get('message')}"
        for e in checked.vnu_errors
    ]
    assert found == []


def test_example_screenshots(example: tuple[Checked, dict[tuple[str, int], Path]]) -> None:
    _, shots = example
    assert len(shots) == 6
    for (page, width), path in shots.items():
        shot_width, height = png_size(path)
        # A full-page screenshot exactly as wide as the window: nothing pushed the page wider.
        # (An embed card is short: it may fit the window.)
        assert shot_width == width, (path, shot_width, height)
        assert height > 900 or page.startswith("embed/"), (path, shot_width, height)


def test_example_tables_fit_a_phone(
    example: tuple[Checked, dict[tuple[str, int], Path]], example_site: Any
) -> None:
    """At 390 and 320 px, the options of every decision and the measures' summaries fit the
    window: each row a block of its own, nothing to scroll sideways, in the page or in a table."""
    checked, _ = example
    pages = narrow_table_pages(checked.pages)
    report = example_site.report
    assert {f"decisions/{d.id}/" for d in report.decisions} <= set(pages)
    assert {"decisions/", "indicators/"} <= set(pages)
    found = {
        page: [
            p
            for p in checked.pages_results[page]["problems"]
            if p["kind"] in ("table-width", "reflow")
        ]
        for page in pages
    }
    assert {page: problems for page, problems in found.items() if problems} == {}


def test_example_accessibility_statement(example_site: Any) -> None:
    from bs4 import BeautifulSoup

    from pvreport.report import formatting

    site = Path(example_site.site_dir)
    soup = BeautifulSoup((site / "accessibility" / "index.html").read_text("utf-8"), "html.parser")
    article = soup.find("article")
    assert article is not None
    text = " ".join(article.get_text(" ").split())
    headings = [h.get_text(" ", strip=True) for h in article.find_all(["h1", "h2"])]
    for heading in (
        "Accessibility statement",
        "How accessible this website is",
        "Feedback and contact information",
        "Enforcement procedure",
        "How we tested this website",
    ):
        assert any(h.startswith(heading) for h in headings), (heading, headings)
    descriptor = json.loads((REPO / "datapackages/example/datapackage.json").read_text("utf-8"))
    email = descriptor["organisation"]["contact_email"]
    assert article.find("a", href=f"mailto:{email}") is not None
    assert descriptor["organisation"]["name"] in text
    # The example is built as of conftest's AS_OF: the statement's date is the build's day.
    assert f"This website was built on {formatting.format_date(AS_OF)}." in text


def test_npm_lock_file_pins_registry_tarballs_only() -> None:
    # `make test` installs the browser tools with `npm ci` from this file: every package pinned by
    # version and hash, fetched as a tarball from the configured registry - no git, file or
    # other download, and no browser (install scripts are off in the Makefile).
    lock = json.loads((REPO / "package-lock.json").read_text(encoding="utf-8"))
    packages = {name: entry for name, entry in lock["packages"].items() if name}
    names = {name.rsplit("node_modules/", 1)[-1] for name in packages}
    assert {"playwright-core", "axe-core", "pa11y-ci", "vnu-jar"} <= names
    for name, entry in packages.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+(-[\w.]+)?", entry.get("version", "")), name
        assert entry.get("integrity", "").startswith("sha512-"), name
        resolved = entry.get("resolved")
        assert resolved is None or re.fullmatch(r"https://[^/]+/.+\.tgz", resolved), (
            name,
            resolved,
        )
    manifest = json.loads((REPO / "package.json").read_text(encoding="utf-8"))
    for name, version in manifest["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), (name, version)


# --- every statement on the record: the example with its 2024/25 statement ----------------------

#: The pages the archive adds or changes: the home page's link, what changed, the archive's list,
#: a measure with its status in the earlier statement, and pages of the archived statement (each
#: with its notice).
ARCHIVE_PAGES = (
    "",
    "what-changed/",
    "archive/",
    "indicators/moved-on-within-6-weeks/",
    "archive/2024-25/",
    "archive/2024-25/indicators/moved-on-within-6-weeks/",
    "archive/2024-25/decisions/budget-2025-26/",
)


@pytest.fixture(scope="module")
def archive(
    tools: None, archive_site: Any, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Checked, list[dict[str, Any]]]:
    """The example with its earlier statement (conftest.py, the build test_archive.py reads)."""
    site = Path(archive_site.site_dir)
    work = tmp_path_factory.mktemp("archive-browser-work")
    pages = list(ARCHIVE_PAGES)
    shots = [
        {"page": p, "width": w, "file": str(work / f"{p.replace('/', '_')}{w}.png")}
        for p in ("what-changed/", "archive/2024-25/indicators/moved-on-within-6-weeks/")
        for w in (390, 1280)
    ]
    with serve(site) as base, concurrent.futures.ThreadPoolExecutor(3) as pool:
        # The tables the archive adds must fit a phone (a measure's results table may scroll
        # in its own box, as everywhere: tests/test_browser.py's narrow_table_pages).
        fit = ["what-changed/", "archive/"]
        results = pool.submit(check_pages, base, pages, work, shots, fit)
        by_pa11y = pool.submit(pa11y, base, pages, work)
        by_vnu = pool.submit(vnu, site)
        errors, filtered = by_vnu.result()
        checked = Checked(site, pages, results.result(), by_pa11y.result(), errors, filtered)
        return checked, shots


def test_the_archive_and_what_changed_pass_every_check(
    archive: tuple[Checked, list[dict[str, Any]]],
) -> None:
    """axe, the behaviour checks (reflow, keyboard, the new tables fit a phone), pa11y and the
    Nu HTML checker over what the archive adds, in both statements; screenshots of what changed
    and an archived measure at 390 and 1280 px, nothing pushed wider than the window."""
    archive, shots = archive
    assert describe(archive.pages_results) == ""
    for shot in shots:
        assert png_size(Path(shot["file"]))[0] == shot["width"], shot
    assert {page: issues for page, issues in archive.pa11y.items() if issues} == {}
    found = [
        f"{e.get('url', '').rsplit('/site/', 1)[-1]}:{e.get('lastLine')}: {e.get('message')}"
        for e in archive.vnu_errors
    ]
    assert found == []


# --- the Welsh example: both languages' pages (contract v1.1) ----------------------------------


@pytest.fixture(scope="module")
def welsh(
    tools: None, welsh_site: Any, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Checked, dict[tuple[str, int], Path]]:
    """Every check over every page of the Welsh example in both languages (Welsh at the root,
    English under en/), plus screenshots of a Welsh indicator page and its English twin (the
    build test_languages_site.py reads: conftest.py)."""
    work = tmp_path_factory.mktemp("welsh-browser")
    site = Path(welsh_site.site_dir)
    indicator = "indicators/hyder-ar-lein/"
    shots = {(part + indicator, 390): work / f"indicator-{part or 'cy/'}390px.png".replace("/", "-")
             for part in ("", "en/")}  # fmt: skip
    screenshots = [{"page": p, "width": w, "file": str(f)} for (p, w), f in shots.items()]
    narrow = narrow_table_pages(sitemap_pages(site))
    checked = check_site(
        site, work, screenshots, tables_fit=[*narrow, *("en/" + p for p in narrow)], parts=["en/"]
    )
    return checked, shots


def test_welsh_example_checks_both_languages(
    welsh: tuple[Checked, dict[tuple[str, int], Path]],
) -> None:
    checked, _ = welsh
    welsh_pages = [p for p in checked.pages if not p.startswith("en/")]
    english_pages = [p for p in checked.pages if p.startswith("en/")]
    assert len(welsh_pages) >= 20
    assert sorted(p.removeprefix("en/") for p in english_pages) == sorted(welsh_pages)


def test_welsh_example_has_no_axe_violation_and_passes_behaviour_checks(
    welsh: tuple[Checked, dict[tuple[str, int], Path]],
) -> None:
    checked, _ = welsh
    assert describe(checked.pages_results) == ""


def test_welsh_example_passes_pa11y(welsh: tuple[Checked, dict[tuple[str, int], Path]]) -> None:
    checked, _ = welsh
    assert {page: issues for page, issues in checked.pa11y.items() if issues} == {}


def test_welsh_example_is_valid_html(welsh: tuple[Checked, dict[tuple[str, int], Path]]) -> None:
    checked, _ = welsh
    found = [
        f"{e.get('url', '')}:{e.get('lastLine')}: {e.get('message')}" for e in checked.vnu_errors
    ]
    assert found == []


def test_welsh_example_screenshots(welsh: tuple[Checked, dict[tuple[str, int], Path]]) -> None:
    _, shots = welsh
    for path in shots.values():
        width, height = png_size(path)
        assert width == 390 and height > 900, (path, width, height)
