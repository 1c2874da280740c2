"""`pvreport build` as a whole: what stops it, what it never publishes, what it leaves alone.

Real builds (frictionless, MkDocs Material, pvreport's own chart drawing) of small projects in tmp_path.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_OF, BASE, ENGINES, make_project, pdf_parts

from pvreport import build

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


def tree(folder: Path) -> dict[str, str]:
    """Every file under a folder with a hash of its bytes."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def every_text(folder: Path) -> Iterator[tuple[Path, str]]:
    """Every file's bytes as text, compressed files (zips, the workbook) opened."""
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        if path.suffix in (".zip", ".xlsx"):
            # A workbook is a zip of XML files: its cells' texts, entities undone.
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    text = archive.read(name).decode("utf-8", "replace")
                    yield path, html.unescape(text) if path.suffix == ".xlsx" else text
            continue
        if path.suffix == ".pdf":
            for _part, text in pdf_parts(data):
                yield path, text
            continue
        yield path, data.decode("utf-8", "replace")


def run(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "pvreport"), *args],
        cwd=project,
        check=False,
        env=env or ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project", BASE)


def test_a_broken_reference_stops_the_build_as_validate_says(project: Path) -> None:
    indicators = project / "datapackages" / "base" / "indicators.csv"
    indicators.write_text(
        indicators.read_text(encoding="utf-8").replace(
            "damp-homes,safe-homes,", "damp-homes,no-such-objective,"
        ),
        encoding="utf-8",
    )
    validated = run(project, "validate", "datapackages/base", "--as-of", AS_OF.isoformat())
    built = run(project, "build", "--as-of", AS_OF.isoformat())
    assert validated.returncode == built.returncode == 1
    assert "no-such-objective" in validated.stdout
    assert built.stdout == validated.stdout
    assert "The site was not changed" in built.stderr
    assert "build/build.log" in built.stderr
    assert not (project / "site").exists()
    assert not (project / "build" / "docs").exists()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_failed_build_leaves_the_previous_site_byte_for_byte(project: Path, engine: str) -> None:
    first = build.build(project, as_of=AS_OF, engine_name=engine)
    before = tree(first.site_dir)
    assert "index.html" in before

    # 1. The data: an error in a CSV.
    results = project / "datapackages" / "base" / "results.csv"
    good = results.read_text(encoding="utf-8")
    results.write_text(good + "damp-homes,2026/27,all,not-a-number,,,,final,,\n", encoding="utf-8")
    with pytest.raises(build.BuildError) as failed:
        build.build(project, as_of=AS_OF, engine_name=engine)
    assert failed.value.problems
    assert tree(first.site_dir) == before
    results.write_text(good, encoding="utf-8")

    # 2. Writing the pages: a hand-written folder where a download must go crashes the write.
    clash = project / "content" / "data" / "downloads" / "results.csv"
    clash.mkdir(parents=True)
    (clash / "page.md").write_text("# In the way\n", encoding="utf-8")
    with pytest.raises(build.BuildError, match="could not write the pages") as failed:
        build.build(project, as_of=AS_OF, engine_name=engine)
    assert failed.value.log is not None
    assert "Traceback" in failed.value.log.read_text(encoding="utf-8")
    assert tree(first.site_dir) == before
    shutil.rmtree(project / "content" / "data")

    # 3. The engine: a hand-written page with a broken link fails the strict engine build.
    (project / "content" / "broken.md").write_text(
        "# Broken\n\nSee [nowhere](no-such-page.md).\n", encoding="utf-8"
    )
    with pytest.raises(build.BuildError) as failed:
        build.build(project, as_of=AS_OF, engine_name=engine)
    assert failed.value.log is not None
    assert "no-such-page.md" in failed.value.log.read_text(encoding="utf-8")
    assert tree(first.site_dir) == before
    (project / "content" / "broken.md").unlink()

    # 4. The final check: a hand-written page quoting a confidential option is refused.
    options = project / "datapackages" / "base" / "options.csv"
    with options.open("a", encoding="utf-8") as handle:
        handle.write(
            "damp-first,secret-bid,Sell repairs to Canaryco Holdings,false,1,£,"
            "Canary benefit,Canary drawback,,,,confidential\n"
        )
    (project / "content" / "leak.md").write_text(
        "# Leak\n\nWe nearly chose to Sell repairs to Canaryco Holdings.\n", encoding="utf-8"
    )
    with pytest.raises(build.BuildError, match="final check"):
        build.build(project, as_of=AS_OF, engine_name=engine)
    assert tree(first.site_dir) == before
    (project / "content" / "leak.md").unlink()

    # And no fresh or old site folder is left lying next to the site.
    assert sorted(p.name for p in project.iterdir()) == [
        ".pvreport",  # the chart cache, kept between builds on purpose
        "build",
        "content",
        "datapackages",
        "mkdocs.yml",
        "site",
    ]

    # A build that passes replaces the site, and stale files do not survive.
    (first.site_dir / "stale.html").write_text("old", encoding="utf-8")
    build.build(project, as_of=AS_OF, engine_name=engine)
    assert not (first.site_dir / "stale.html").exists()


@pytest.mark.parametrize("engine", ENGINES)
def test_the_command_names_the_log_when_the_engine_or_the_final_check_fails(
    project: Path, engine: str
) -> None:
    """What a publisher sees from `pvreport build` at the two late stages: exit 1, the site
    unchanged, where the log is, and the log saying why."""
    first = run(project, "build", "--as-of", AS_OF.isoformat(), "--engine", engine)
    assert first.returncode == 0, first.stderr
    before = tree(project / "site")
    tail = "The site was not changed. The build log is at build/build.log.\n"

    broken = project / "content" / "broken.md"
    broken.write_text("# Broken\n\nSee [nowhere](no-such-page.md).\n", encoding="utf-8")
    failed = run(project, "build", "--as-of", AS_OF.isoformat(), "--engine", engine)
    assert failed.returncode == 1
    name = build.ENGINE_NAMES[engine]
    assert f"{name} could not build the site" in failed.stderr and failed.stderr.endswith(tail)
    assert "no-such-page.md" in (project / "build" / "build.log").read_text(encoding="utf-8")
    assert tree(project / "site") == before
    broken.unlink()

    with (project / "datapackages" / "base" / "options.csv").open("a", encoding="utf-8") as f:
        f.write("damp-first,secret-bid,Sell to Canaryco,false,1,£,Canary,Canary,,,,confidential\n")
    (project / "content" / "leak.md").write_text("# Leak\n\nSell to Canaryco.\n", "utf-8")
    check = run(project, "build", "--as-of", AS_OF.isoformat(), "--engine", engine)
    assert check.returncode == 1
    assert "failed its final check" in check.stderr and check.stderr.endswith(tail)
    log = (project / "build" / "build.log").read_text(encoding="utf-8")
    assert 'check: /leak/: holds "Sell to Canaryco"' in log and "withheld row" in log
    assert tree(project / "site") == before


def test_confidential_and_embargoed_values_appear_nowhere(project: Path) -> None:
    pkg = project / "datapackages" / "base"
    lines = {
        "options.csv": "damp-first,secret-bid,Canary option title,false,987654,£ per year,"
        "Canary benefit,Canary drawback,Canary winners,Canary losers,12,confidential",
        "engagements.csv": "eng-secret,Canary workshop,deliberative,involve,2025-05-01,"
        "2025-05-02,5,Canary invitees,Canary question?,Canary heard,,confidential",
        "responses.csv": "eng-streets,secret-reply,Canary you said,Canary we did,done,,,"
        "confidential",
        "results.csv": "damp-homes,2026/27,all,7.25,,,,provisional,2026-09-01T09:30:00Z,"
        "Canary embargoed note",
    }
    for name, line in lines.items():
        with (pkg / name).open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    result = build.build(project, as_of=AS_OF)
    assert result.withheld.total == 4
    # The build log (for the publisher, never published) may name rows in validation warnings;
    # the site and the generated docs folder may not.
    for folder in (result.site_dir, result.build_dir / "docs"):
        for path, text in every_text(folder):
            assert "Canary" not in text, path
            assert "secret-bid" not in text and "eng-secret" not in text, path
    page = (result.site_dir / "decisions" / "damp-first" / "index.html").read_text("utf-8")
    assert "not shown because it is confidential" in page
    indicator = (result.site_dir / "indicators" / "damp-homes" / "index.html").read_text("utf-8")
    assert "under embargo" in indicator
    # The PDF of the whole statement was made, and read above; it says what was withheld.
    (pdf,) = (result.site_dir / "print").glob("*.pdf")
    words = dict(pdf_parts(pdf.read_bytes()))["!text"]
    assert "Canary" not in words and "under embargo" in words

    # After the embargo, the next build publishes the result.
    later = build.build(project, as_of=AS_OF.replace(year=2027))
    indicator = (later.site_dir / "indicators" / "damp-homes" / "index.html").read_text("utf-8")
    assert "Canary embargoed note" in indicator


def test_hostile_text_reaches_the_site_as_text(project: Path) -> None:
    pkg = project / "datapackages" / "base"
    objectives = (pkg / "objectives.csv").read_text(encoding="utf-8")
    hostile = (
        '"<script>alert(1)</script> [x](javascript:alert(2)) ![i](http://example.net/p.png) '
        '| pipe {: onclick=alert(3) } {{ 7*7 }} <img src=x onerror=alert(4)>""'
    )
    objectives = objectives.replace(
        "Fewer families live in cold or damp homes.", hostile.replace('""', '"')
    ).replace("Safe and warm homes", '"</title><script>alert(5)</script> Safe & <b>warm</b>"')
    (pkg / "objectives.csv").write_text(objectives, encoding="utf-8")
    result = build.build(project, as_of=AS_OF)
    page = (result.site_dir / "objectives" / "safe-homes" / "index.html").read_text("utf-8")
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    article = soup.find("article")
    text = " ".join(article.get_text(" ").split())
    assert "<script>alert(1)</script> [x](javascript:alert(2))" in text
    assert "| pipe {: onclick=alert(3) } {{ 7*7 }} <img src=x onerror=alert(4)>" in text
    assert not article.find_all(["script", "img"])
    assert not [a for a in article.find_all("a") if "javascript" in a.get("href", "")]
    assert not [t for t in soup.find_all(True) for k in t.attrs if k.startswith("on")]
    # The title goes through the nav, the <title> and the search index: text there too.
    assert soup.title.string.startswith("</title><script>alert(5)</script> Safe & <b>warm</b>")
    assert len(soup.find_all("title")) == 1
    assert article.find("h1").get_text(" ", strip=True).startswith("</title><script>alert(5)")
    for path, text in every_text(result.site_dir):
        if path.suffix in (".html", ".json", ".xml"):
            assert "<script>alert(1)" not in text, path
            assert "<img src=x" not in text and "<b>warm" not in text, path


@pytest.mark.parametrize("engine", ENGINES)
def test_same_input_gives_the_same_bytes_anywhere(tmp_path: Path, engine: str) -> None:
    sites = []
    for seed, where in (("1", "one/deeper"), ("2", "two")):
        project = make_project(tmp_path / where / "project", BASE)
        env = {**ENV, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": "1780272000"}
        done = run(project, "build", "--as-of", AS_OF.isoformat(), "--engine", engine, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        sites.append(tree(project / "site"))
        sites.append(tree(project / "build" / "docs"))
    assert sites[0] == sites[2]
    assert sites[1] == sites[3]
    assert len(sites[0]) > 50


def _faketime() -> Path | None:
    """libfaketime's library (shipped in the libfaketime wheel), which fakes the system clock of
    a process it is preloaded into."""
    try:
        import libfaketime
    except ImportError:
        return None
    found = sorted(Path(libfaketime.__file__).parent.rglob("libfaketime.so.1"))
    return found[0] if found else None


def test_same_bytes_on_another_day(tmp_path: Path) -> None:
    """Built on two different days (the system clock faked months apart), from two folders with
    two hash seeds: --as-of alone, or SOURCE_DATE_EPOCH alone, gives the same bytes."""
    library = _faketime()
    if library is None:
        pytest.skip("libfaketime is not installed (pip install -e .[test])")
    base_env = {k: v for k, v in ENV.items() if k != "SOURCE_DATE_EPOCH"}
    runs = [
        ("2026-11-26 08:00:00", "1", ["--as-of", AS_OF.isoformat()], {}),
        ("2027-03-02 23:30:00", "2", ["--as-of", AS_OF.isoformat()], {}),
        # 2026-06-01 00:00 UTC, the moment --as-of 2026-06-01 stands for.
        ("2028-01-15 12:00:00", "3", [], {"SOURCE_DATE_EPOCH": "1780272000"}),
    ]
    trees = []
    for number, (now, seed, args, extra) in enumerate(runs):
        project = make_project(tmp_path / f"day{number}" / "p", BASE)
        env = {
            **base_env,
            **extra,
            "PYTHONHASHSEED": seed,
            "LD_PRELOAD": str(library),
            "FAKETIME": f"@{now}",
        }
        clock = subprocess.run(
            [sys.executable, "-c", "import datetime; print(datetime.date.today())"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert clock.stdout.strip() == now[:10]  # the clock really is faked
        done = run(project, "build", *args, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        trees.append((tree(project / "site"), tree(project / "build" / "docs")))
    assert trees[0] == trees[1] == trees[2]
    assert len(trees[0][0]) > 50
    # The day the report was built as of is what the site says, not the day it was built.
    assert "sitemap.xml" in trees[0][0]
    sitemap = (tmp_path / "day1" / "p" / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert "2026-06-01" in sitemap and "2027-03-02" not in sitemap


def test_an_interrupt_leaves_the_previous_site_and_says_where_the_log_is(project: Path) -> None:
    """SIGINT while MkDocs builds: the old site stays byte for byte, the half-built folder goes,
    the command names the log; the next build keeps nothing stale from either."""
    first = run(project, "build", "--as-of", AS_OF.isoformat())
    assert first.returncode == 0, first.stderr
    site = project / "site"
    # A real project after a while: hand-made clutter in the site and the docs folder.
    (site / "stale.html").write_text("old", encoding="utf-8")
    (project / "build" / "docs" / "stale.md").write_text("# Old\n", encoding="utf-8")
    before = tree(site)
    # A long hand-written page (thousands of headings and tables), and no caches: the engine
    # works on it for seconds, long enough to be interrupted on a busy machine (a build from
    # the caches, or of plain paragraphs, is over in well under a second).
    about = project / "content" / "about.md"
    section = (
        "## Letters, part {n}\n\nWe answer letters within ten working days, and we say so "
        "when we cannot.\n\n| Month | Letters | Answered on time |\n|---|--:|--:|\n"
        + "| April | 120 | 110 |\n" * 6
        + "\n"
    )
    about.write_text(
        about.read_text(encoding="utf-8")
        + "\n"
        + "".join(section.format(n=n) for n in range(5000)),
        encoding="utf-8",
    )

    def fresh_folders() -> list[Path]:
        return [p for p in project.iterdir() if p.name.startswith(".site-new-")]

    # Started as a terminal starts it, Ctrl+C not ignored: a process that inherits an ignored
    # SIGINT keeps it ignored (Python installs no handler then), and a test run before this one
    # in the same worker may have left it so. A handled signal is reset to its default in the
    # child; an ignored one would be inherited.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            [str(BIN / "pvreport"), "build", "--no-cache", "--as-of", AS_OF.isoformat()],
            cwd=project,
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    # The fresh folder is made just before the engine starts; wait until MkDocs has begun
    # writing into it, then interrupt.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if any(any(f.iterdir()) for f in fresh_folders()):
            break
        time.sleep(0.005)
    assert process.poll() is None, "the build ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, out + err
    assert "interrupted" in err
    assert "The site was not changed. The build log is at build/build.log." in err
    assert "Traceback" not in err
    log = (project / "build" / "build.log").read_text(encoding="utf-8")
    assert "The engine failed: KeyboardInterrupt" in log
    assert tree(site) == before
    assert fresh_folders() == []

    done = run(project, "build", "--as-of", AS_OF.isoformat())
    assert done.returncode == 0, done.stderr
    assert not (site / "stale.html").exists()
    assert not (project / "build" / "docs" / "stale.md").exists()
    assert tree(site).keys() == {k for k in before if k != "stale.html"}
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".site")) == []


def test_the_generated_folder_builds_with_properdocs(example_site: Any) -> None:
    build_dir = example_site.build_dir
    done = subprocess.run(
        [str(BIN / "properdocs"), "build", "--strict", "-f", str(build_dir / "mkdocs.yml")],
        cwd=build_dir,
        check=False,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    built = build_dir / "site"
    assert (built / "indicators" / "index.html").is_file()
    for address in example_site.addresses:
        assert (built / address / "index.html").is_file(), address
    shutil.rmtree(built)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def test_mkdocs_serve_shows_the_report_and_reloads_when_the_package_changes(
    project: Path,
) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN / "pvreport"), "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=project,
        # The preview is served under site_url's path; serve it at the root here.
        env={**ENV, "SITE_URL": f"http://127.0.0.1:{port}/"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/objectives/safe-homes/"
    try:
        page = ""
        for _ in range(120):
            try:
                page = _get(url)
                break
            except OSError:
                time.sleep(0.5)
        assert "Fewer families live in cold or damp homes." in page
        assert "About this report" in _get(f"http://127.0.0.1:{port}/about/")

        objectives = project / "datapackages" / "base" / "objectives.csv"
        objectives.write_text(
            objectives.read_text(encoding="utf-8").replace(
                "Fewer families live in cold or damp homes.", "Changed while serving."
            ),
            encoding="utf-8",
        )
        for _ in range(120):
            time.sleep(0.5)
            if "Changed while serving." in _get(url):
                break
        else:
            pytest.fail("the served page did not change after the package changed")
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_hand_written_page_replaces_the_generated_one_with_a_notice(project: Path) -> None:
    (project / "content" / "accountability.md").write_text(
        "# Who we answer to\n\nWritten by hand. See [our data](data/index.md).\n", encoding="utf-8"
    )
    notices: list[str] = []
    result = build.build(project, as_of=AS_OF, notify=notices.append)
    assert notices == ["content/accountability.md replaces the generated page /accountability/"]
    docs = result.docs_dir
    assert not (docs / "accountability" / "index.md").exists()
    page = (result.site_dir / "accountability" / "index.html").read_text(encoding="utf-8")
    assert "Written by hand." in page
    # Generated pages that linked to the generated page now link to the hand-written one.
    home = (docs / "index.md").read_text(encoding="utf-8")
    assert "(accountability.md)" in home and "accountability/index.md" not in home


def test_strict_mode_turns_warnings_into_a_failed_build(tmp_path: Path) -> None:
    from conftest import EXAMPLE

    project = make_project(tmp_path / "project", EXAMPLE)
    validated = run(
        project, "validate", "--strict", "datapackages/example", "--as-of", "2026-06-01"
    )
    built = run(project, "build", "--strict", "--as-of", "2026-06-01")
    assert validated.returncode == built.returncode == 1
    assert built.stdout == validated.stdout
    assert "warning:" not in built.stdout and "error" in built.stdout
    assert not (project / "site").exists()


def test_a_long_section_leaves_its_pages_out_of_the_navigation(project: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "package: datapackages/base", "package: datapackages/base\n      nav_page_limit: 2"
        ),
        encoding="utf-8",
    )
    result = build.build(project, as_of=AS_OF)  # three measures, more than two
    home = (result.site_dir / "index.html").read_text(encoding="utf-8")
    assert "Damp repairs completed" not in home  # not in the navigation of every page
    index = (result.site_dir / "indicators" / "index.html").read_text(encoding="utf-8")
    assert "Damp repairs completed" in index  # but listed on the section's page
    assert (result.site_dir / "indicators" / "repairs-done" / "index.html").is_file()
    assert "Safe and warm homes" in home  # two objectives: listed as before
    assert "not_in_nav" in (result.build_dir / "mkdocs.yml").read_text(encoding="utf-8")

    # The plugin (mkdocs serve, mkdocs build) leaves them out the same way, without a warning.
    done = subprocess.run(
        [str(BIN / "mkdocs"), "build", "--strict", "-d", "preview"],
        cwd=project,
        check=False,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Damp repairs completed" not in (project / "preview" / "index.html").read_text("utf-8")
    assert (project / "preview" / "indicators" / "repairs-done" / "index.html").is_file()
