"""The layout shows the pipeline: pvreport's subpackages are its stages, and imports run one
way, from the build down to the tables (ARCHITECTURE.md, "Layout").

Every import of every module in pvreport/ is read from its source (ast), lazy ones inside
functions and those only for type checking included, and held against the arrows that may exist.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

PVREPORT = Path(__file__).resolve().parents[1] / "pvreport"

#: The stages, in the order the build runs them, and the top-level modules.
STAGES = ("tables", "report", "validate", "site")
#: Modules every part may import, which import nothing of pvreport themselves: the contract,
#: the problems and their catalogue, the keys of the contract's tables, the progress line, and
#: jobs side by side in forked processes (workers: the engine's helpers count its cores).
SHARED = {"contract", "problems", "keys", "progress", "messages", "workers"}

#: What each part may import (besides itself). A part not named here imports only SHARED.
ALLOWED: dict[str, set[str]] = {
    "tables": SHARED,
    "report": SHARED | {"tables"},
    "validate": SHARED | {"tables", "report"},
    "site": SHARED | {"tables", "report"},
    "build": SHARED | {"tables", "report", "validate", "site"},
    "cli": SHARED | {"tables", "validate", "site", "build", "synthetic", "starter"},
    "synthetic": SHARED,
    "starter": SHARED,
    **{name: set() for name in SHARED},
    "render": {"site"},  # the sanitiser's old name (pvreport/render.py), nothing more
    "__main__": {"cli"},
}
#: Modules that may import the pipeline (build) itself: the CLI, and the MkDocs plugin, which
#: runs the same build for ``mkdocs serve``.
IMPORT_BUILD = {"pvreport.cli", "pvreport.site.mkdocs_plugin"}


def module_name(path: Path) -> str:
    parts = ["pvreport", *path.relative_to(PVREPORT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PVREPORT.rglob("*.py"))}


def imports(name: str) -> set[str]:
    """The pvreport modules ``name`` imports, each by its full name."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # ``from . import read`` imports a module; ``from .read import Table`` a name.
            targets = [
                f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES else module
                for alias in node.names
            ]
        else:
            continue
        found |= {t for t in targets if t == "pvreport" or t.startswith("pvreport.")}
    return found - {name}


def part(module: str) -> str:
    """``pvreport.site.charts`` -> ``site``; ``pvreport.build`` -> ``build``."""
    return module.split(".")[1] if module != "pvreport" else "pvreport"


EDGES = {(name, target) for name in MODULES for target in imports(name)}


def test_the_scan_finds_the_imports() -> None:
    # The scan must see real arrows, lazy ones included, or the tests below could pass by
    # finding none.
    assert ("pvreport.build", "pvreport.validate") in EDGES
    assert ("pvreport.site.write", "pvreport.tables.read") in EDGES
    assert ("pvreport.cli", "pvreport.build") in EDGES  # imported inside a function
    assert ("pvreport.validate.rules", "pvreport.report.visibility") in EDGES
    assert {part(m) for m in MODULES} >= {*STAGES, "build", "cli"}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_run_down_the_pipeline(name: str) -> None:
    own = part(name)
    allowed = ALLOWED.get(own, set()) | {own}
    if name in IMPORT_BUILD:
        allowed = allowed | {"build"}
    wrong = sorted(t for t in imports(name) if part(t) not in allowed)
    assert not wrong, f"{name} imports {wrong}: against the pipeline (ARCHITECTURE.md, Layout)"


def test_only_the_cli_and_the_plugin_import_the_build() -> None:
    importers = sorted(name for name, target in EDGES if target == "pvreport.build")
    assert set(importers) <= IMPORT_BUILD, importers
    assert "pvreport.site.mkdocs_plugin" in importers


def test_the_tables_import_no_stage_after_them() -> None:
    # Said on its own: the one place that reads files knows nothing of what is made of them.
    after = {"report", "validate", "site", "build", "cli"}
    assert not [(n, t) for n, t in EDGES if part(n) == "tables" and part(t) in after]


def test_no_module_imports_itself_round_a_cycle() -> None:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, target in EDGES:
        # ``from ..report import load`` runs the package's __init__ first: an edge to it too.
        graph[name].add(target)
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycle = path[path.index(target) :] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


def test_the_old_extension_name_is_only_a_name() -> None:
    # pvreport/render.py re-exports the extension and holds nothing else.
    tree = ast.parse(MODULES["pvreport.render"].read_text(encoding="utf-8"))
    body = [n for n in tree.body if not isinstance(n, ast.Expr)]  # the docstring
    assert [ast.unparse(n) for n in body] == [
        "from .site.render import makeExtension",
        "__all__ = ['makeExtension']",
    ]


@pytest.mark.parametrize("extension", ["pvreport.site.render", "pvreport.render"])
def test_both_names_of_the_sanitiser_clean_a_real_mkdocs_build(
    tmp_path: Path, extension: str
) -> None:
    # An existing site's mkdocs.yml names the sanitiser pvreport.render; a new one
    # pvreport.site.render. MkDocs loads either through Python-Markdown and cleans the page.
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(
        'Hello <span onclick="steal()">there</span>\n\n<script>steal()</script>\n',
        encoding="utf-8",
    )
    (tmp_path / "mkdocs.yml").write_text(
        textwrap.dedent(
            f"""\
            site_name: Layout
            markdown_extensions:
              - {extension}
            """
        ),
        encoding="utf-8",
    )
    config = load_config(str(tmp_path / "mkdocs.yml"))
    mkdocs_build(config)
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "there</span>" in page
    assert "onclick" not in page and "steal()" not in page
