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
import shutil
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .problems import Problem, catalogue, has_errors, sorted_problems
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


def configured_previous(project: Path) -> list[Path]:
    """The earlier statements the project's ``mkdocs.yml`` names (the plugin option
    ``previous``), as ``pvreport build`` reads them."""
    from .site.write import plugin_options, read_config

    config = project / "mkdocs.yml"
    if not config.is_file():
        return []
    try:
        named = plugin_options(read_config(config)).get("previous") or []
    except (OSError, ValueError, yaml.YAMLError):
        return []
    named = [named] if isinstance(named, str) else named
    return [project / str(p) for p in named] if isinstance(named, list) else []


def package_dir_argument(value: str | None) -> Path:
    """The package folder (or workbook) given, else the one mkdocs.yml names, else the only
    folder there is."""
    from .tables.workbook import is_workbook

    path = Path(value) if value else configured_package(Path.cwd()) or default_package_dir()
    if is_workbook(path):
        if not path.is_file():
            raise UsageError(f"{path} does not exist")
        return path
    if not path.is_dir():
        raise UsageError(f"{path} is not a folder, nor an .xlsx workbook")
    return path


def as_of_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date written YYYY-MM-DD") from None


def display_path(package_dir: Path, file: str | None) -> str:
    """A problem's file as a path from the current folder (editors and GitHub can open it); a
    workbook's problems name the workbook itself."""
    if package_dir.is_file() and file in (package_dir.name, "."):
        path = package_dir
    else:
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
        if p.sheet is not None:
            where += f": {p.place()}"
        elif p.line is not None:
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
        # Annotations may be read in public (a CI log): they name no confidential id.
        said = (
            p.message if p.public_message is None else p.public_message,
            p.hint if p.public_hint is None else p.public_hint,
        )
        message = "\n".join(printable(t, "\r\n") for t in said if t)
        if p.sheet is not None:
            message = f"{p.place()}: {message}"
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
    "the package folder or .xlsx workbook (default: the one mkdocs.yml names, else the only folder under "
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
        choices=("text", "json", "github", "html"),
        default="text",
        help="text (default), json (a list of problems), github (GitHub Actions annotations) or "
        "html (one web page of the problems, with hints, for people who do not use a terminal)",
    )
    parser.add_argument(
        "--output",
        metavar="FILE",
        help="write the report into FILE instead of printing it (a new file, or one it replaces)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="treat warnings as errors (exit 1 on any problem)"
    )
    parser.add_argument(
        "--translations",
        choices=("error", "warn"),
        help="a missing translation is an error (the default: each language is a full site) or "
        "a warning (the text is shown in the first language, marked as such); default: the "
        "plugin option translations in mkdocs.yml, else error",
    )
    parser.add_argument(
        "--as-of",
        type=as_of_date,
        metavar="YYYY-MM-DD",
        help="judge embargoes and overdue updates as at the start of this day in UTC "
        "(default: SOURCE_DATE_EPOCH, else now)",
    )
    previous_argument(parser)


def previous_argument(parser: argparse.ArgumentParser, *, configured: bool = False) -> None:
    parser.add_argument(
        "--previous",
        action="append",
        metavar="PACKAGE_DIR",
        help="an earlier statement's package, newest first (repeat for each): each is checked "
        "as of its published date, and the rules across statements are checked"
        + (
            " (default: the plugin option previous in mkdocs.yml)"
            if configured
            else " (default: those mkdocs.yml names, where no PACKAGE_DIR is given)"
        ),
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


def project_translations(project: Path) -> str | None:
    """The plugin option ``translations`` of ``mkdocs.yml`` where the command runs (None where
    there is none: missing translations are errors)."""
    from .site.write import plugin_options, read_config
    from .validate.translations import TranslationsError, severity_of

    config = project / "mkdocs.yml"
    if not config.is_file():
        return None
    try:
        mode = plugin_options(read_config(config)).get("translations")
    except (OSError, ValueError, yaml.YAMLError):
        return None
    try:
        severity_of(mode)
    except TranslationsError as error:
        raise UsageError(f"mkdocs.yml, the pvreport plugin's options: {error}") from None
    return None if mode is None else str(mode)


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
        translations_mode=args.translations or project_translations(Path.cwd()),
    )
    # The earlier statements given, else (for the package mkdocs.yml names) those it names.
    previous = [Path(p) for p in args.previous or []]
    if not previous and not args.package_dir:
        previous = configured_previous(Path.cwd())
    if previous:
        result = _with_previous(result, previous, args, limits, thresholds)
    problems = result.problems
    out = io.StringIO()
    if args.format == "json":
        print(format_json(problems), file=out)
    elif args.format == "html":
        from .site.problem_page import problem_page

        out.write(problem_page(problems, package=package_dir.resolve().name))
    elif args.format == "github":
        if problems:
            print(format_github(problems, package_dir), file=out)
    else:
        if problems:
            print(format_text(problems, package_dir), file=out)
        errors = len(result.errors)
        warnings = len(result.warnings)
        if errors:
            print(
                f"{display_path(package_dir, '.')}: {_plural(errors, 'error')}, "
                f"{_plural(warnings, 'warning')}.",
                file=out,
            )
        else:
            rows = ", ".join(f"{name} {table.row_count}" for name, table in result.tables.items())
            print(
                f"{display_path(package_dir, '.')}: no errors, "
                f"{_plural(warnings, 'warning')}. Rows: {rows}.",
                file=out,
            )
    if args.output:
        target = Path(args.output)
        try:
            target.write_text(out.getvalue(), encoding="utf-8")
        except OSError as error:
            raise UsageError(f"cannot write {target}: {error.strerror or error}") from None
        print(
            f"{display_path(package_dir, '.')}: {_plural(len(result.errors), 'error')}, "
            f"{_plural(len(result.warnings), 'warning')}; the report is in {target}."
        )
    else:
        sys.stdout.write(out.getvalue())
    return EXIT_OK if result.ok else EXIT_ERRORS


def _with_previous(
    result: Any, previous: list[Path], args: argparse.Namespace, limits: Any, thresholds: Any
) -> Any:
    """The current package's validation with the earlier statements' problems and the rules
    across statements."""
    from .problems import sorted_problems
    from .problems import strict as make_strict
    from .tables.moments import Clock
    from .validate import across, validate_package

    for folder in previous:
        if not folder.is_dir():
            raise UsageError(f"--previous {folder}: not a folder")
    clock = Clock.make(args.as_of)
    # An earlier statement is checked as it was published: --strict makes the rules across
    # statements strict, not the warnings of a statement already published.
    _, problems = across.validate_earlier(
        result,
        previous,
        lambda folder, own: validate_package(
            folder,
            clock=own,
            limits=limits,
            thresholds=thresholds,
            translations_mode=args.translations or project_translations(Path.cwd()),
        ),
        clock,
    )
    if args.strict:
        problems = make_strict(problems)
    return dataclasses.replace(result, problems=sorted_problems([*result.problems, *problems]))


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
        "  pvreport validate --as-of 2026-04-01 --format json > problems.json\n"
        "  pvreport validate report.xlsx --format html --output problems.html",
        arguments=validate_arguments,
        run=run_validate,
    )
)


# --- convert --------------------------------------------------------------------------------------


def convert_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SRC", help="a package folder, or an .xlsx workbook")
    parser.add_argument(
        "dest",
        metavar="DEST",
        help="the workbook to write (.xlsx), or the new folder of CSV files",
    )


def run_convert(args: argparse.Namespace) -> int:
    """``pvreport convert``: a workbook into a folder of CSV files, or a folder into a workbook."""
    from .tables import workbook

    source, dest = Path(args.source), Path(args.dest)
    if dest.exists() and not (dest.is_dir() and not any(dest.iterdir())):
        raise UsageError(f"{dest} already exists: give a new name, so nothing is overwritten")
    if workbook.is_workbook(source):
        if not source.is_file():
            raise UsageError(f"{source} does not exist")
        if dest.suffix.lower() in workbook.SUFFIXES:
            raise UsageError(f"{dest} must be a folder, for the CSV files of {source.name}")
        made = not dest.exists()
        dest.mkdir(parents=True, exist_ok=True)
        unpacked = workbook.unpack(source, dest, project_options(Path.cwd())[0])
        problems = sorted_problems(unpacked.problems)
        if unpacked.folder is None and made:
            shutil.rmtree(dest)
    elif source.is_dir():
        if dest.suffix.lower() != ".xlsx":
            raise UsageError(f"{dest} must be a workbook name ending in .xlsx")
        from .site import xlsx
        from .tables.moments import Clock

        # SOURCE_DATE_EPOCH, where set, stamps the workbook: the same folder, the same bytes.
        data, problems = xlsx.folder_workbook(source, created=Clock.make().now)
        if data is not None:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        problems = sorted_problems(problems)
    else:
        raise UsageError(f"{source} is not a folder, nor an .xlsx workbook")
    if problems:
        print(format_text(problems, source))
    if has_errors(problems):
        return EXIT_ERRORS
    print(f"{display_path(source, '.')} -> {dest}")
    return EXIT_OK


register(
    Command(
        "convert",
        help="convert a workbook into a folder of CSV files, or a folder into a workbook",
        description="Convert a report package between one .xlsx workbook (a sheet per table and "
        "a package sheet) and a folder of CSV files with datapackage.json, both ways, losing "
        "nothing the contract holds: draft in Excel, keep CSV files in git.\n\n"
        "examples:\n"
        "  pvreport convert report.xlsx datapackages/report\n"
        "  pvreport convert datapackages/report report.xlsx",
        arguments=convert_arguments,
        run=run_convert,
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
    parser.add_argument(
        "--languages",
        metavar="LANGS",
        help="the package's languages, the first its data's, separated by commas (en,cy): each "
        "other language gets a translation of every text and a labels.csv (default: en)",
    )


def run_generate(args: argparse.Namespace) -> int:
    """``pvreport generate``: a synthetic report package, for tests and timings."""
    from . import synthetic

    out = Path(args.out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} exists and is not an empty folder")
    synthetic.generate(out, args.size, args.seed)
    if args.languages:
        languages = [lang.strip() for lang in args.languages.split(",") if lang.strip()]
        synthetic.add_languages(out, languages)
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


# --- new ------------------------------------------------------------------------------------------

#: The file name of the starter workbook in the folder ``pvreport new --workbook`` makes.
STARTER_WORKBOOK = "report.xlsx"


def new_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", metavar="DIR", help="the folder to write (new or empty)")
    parser.add_argument(
        "--workbook",
        action="store_true",
        help=f"write one Excel workbook ({STARTER_WORKBOOK}) instead of CSV files",
    )


def run_new(args: argparse.Namespace) -> int:
    """``pvreport new``: a starter package that validates, as CSV files or as one workbook."""
    from . import starter

    out = Path(args.folder)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} exists and is not an empty folder: nothing was written")
    files: dict[str, str | bytes]
    if args.workbook:
        from .site import xlsx

        tables = {name: (starter.header(name), starter.rows(name)) for name in starter.RESOURCES}
        sheets = xlsx.package_sheets(starter.DESCRIPTOR, tables, guide=True)
        from .tables.moments import Clock

        created = Clock.make().now.replace(microsecond=0)
        files = {
            STARTER_WORKBOOK: xlsx.workbook_bytes(
                sheets, created=created, title=starter.DESCRIPTOR["title"]
            )
        }
        check = out / STARTER_WORKBOOK
    else:
        files = dict(starter.csv_files())
        check = out
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            with (out / name).open(
                "xb" if isinstance(data, bytes) else "x",
                **({} if isinstance(data, bytes) else {"encoding": "utf-8", "newline": ""}),
            ) as handle:
                handle.write(data)
    except OSError as error:
        raise UsageError(f"cannot write {out}: {error.strerror or error}") from None
    print(f"Wrote a starter package into {out}: {', '.join(sorted(files))}.")
    print("Change the example rows to your own, then check them with:")
    print(f"  pvreport validate {check} --format html --output problems.html")
    return EXIT_OK


register(
    Command(
        "new",
        help="write a starter package (CSV files, or one Excel workbook) to fill in",
        description="Write a starter report package into a new or empty folder: every resource "
        "of the\ncontract with all its columns and an example row, and datapackage.json. With "
        "--workbook,\none Excel workbook instead: a sheet per resource, a package sheet, a note "
        "on each\nheading saying what goes there, and drop-down lists for the fields with fixed "
        "values.\nThe starter validates as it is. An existing file is never overwritten.\n\n"
        "examples:\n"
        "  pvreport new my-report\n"
        "  pvreport new my-report --workbook",
        arguments=new_arguments,
        run=run_new,
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
        "--translations",
        choices=("error", "warn"),
        help="a missing translation is an error (the default: each language is a full site) or "
        "a warning (the text is shown in the first language, marked as such); default: the "
        "plugin option translations in mkdocs.yml, else error",
    )
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
    previous_argument(parser, configured=True)


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
            translations=getattr(args, "translations", None),
            previous=[Path(p) for p in args.previous] if args.previous else None,
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
