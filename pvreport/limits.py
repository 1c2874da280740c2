"""Limits on the size of a package's files: bytes per file, rows per resource, characters per cell.

The limits protect the machine that builds the site (and the people waiting for it) from a file
that is far bigger than any report needs: a spreadsheet export gone wrong, a log pasted into a
cell, a file of the wrong kind. They are checked before anything else reads a file; a file over a
limit goes no further, and a file over the size limit is not opened at all.

The defaults fit a national-scale report with room to spare. A million results, the largest a
national body publishes per year (every indicator by every area and group), is about 100 MB of CSV
(pvreport's synthetic L package: 1,000,000 rows, 62 MB). 512 MB per file leaves five times that;
5,000,000 rows per resource leaves five times the rows. A cell is a plain-text sentence or a
paragraph: the longest texts in real reports (a rationale, "what we heard") are a few hundred
words, about 3,000 characters; 10,000 characters (about four pages) is more than any table cell a
reader will read, and stops a whole document or a binary blob pasted into a cell.

They are set with the options of the ``pvreport`` plugin in the project's ``mkdocs.yml``, the one
place the build takes its settings from::

    plugins:
      - pvreport:
          package: datapackages/example
          max_file_size: 1GB
          max_rows: 10000000
          max_cell_length: 20000
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from . import load
from .problems import Problem

MB = 1024 * 1024
DEFAULT_FILE_SIZE = 512 * MB
DEFAULT_ROWS = 5_000_000
DEFAULT_CELL_LENGTH = 10_000
#: At most this many over-long cells are named per file; the rest are counted.
MAX_NAMED_CELLS = 10

_UNITS = {"": 1, "B": 1, "KB": 1024, "MB": MB, "GB": 1024 * MB}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]?B?)\s*$", re.IGNORECASE)


class LimitsError(ValueError):
    """A limit in the project's settings that is not a positive whole number or size."""


@dataclasses.dataclass(frozen=True)
class Limits:
    """The largest file (bytes), resource (data rows) and cell (characters) pvreport reads."""

    max_file_size: int = DEFAULT_FILE_SIZE
    max_rows: int = DEFAULT_ROWS
    max_cell_length: int = DEFAULT_CELL_LENGTH

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Limits:
        """The limits named in the ``pvreport`` plugin options; defaults for the rest."""
        found: dict[str, int] = {}
        for name in ("max_file_size", "max_rows", "max_cell_length"):
            value = options.get(name)
            if value is None:
                continue
            found[name] = (
                parse_size(value, name) if name == "max_file_size" else _count(value, name)
            )
        return cls(**found)


def parse_size(value: Any, name: str = "max_file_size") -> int:
    """Bytes from ``536870912``, ``"512MB"``, ``"1.5 GB"`` or ``"800KB"`` (units of 1024)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _SIZE.match(str(value)) if isinstance(value, str) else None
    if match is None or float(match.group(1)) <= 0:
        raise LimitsError(
            f"{name} must be a size such as 512MB, 2GB or a number of bytes, not {value!r}."
        )
    unit = match.group(2).upper()
    unit = unit if unit.endswith("B") or not unit else unit + "B"
    return int(float(match.group(1)) * _UNITS[unit])


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise LimitsError(f"{name} must be a whole number above 0, not {value!r}.")
    return value


def readable_size(size: int) -> str:
    """``536870912`` -> ``512 MB``, as a person would write it."""
    for unit in ("GB", "MB", "KB"):
        if size >= _UNITS[unit]:
            amount = size / _UNITS[unit]
            return f"{amount:,.0f} {unit}" if amount == int(amount) else f"{amount:,.1f} {unit}"
    return f"{size:,} bytes"


def check_size(file: str, path: Path, limits: Limits) -> Problem | None:
    """A problem if the file is over the size limit. Looks at its size only, never its bytes."""
    try:
        size = path.stat().st_size
    except OSError:
        return None  # hygiene says why the file cannot be opened
    if size <= limits.max_file_size:
        return None
    return Problem(
        "file-too-large",
        f"{file} is {readable_size(size)}, more than the {readable_size(limits.max_file_size)} "
        "pvreport reads from one file, so it was not read.",
        file=file,
        value=str(size),
    )


def check_contents(
    file: str,
    path: Path,
    limits: Limits,
    parse: Callable[[], load.Parsed | None] | None = None,
    data: bytes | None = None,
    line_ends: int | None = None,
) -> list[Problem]:
    """Problems for a resource with too many rows or cells that are too long.

    Reads the file as CSV the way :func:`pvreport.load.csv_records` does, so lines are the ones an
    editor shows. Files that cannot hold an over-long cell or too many rows (judged from their
    bytes) are not parsed. ``data`` is the file's bytes, where already read, and ``line_ends``
    the number of line ends (``\\n``) in them, where already counted.
    """
    try:
        data = path.read_bytes() if data is None else data
    except OSError:
        return []
    # Parsing a 100 MB file as CSV takes seconds; its lines take a fraction of one. A file with
    # no more lines than the row limit cannot have too many rows, and one whose lines are all
    # within the cell limit cannot have a long cell, unless a quoted cell runs over several lines
    # (a line with an odd number of quotes). Only the other files are parsed.
    if line_ends is None:
        line_ends = data.count(b"\n")
    if not _suspect(data, limits, line_ends):
        return []
    if parse is not None and line_ends <= limits.max_rows:
        # Not too many rows, but a quoted line break hides where cells end: the file read by
        # column (``parse``, for a large file) shows its longest cell without a Python scan.
        parsed = parse()
        if parsed is not None and _longest_cell(parsed) <= limits.max_cell_length:
            return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return []  # hygiene reports the encoding; cells are then measured in bytes nowhere
    return list(_scan(file, text, limits))


def _suspect(data: bytes, limits: Limits, line_ends: int) -> bool:
    """Whether a file may have too many rows or a cell too long: more lines than the row limit,
    a line longer than the cell limit, or a line with an odd number of quotes."""
    import numpy as np

    if line_ends > limits.max_rows:
        return True
    raw = np.frombuffer(data, dtype=np.uint8)
    ends: np.ndarray | None = None
    if not _short_lines(data, limits.max_cell_length):
        # Worked out by array rather than by splitting the file into a million lines.
        ends = np.flatnonzero(raw == ord("\n"))
        bounds = np.concatenate(([-1], ends, [len(data)]))
        if int(np.max(np.diff(bounds))) - 1 > limits.max_cell_length:
            return True
    if b'"' not in data:
        return False
    if ends is None:
        ends = np.flatnonzero(raw == ord("\n"))
    # The quotes before each line end, and so on each line: a search per line end (a million)
    # rather than per quote (twenty million in a file whose every cell is quoted).
    quotes = np.flatnonzero(raw == ord('"'))
    before = np.concatenate(([0], np.searchsorted(quotes, ends), [len(quotes)]))
    return bool(np.any(np.diff(before) % 2))


def _short_lines(data: bytes, longest: int) -> bool:
    """True when no line of ``data`` can be longer than ``longest`` bytes (False: it may be).

    A line of more than ``longest`` bytes holds every byte of at least one of the blocks of
    ``(longest + 2) // 2`` bytes the data is cut into, so a line end in each block rules it
    out: a few thousand searches of a few bytes for a 46 MB file, instead of an array of every
    line end (0.05-0.1 s).
    """
    block = (longest + 2) // 2
    return all(data.find(b"\n", start, start + block) >= 0 for start in range(0, len(data), block))


def _longest_cell(parsed: load.Parsed) -> int:
    """The most characters in one cell of a file read by column, its heading included."""
    import pyarrow.compute as pc

    longest = max((len(cell) for cell in parsed.header), default=0)
    for column in parsed.columns:
        longest = max(longest, pc.max(pc.utf8_length(column)).as_py() or 0)
    for record in parsed.irregular.values():
        longest = max(longest, max((len(cell) for cell in record), default=0))
    return longest


def _scan(file: str, text: str, limits: Limits) -> Iterator[Problem]:
    # The csv module refuses fields over its own limit (128 KB): lift it, the limit here is ours.
    csv.field_size_limit(sys.maxsize)
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    header: list[str] = []
    rows = 0
    named = 0
    over = 0
    end = 0
    for record in reader:
        start, end = end + 1, reader.line_num
        if not header:
            if any(cell.strip() for cell in record):
                header = [cell.strip() for cell in record]
            continue
        if not any(cell.strip() for cell in record):
            continue
        rows += 1
        if rows == limits.max_rows + 1:
            yield Problem(
                "too-many-rows",
                f"{file} has more than {limits.max_rows:,} rows of data, the most pvreport reads "
                f"from one file; line {start} is row {rows:,}.",
                file=file,
                line=start,
            )
        for index, cell in enumerate(record):
            if len(cell) <= limits.max_cell_length:
                continue
            over += 1
            if named < MAX_NAMED_CELLS:
                named += 1
                field = header[index] if index < len(header) else None
                yield Problem(
                    "cell-too-long",
                    f"This cell holds {len(cell):,} characters, more than the "
                    f"{limits.max_cell_length:,} pvreport takes in one cell. It begins: "
                    f"{cell[:40]!r}.",
                    file=file,
                    line=start,
                    field=field,
                    value=f"{len(cell)} characters",
                )
    if over > named:
        yield Problem(
            "cell-too-long",
            f"{file} has {over - named:,} more cells over {limits.max_cell_length:,} characters "
            "besides those named above.",
            file=file,
            hint="Shorten the long texts in this file to a few sentences each; the cells named "
            "above show what they hold.",
        )


def check(
    resources: Mapping[str, Any],
    limits: Limits,
    parse: Callable[[str], load.Parsed | None] | None = None,
    read: Callable[[str], bytes | None] | None = None,
    line_ends: Callable[[str], int | None] | None = None,
) -> tuple[dict[str, list[Problem]], list[Problem]]:
    """Check every resource that passed the gate (``name -> gate.Resource``).

    Returns the problems by resource name (a resource listed there must be read no further) and
    all problems in one list. ``parse(name)`` gives a large file read by column, or None;
    ``read(name)`` its bytes (None: read them here), asked only of a file within the size limit,
    and ``line_ends(name)`` the line ends counted in them.
    """
    found: dict[str, list[Problem]] = {}
    for name, resource in resources.items():
        big = check_size(resource.file, resource.path, limits)
        problems = (
            [big]
            if big
            else check_contents(
                resource.file,
                resource.path,
                limits,
                None if parse is None else lambda name=name: parse(name),
                None if read is None else read(name),
                None if line_ends is None else line_ends(name),
            )
        )
        if problems:
            found[name] = problems
    return found, [p for ps in found.values() for p in ps]
