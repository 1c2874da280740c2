"""The commands in a project folder: validate and serve find the package as build does, serve
previews any package of the project, and a project needs no content/ folder."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import AS_OF, BASE, BIN, ENV, make_project, run_pvreport
from test_build import _free_port, _get

pytestmark = pytest.mark.slow


run = run_pvreport


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with two packages: base (named in mkdocs.yml) and second, whose objective
    says something else; no content/ folder."""
    made = make_project(tmp_path / "project", BASE, content=False)
    shutil.rmtree(made / "content")
    second = made / "datapackages" / "second"
    shutil.copytree(made / "datapackages" / "base", second)
    objectives = second / "objectives.csv"
    objectives.write_text(
        objectives.read_text(encoding="utf-8").replace(
            "Fewer families live in cold or damp homes.", "The second package's objective."
        ),
        encoding="utf-8",
    )
    return made


def test_validate_with_no_folder_checks_the_package_mkdocs_yml_names(project: Path) -> None:
    indicators = project / "datapackages" / "second" / "indicators.csv"
    indicators.write_text(
        indicators.read_text(encoding="utf-8").replace("damp-homes,safe-homes,", "damp-homes,,"),
        encoding="utf-8",
    )
    named_base = run(project, "validate", "--as-of", AS_OF.isoformat())
    assert named_base.returncode == 0, named_base.stdout + named_base.stderr
    assert "datapackages/base: no errors" in named_base.stdout

    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("datapackages/base", "datapackages/second"),
        encoding="utf-8",
    )
    named_second = run(project, "validate", "--as-of", AS_OF.isoformat())
    assert named_second.returncode == 1
    assert "datapackages/second/indicators.csv" in named_second.stdout


def test_serve_previews_the_package_given_in_a_project_without_content(project: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [
            str(BIN / "pvreport"),
            "serve",
            "--package",
            "datapackages/second",
            "--dev-addr",
            f"127.0.0.1:{port}",
        ],
        cwd=project,
        env={**ENV, "SITE_URL": f"http://127.0.0.1:{port}/", "PVREPORT_PACKAGE": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/objectives/safe-homes/"
    try:
        page = ""
        for _ in range(120):
            if server.poll() is not None:
                break
            try:
                page = _get(url)
                break
            except OSError:
                time.sleep(0.5)
        assert server.poll() is None, server.communicate(timeout=30)[1]
        assert "The second package's objective." in page
        assert not (project / "content").exists()
    finally:
        server.terminate()
        server.wait(timeout=30)
