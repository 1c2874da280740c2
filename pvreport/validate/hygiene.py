"""File-level checks for the mistakes a spreadsheet user makes, each explained in plain words.

These run before frictionless. A file with a fatal problem (not text, not UTF-8, a Git LFS pointer,
an unterminated quote, the wrong separator, no heading row) goes no further: nothing else could
say anything useful about it. Cells that hygiene explains (``1,234`` in a number column, a date
written 31/03/2025, an id with a zero-width space) are recorded, so that the frictionless stage
does not report the same cell again with a vaguer message.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import contract
from ..problems import Problem
from ..tables import read

if TYPE_CHECKING:
    import numpy as np

_LFS = b"version https://git-lfs."
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old Excel .xls format
_GZIP = b"\x1f\x8b"
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PERCENT = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)\s*%$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})$")
#: Characters that reorder displayed text ("Trojan Source"): embeddings, overrides, isolates.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: At most this many control-character problems per file: a binary file would give thousands.
_MAX_CONTROL = 10


@dataclasses.dataclass(frozen=True)
class FileCheck:
    """What hygiene found in one file."""

    problems: list[Problem]
    #: True when the file must not be read any further.
    fatal: bool
    #: The heading row, normalised (``""`` for a blank heading), and its physical line.
    header: tuple[str, ...] = ()
    header_line: int = 1
    #: ``(line, field)`` of cells hygiene has already explained.
    explained: frozenset[tuple[int, str]] = frozenset()
    #: Lines of rows with no value at all (spaces only count as none): skipped, with a warning.
    blank_lines: frozenset[int] = frozenset()


#: Unicode gives control characters no names; these are the ones people meet.
_CONTROL_NAMES = {
    "\x00": "NULL",
    "\x08": "BACKSPACE",
    "\x0b": "VERTICAL TAB",
    "\x0c": "FORM FEED",
    "\x1a": "SUBSTITUTE",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
}


def code_points(chars: str) -> str:
    """``U+200B ZERO WIDTH SPACE, U+00A0 NO-BREAK SPACE``: how a user can find the characters."""
    seen = dict.fromkeys(chars)
    return ", ".join(
        f"U+{ord(c):04X} {unicodedata.name(c, _CONTROL_NAMES.get(c, 'CONTROL CHARACTER'))}"
        for c in seen
    )


def _invisible(value: str) -> str:
    """The characters of a cell that cannot be seen: format characters and odd spaces."""
    return "".join(
        c
        for c in value
        if unicodedata.category(c) in ("Cf", "Zl", "Zp")
        or (c != " " and unicodedata.category(c) == "Zs")
    )


def _control(value: str) -> str:
    return "".join(c for c in value if (unicodedata.category(c) == "Cc" and c not in "\t\r\n"))


#: The characters ``_control`` finds (category Cc but tab and line ends), to skip clean files.
_ANY_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Every byte but those characters below 0x80 (in UTF-8 such a byte is always that character).
_NOT_CONTROL = bytes(b for b in range(256) if not _ANY_CONTROL.match(chr(b)) or b > 0x7F)
#: The others, U+0080 to U+009F, in UTF-8.
_C1_CONTROL = re.compile(rb"\xc2[\x80-\x9f]")


def _has_control(data: bytes, ascii_only: bool) -> bool:
    """Whether UTF-8 ``data`` holds a character ``_control`` finds. Deleting every byte that is
    not one leaves nothing in a clean file: much faster than a search of the text."""
    return bool(data.translate(None, _NOT_CONTROL)) or (
        not ascii_only and _C1_CONTROL.search(data) is not None
    )


def unterminated_quote(text: str | bytes) -> int | None:
    """The line where a quoted cell opens and never closes, as a CSV reader would see it.

    ``text`` is the file's text, or its UTF-8 bytes (a byte-order mark first is left out). A
    quote opens a quoted cell only as the cell's first character; inside, ``""`` is a quote.
    Worked out by array (:func:`_unterminated_quote_by_runs`) where the file is regular
    enough, else by a scan that jumps from one quote to the next (``str.find`` runs in C):
    the commas and line breaks between them matter only as the character just before a quote.
    """
    data = text.encode("utf-8") if isinstance(text, str) else text.removeprefix(codecs.BOM_UTF8)
    found = _unterminated_quote_by_runs(data)
    if found is not False:
        return found
    text = data.decode("utf-8")
    at = text.find('"')
    while at >= 0:
        if at == 0 or text[at - 1] in ",\n":
            # Opens a quoted cell: find the quote that closes it, stepping over "" pairs.
            end = text.find('"', at + 1)
            while end >= 0 and text.startswith('"', end + 1):
                end = text.find('"', end + 2)
            if end < 0:
                return text.count("\n", 0, at) + 1
            at = text.find('"', end + 1)
        else:
            at = text.find('"', at + 1)
    return None


def _unterminated_quote_by_runs(data: bytes) -> int | None | bool:
    """:func:`unterminated_quote` of UTF-8 bytes by array, or False where the scan must decide.
    (In UTF-8 a byte below 0x80 is always that character, so the byte before a quote tells
    whether it starts a cell, and the line ends before it are its line's number.)

    Only a run of an odd number of quotes changes whether the reader is inside a quoted cell
    (a pair is a quote, or an empty cell), and outside one only a run that starts a cell (first
    in the file, or after a comma or a line break) opens one. In a file where every other such
    run, from the first, starts a cell (each cell opened, then closed: the usual case), the
    runs alternate opening and closing, and a cell is left open when their number is odd. A
    million quoted cells take a fraction of a second this way, and seconds by the scan.
    """
    import numpy as np

    raw = np.frombuffer(data, dtype=np.uint8)
    quote = raw == ord('"')
    # Where each run of quotes starts and where it ends (the byte after its last quote).
    edges = np.flatnonzero(np.diff(quote, prepend=False, append=False))
    starts, ends = edges[0::2], edges[1::2]
    at = starts[(ends - starts) % 2 == 1]
    if not len(at):
        return None
    before = raw[np.maximum(at - 1, 0)]
    opens = (at == 0) | (before == ord(",")) | (before == ord("\n"))
    if not bool(np.all(opens[0::2])):
        return False
    if len(at) % 2 == 0:
        return None
    return data.count(b"\n", 0, int(at[-1])) + 1


def _cell_line(start: int, record: Sequence[str], index: int, offset: int = 0) -> int:
    """The physical line of a cell (or of a character ``offset`` inside it)."""
    before = sum(cell.count("\n") for cell in record[:index])
    return start + before + record[index][:offset].count("\n")


def _id_fields(fields: dict[str, dict[str, Any]]) -> set[str]:
    return {
        n
        for n, f in fields.items()
        if contract.LIST_OF in f or f.get("constraints", {}).get("pattern") == contract.SLUG_PATTERN
    }


def _bytes_check(data: bytes, file: str, ascii_only: bool = False) -> Problem | None:
    """A fatal problem visible in the raw bytes, if any (``ascii_only``: the bytes are known to
    be ASCII, so UTF-8)."""
    if data.startswith(_LFS):
        return Problem(
            "lfs-pointer",
            f"{file} is a Git LFS pointer: a short note standing in for the real data, which "
            "has not been downloaded.",
            file=file,
        )
    if data.startswith((_ZIP, _OLE)):
        return Problem(
            "excel-file-as-csv",
            f"{file} is an Excel workbook with a .csv name, not a CSV file.",
            file=file,
        )
    if data.startswith(_GZIP):
        return Problem(
            "compressed-resource",
            f"{file} is a compressed (gzip) file with a .csv name.",
            file=file,
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Problem(
            "not-utf8",
            f'{file} is saved as UTF-16 ("Unicode Text"), not UTF-8.',
            file=file,
            line=1,
        )
    try:
        if not ascii_only:
            data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        bad = data[error.start : error.start + 1]
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            message = (
                f"{file} is not saved as UTF-8: the byte 0x{bad.hex().upper()} on line {line} "
                "is not UTF-8 text."
            )
        else:
            message = (
                f"{file} is not saved as UTF-8; it looks like Windows-1252. The first character "
                f'that is not UTF-8 is "{bad.decode("cp1252")}" on line {line}. Save it as '
                "CSV UTF-8."
            )
        return Problem("not-utf8", message, file=file, line=line, value=f"0x{bad.hex().upper()}")
    return None


def check_file(
    name: str,
    path: Path,
    file: str,
    parsed: read.Parsed | None = None,
    data: bytes | None = None,
) -> FileCheck:
    """Check one CSV file of the contract resource ``name``.

    Every check runs by column, on ``parsed`` (the file read by column, where it already is)
    or on the file read by :func:`pvreport.tables.read.parse`: each column's doubtful distinct cells
    are judged once, by :func:`_check_cell`. ``data`` is the file's bytes, where already read.
    """
    try:
        data = path.read_bytes() if data is None else data
    except OSError as error:
        return FileCheck(
            [Problem("file-unreadable", f"{file} cannot be opened: {error.strerror}.", file=file)],
            True,
        )
    ascii_only = data.isascii()
    problem = _bytes_check(data, file, ascii_only)
    if problem is not None:
        return FileCheck([problem], True)
    # A file without a quote cannot leave one open, and the other checks need no text
    # (decoding 46 MB takes 30 ms).
    opened = unterminated_quote(data) if b'"' in data else None
    if opened is not None:
        return FileCheck(
            [
                Problem(
                    "unterminated-quote",
                    f"The double quote that opens a cell on line {opened} is never closed, "
                    "so the rest of the file would be read as one cell.",
                    file=file,
                    line=opened,
                )
            ],
            True,
        )
    has_control = _has_control(data, ascii_only)
    if parsed is None or has_control or not any(cell.strip() for cell in parsed.header):
        # Read as Python's reader reads it: the heading is the first record with something in
        # it, and a line the reader refuses (a NUL byte) is said plainly.
        try:
            parsed = read.parse(path, python=has_control)
        except csv.Error as error:
            return FileCheck(
                [Problem("file-unreadable", f"{file} cannot be read as CSV: {error}.", file=file)],
                True,
            )
        except ValueError:
            return FileCheck(
                [Problem("empty-file", f"{file} is empty: it has no heading row.", file=file)],
                True,
            )
    found = _check_by_column(name, file, parsed, ascii_only)
    if not has_control or found.fatal:
        return found
    # Control characters anywhere, the heading row included.
    problems = list(found.problems)
    explained = set(found.explained)
    count = 0
    for start, record in read.csv_records(path):
        for index, cell in enumerate(record):
            bad = _control(cell)
            if not bad or count >= _MAX_CONTROL:
                continue
            count += 1
            offset = cell.index(bad[0])
            line = _cell_line(start, record, index, offset)
            header = found.header
            column = header[index] if index < len(header) and header[index] else None
            column_text = f'column "{column}"' if column else f"column {index + 1}"
            problems.append(
                Problem(
                    "control-character",
                    f"The cell in {column_text} holds the control character "
                    f"{code_points(bad)} at character {offset + 1}.",
                    file=file,
                    line=line,
                    field=column,
                    value=code_points(bad),
                )
            )
            if column:
                explained.add((line, column))
    return dataclasses.replace(found, problems=problems, explained=frozenset(explained))


def _wrong_delimiter(file: str, separator: str, line: int) -> FileCheck:
    """The file's heading row is split by another separator: fatal, nothing else is read."""
    message = f"{file} separates its cells with {separator}, not commas."
    return FileCheck([Problem("wrong-delimiter", message, file=file, line=line)], True)


def _other_separator(name: str, labels: Sequence[str]) -> str | None:
    """ "semicolons" or "tabs" when the heading row is plainly separated by them, else None.

    A heading cell may itself hold a comma ("summary, short"), so a semicolon-separated row can
    look like two or three comma-separated cells: compare how many contract names each reading
    finds.
    """
    known = set(contract.fields(name))
    by_comma = sum(read.normalise_header(label) in known for label in labels)
    row = ",".join(labels)
    for sep, called in ((";", "semicolons"), ("\t", "tabs")):
        if sep not in row:
            continue
        parts = row.split(sep)
        by_sep = sum(read.normalise_header(part.strip('"')) in known for part in parts)
        if (len(labels) == 1 and len(parts) > 1) or (by_sep >= 2 and by_sep > by_comma):
            return called
    return None


_VISIBILITY = "visibility"


def one_edit_apart(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are equal or one edit apart: a letter added, left out, changed,
    or two neighbours swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differ = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        if len(differ) == 1:
            return True
        i = differ[0]
        return len(differ) == 2 and differ[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k, (x, y) in enumerate(zip(short, long)) if x != y), len(short))
    return short[i:] == long[i + 1 :]


def _visibility_heading(name: str, file: str, line: int, label: str) -> Problem:
    """A heading that looks like ``visibility`` but is not the contract's: were it ignored, a
    row marked confidential in it would be published."""
    if name in contract.WITH_VISIBILITY:
        return Problem(
            "visibility-misspelt",
            f'The heading "{label}" looks like "visibility" but is not spelt as the contract '
            "spells it, so rows marked confidential in it would be published.",
            file=file,
            line=line,
            field=label,
            hint='Rename the heading to "visibility".',
        )
    allowed = ", ".join(contract.WITH_VISIBILITY)
    return Problem(
        "visibility-misspelt",
        f'{file} has a "{label}" column, but rows of {name} cannot be kept off the site by '
        "a visibility column: every row of it is published.",
        file=file,
        line=line,
        field=label,
        hint=f"Only {allowed} have a visibility column. Remove the column, and keep out of "
        f"{file} what must not be published (a result can wait for its embargo_until moment).",
    )


def _check_header(
    name: str,
    file: str,
    line: int,
    labels: Sequence[str],
    has_values: Callable[[int], bool],
) -> tuple[tuple[str, ...], list[Problem]]:
    """The heading row, normalised, and its problems. ``has_values(i)`` says whether any data
    row has a value in column ``i`` (a blank heading over an empty column is harmless)."""
    fields = contract.fields(name)
    problems: list[Problem] = []
    header: list[str] = []
    seen: set[str] = set()
    for index, label in enumerate(labels):
        hidden = _invisible(label) + _control(label)
        # A heading with an invisible character is still the column the user meant.
        norm = read.normalise_header("".join(c for c in label if c not in hidden))
        header.append(norm)
        if not norm:
            if has_values(index):
                problems.append(
                    Problem(
                        "blank-header",
                        f"Column {index + 1} has values but no heading.",
                        file=file,
                        line=line,
                    )
                )
            continue
        if norm in seen:
            problems.append(
                Problem(
                    "duplicate-header",
                    f'The heading "{norm}" appears more than once (again in column {index + 1}).',
                    file=file,
                    line=line,
                    field=norm,
                    value=label,
                )
            )
            continue
        seen.add(norm)
        if norm in fields:
            if label != norm:
                invisible = f" (it holds the invisible character {code_points(hidden)})"
                problems.append(
                    Problem(
                        "header-not-exact",
                        f'The heading "{label}" should be written "{norm}"'
                        f"{invisible if hidden else ''}.",
                        file=file,
                        line=line,
                        field=norm,
                        value=label,
                        hint=f'Rename the heading "{label}" to "{norm}" (lower case, underscores, '
                        "no spaces before or after).",
                    )
                )
        elif one_edit_apart(norm, _VISIBILITY):
            problems.append(_visibility_heading(name, file, line, label.strip()))
        elif contract.translation_of(name, norm) is not None:
            pass  # a translation (title_cy): validate.translations checks its language
        else:
            problems.append(
                Problem(
                    "unknown-column",
                    f'The column "{label.strip()}" is not part of the contract for {name}; '
                    "it is not checked, shown or published (the downloads and the zip leave "
                    "it out).",
                    file=file,
                    line=line,
                    field=label.strip(),
                    hint=f"The contract's columns for {name} are: {', '.join(fields)}.",
                )
            )
    missing = [n for n in contract.required_fields(name) if n not in seen]
    if missing:
        listed = ", ".join(missing)
        problems.append(
            Problem(
                "missing-column",
                f"{file} has no column for: {listed}. "
                f"{'It is' if len(missing) == 1 else 'They are'} required.",
                file=file,
                line=line,
                value=listed,
                hint=f"Add {'a column' if len(missing) == 1 else 'columns'} headed {listed} to "
                "the heading row.",
            )
        )
    return tuple(header), problems


def _check_cell(
    file: str,
    name: str,
    field: dict[str, Any],
    cell: str,
    is_id: bool,
    clean_ids: dict[str, int],
) -> Problem | None:
    value = cell.strip()
    kind = field.get("type", "string")
    if is_id:
        hidden = _invisible(cell)
        if hidden:
            visible = "".join(c for c in cell if c not in hidden).strip()
            twin = clean_ids.get(visible)
            if twin is not None:
                return Problem(
                    "lookalike-id",
                    f'The id "{visible}" looks the same as the one on line {twin}, but '
                    f"this one also holds the invisible character {code_points(hidden)}.",
                    file=file,
                    field=name,
                    value=code_points(hidden),
                )
            return Problem(
                "invisible-character",
                f'The id "{visible}" holds the invisible character {code_points(hidden)}.',
                file=file,
                field=name,
                value=code_points(hidden),
            )
    bidi = "".join(c for c in cell if c in _BIDI)
    if bidi:
        return Problem(
            "bidi-control-character",
            f"The cell holds the text-direction character {code_points(bidi)}.",
            file=file,
            field=name,
            value=code_points(bidi),
        )
    if kind in ("number", "integer") and value:
        if _THOUSANDS.match(value):
            plain = value.replace(",", "")
            return Problem(
                "number-thousands-separator",
                f'"{value}" is written with a thousands separator.',
                file=file,
                field=name,
                value=value,
                hint=f"Write {plain} instead of {value}.",
            )
        if _PERCENT.match(value):
            plain = value.rstrip("% ").strip()
            return Problem(
                "number-percent-sign",
                f'"{value}" is written with a % sign.',
                file=file,
                field=name,
                value=value,
                hint=f"Write {plain} instead of {value}; the unit belongs in the indicator's unit "
                "column.",
            )
    if kind == "date" and value:
        if _ISO_DATE.match(value):
            if read.cast(value, field) is None:
                return Problem(
                    "date-impossible",
                    f'"{value}" is not a real day.',
                    file=file,
                    field=name,
                    value=value,
                )
            return None
        day_first = _DAY_FIRST.match(value)
        hint = None
        if day_first:
            day, month, year = day_first.groups()
            if len(year) == 4:
                hint = (
                    f"Write the date as YYYY-MM-DD: if {value} means day {int(day)} of month "
                    f"{int(month)}, write {year}-{int(month):02d}-{int(day):02d}."
                )
        return Problem(
            "date-format",
            f'The date "{value}" is not written YYYY-MM-DD.',
            file=file,
            field=name,
            value=value,
            hint=hint,
        )
    return None


def _first_clean_ids(
    parsed: read.Parsed, index: int, listed: bool, blank: np.ndarray
) -> dict[str, int]:
    """The clean ids of a column (no invisible character), each with the first line it is on,
    for :func:`_check_cell` to compare a look-alike with; ``listed``: the cells are lists of
    ids."""
    import numpy as np

    encoded = parsed.encoded(index)
    values = encoded.dictionary.to_pylist()
    # Records read as they stand (padded or cut to the heading's width) but for those of
    # another width, which are read below as they were written.
    keep = ~blank
    keep[[row_number - 2 for row_number in parsed.irregular]] = False
    rows = np.flatnonzero(keep)
    codes = encoded.indices.to_numpy(zero_copy_only=False)[rows]
    distinct, first = np.unique(codes, return_index=True)
    cells = [(parsed.lines[int(rows[at]) + 1], values[code]) for code, at in zip(distinct, first)]
    for row_number, record in parsed.irregular.items():
        if not blank[row_number - 2] and index < len(record):
            cells.append((parsed.lines[row_number - 1], record[index]))
    clean: dict[str, int] = {}
    for line, cell in sorted(cells):
        if cell.isascii() or not _invisible(cell):
            for part in read.split_ids(cell) if listed else (cell,):
                clean.setdefault(part.strip(), line)
    return clean


def _check_by_column(
    name: str, file: str, parsed: read.Parsed, ascii_only: bool = True
) -> FileCheck:
    """:func:`check_file` of a file read by column; ``ascii_only``: the file is all ASCII.

    Each column's doubtful distinct values go through :func:`_check_cell`, the one judge of a
    cell, and only rows holding a value it faults become problems.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    labels = parsed.header
    separator = _other_separator(name, labels)
    if separator is not None:
        return _wrong_delimiter(file, separator, parsed.lines[0])
    fields = contract.fields(name)
    blank = read.blank_records(parsed)
    width = len(parsed.columns)

    def has_values(index: int) -> bool:
        if index >= width:
            return False
        return bool(np.any(~read.blank_cells(parsed.columns[index]) & ~blank))

    header, problems = _check_header(name, file, parsed.lines[0], labels, has_values)
    lines = parsed.lines
    for record in np.flatnonzero(blank).tolist():
        problems.append(
            Problem("blank-row", "This line is blank.", file=file, line=lines[record + 1])
        )
    first_use: dict[int, str] = {}
    for index, norm in enumerate(header):
        if norm in fields and norm not in first_use.values():
            first_use[index] = norm
    ids = _id_fields(fields)
    found: list[tuple[int, int, Problem]] = []
    for index, column_name in sorted(first_use.items()):
        if index >= width:
            continue
        field = fields[column_name]
        kind = field.get("type", "string")
        column = parsed.columns[index]
        # What the row-by-row check looks at: every date; a number when it holds a comma or a
        # % sign (two plain searches: much faster than one regular expression over a million
        # cells); and any cell that is not ASCII, the only kind that can hold an invisible or
        # text-direction character.
        other = None if ascii_only else pc.invert(pc.string_is_ascii(column))
        if kind == "date":
            candidates = column
        elif kind in ("number", "integer"):
            mask = pc.or_(pc.match_substring(column, ","), pc.match_substring(column, "%"))
            candidates = column.filter(mask if other is None else pc.or_(mask, other))
        elif other is not None and pc.any(other).as_py():
            candidates = column.filter(other)
        else:
            continue
        distinct = pc.unique(candidates).to_pylist()
        is_id = column_name in ids
        # An id with an invisible character is compared with the clean ids of its column.
        clean = (
            _first_clean_ids(parsed, index, contract.LIST_OF in field, blank)
            if is_id and any(not v.isascii() and _invisible(v) for v in distinct)
            else {}
        )
        faults: dict[str, Problem] = {}
        for value in distinct:
            problem = _check_cell(file, column_name, field, value, is_id, clean)
            if problem is not None:
                faults[value] = problem
        if not faults:
            continue
        hits = pc.is_in(column, value_set=pa.array(list(faults), pa.string()))
        rows = hits.to_numpy(zero_copy_only=False) & ~blank
        for record in np.flatnonzero(rows).tolist():
            cell = column[record].as_py()
            line = lines[record + 1]
            if not parsed.one_line_each:
                # Line breaks in the cells before it move the cell down.
                cells = parsed.irregular.get(record + 2) or [
                    c[record].as_py() for c in parsed.columns
                ]
                line = _cell_line(line, cells, index)
            found.append((record, index, dataclasses.replace(faults[cell], line=line)))
    found.sort(key=lambda item: (item[0], item[1]))
    problems.extend(problem for _, _, problem in found)
    explained = frozenset(
        (p.line, p.field) for _, _, p in found if p.field is not None and p.line is not None
    )
    blank_lines = frozenset(
        p.line for p in problems if p.code == "blank-row" and p.line is not None
    )
    return FileCheck(problems, False, header, parsed.lines[0], explained, blank_lines)
