"""pvreport declares what it runs, and runs what it declares.

Every third-party module imported in ``pvreport/`` comes from a distribution declared in
pyproject.toml's ``dependencies`` (a direct import is declared directly, not trusted to arrive
with another package); every declared dependency is imported there, or is one of the few used
otherwise (named below, with how); the tests import only what the runtime and test lists declare;
and ARCHITECTURE.md says what each dependency is for.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

#: Declared and used without an import in pvreport/.
USED_OTHERWISE = {
    "mkdocs-material": "the theme every site is built with (theme: material, material/search)",
}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(requirements: list[str]) -> set[str]:
    names = set()
    for requirement in requirements:
        found = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        assert found, requirement
        names.add(normalise(found.group()))
    return names


RUNTIME = declared(PROJECT["dependencies"])
TEST = declared(PROJECT["optional-dependencies"]["test"])


def imported(folder: Path) -> dict[str, set[str]]:
    """Top-level names of the modules imported in a folder's Python files (not the standard
    library's, not relative imports), with the files that import each."""
    found: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top not in sys.stdlib_module_names:
                    found.setdefault(top, set()).add(path.relative_to(ROOT).as_posix())
    return found


def distributions(modules: dict[str, set[str]], own: set[str]) -> dict[str, set[str]]:
    """The distributions that provide the modules, by distribution; a module that none provides
    is named as it is (and so is not declared)."""
    providers = packages_distributions()
    found: dict[str, set[str]] = {}
    for module, files in modules.items():
        if module in own:
            continue
        for dist in providers.get(module, [module]):
            found.setdefault(normalise(dist), set()).update(files)
    return found


def test_every_import_in_pvreport_is_a_declared_dependency() -> None:
    used = distributions(imported(ROOT / "pvreport"), {"pvreport"})
    undeclared = {dist: sorted(files) for dist, files in used.items() if dist not in RUNTIME}
    assert undeclared == {}, "declare these in pyproject.toml's dependencies"


def test_every_declared_dependency_is_used() -> None:
    used = set(distributions(imported(ROOT / "pvreport"), {"pvreport"}))
    unused = RUNTIME - used - set(USED_OTHERWISE)
    assert unused == set(), "not imported in pvreport/: drop them, or move them to the test extra"


def test_the_tests_and_the_benchmark_import_only_what_is_declared() -> None:
    tests = {path.stem for path in (ROOT / "tests").glob("*.py")}
    for folder in ("tests", "bench"):
        used = distributions(imported(ROOT / folder), {"pvreport", *tests})
        undeclared = {d: sorted(f) for d, f in used.items() if d not in RUNTIME | TEST}
        assert undeclared == {}, f"{folder}/ imports what pyproject.toml does not declare"


def test_nothing_is_declared_twice() -> None:
    assert RUNTIME & TEST == set()


@pytest.mark.parametrize("dist", sorted(RUNTIME | TEST))
def test_architecture_says_what_each_dependency_is_for(dist: str) -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.partition("\n## Dependencies\n")[2].partition("\n## ")[0]
    rows = {
        normalise(m.group(1)): m.group(2).strip()
        for m in re.finditer(r"^\| `([^`]+)` \|[^|]*\|([^|]*)\|", section, re.MULTILINE)
    }
    assert rows.get(dist), f"ARCHITECTURE.md, Dependencies: say what {dist} is for"
