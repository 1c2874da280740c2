"""Progress on long builds: stage lines with counts on a terminal, nothing elsewhere."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AS_OF, BASE, make_project

from pvreport import build
from pvreport.progress import Progress, count


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_counts_read_plainly() -> None:
    assert count(1, "page") == "1 page"
    assert count(1204, "page") == "1,204 pages"
    assert count(2, "entry", "entries") == "2 entries"


def test_nothing_is_written_when_not_on_a_terminal() -> None:
    out = io.StringIO()
    progress = Progress(out)
    progress.stage("validated 3 rows")
    progress.update("charts: 1 of 3")
    assert out.getvalue() == ""


def test_a_terminal_sees_stages_and_moving_counters() -> None:
    out = Terminal()
    progress = Progress(out)
    progress.update("charts: 1 of 3")
    progress.stage("charts: 3 charts")
    text = out.getvalue()
    assert "\rcharts" not in text  # the counter line starts with its timestamp
    assert "charts: 1 of 3" in text
    assert text.endswith("charts: 3 charts\n")
    # The counter is wiped before the stage line, so a terminal shows one line per stage.
    assert "\r\x1b[K[" in text


def test_quiet_wins_on_a_terminal_and_a_log_gets_stages_only() -> None:
    out = Terminal()
    Progress(out, enabled=False).stage("validated 3 rows")
    assert out.getvalue() == ""
    log = io.StringIO()
    progress = Progress(log, enabled=True)
    progress.update("charts: 1 of 3")
    progress.stage("charts: 3 charts")
    assert log.getvalue().count("\n") == 1 and "1 of 3" not in log.getvalue()


@pytest.mark.slow
def test_a_build_reports_each_stage_with_its_counts(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", BASE)
    out = io.StringIO()
    result = build.build(project, as_of=AS_OF, progress=Progress(out, enabled=True))
    lines = out.getvalue().splitlines()
    stages = [line.split("] ", 1)[1].split(" ")[0] for line in lines]
    assert stages == [
        "validated",
        "charts:",
        "pages:",
        "docs:",
        "engine:",
        "checked",
        "published",
    ], lines
    rows = sum(len(t.rows) for t in result.validation.tables.values())
    assert f"validated {rows:,} rows" in lines[0]
    assert f"published {result.pages:,} pages" in lines[-1]
    assert "(0 from the cache" in lines[1]
    out = io.StringIO()
    build.build(project, as_of=AS_OF, progress=Progress(out, enabled=True))
    again = out.getvalue().splitlines()
    charts_line = again[1]
    drawn = charts_line.split("charts: ", 1)[1].split(" ")[0]
    assert f"({drawn} from the cache, 0 drawn)" in charts_line
    # Nothing changed: no docs file is written again and every page comes from the page cache.
    assert "(0 written, the rest unchanged)" in again[3]
    assert "(0 converted," in again[4]


@pytest.mark.slow
def test_the_command_is_silent_on_stderr_when_piped_and_with_quiet(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", BASE)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    exe = str(Path(sys.executable).parent / "pvreport")
    for args in ([], ["--quiet"]):
        done = subprocess.run(
            [exe, "build", "--as-of", AS_OF.isoformat(), *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert done.stdout.startswith("Built ")
