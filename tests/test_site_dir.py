"""Where `pvreport build` may publish: the site folder is replaced as a whole, so a site folder
that is (or holds) the project, the package, content/, build/ or the caches, a file, or a folder of
someone else's files is refused before anything is written; what a killed build left beside the
site is cleared by the next one; the published site can be read by a web server.

Every dangerous case runs the real command in a throwaway project and compares every file (name,
kind and bytes) of the whole throwaway folder before and after.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import AS_OF, BASE, BIN, ENV, make_project, run_pvreport

from pvreport import build
from pvreport.site import write

pytestmark = pytest.mark.slow


def listing(folder: Path) -> dict[str, str]:
    """Every entry under a folder: folders, links (with their target) and files (with a hash)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = "link " + os.readlink(path)
        elif path.is_dir():
            found[rel] = "folder"
        else:
            found[rel] = "file " + hashlib.sha256(path.read_bytes()).hexdigest()
    return found


run = run_pvreport


@pytest.fixture
def project(tmp_path: Path) -> Path:
    made = make_project(tmp_path / "project", BASE)
    # What a project holds after earlier builds: the engine's files and the caches.
    (made / "build" / "docs").mkdir(parents=True)
    (made / "build" / "docs" / "index.md").write_text("# Earlier build\n", encoding="utf-8")
    (made / ".pvreport" / "cache").mkdir(parents=True)
    (made / ".pvreport" / "cache" / "check.json").write_text("[]", encoding="utf-8")
    (made / "notes.txt").write_text("A file of the project.\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "holiday.jpg").write_bytes(b"not a site")
    (made / "linked").symlink_to(elsewhere, target_is_directory=True)
    return made


# (arguments, words the refusal must hold)
DANGEROUS = {
    "the project folder": (["--site-dir", "."], "is the project folder"),
    "the project folder, written another way": (
        ["--site-dir", "content/../"],
        "is the project folder",
    ),
    "the package": (["--site-dir", "datapackages/base"], "is the package folder"),
    "the package, named twice": (
        ["--package", "datapackages/base", "--site-dir", "datapackages/base"],
        "is the package folder",
    ),
    "content/": (["--site-dir", "content"], "is the folder of hand-written pages"),
    "build/": (["--site-dir", "build"], "is the build folder"),
    "the docs folder": (["--site-dir", "build/docs"], "the build folder"),
    "the caches": (["--site-dir", ".pvreport"], "is the cache folder"),
    "a folder inside the package": (
        ["--site-dir", "datapackages/base/site"],
        "is inside the package folder",
    ),
    "a folder inside content/": (
        ["--site-dir", "content/site"],
        "is inside the folder of hand-written pages",
    ),
    "a folder holding the project": (["--site-dir", ".."], "holds the project folder"),
    "a folder holding the package": (["--site-dir", "datapackages"], "holds the package folder"),
    "a file": (["--site-dir", "notes.txt"], "is a file"),
    "a folder inside a file": (["--site-dir", "notes.txt/site"], "is a file"),
    "a link to a folder": (["--site-dir", "linked"], "is a link"),
    "a folder of other files": (["--site-dir", "../elsewhere"], "not a site pvreport published"),
}


@pytest.mark.parametrize("case", sorted(DANGEROUS))
def test_a_dangerous_site_folder_is_refused_and_nothing_changes(project: Path, case: str) -> None:
    args, words = DANGEROUS[case]
    root = project.parent
    before = listing(root)
    result = run(project, "build", "--as-of", AS_OF.isoformat(), *args)
    assert listing(root) == before
    assert result.returncode == 2, result.stderr
    assert words in result.stderr
    assert "--site-dir" in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(root.rglob(".*-new-*"))


def test_a_package_inside_the_site_folder_is_refused(project: Path) -> None:
    public = project / "public"
    shutil.copytree(project / "datapackages" / "base", public / "base")
    root = project.parent
    before = listing(root)
    result = run(
        project,
        "build",
        "--package",
        "public/base",
        "--site-dir",
        "public",
        "--as-of",
        AS_OF.isoformat(),
    )
    assert listing(root) == before
    assert result.returncode == 2
    assert "holds the package folder" in result.stderr


def test_the_library_call_refuses_too(project: Path) -> None:
    before = listing(project.parent)
    with pytest.raises(build.SiteDirError, match="is the project folder"):
        build.build(project, site_dir=project, as_of=AS_OF)
    assert listing(project.parent) == before


def test_mkdocs_build_with_the_plugin_refuses_a_site_dir_that_is_the_package(
    project: Path,
) -> None:
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + "site_dir: datapackages/base\n", encoding="utf-8"
    )
    before = listing(project.parent)
    result = subprocess.run(
        [str(BIN / "mkdocs"), "build"],
        cwd=project,
        check=False,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "is the package folder" in result.stderr
    assert listing(project.parent) == before


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def modes(folder: Path) -> set[tuple[str, int]]:
    return {
        ("folder" if p.is_dir() else "file", stat.S_IMODE(p.stat().st_mode))
        for p in [folder, *folder.rglob("*")]
    }


def test_an_empty_folder_or_an_earlier_site_is_published_to_readable_by_a_web_server(
    project: Path, umask_022: None
) -> None:
    site = project / "public"
    site.mkdir()
    first = build.build(project, site_dir=site, as_of=AS_OF)
    assert modes(first.site_dir) == {("folder", 0o755), ("file", 0o644)}
    assert (site / write.SITE_MARKER).is_file()

    # What a killed build leaves beside the site, and look-alikes that are not pvreport's.
    leftovers = [project / ".public-new-ab12cd_3", project / ".public-old-zz99zz99"]
    for folder in leftovers:
        (folder / "assets").mkdir(parents=True)
        (folder / "assets" / "page.html").write_text("an old page", encoding="utf-8")
    strangers = [
        project / ".public-new-mine",
        project / ".public-newest",
        project / "public-new-ab12cd34",
    ]
    for folder in strangers:
        folder.mkdir()
        (folder / "keep.txt").write_text("not pvreport's", encoding="utf-8")
    os.chmod(site, 0o700)

    # A site published by an earlier version has no marker: it is still accepted as a site.
    (site / write.SITE_MARKER).unlink()
    second = build.build(project, site_dir=site, as_of=AS_OF)
    assert not any(f.exists() for f in leftovers)
    assert all((f / "keep.txt").is_file() for f in strangers)
    assert modes(second.site_dir) == {("folder", 0o755), ("file", 0o644)}
    assert (site / write.SITE_MARKER).is_file()
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".public")) == sorted(
        f.name for f in strangers if f.name.startswith(".public")
    )


def test_a_site_moved_aside_by_a_killed_build_is_put_back(project: Path) -> None:
    """Killed between its two renames, a build leaves no site and the old one aside: the next
    build puts it back first, so that a failed build still leaves the previous site."""
    site = project / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>the old site</p>", encoding="utf-8")
    (site / write.SITE_MARKER).write_text("", encoding="utf-8")
    before = listing(site)
    aside = project / ".site-old-k1ll3d_x"
    site.rename(aside)
    # The package is broken: the build stops at validation.
    indicators = project / "datapackages" / "base" / "indicators.csv"
    indicators.write_text(
        indicators.read_text(encoding="utf-8").replace("damp-homes,safe-homes,", "damp-homes,,"),
        encoding="utf-8",
    )
    result = run(project, "build", "--as-of", AS_OF.isoformat())
    assert result.returncode == 1
    assert not aside.exists()
    assert listing(site) == before


def test_footer_links_are_read_with_the_titles_as_written(project: Path) -> None:
    indicators = project / "datapackages" / "base" / "indicators.csv"
    indicators.write_text(
        indicators.read_text(encoding="utf-8").replace(
            "Damp repairs completed", "Damp & mould repairs <done>"
        ),
        encoding="utf-8",
    )
    result = build.build(project, as_of=AS_OF)
    labels = []
    for page in sorted(result.site_dir.rglob("index.html")):
        soup = BeautifulSoup(page.read_bytes(), "html.parser")
        for link in soup.select("a.md-footer__link"):
            labels.append(link["aria-label"])
            assert link["aria-label"].endswith(
                " ".join(link.select_one(".md-ellipsis").get_text().split())
            )
    assert "Next: Damp & mould repairs <done>" in labels
    assert "Previous: Damp & mould repairs <done>" in labels


def test_a_second_build_while_one_runs_is_refused_and_takes_nothing_away(project: Path) -> None:
    """The running build's half-built site looks like a leftover: a second build must not
    remove it, nor write the docs folder the first is writing."""
    fcntl = pytest.importorskip("fcntl")
    running = project / ".site-new-running1"
    running.mkdir()
    (project / "build").mkdir(exist_ok=True)
    with (project / "build" / "build.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        before = listing(project.parent)
        with pytest.raises(build.BuildError, match="Another pvreport build is running"):
            build.build(project, as_of=AS_OF)
        assert listing(project.parent) == before
