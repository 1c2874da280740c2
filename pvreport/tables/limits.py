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
reader will read, and stops a whole document or a binary blob pasted into a cell. The widest file
of the contract has about twenty columns; 300 columns leaves room for every optional column and
many of a publisher's own, and stops a file that is not a table of the report at all (a pivot
table with a column per day, an export with one column per respondent) before frictionless,
whose time and memory grow with the square of the columns (10,000 columns: two minutes, 2 GB).

They are set with the options of the ``pvreport`` plugin in the project's ``mkdocs.yml``, the one
place the build takes its settings from::

    plugins:
      - pvreport:
          package: datapackages/example
          max_file_size: 1GB
          max_rows: 10000000
          max_cell_length: 20000
          max_columns: 500

A long line is measured from the file's bytes, a block at a time, before anything decodes or
parses it: a 400 MB line took 11 times its size in memory in the CSV reader; read by block it
takes a few megabytes besides the file's bytes.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..problems import Problem
from . import read

MB = 1024 * 1024
DEFAULT_FILE_SIZE = 512 * MB
DEFAULT_ROWS = 5_000_000
DEFAULT_CELL_LENGTH = 10_000
DEFAULT_COLUMNS = 300
#: The bytes looked at in one step when a file's lines and cells are measured from its bytes.
BLOCK = 1 << 20
#: A cell of up to this many bytes is decoded and read by the CSV reader to count its characters
#: exactly; a longer one is counted from its bytes.
EXACT_CELL_BYTES = 4 * MB
#: The most bytes of the heading row read to count its columns (10,000 columns of 30 characters
#: is 300 KB); a longer one is counted on its first bytes, and its long cells found as any other.
HEADER_BYTES = 1 * MB
#: At most this many over-long cells are named per file; the rest are counted.
MAX_NAMED_CELLS = 10

_UNITS = {"": 1, "B": 1, "KB": 1024, "MB": MB, "GB": 1024 * MB}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]?B?)\s*$", re.IGNORECASE)


class LimitsError(ValueError):
    """A limit in the project's settings that is not a positive whole number or size."""


@dataclasses.dataclass(frozen=True)
class Limits:
    """The largest file (bytes), resource (data rows), cell (characters) and heading row
    (columns) pvreport reads."""

    max_file_size: int = DEFAULT_FILE_SIZE
    max_rows: int = DEFAULT_ROWS
    max_cell_length: int = DEFAULT_CELL_LENGTH
    max_columns: int = DEFAULT_COLUMNS

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Limits:
        """The limits named in the ``pvreport`` plugin options; defaults for the rest."""
        found: dict[str, int] = {}
        for name in ("max_file_size", "max_rows", "max_cell_length", "max_columns"):
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
    parse: Callable[[], read.Parsed | None] | None = None,
    data: bytes | None = None,
    line_ends: int | None = None,
) -> list[Problem]:
    """Problems for a resource with too many columns, too many rows or cells that are too long.

    Reads the file as CSV the way :func:`pvreport.tables.read.csv_records` does, so lines are the ones an
    editor shows. Files that cannot hold an over-long cell or too many rows (judged from their
    bytes) are not parsed, and cells are measured from the bytes, a block at a time, so that a
    line of hundreds of megabytes is never decoded whole. ``data`` is the file's bytes, where
    already read, and ``line_ends`` the number of line ends (``\\n``) in them, where already
    counted.
    """
    try:
        data = path.read_bytes() if data is None else data
    except OSError:
        return []
    heading = _heading(data)
    if heading is not None and len(heading.cells) > limits.max_columns:
        return [
            Problem(
                "too-many-columns",
                f"{file} has {len(heading.cells):,} columns in its heading row, more than the "
                f"{limits.max_columns:,} pvreport reads from one file, so it was read no further.",
                file=file,
                line=heading.line,
                value=str(len(heading.cells)),
            )
        ]
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
    if not _utf8(data):
        return []  # hygiene reports the encoding; cells are then measured in bytes nowhere
    problems = list(_long_cells(file, data, limits, heading))
    if line_ends > limits.max_rows:
        problems.extend(_scan_rows(file, data.decode("utf-8-sig"), limits))
    return problems


def _utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8, decoded a block at a time (never the whole file at once)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), BLOCK):
            decoder.decode(data[start : start + BLOCK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _blocks(data: bytes) -> Iterator[tuple[int, Any]]:
    """``(offset, bytes as an array)`` for each block of ``data``, without copying it."""
    import numpy as np

    for offset in range(0, len(data), BLOCK):
        yield (
            offset,
            np.frombuffer(
                data, dtype=np.uint8, count=min(BLOCK, len(data) - offset), offset=offset
            ),
        )


def _suspect(data: bytes, limits: Limits, line_ends: int) -> bool:
    """Whether a file may have too many rows or a cell too long: more lines than the row limit,
    a line longer than the cell limit, or a line with an odd number of quotes.

    Measured a block at a time, so that the arrays of a large file never hold more than a block.
    """
    import numpy as np

    if line_ends > limits.max_rows:
        return True
    if not _short_lines(data, limits.max_cell_length):
        last_end = -1
        for offset, raw in _blocks(data):
            ends = np.flatnonzero(raw == ord("\n")) + offset
            if not len(ends):
                continue
            gaps = np.diff(ends, prepend=last_end)
            if int(gaps.max()) - 1 > limits.max_cell_length:
                return True
            last_end = int(ends[-1])
        if len(data) - last_end - 1 > limits.max_cell_length:
            return True
    if b'"' not in data:
        return False
    # A line has an odd number of quotes where the count of quotes so far changes its parity
    # from one line end to the next.
    parity = at_last_end = 0  # so far, and at the last line end
    for _, raw in _blocks(data):
        inside = np.bitwise_xor.accumulate((raw == ord('"')).view(np.uint8)) ^ parity
        at_ends = inside[raw == ord("\n")]
        if len(at_ends):
            if bool(np.any(np.diff(at_ends, prepend=at_last_end))):
                return True
            at_last_end = int(at_ends[-1])
        if len(inside):
            parity = int(inside[-1])
    return parity != at_last_end


def _short_lines(data: bytes, longest: int) -> bool:
    """True when no line of ``data`` can be longer than ``longest`` bytes (False: it may be).

    A line of more than ``longest`` bytes holds every byte of at least one of the blocks of
    ``(longest + 2) // 2`` bytes the data is cut into, so a line end in each block rules it
    out: a few thousand searches of a few bytes for a 46 MB file, instead of an array of every
    line end (0.05-0.1 s).
    """
    block = (longest + 2) // 2
    return all(data.find(b"\n", start, start + block) >= 0 for start in range(0, len(data), block))


def _longest_cell(parsed: read.Parsed) -> int:
    """The most characters in one cell of a file read by column, its heading included."""
    import pyarrow.compute as pc

    longest = max((len(cell) for cell in parsed.header), default=0)
    for column in parsed.columns:
        longest = max(longest, pc.max(pc.utf8_length(column)).as_py() or 0)
    for record in parsed.irregular.values():
        longest = max(longest, max((len(cell) for cell in record), default=0))
    return longest


@dataclasses.dataclass(frozen=True)
class Heading:
    """A file's heading row: where it starts (byte offset, line) and its cells, stripped."""

    offset: int
    line: int
    cells: list[str]


def _heading(data: bytes) -> Heading | None:
    """The first record with something in it, read from at most ``HEADER_BYTES`` bytes."""
    start = 0
    line = 1
    while start < len(data):
        window = min(len(data), start + HEADER_BYTES)
        end, quotes = start, 0
        while True:  # to the line end outside quotes
            found = data.find(b"\n", end, window)
            following = window if found < 0 else found + 1
            quotes += data.count(b'"', end, following)
            end = following
            if found < 0 or quotes % 2 == 0:
                break
        text = data[start:end].decode("utf-8", errors="replace").removeprefix("\ufeff")
        record = read.read_record(text)
        if any(cell.strip() for cell in record):
            return Heading(start, line, [cell.strip() for cell in record])
        if found < 0:
            return None
        line += data.count(b"\n", start, end)
        start = end
    return None


def _cells_over(data: bytes, longest: int) -> Iterator[tuple[int, int, int, int]]:
    """``(record start, cell start, cell end, column index)``, as byte offsets, of every cell of
    more than ``longest`` bytes (so every cell of more than ``longest`` characters), found a
    block at a time.

    A comma or line end parts cells only outside quotes, as the CSV reader reads them (see
    :func:`_inside_quotes`).
    """
    import numpy as np

    parity, last_close = 0, -2
    cell_start = record_start = column = 0
    for offset, raw in _blocks(data):
        inside, parity, last_close = _inside_quotes(data, offset, raw, parity, last_close)
        bounds = np.flatnonzero(((raw == ord(",")) | (raw == ord("\n"))) & (inside == 0))
        if not len(bounds):
            continue
        ends = bounds + offset
        starts = np.concatenate(([cell_start], ends[:-1] + 1))
        line_ends = np.flatnonzero(raw[bounds] == ord("\n"))
        for k in np.flatnonzero(ends - starts > longest).tolist():
            before = int(np.searchsorted(line_ends, k))
            if before == 0:
                yield record_start, int(starts[k]), int(ends[k]), column + k
            else:
                last = int(line_ends[before - 1])
                yield int(ends[last]) + 1, int(starts[k]), int(ends[k]), k - last - 1
        if len(line_ends):
            record_start = int(ends[line_ends[-1]]) + 1
            column = len(bounds) - int(line_ends[-1]) - 1
        else:
            column += len(bounds)
        cell_start = int(ends[-1]) + 1
    if len(data) - cell_start > longest:
        yield record_start, cell_start, len(data), column


def _inside_quotes(
    data: bytes, offset: int, raw: Any, parity: int, last_close: int
) -> tuple[Any, int, int]:
    """Which bytes of a block are inside quotes, as the CSV reader reads them; and the state at
    its end (inside or not, where the last closing quote was) for the next block.

    A quote opens a quoted cell only at the start of a cell (or right after the quote that
    closed one: a doubled quote); inside, each quote closes it. A file a spreadsheet wrote has no
    other quotes, and then a byte is inside exactly where the quotes before it are odd: found by
    array. A quote inside an unquoted cell (``5" screen``) is a plain character, so a block with
    one is read quote by quote.
    """
    import numpy as np

    quotes = raw == ord('"')
    toggles = quotes.view(np.uint8)
    inside = np.bitwise_xor.accumulate(toggles) ^ parity
    before = inside ^ toggles
    previous = np.empty_like(raw)
    previous[1:] = raw[:-1]
    previous[:1] = data[offset - 1] if offset else ord(",")
    plain = (
        quotes
        & (before == 0)
        & (previous != ord(","))
        & (previous != ord("\n"))
        & (previous != ord('"'))
    )
    doubtful_start = bool(
        len(raw)
        and raw[0] == ord('"')
        and offset
        and before[0] == 0
        and data[offset - 1] == ord('"')
        and last_close != offset - 1
    )
    if not doubtful_start and not bool(plain.any()):
        closes = np.flatnonzero(quotes & (before == 1))
        if len(closes):
            last_close = int(closes[-1]) + offset
        return inside, int(inside[-1]) if len(inside) else parity, last_close
    toggles = np.zeros(len(raw), dtype=np.uint8)
    state = parity
    for position in np.flatnonzero(quotes).tolist():
        at = offset + position
        if state:
            state, last_close, toggles[position] = 0, at, 1
            continue
        before_byte = data[at - 1] if at else ord(",")
        if before_byte in (ord(","), ord("\n")) or (
            before_byte == ord('"') and last_close == at - 1
        ):
            state, toggles[position] = 1, 1
    return np.bitwise_xor.accumulate(toggles) ^ parity, state, last_close


def _cell_text(data: bytes, start: int, end: int) -> str:
    """A cell of up to ``EXACT_CELL_BYTES`` as the CSV reader reads it."""
    if start == 0 and data.startswith(b"\xef\xbb\xbf"):
        start = 3
    text = data[start:end].decode("utf-8", errors="replace").removesuffix("\r")
    record = read.read_record(text)
    return record[0] if record else ""


def _characters(data: bytes, start: int, end: int) -> int:
    """The characters of a long cell, counted from its bytes a block at a time: every byte that
    does not continue a character, less its enclosing quotes and one of each doubled quote."""
    import numpy as np

    if data[end - 1 : end] == b"\r":
        end -= 1
    if start == 0 and data.startswith(b"\xef\xbb\xbf"):
        start = 3
    chars = quotes = 0
    for offset in range(start, end, BLOCK):
        raw = np.frombuffer(data, dtype=np.uint8, count=min(BLOCK, end - offset), offset=offset)
        chars += int(np.count_nonzero((raw & 0xC0) != 0x80))
        quotes += int(np.count_nonzero(raw == ord('"')))
    if data[start : start + 1] == b'"':
        chars -= 2 + (quotes - 2) // 2
    return chars


def _blank_record(data: bytes, start: int) -> bool:
    """Whether the record starting at ``start`` holds nothing but spaces (the CSV reader skips
    it as a blank row); a record too long to read whole is taken to hold something."""
    window = data[start : start + EXACT_CELL_BYTES]
    records = read.read_records(io.StringIO(window.decode("utf-8", errors="replace"), newline=""))
    record = next(records, (0, []))[1]
    if start + len(window) < len(data) and next(records, None) is None:
        return False  # the record runs past the window
    return not any(cell.strip() for cell in record)


def _long_cells(
    file: str, data: bytes, limits: Limits, heading: Heading | None
) -> Iterator[Problem]:
    """A problem for each of the first ``MAX_NAMED_CELLS`` cells over the cell limit (the heading
    row's included: a heading a whole document long would reach every later stage), and one
    counting the rest."""
    longest = limits.max_cell_length
    header = heading.cells if heading is not None else []
    named = over = 0
    for record, start, end, column in _cells_over(data, longest):
        if heading is None or record < heading.offset:
            continue  # blank lines before the heading row
        if end - start <= EXACT_CELL_BYTES:
            text = _cell_text(data, start, end)
            chars, begins = len(text), text[:40]
        else:
            chars = _characters(data, start, end)
            begins = _cell_text(data, start, start + 400)[:40]
        if chars <= longest or (not begins.strip() and _blank_record(data, record)):
            continue
        over += 1
        if named >= MAX_NAMED_CELLS:
            continue
        named += 1
        yield Problem(
            "cell-too-long",
            f"This cell holds {chars:,} characters, more than the {longest:,} pvreport takes in "
            f"one cell. It begins: {begins!r}.",
            file=file,
            line=data.count(b"\n", 0, record) + 1,
            field=header[column] if record > heading.offset and column < len(header) else None,
            value=f"{chars} characters",
        )
    if over > named:
        yield Problem(
            "cell-too-long",
            f"{file} has {over - named:,} more cells over {longest:,} characters besides those "
            "named above.",
            file=file,
            hint="Shorten the long texts in this file to a few sentences each; the cells named "
            "above show what they hold.",
        )


def _scan_rows(file: str, text: str, limits: Limits) -> Iterator[Problem]:
    """The first row over the row limit, as the CSV reader counts rows (blank ones skipped)."""
    header = False
    rows = 0
    for start, record in read.read_records(io.StringIO(text, newline="")):
        if not any(cell.strip() for cell in record):
            continue
        if not header:
            header = True
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
            return


def check(
    resources: Mapping[str, Any],
    limits: Limits,
    parse: Callable[[str], read.Parsed | None] | None = None,
    contents: Callable[[str], bytes | None] | None = None,
    line_ends: Callable[[str], int | None] | None = None,
) -> tuple[dict[str, list[Problem]], list[Problem]]:
    """Check every resource that passed the gate (``name -> gate.Resource``).

    Returns the problems by resource name (a resource listed there must be read no further) and
    all problems in one list. ``parse(name)`` gives a large file read by column, or None;
    ``contents(name)`` its bytes (None: read them here), asked only of a file within the size limit,
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
                None if contents is None else contents(name),
                None if line_ends is None else line_ends(name),
            )
        )
        if problems:
            found[name] = problems
    return found, [p for ps in found.values() for p in ps]
