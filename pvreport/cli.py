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
import io
import json
import logging
import os
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from .problems import Problem, catalogue
from .tables.limits import Limits, LimitsError

if TYPE_CHECKING:
    from .validate import readability

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


def configured_package(project: Path) -> Path | None:
    """The package the project's ``mkdocs.yml`` names (the pvreport plugin's ``package``
    option), as ``pvreport build`` reads it; None where there is no such option."""
    from .site.write import plugin_options, read_config

    config = project / "mkdocs.yml"
    if not config.is_file():
        return None
    try:
        named = plugin_options(read_config(config)).get("package")
    except (OSError, ValueError, yaml.YAMLError):
        return None  # not a config pvreport can read: build will say so
    return project / str(named) if named else None


def package_dir_argument(value: str | None) -> Path:
    """The package folder given, else the one mkdocs.yml names, else the only one there is."""
    path = Path(value) if value else configured_package(Path.cwd()) or default_package_dir()
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


def printable(text: str, keep: str = "\n") -> str:
    """Text safe to print on a terminal or in a CI log.

    Messages quote cells of the package, and a cell can hold control characters (an escape
    sequence would drive the terminal), direction overrides that reorder the line, or invisible
    characters: show each as its code point, such as \\u202e.
    """
    return "".join(
        (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
        if c not in keep and unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")
        else c
        for c in text
    )


def format_text(problems: Sequence[Problem], package_dir: Path) -> str:
    lines = []
    for p in problems:
        where = display_path(package_dir, p.file)
        if p.line is not None:
            where += f":{p.line}"
        field = f" [{p.field}]" if p.field else ""
        label = "" if p.is_error else " warning:"
        lines.append(printable(f"{where}:{label}{field} {p.message} ({p.code})"))
        if p.hint:
            lines.append(printable(f"    {p.hint}"))
    return "\n".join(lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(problems: Sequence[Problem], package_dir: Path) -> str:
    """GitHub Actions workflow commands, one annotation per problem."""
    lines = []
    for p in problems:
        props = [f"file={_escape_property(printable(display_path(package_dir, p.file)))}"]
        if p.line is not None:
            props.append(f"line={p.line}")
        props.append(f"title={_escape_property(p.code)}")
        # GitHub's own escapes (%0D, %0A) carry line breaks; everything else is shown escaped.
        message = "\n".join(printable(t, "\r\n") for t in (p.message, p.hint) if t)
        kind = "error" if p.is_error else "warning"
        lines.append(f"::{kind} {','.join(props)}::{_escape_data(message)}")
    return "\n".join(lines)


def format_json(problems: Sequence[Problem]) -> str:
    return json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- validate -------------------------------------------------------------------------------------


#: The package argument of validate, build and serve.
PACKAGE_HELP = (
    "the package folder (default: the one mkdocs.yml names, else the only folder under "
    "./datapackages)"
)


def validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "package_dir",
        nargs="?",
        metavar="PACKAGE_DIR",
        help=PACKAGE_HELP,
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
        help="judge embargoes and overdue updates as at the start of this day in UTC "
        "(default: SOURCE_DATE_EPOCH, else now)",
    )


def project_options(project: Path) -> tuple[Limits, readability.Thresholds]:
    """The size limits and readability thresholds set in the pvreport plugin's options of
    ``mkdocs.yml`` where the command runs, so that validate says what build will; the defaults
    where there is no such file, or one pvreport cannot read (build will say so)."""
    # From write, not build: importing build loads the chart libraries, which validate does
    # not need.
    from .site.write import plugin_options, read_config
    from .validate.readability import Thresholds, ThresholdsError

    config = project / "mkdocs.yml"
    if not config.is_file():
        return Limits(), Thresholds()
    try:
        options = plugin_options(read_config(config))
    except (OSError, ValueError, yaml.YAMLError):
        return Limits(), Thresholds()
    try:
        return Limits.from_options(options), Thresholds.from_options(options)
    except (LimitsError, ThresholdsError) as error:
        raise UsageError(f"mkdocs.yml, the pvreport plugin's options: {error}") from None


def run_validate(args: argparse.Namespace) -> int:
    """``pvreport validate``: print every problem; exit 1 when there is an error."""
    from .validate import validate_package

    package_dir = package_dir_argument(args.package_dir)
    limits, thresholds = project_options(Path.cwd())
    result = validate_package(
        package_dir,
        as_of=args.as_of,
        strict=args.strict,
        limits=limits,
        thresholds=thresholds,
    )
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
            rows = ", ".join(f"{name} {table.row_count}" for name, table in result.tables.items())
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
        "  pvreport validate                  # the package mkdocs.yml names\n"
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


# --- generate -------------------------------------------------------------------------------------


def generate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out_dir", metavar="OUT_DIR", help="the folder to write (new or empty)")
    parser.add_argument(
        "--size", choices=("S", "M", "L"), default="S", help="S, M or L (default: S)"
    )
    parser.add_argument("--seed", type=int, default=0, help="the seed (default: 0)")
    parser.add_argument(
        "--plant-errors",
        action="store_true",
        help="break the package in known ways and print the problems validation must report",
    )


def run_generate(args: argparse.Namespace) -> int:
    """``pvreport generate``: a synthetic report package, for tests and timings."""
    from . import synthetic

    out = Path(args.out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} exists and is not an empty folder")
    synthetic.generate(out, args.size, args.seed)
    if args.plant_errors:
        for file, line, field, code in synthetic.plant_errors(out, args.seed):
            print(f"{file}:{line}: [{field or '-'}] {code}")
    return EXIT_OK


register(
    Command(
        "generate",
        help="write a synthetic report package (S, M or L), optionally with planted errors",
        description="Write a made-up report package that is valid against the contract: S is "
        "about the example's size,\nM has 100,000 results and L a million. The same size and "
        "seed give the same bytes.\nWith --plant-errors, break it in known ways and print the "
        "problems validation must report.\n\n"
        "examples:\n"
        "  pvreport generate --size L --seed 1 /tmp/report-l\n"
        "  pvreport generate --size S --seed 7 --plant-errors /tmp/report-bad",
        arguments=generate_arguments,
        run=run_generate,
    )
)


# --- build and serve ------------------------------------------------------------------------------


def build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--package", metavar="PACKAGE_DIR", help=PACKAGE_HELP)
    parser.add_argument(
        "--site-dir", metavar="DIR", default="site", help="where to publish (default: site/)"
    )
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress lines on stderr (shown only on a terminal anyway)",
    )
    parser.add_argument(
        "--as-of",
        type=as_of_date,
        metavar="YYYY-MM-DD",
        help="build as at the start of this day in UTC: embargoes, overdue results, dates in "
        "the site (default: SOURCE_DATE_EPOCH, else now, to the second)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="draw every chart, convert every page and check every file afresh, without reading "
        "or writing the caches under .pvreport/ (the site is the same either way)",
    )
    engine_argument(parser)


def engine_argument(parser: argparse.ArgumentParser) -> None:
    from .site import ENGINES

    parser.add_argument(
        "--engine",
        choices=ENGINES,
        help="what builds the site from build/docs: mkdocs (MkDocs Material) or zensical "
        "(Zensical, installed with pvreport[zensical]); default: the plugin option engine in "
        "mkdocs.yml, else mkdocs",
    )


def run_build(args: argparse.Namespace) -> int:
    """``pvreport build``: validate, render and publish; the old site stays on any failure."""
    from .build import BUILD_FOLDER, LOG_NAME, BuildError, SiteDirError, build
    from .progress import Progress

    project = Path.cwd()
    package_dir = package_dir_argument(args.package) if args.package else None
    try:
        result = build(
            project,
            package_dir=package_dir,
            site_dir=Path(args.site_dir),
            strict=args.strict,
            as_of=args.as_of,
            notify=lambda line: print(f"notice: {line}"),
            progress=Progress(enabled=False) if getattr(args, "quiet", False) else Progress(),
            cache=not getattr(args, "no_cache", False),
            engine_name=getattr(args, "engine", None),
        )
    except SiteDirError as error:
        raise UsageError(f"{error} Nothing was written.") from None
    except BuildError as error:
        if error.problems:
            # Printed exactly as `pvreport validate` prints them.
            shown = error.problems
            where = _package_of(project, package_dir)
            print(format_text(shown, where))
            errors = sum(p.is_error for p in shown)
            print(
                f"{display_path(where, '.')}: {_plural(errors, 'error')}, "
                f"{_plural(len(shown) - errors, 'warning')}.",
            )
        print(f"pvreport build: {error}", file=sys.stderr)
        log = f" The build log is at {os.path.relpath(error.log)}." if error.log else ""
        print(f"The site was not changed.{log}", file=sys.stderr)
        return EXIT_ERRORS
    except KeyboardInterrupt:
        # Ctrl+C (or SIGINT from a CI runner) at any stage: publishing is one rename, the last
        # step, so the old site is still there; say so, and where the log is, like any failure.
        log_path = os.path.relpath(project / BUILD_FOLDER / LOG_NAME)
        print("pvreport build: interrupted, so the site was not built.", file=sys.stderr)
        print(f"The site was not changed. The build log is at {log_path}.", file=sys.stderr)
        return 130
    warnings = result.validation.warnings
    if warnings:
        print(format_text(warnings, result.validation.package_dir))
    print(
        f"Built {result.pages} pages into {os.path.relpath(result.site_dir)} "
        f"({_plural(len(warnings), 'warning')}; engine files in "
        f"{os.path.relpath(result.build_dir)})."
    )
    return EXIT_OK


def _package_of(project: Path, package_dir: Path | None) -> Path:
    from .build import BuildError, find_package, project_config

    if package_dir is not None:
        return package_dir
    try:
        return find_package(project, project_config(project))
    except BuildError:
        return project


register(
    Command(
        "build",
        help="validate the report and publish it as a website",
        description="Run in a project folder (one with mkdocs.yml). Validate the package (errors\n"
        "stop the build), render every page into build/docs with an engine config in\n"
        "build/mkdocs.yml, build the site with MkDocs Material (or Zensical: --engine zensical)\n"
        "into a fresh folder, check it, and only then swap it into the site folder. A failed\n"
        "build leaves the previous site as it was and says where its log is.\n\n"
        "examples:\n"
        "  pvreport build\n"
        "  pvreport build --package datapackages/example --site-dir public --strict\n"
        "  SOURCE_DATE_EPOCH=1767225600 pvreport build   # the same bytes on any day\n"
        "  pvreport build --engine zensical",
        arguments=build_arguments,
        run=run_build,
    )
)


def serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--package", metavar="PACKAGE_DIR", help=PACKAGE_HELP)
    parser.add_argument(
        "--dev-addr",
        metavar="IP:PORT",
        default="127.0.0.1:8000",
        help="where to serve the preview (default: 127.0.0.1:8000)",
    )
    engine_argument(parser)


def run_serve(args: argparse.Namespace) -> int:
    """``pvreport serve``: MkDocs' live preview of mkdocs.yml, through the pvreport plugin."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    os.environ.setdefault("DISABLE_MKDOCS_2_WARNING", "true")
    from mkdocs.commands.serve import serve
    from mkdocs.exceptions import MkDocsException

    from .site.mkdocs_plugin import PACKAGE_VARIABLE
    from .site.write import read_config

    project = Path.cwd()
    config = project / "mkdocs.yml"
    if not config.is_file():
        raise UsageError("run pvreport serve in a project folder (one with mkdocs.yml)")
    if getattr(args, "engine", None) == "zensical":
        # The live preview is MkDocs running the pvreport plugin, and Zensical runs no MkDocs
        # plugin: it cannot re-render the pages when the package changes.
        raise UsageError(
            "pvreport serve previews with MkDocs only: Zensical runs no MkDocs plugin, so it "
            "cannot re-render the pages when the data changes. Preview with pvreport serve "
            "(the site looks the same), or build with pvreport build --engine zensical and open "
            "the site folder with python -m http.server --directory site"
        )
    if args.package:
        os.environ[PACKAGE_VARIABLE] = str(package_dir_argument(args.package).resolve())
    overrides: dict[str, str] = {}
    try:
        docs = str(read_config(config).get("docs_dir") or "docs")
    except (OSError, ValueError, yaml.YAMLError):
        docs = "docs"  # MkDocs says what is wrong with the config
    if not (project / docs).is_dir():
        # A project without hand-written pages: MkDocs needs a folder to read, so an empty one.
        empty = project / "build" / "no-content"
        empty.mkdir(parents=True, exist_ok=True)
        overrides["docs_dir"] = str(empty)
    # MkDocs' own command sets up its log output; called as a library it has none.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    logging.getLogger("mkdocs").addHandler(handler)
    logging.getLogger("mkdocs").setLevel(logging.INFO)
    try:
        serve(config_file=str(config), dev_addr=args.dev_addr, open_in_browser=False, **overrides)
    except MkDocsException as error:
        print(f"pvreport serve: {error}", file=sys.stderr)
        return EXIT_ERRORS
    return EXIT_OK


register(
    Command(
        "serve",
        help="preview the site, reloading when the package or content/ changes",
        description="Serve a live preview of the project's site (mkdocs serve with the pvreport\n"
        "plugin). Editing a file of the package or of content/ reloads the page.\n\n"
        "examples:\n"
        "  pvreport serve\n"
        "  pvreport serve --package datapackages/another --dev-addr 127.0.0.1:8001",
        arguments=serve_arguments,
        run=run_serve,
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
    for stream in (sys.stdout, sys.stderr):
        # A package can hold text no encoding can print (a lone surrogate from a JSON escape);
        # print it escaped rather than fail.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
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
