"""The ``pvreport`` command: parse arguments, call the library, print, choose the exit code.

Each subcommand is one function registered with :func:`command`; ``build`` and ``serve`` are added
the same way. The library never prints: problems come back as records and only this module turns
them into text, JSON or GitHub annotations.

Exit codes: 0 no errors, 1 errors found, 2 the command was misused (bad arguments, missing folder).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .problems import Problem, catalogue

EXIT_OK = 0
EXIT_ERRORS = 1
EXIT_MISUSE = 2

Handler = Callable[[argparse.Namespace], int]


@dataclasses.dataclass(frozen=True)
class Command:
    """A subcommand: its help, a function adding its arguments, and a function running it."""

    name: str
    help: str
    description: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Handler


#: Every subcommand, in the order ``pvreport --help`` lists them. Add one with :func:`register`.
COMMANDS: dict[str, Command] = {}


def register(cmd: Command) -> Command:
    COMMANDS[cmd.name] = cmd
    return cmd


class UsageError(Exception):
    """The command was misused: exit 2 with this message."""


# --- helpers shared by commands -------------------------------------------------------------------


def default_package_dir(cwd: Path | None = None) -> Path:
    """The only folder under ./datapackages, when no folder is given."""
    root = (cwd or Path.cwd()) / "datapackages"
    folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    if len(folders) != 1:
        found = ", ".join(p.name for p in folders) or "none"
        raise UsageError(
            f"give the package folder: expected exactly one folder under {root} (found {found})"
        )
    return folders[0]


def package_dir_argument(value: str | None) -> Path:
    path = Path(value) if value else default_package_dir()
    if not path.is_dir():
        raise UsageError(f"{path} is not a folder")
    return path


def as_of_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date written YYYY-MM-DD") from None


def display_path(package_dir: Path, file: str | None) -> str:
    """A problem's file as a path from the current folder (editors and GitHub can open it)."""
    path = package_dir / (file or "datapackage.json")
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def format_text(problems: Sequence[Problem], package_dir: Path) -> str:
    lines = []
    for p in problems:
        where = display_path(package_dir, p.file)
        if p.line is not None:
            where += f":{p.line}"
        field = f" [{p.field}]" if p.field else ""
        label = "" if p.is_error else " warning:"
        lines.append(f"{where}:{label}{field} {p.message} ({p.code})")
        if p.hint:
            lines.append(f"    {p.hint}")
    return "\n".join(lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(problems: Sequence[Problem], package_dir: Path) -> str:
    """GitHub Actions workflow commands, one annotation per problem."""
    lines = []
    for p in problems:
        props = [f"file={_escape_property(display_path(package_dir, p.file))}"]
        if p.line is not None:
            props.append(f"line={p.line}")
        props.append(f"title={_escape_property(p.code)}")
        message = p.message + (f"\n{p.hint}" if p.hint else "")
        kind = "error" if p.is_error else "warning"
        lines.append(f"::{kind} {','.join(props)}::{_escape_data(message)}")
    return "\n".join(lines)


def format_json(problems: Sequence[Problem]) -> str:
    return json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- validate -------------------------------------------------------------------------------------


def validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "package_dir",
        nargs="?",
        metavar="PACKAGE_DIR",
        help="the package folder (default: the only folder under ./datapackages)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="text (default), json (a list of problems) or github (GitHub Actions annotations)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="treat warnings as errors (exit 1 on any problem)"
    )
    parser.add_argument(
        "--as-of",
        type=as_of_date,
        metavar="YYYY-MM-DD",
        help="the day to treat as today for date rules (default: today)",
    )


def run_validate(args: argparse.Namespace) -> int:
    """``pvreport validate``: print every problem; exit 1 when there is an error."""
    from .validate import validate_package

    package_dir = package_dir_argument(args.package_dir)
    result = validate_package(package_dir, as_of=args.as_of, strict=args.strict)
    problems = result.problems
    if args.format == "json":
        print(format_json(problems))
    elif args.format == "github":
        if problems:
            print(format_github(problems, package_dir))
    else:
        if problems:
            print(format_text(problems, package_dir))
        errors = len(result.errors)
        warnings = len(result.warnings)
        if errors:
            print(
                f"{display_path(package_dir, '.')}: {_plural(errors, 'error')}, "
                f"{_plural(warnings, 'warning')}.",
            )
        else:
            rows = ", ".join(f"{name} {len(table.rows)}" for name, table in result.tables.items())
            print(
                f"{display_path(package_dir, '.')}: no errors, "
                f"{_plural(warnings, 'warning')}. Rows: {rows}.",
            )
    return EXIT_OK if result.ok else EXIT_ERRORS


register(
    Command(
        "validate",
        help="check a report package and list every problem",
        description="Check a report package against the data contract and list every problem, "
        "by file, line and field, with a hint on how to fix it.\n\n"
        "examples:\n"
        "  pvreport validate datapackages/example\n"
        "  pvreport validate --strict --format github datapackages/example\n"
        "  pvreport validate --as-of 2026-04-01 --format json > problems.json",
        arguments=validate_arguments,
        run=run_validate,
    )
)


# --- codes ----------------------------------------------------------------------------------------


def codes_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (default) or json (code, severity, title, explanation, hint)",
    )


def run_codes(args: argparse.Namespace) -> int:
    """``pvreport codes``: the catalogue of problem codes."""
    codes = sorted(catalogue().values(), key=lambda c: c.code)
    if args.format == "json":
        print(
            json.dumps([dataclasses.asdict(c) for c in codes], indent=2, ensure_ascii=False),
        )
    else:
        width = max(len(c.code) for c in codes)
        for c in codes:
            print(f"{c.code:<{width}}  {c.severity:<7}  {c.title}")
    return EXIT_OK


register(
    Command(
        "codes",
        help="list every problem code pvreport can report",
        description="List every problem code with its severity and title.\n\n"
        "examples:\n"
        "  pvreport codes\n"
        "  pvreport codes --format json",
        arguments=codes_arguments,
        run=run_codes,
    )
)


# --- entry point ----------------------------------------------------------------------------------


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pvreport",
        description="Validate a public value report package and publish it as a website.",
        epilog="example: pvreport validate datapackages/example",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for cmd in COMMANDS.values():
        child = sub.add_parser(
            cmd.name,
            help=cmd.help,
            description=cmd.description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        cmd.arguments(child)
        child.set_defaults(handler=cmd.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:
        # argparse exits 2 on bad arguments and 0 after --help.
        return int(exit.code or 0)
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_MISUSE
    try:
        return int(args.handler(args))
    except UsageError as error:
        print(f"pvreport {args.command}: error: {error}", file=sys.stderr)
        return EXIT_MISUSE
    except BrokenPipeError:  # e.g. piped into head
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
