"""The sanitiser's two names: ``pvreport.site.render`` and, for existing sites' mkdocs.yml, its
old name ``pvreport.render``.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

PVREPORT = Path(__file__).resolve().parents[1] / "pvreport"


def test_the_old_extension_name_is_only_a_name() -> None:
    # pvreport/render.py re-exports the extension and holds nothing else.
    tree = ast.parse((PVREPORT / "render.py").read_text(encoding="utf-8"))
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
