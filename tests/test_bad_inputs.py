"""One folder per bad input under fixtures/bad/, each stating the exact problems it must produce.

A case folder holds only what differs from fixtures/base/:
- files that replace (or add to) the base package's files, subfolders included;
- ``remove.txt``: base files to delete, one per line;
- ``symlinks.txt``: ``LINK -> TARGET`` lines, links created at run time (git does not keep them
  portably); a relative TARGET is relative to the link's folder;
- ``outside/``: files copied beside the package (not into it), for links and paths that lead out;
- ``expected.txt``: one line per problem, ``FILE:LINE FIELD CODE`` with ``-`` for no line or no
  field; ``#`` starts a comment.
The runner asserts that the set of (file, line, field, code) the package produces is exactly the
expected set. Fixtures are validated as of conftest.AS_OF.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import AS_OF, BAD, copy_base

from pvreport import contract
from pvreport.validate import validate_package

SPECIAL = {"expected.txt", "remove.txt", "symlinks.txt", "outside", "README.md"}
CASES = sorted(p.name for p in BAD.iterdir() if p.is_dir()) if BAD.is_dir() else []

Key = tuple[str, int | None, str | None, str]


def parse_expected(text: str) -> set[Key]:
    expected: set[Key] = set()
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        where, *middle, code = line.split()
        file, _, number = where.rpartition(":")
        field = " ".join(middle)
        expected.add(
            (
                file,
                None if number == "-" else int(number),
                None if field in ("-", "") else field,
                code,
            )
        )
    return expected


def build_case(case: Path, tmp_path: Path) -> Path:
    package = copy_base(tmp_path / "package")
    remove = case / "remove.txt"
    if remove.exists():
        for name in remove.read_text(encoding="utf-8").split():
            (package / name).unlink()
    for item in case.iterdir():
        if item.name in SPECIAL:
            continue
        if item.is_dir():
            shutil.copytree(item, package / item.name, dirs_exist_ok=True)
        else:
            shutil.copyfile(item, package / item.name)
    if (case / "outside").is_dir():
        shutil.copytree(case / "outside", tmp_path / "outside")
    links = case / "symlinks.txt"
    if links.exists():
        for raw in links.read_text(encoding="utf-8").splitlines():
            if "->" not in raw:
                continue
            link, target = (part.strip() for part in raw.split("->", 1))
            path = package / link
            if path.exists() or path.is_symlink():
                path.unlink()
            path.symlink_to(target)
    return package


@pytest.mark.parametrize("case", CASES)
def test_bad_input(case: str, tmp_path: Path) -> None:
    folder = BAD / case
    expected = parse_expected((folder / "expected.txt").read_text(encoding="utf-8"))
    assert expected, f"{case}/expected.txt states no problem"
    result = validate_package(build_case(folder, tmp_path), as_of=AS_OF)
    actual = {(p.file or "datapackage.json", p.line, p.field, p.code) for p in result.problems}
    detail = "\n".join(
        f"  {p.location()} [{p.field}] {p.message} ({p.code})" for p in result.problems
    )
    assert actual == expected, (
        f"{case}: missing {sorted(expected - actual, key=str)}, "
        f"unexpected {sorted(actual - expected, key=str)}\nall problems:\n{detail}"
    )
    # No problem escapes the catalogue's promise of a message and a hint.
    assert all(p.message and p.hint for p in result.problems)


def test_parse_expected() -> None:
    text = "# comment\nobjectives.csv:7 owner missing-value\ndatapackage.json:- - duplicate-key\n"
    assert parse_expected(text) == {
        ("objectives.csv", 7, "owner", "missing-value"),
        ("datapackage.json", None, None, "duplicate-key"),
    }


def test_base_package_has_no_problem() -> None:
    result = validate_package(BAD.parent / "base", as_of=AS_OF)
    assert result.problems == []
    assert set(result.tables) == set(contract.RESOURCES) - {"labels"}  # one language
