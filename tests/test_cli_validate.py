"""`pvreport validate` and `pvreport codes` on real packages, through the real command.

Most tests call :func:`pvreport.cli.main` in-process (fast, same code path as the console script);
a few run ``python -m pvreport`` in a subprocess to check the real exit status and streams.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AS_OF, BASE

from pvreport import cli
from pvreport.problems import catalogue

PVREPORT = Path(cli.__file__).parent
GITHUB_LINE = re.compile(
    r"^::(error|warning) file=([^,:]+)(,line=(\d+))?,title=([a-z0-9-]+)::(.*)$"
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def broken(package: Path) -> Path:
    """The base package with one error (an empty owner) and one warning (a blank row)."""
    objectives = package / "objectives.csv"
    text = objectives.read_text(encoding="utf-8")
    objectives.write_text(text.replace("service,Director of Environment", "service,"), "utf-8")
    with (package / "accountability.csv").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    return package


@pytest.fixture
def warned(package: Path) -> Path:
    """The base package with a warning only (an unknown column)."""
    path = package / "revisions.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] += ",approved_by"
    lines[1] += ",Cabinet"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return package


def test_valid_package_prints_summary_and_exits_0(
    capsys: pytest.CaptureFixture[str], package: Path
) -> None:
    code, out, err = run(capsys, "validate", str(package), "--as-of", AS_OF.isoformat())
    assert code == 0
    assert err == ""
    summary = out.strip().splitlines()
    assert len(summary) == 1
    assert "no errors, 0 warnings" in summary[0]
    assert "objectives 2" in summary[0] and "results 11" in summary[0]


def test_text_lists_each_problem_with_hint_then_summary(
    capsys: pytest.CaptureFixture[str], broken: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(broken.parent)
    code, out, _ = run(capsys, "validate", "package", "--as-of", AS_OF.isoformat())
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == ("package/accountability.csv:5: warning: This line is blank. (blank-row)")
    assert lines[1] == "    Delete the blank row."
    assert lines[2] == (
        "package/objectives.csv:3: [owner] The cell is empty, but owner is required. "
        "(missing-value)"
    )
    assert lines[3] == "    Fill in owner."
    assert lines[4] == "package: 1 error, 1 warning."
    assert len(lines) == 5


def test_json_is_a_list_of_problem_objects(
    capsys: pytest.CaptureFixture[str], broken: Path
) -> None:
    code, out, _ = run(capsys, "validate", str(broken), "--format", "json", "--as-of", "2026-06-01")
    assert code == 1
    data = json.loads(out)
    assert isinstance(data, list) and len(data) == 2
    keys = {"code", "severity", "file", "line", "field", "value", "message", "hint"}
    assert all(set(item) == keys for item in data)
    by_code = {item["code"]: item for item in data}
    assert by_code["missing-value"] == {
        "code": "missing-value",
        "severity": "error",
        "file": "objectives.csv",
        "line": 3,
        "field": "owner",
        "value": None,
        "message": "The cell is empty, but owner is required.",
        "hint": "Fill in owner.",
    }
    assert by_code["blank-row"]["severity"] == "warning"


def test_json_of_a_valid_package_is_an_empty_list(
    capsys: pytest.CaptureFixture[str], package: Path
) -> None:
    code, out, _ = run(
        capsys, "validate", str(package), "--format", "json", "--as-of", "2026-06-01"
    )
    assert code == 0
    assert json.loads(out) == []


def test_github_annotations(
    capsys: pytest.CaptureFixture[str], broken: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(broken.parent)
    code, out, _ = run(
        capsys, "validate", "package", "--format", "github", "--as-of", AS_OF.isoformat()
    )
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 2
    parsed = [GITHUB_LINE.match(line) for line in lines]
    assert all(parsed), lines
    warning, error = parsed
    assert warning is not None and error is not None
    assert warning.group(1, 2, 4, 5) == ("warning", "package/accountability.csv", "5", "blank-row")
    assert error.group(1, 2, 4, 5) == ("error", "package/objectives.csv", "3", "missing-value")
    # The hint follows the message on a second line, escaped as GitHub requires.
    assert error.group(6) == "The cell is empty, but owner is required.%0AFill in owner."


def test_github_escapes_percent_and_newlines() -> None:
    from pvreport.problems import Problem

    problem = Problem(
        "number-percent-sign", "Line one 45%\r\nline two", file="a,b:c.csv", line=3, hint="x"
    )
    out = cli.format_github([problem], Path("."))
    assert out == (
        "::error file=a%2Cb%3Ac.csv,line=3,title=number-percent-sign::"
        "Line one 45%25%0D%0Aline two%0Ax"
    )


def test_strict_turns_warnings_into_errors(
    capsys: pytest.CaptureFixture[str], warned: Path
) -> None:
    code, out, _ = run(capsys, "validate", str(warned), "--as-of", "2026-06-01")
    assert code == 0
    assert "no errors, 1 warning" in out
    code, out, _ = run(
        capsys, "validate", str(warned), "--strict", "--format", "json", "--as-of", "2026-06-01"
    )
    assert code == 1
    data = json.loads(out)
    assert [(p["code"], p["severity"]) for p in data] == [("unknown-column", "error")]


def test_as_of_reaches_the_rules(capsys: pytest.CaptureFixture[str], package: Path) -> None:
    # The base package's latest results are for 2025/26: years later they are stale.
    code, out, _ = run(
        capsys, "validate", str(package), "--as-of", "2026-06-01", "--format", "json"
    )
    assert json.loads(out) == []
    # Every indicator's next update is due by 2026-09-30.
    code, out, _ = run(
        capsys, "validate", str(package), "--as-of", "2026-10-01", "--format", "json"
    )
    assert [p["code"] for p in json.loads(out)] == ["next-update-passed"] * 3
    # stale-results compares with the reporting period, so move the period on instead.
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["reporting_period"] = {
        "label": "2029/30",
        "start": "2029-04-01",
        "end": "2030-03-31",
    }
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    code, out, _ = run(
        capsys, "validate", str(package), "--as-of", "2026-06-01", "--format", "json"
    )
    assert code == 0
    assert {p["code"] for p in json.loads(out)} == {"stale-results"}


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "/no/such/folder"],
        ["validate", "--format", "xml"],
        ["validate", "--as-of", "2026-02-30"],
        ["validate", "--no-such-option"],
        ["no-such-command"],
        [],
    ],
)
def test_misuse_exits_2(
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.strip()
    assert "Traceback" not in err


def test_default_folder_is_the_only_one_under_datapackages(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import copy_base

    copy_base(tmp_path / "datapackages" / "ours")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "validate", "--as-of", "2026-06-01")
    assert code == 0
    assert out.startswith(os.path.join("datapackages", "ours") + ": no errors")
    # With two folders there is no default: that is misuse.
    (tmp_path / "datapackages" / "theirs").mkdir()
    code, out, err = run(capsys, "validate")
    assert code == 2
    assert "exactly one folder" in err


def test_every_command_has_help_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert {"validate", "codes"} <= set(cli.COMMANDS)
    for name in cli.COMMANDS:
        with pytest.raises(SystemExit) as exit:
            cli.make_parser().parse_args([name, "--help"])
        assert exit.value.code == 0
        out = capsys.readouterr().out
        assert f"pvreport {name}" in out
        assert "example" in out


def test_codes_lists_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "codes")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(catalogue())
    first = lines[0].split()
    assert first[0] in catalogue() and first[1] in ("error", "warning")
    code, out, _ = run(capsys, "codes", "--format", "json")
    data = json.loads(out)
    assert {item["code"] for item in data} == set(catalogue())
    assert all(item["title"] and item["explanation"] and item["hint"] for item in data)


def test_subprocess_exit_codes_and_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    ok = subprocess.run(
        [sys.executable, "-m", "pvreport", "validate", str(BASE), "--as-of", "2026-06-01"],
        capture_output=True,
        check=False,
        text=True,
        env=env,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert "no errors" in ok.stdout
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "datapackage.json").write_text('{"name": "a", "name": "b"}', encoding="utf-8")
    failed = subprocess.run(
        [sys.executable, "-m", "pvreport", "validate", str(bad)],
        capture_output=True,
        check=False,
        text=True,
        env=env,
        timeout=120,
    )
    assert failed.returncode == 1
    assert "(duplicate-key)" in failed.stdout
    assert "Traceback" not in failed.stdout + failed.stderr
    misused = subprocess.run(
        [sys.executable, "-m", "pvreport", "validate", str(tmp_path / "missing")],
        capture_output=True,
        check=False,
        text=True,
        env=env,
        timeout=120,
    )
    assert misused.returncode == 2
    assert "is not a folder" in misused.stderr


# --- the catalogue --------------------------------------------------------------------------------


def test_every_code_has_title_explanation_and_hint() -> None:
    codes = catalogue()
    assert len(codes) > 40
    for code, info in codes.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code), code
        assert info.title.strip(), code
        assert info.explanation.strip(), code
        assert info.hint.strip(), code
        assert info.severity in ("error", "warning"), code


def _codes_used(path: Path) -> set[str]:
    """String constants given as the code of a Problem (or a helper that makes one)."""
    used: set[str] = set()
    makers = {"Problem", "_problem", "refuse"}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name not in makers:
            continue
        targets = [node.args[0]] if node.args else []
        targets += [k.value for k in node.keywords if k.arg == "code"]
        for target in targets:
            for inner in ast.walk(target):
                if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                    used.add(inner.value)
    return used


def test_every_code_used_in_the_code_is_in_the_catalogue() -> None:
    used: set[str] = set()
    for path in sorted(PVREPORT.rglob("*.py")):
        used |= _codes_used(path)
    # The scan itself must find the codes (or this test could pass by finding none).
    assert {"duplicate-key", "missing-value", "not-utf8", "remote-reference"} <= used
    missing = sorted(used - set(catalogue()))
    assert not missing, f"codes used but not in the catalogue: {missing}"


def test_control_and_direction_characters_are_escaped_in_text_and_github(
    capsys: pytest.CaptureFixture[str], package: Path
) -> None:
    # An escape sequence would clear the terminal; a direction override would reorder the line.
    descriptor = (package / "datapackage.json").read_text(encoding="utf-8")
    descriptor = descriptor.replace('"revisions.csv"', '"\\u001b[2J\\u202eoutcome.csv"')
    (package / "datapackage.json").write_text(descriptor, encoding="utf-8")
    for fmt in ("text", "github"):
        code, out, _ = run(capsys, "validate", str(package), "--format", fmt)
        assert code == 1
        assert "\x1b" not in out and "\u202e" not in out
        assert "\\x1b[2J\\u202eoutcome" in out


def test_text_no_encoding_can_print_is_escaped(tmp_path: Path) -> None:
    from conftest import copy_base

    package = copy_base(tmp_path / "package")
    descriptor = (package / "datapackage.json").read_text(encoding="utf-8")
    # A JSON escape can name a lone surrogate, which no encoding can write.
    descriptor = descriptor.replace('"path": "revisions.csv"', '"path": "\\udcffrevisions.csv"')
    (package / "datapackage.json").write_text(descriptor, encoding="utf-8")
    for fmt in ("text", "json", "github"):
        done = subprocess.run(
            [sys.executable, "-m", "pvreport", "validate", str(package), "--format", fmt],
            capture_output=True,
            check=False,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            timeout=120,
        )
        assert done.returncode == 1, done.stderr
        assert b"Traceback" not in done.stderr
        assert b"\\udcffrevisions.csv" in done.stdout
        if fmt == "json":
            assert json.loads(done.stdout)[0]["value"] == "\udcffrevisions.csv"
