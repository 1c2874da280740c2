"""Read a package's CSV files into typed tables: the one CSV reader, the one cast of a cell.

No checks happen here beyond what reading needs (the model is built from these tables by
:mod:`pvreport.report.load`): :mod:`pvreport.validate` decides whether a package
is fit to read, and calls :func:`read_table` itself so that its rules see the same rows the site
will. Cells that cannot be read as their field's type become ``None`` (validation has already
reported them).

A large file (a national report has a million results) is read once by pyarrow into one string
column per heading (:func:`parse_arrow`) and shared by every check; its :class:`Table` holds those
:class:`Columns` and makes its rows only when asked for. Rows are compact either way: a tuple of
values per row and one field index shared by all rows of a table.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import gc
import io
import itertools
import re
import sys
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self, overload

from . import moments

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

TRUE_VALUES = frozenset({"true", "True", "TRUE", "1"})
FALSE_VALUES = frozenset({"false", "False", "FALSE", "0"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


_NO_FIELDS: frozenset[str] = frozenset()


class Row:
    """One data row: its physical line in the file and its cells, typed.

    Compact, since a results file has a million of them: the cells are a tuple of values, and
    every row of a table shares one index from field name to position.
    """

    __slots__ = ("index", "line", "unreadable", "values")

    line: int
    values: tuple[Any, ...]
    index: Mapping[str, int]
    #: Fields whose cell was written but could not be read as its type (its value is None):
    #: rules must not take such a cell for an empty one.
    unreadable: frozenset[str]

    def __init__(
        self,
        line: int,
        cells: Mapping[str, Any] | tuple[Any, ...],
        unreadable: frozenset[str] = _NO_FIELDS,
        index: Mapping[str, int] | None = None,
    ) -> None:
        self.line = line
        self.unreadable = unreadable
        if index is None:
            # Row(line, {"id": ...}): a row of its own, as tests and small tools make them.
            cells = dict(cells)  # type: ignore[arg-type]
            self.index = {name: i for i, name in enumerate(cells)}
            self.values = tuple(cells.values())
        else:
            self.index = index
            self.values = cells  # type: ignore[assignment]

    def get(self, field: str) -> Any:
        position = self.index.get(field)
        return None if position is None else self.values[position]

    @property
    def cells(self) -> dict[str, Any]:
        """The cells by field name (a new dict: build it once per row, not per cell)."""
        return dict(zip(self.index, self.values))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Row):
            return NotImplemented
        return (self.line, self.cells, self.unreadable) == (
            other.line,
            other.cells,
            other.unreadable,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Row(line={self.line}, cells={self.cells!r}, unreadable={set(self.unreadable)})"


class Table:
    """One resource's rows. A large file is held by column and its rows are made on first use:
    validation reads its columns and needs only the few rows a rule looks at."""

    __slots__ = ("_rows", "columns", "file", "header", "header_line", "name")

    def __init__(
        self,
        name: str,
        file: str,
        header: tuple[str, ...],
        header_line: int,
        rows: tuple[Row, ...] | None = None,
        *,
        columns: Columns | None = None,
    ) -> None:
        if rows is None and columns is None:
            raise ValueError("a table needs its rows or its columns")
        self.name = name
        self.file = file
        self.header = header
        self.header_line = header_line
        self._rows = rows
        #: The file by column (large files only), for vectorised checks.
        self.columns = columns

    @property
    def rows(self) -> tuple[Row, ...]:
        if self._rows is None:
            assert self.columns is not None
            self._rows = self.columns.rows()
        return self._rows

    @property
    def row_count(self) -> int:
        """How many data rows, without making them."""
        if self._rows is None and self.columns is not None:
            return self.columns.count
        return len(self.rows)

    def rows_where(self, mask: Any) -> Sequence[Row]:
        """The rows a boolean mask over the data rows selects, in file order.

        Only those rows are made, unless every row has been made already.
        """
        if self.columns is None:
            raise ValueError("only a table held by column can be filtered by a mask")
        import numpy as np

        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        if self._rows is not None:
            rows = self._rows
            return [rows[i] for i in positions.tolist()]
        return self.columns.rows_at(positions.tolist())

    def __repr__(self) -> str:
        return f"Table({self.name!r}, {self.file!r}, rows={self.row_count})"


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while a million objects are made.

    Each collection walks every object alive; made one by one, a million rows set off hundreds
    of them and cost several times the rows themselves. Rows hold no cycles to collect.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def csv_field_limit() -> Iterator[None]:
    """Python's csv reader refuses a cell over its limit (128 KB), which is the whole process's:
    pvreport's own limit on cells (``max_cell_length``, :mod:`pvreport.tables.limits`) is checked
    before any reading, so its reader lifts the csv module's for its own reading only and puts
    back what was there."""
    before = csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(before)


#: Records read at a time under :func:`csv_field_limit`.
_RECORDS_AT_ONCE = 4096


def read_records(handle: IO[str]) -> Iterator[tuple[int, list[str]]]:
    """Each record of CSV text (opened with ``newline=""``) with the physical line it starts
    on (1-based): pvreport's one CSV reader (comma, double quotes, as frictionless reads them).

    Blank lines are records too (an empty list), as a spreadsheet shows them; CRLF and LF line
    ends are both fine. The csv module's own limit on a cell's length is lifted while it reads
    (see :func:`csv_field_limit`), never between the records it hands out.
    """
    reader = csv.reader(handle, strict=False)
    end = 0
    while True:
        batch: list[tuple[int, list[str]]] = []
        with csv_field_limit():
            for record in reader:
                batch.append((end + 1, record))
                end = reader.line_num
                if len(batch) >= _RECORDS_AT_ONCE:
                    break
        if not batch:
            return
        yield from batch


def read_record(text: str) -> list[str]:
    """The first record of a CSV text, as :func:`read_records` reads it (``[]`` for none)."""
    return next(read_records(io.StringIO(text, newline="")), (0, []))[1]


def csv_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Each record of a CSV file with the physical line it starts on (1-based), as
    :func:`read_records` reads it; a UTF-8 byte-order mark is dropped."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from read_records(handle)


class WrittenNumber(float):
    """A number whose cell ends in zeros after its decimal point (``97.50``, ``12.0``): the float
    it is, with the text it was written as, so that people see the decimals the publisher wrote
    (:mod:`pvreport.report.formatting`). Every other number is a plain float: its shortest text is
    already the cell's."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> Self:
        number = super().__new__(cls, text)
        number.text = text
        return number

    def __reduce__(self) -> tuple[type[WrittenNumber], tuple[str]]:
        return (WrittenNumber, (self.text,))


def read_number(text: str) -> float:
    """A number cell's text (stripped, not empty) as a float; ``ValueError`` where it is not one.
    Trailing zeros after the decimal point are kept with it (:class:`WrittenNumber`)."""
    if text[-1] == "0" and "." in text and text.isascii() and "e" not in text.lower():
        return WrittenNumber(text)
    return float(text)


def normalise_header(label: str) -> str:
    """A header label as the contract writes names: stray spaces gone, lower case."""
    return re.sub(r"\s+", "_", label.strip().lower())


def cast(value: str, field: Mapping[str, Any]) -> Any:
    """A cell as its Table Schema type, or None when it is empty or cannot be read."""
    value = value.strip()
    if value == "":
        return None
    kind = field.get("type", "string")
    try:
        if kind == "string":
            return value
        if kind == "number":
            return read_number(value)
        if kind == "integer":
            return int(value)
        if kind == "boolean":
            if value in TRUE_VALUES:
                return True
            if value in FALSE_VALUES:
                return False
            return None
        if kind == "date":
            return dt.date.fromisoformat(value) if _DATE.match(value) else None
        if kind == "datetime":
            return moments.parse_moment(value)
    except ValueError:
        return None
    return value


def split_ids(value: str | None) -> tuple[str, ...]:
    """A list-of-ids cell (``eng-01; eng-04``) as a tuple of ids."""
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(";") if part.strip())


def _columns(
    header: Sequence[str], by_name: Mapping[str, Mapping[str, Any]]
) -> list[tuple[int, str, str, Mapping[str, Any]]]:
    """The first column of each name with its field: ``(position, name, type, field)``."""
    columns: list[tuple[int, str, str, Mapping[str, Any]]] = []
    for index, label in enumerate(header):
        if label and label not in {c[1] for c in columns}:
            field = by_name.get(label, {"type": "string"})
            columns.append((index, label, field.get("type", "string"), field))
    return columns


def read_table(
    name: str,
    path: Path,
    file: str,
    table_schema: Mapping[str, Any],
    *,
    parsed: Parsed | None = None,
) -> Table:
    """Read one CSV resource, by column (:func:`parse`, or ``parsed``: the file already read
    that way); header labels are matched to fields by normalised name, and the rows are made
    only when asked for. The heading is the first record with something in it."""
    if parsed is None or not any(cell.strip() for cell in parsed.header):
        try:
            parsed = parse(path)
        except ValueError:
            return Table(name, file, (), 1, ())  # no heading row: nothing to read
    header = tuple(normalise_header(label) for label in parsed.header)
    return Table(name, file, header, parsed.lines[0], columns=Columns(parsed, table_schema))


# Large files, by column --------------------------------------------------------------------------
#
# A results file can hold a million rows. Read row by row into Python, it costs seconds and a
# gigabyte; read by pyarrow into one string column per heading, it costs a fraction of a second
# and its size on disk. Validation then works on the columns, and rows are made only for the
# cells a check must look at (or for the build, which needs them all).

#: Every character ``str.strip()`` removes.
_PY_SPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


class Lines(Sequence[int]):
    """The physical line of every record (the header's first), found only when asked for:
    a file without errors never needs them."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lines: array[int] | None = None

    def _all(self) -> array[int]:
        if self._lines is None:
            self._lines = array("q", (start for start, _ in csv_records(self._path)))
        return self._lines

    def __len__(self) -> int:
        return len(self._all())

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[int]: ...
    def __getitem__(self, index: int | slice) -> int | Sequence[int]:
        return self._all()[index]


@dataclasses.dataclass
class Parsed:
    """A CSV file by column: every record padded or cut to the heading's width."""

    header: list[str]
    #: Physical line of every record, the header first (record index 0 is row number 1).
    lines: Sequence[int]
    columns: list[pa.Array]
    #: Records whose width differs from the heading's, by row number, as read.
    irregular: dict[int, list[str]]
    #: The blank records, worked out once (see :func:`blank_records`).
    blank: np.ndarray | None = dataclasses.field(default=None, repr=False)
    _encoded: dict[int, pa.DictionaryArray] = dataclasses.field(default_factory=dict, repr=False)
    _encoding: threading.Thread | None = dataclasses.field(default=None, repr=False)

    def encode_ahead(self) -> None:
        """Start working out every column's :meth:`encoded` form on another thread.

        pyarrow lets go of the interpreter while it encodes, so on a second core the work
        (15 ms a column of a million cells) overlaps the checks that run before it is asked for.
        """
        if self._encoding is not None or self._encoded:
            return
        import pyarrow.compute as pc

        def work() -> None:
            for position, column in enumerate(self.columns):
                self._encoded.setdefault(position, pc.dictionary_encode(column))

        self._encoding = threading.Thread(target=work, name="pvreport-encode", daemon=True)
        self._encoding.start()

    def settle(self) -> None:
        """Wait for :meth:`encode_ahead`'s thread, if one runs (before the process forks, say)."""
        if self._encoding is not None:
            self._encoding.join()
            self._encoding = None

    def encoded(self, position: int) -> pa.DictionaryArray:
        """A column as numbers of its distinct cells, worked out once and shared: checks judge
        each distinct cell once rather than every cell."""
        # Whatever the thread did not finish (it failed) is worked out here.
        self.settle()
        if position not in self._encoded:
            import pyarrow.compute as pc

            self._encoded[position] = pc.dictionary_encode(self.columns[position])
        return self._encoded[position]

    @property
    def count(self) -> int:
        """Records after the heading, blank ones included."""
        return len(self.columns[0]) if self.columns else 0

    @property
    def one_line_each(self) -> bool:
        """True when every record is one physical line (no line break inside a cell)."""
        return isinstance(self.lines, range)


#: More lines of the wrong width than this, and the file is read by Python's csv reader.
_MAX_IRREGULAR = 10_000
#: Rows parsed before they are packed into pyarrow arrays: bounds the Python objects alive.
_CHUNK = 50_000


def stray_quote(data: bytes) -> bool:
    """Whether some quote has text on both sides (``ab"c``): Python's csv reader and pyarrow's
    may split such a line differently, so such files are read by Python's, as frictionless
    reads them. (By array: a regular expression took 0.7 s over a 46 MB file.)"""
    import numpy as np

    raw = np.frombuffer(data, dtype=np.uint8)
    at = np.flatnonzero(raw == ord('"'))
    at = at[(at > 0) & (at < len(raw) - 1)]
    if not len(at):
        return False

    def text(found: np.ndarray) -> np.ndarray:
        return (
            (found != ord(",")) & (found != ord("\n")) & (found != ord("\r")) & (found != ord('"'))
        )

    return bool(np.any(text(raw[at - 1]) & text(raw[at + 1])))


def parse(path: Path, *, python: bool = False) -> Parsed:
    """Read a CSV file as frictionless does (Python's csv reader, comma, double quotes), by
    column: the one way pvreport reads a file.

    A regular file (every line as wide as the heading, no blank line, quotes only around
    cells) is read by pyarrow, which splits it the same way, much faster; ``python``: by
    Python's reader in any case. The heading is the first record with something in it.
    Raises ValueError where there is none, csv.Error where the reader refuses a line.
    """
    return (None if python else parse_arrow(path)) or _parse_python(path)


#: pyarrow's own block size, the smallest it reads a file in.
_BLOCK = 1 << 20


def parse_arrow(
    path: Path, data: bytes | None = None, line_ends: int | None = None
) -> Parsed | None:
    """The file read by pyarrow, or None where pyarrow might read it differently from Python's
    csv reader (stray quotes, a one-column file, not UTF-8). ``data`` is the file's bytes and
    ``line_ends`` the line ends (``\\n``) in them, where already known. A byte-order mark (Excel's
    "CSV UTF-8" writes one) is on the heading's line, which Python's reader reads here."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if data is None:
        data = path.read_bytes()
    if b'"' in data and stray_quote(data):
        return None
    try:
        first = next(csv_records(path), None)
    except (UnicodeDecodeError, csv.Error):
        return None  # hygiene explains why
    if first is None or first[0] != 1 or not first[1]:
        return None
    header = first[1]
    # pyarrow skips the heading as one line (so it must not hold a line break, quoted or not:
    # many tools quote every cell, the heading's too), and reads a blank line of a one-column
    # file as an empty cell where Python's reader sees no cell.
    if len(header) < 2 or any("\n" in cell or "\r" in cell for cell in header):
        return None
    invalid: list[tuple[int, str]] = []

    def keep_aside(row: Any) -> str:
        # Single-threaded, pyarrow numbers rows as frictionless does (the heading is row 1).
        if row.number is None or len(invalid) >= _MAX_IRREGULAR:
            return "error"
        invalid.append((row.number, row.text))
        return "skip"

    width = len(header)
    names = [f"c{i}" for i in range(width)]
    convert = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in names},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    # Without a quote no cell can hold a line break, and pyarrow splits lines much faster.
    quoted = b'"' in data
    try:
        # First on both cores; the first line of the wrong width stops it, and the file is
        # read again on one, which numbers such lines so that they can be set aside. A few
        # large blocks rather than pyarrow's 1 MB ones: joining 45 chunks of a 46 MB file into
        # one array per column took 0.03-0.25 s, joining 4 takes under 0.01 s.
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(
                column_names=names,
                skip_rows=1,
                use_threads=True,
                block_size=max(_BLOCK, len(data) // 4 + 1),
            ),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=quoted,
                ignore_empty_lines=False,
                invalid_row_handler=lambda row: "error",
            ),
            convert_options=convert,
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        try:
            table = pacsv.read_csv(
                io.BytesIO(data),
                read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=False),
                parse_options=pacsv.ParseOptions(
                    newlines_in_values=quoted,
                    ignore_empty_lines=False,
                    invalid_row_handler=keep_aside,
                ),
                convert_options=convert,
            )
        except (pa.ArrowInvalid, UnicodeDecodeError):
            return None
    if table.num_columns != width:
        return None
    columns = [table.column(i).combine_chunks() for i in range(width)]
    irregular: dict[int, list[str]] = {}
    if invalid:
        # Put the lines of the wrong width back where they were, padded or cut, as the
        # Python reader does; frictionless reads them whole through Row.
        pieces: list[list[pa.Array]] = [[] for _ in range(width)]
        done = 0
        for row_number, text in sorted(invalid):
            record = read_record(text)
            irregular[row_number] = record
            index = row_number - 2
            padded = (record + [""] * width)[:width]
            for i in range(width):
                pieces[i].append(columns[i].slice(done, index - len(irregular) + 1 - done))
                pieces[i].append(pa.array([padded[i]], pa.string()))
            done = index - len(irregular) + 1
        for i in range(width):
            pieces[i].append(columns[i].slice(done))
        columns = [pa.concat_arrays(p) for p in pieces]
    records = 1 + (len(columns[0]) if columns else 0)
    lines: Sequence[int] | None = None
    # As many line ends as records: no cell holds a line break, so record n is on line n.
    if b"\r" not in data or data.count(b"\r") == data.count(b"\r\n"):
        if line_ends is None:
            line_ends = data.count(b"\n")
        ends = line_ends + (0 if data.endswith(b"\n") else 1)
        if ends == records:
            lines = range(1, records + 1)
    lines = lines or _record_lines(columns, irregular, carriage_returns=b"\r" in data)
    return Parsed(list(header), lines, columns, irregular)


def _record_lines(
    columns: list[pa.Array], irregular: Mapping[int, list[str]], carriage_returns: bool = True
) -> array[int]:
    """The physical line of every record (the heading's first), from the line breaks inside
    its cells, as Python's csv reader counts lines: each of \\n, \\r and \\r\\n ends one.
    ``carriage_returns`` False: the file has no \\r, so only \\n is counted."""
    import numpy as np
    import pyarrow.compute as pc

    count = len(columns[0]) if columns else 0
    breaks = np.zeros(count, dtype=np.int64)
    for column in columns:
        breaks += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
        if carriage_returns:
            breaks += pc.count_substring(column, "\r").to_numpy(zero_copy_only=False)
            breaks -= pc.count_substring(column, "\r\n").to_numpy(zero_copy_only=False)
    for row_number, record in irregular.items():
        # The record as read, not as padded or cut to the heading's width.
        breaks[row_number - 2] = sum(
            cell.count("\n") + cell.count("\r") - cell.count("\r\n") for cell in record
        )
    starts = np.empty(count + 1, dtype=np.int64)
    starts[0] = 1  # the heading: a quote on its line sends the file to Python's reader
    starts[1:] = 2 + np.concatenate(([0], np.cumsum(1 + breaks)[:-1])) if count else []
    lines = array("q")
    lines.frombytes(starts.tobytes())  # a copy of the memory, not a million Python ints
    return lines


def _parse_python(path: Path) -> Parsed:
    import pyarrow as pa

    records = csv_records(path)
    lines: array[int] = array("q")
    # The heading is the first record with something in it (blank lines above it are skipped).
    for first, header in records:
        if any(cell.strip() for cell in header):
            break
    else:
        raise ValueError("no heading row")
    lines.append(first)
    width = len(header)
    buffers: list[list[str]] = [[] for _ in range(width)]
    chunks: list[list[pa.Array]] = [[] for _ in range(width)]
    irregular: dict[int, list[str]] = {}
    blank = [""] * width
    for row_number, (start, record) in enumerate(records, start=2):
        lines.append(start)
        if len(record) != width:
            irregular[row_number] = record
            record = (record + blank)[:width]
        for buffer, cell in zip(buffers, record):
            buffer.append(cell)
        if width and len(buffers[0]) >= _CHUNK:
            for chunk, buffer in zip(chunks, buffers):
                chunk.append(pa.array(buffer, pa.string()))
                buffer.clear()
    for chunk, buffer in zip(chunks, buffers):
        chunk.append(pa.array(buffer, pa.string()))
    columns = [pa.concat_arrays(chunk) for chunk in chunks]
    return Parsed(list(header), lines, columns, irregular)


def blank_cells(column: pa.Array) -> np.ndarray:
    """A mask of the cells ``str.strip()`` leaves empty."""
    import pyarrow.compute as pc

    left = pc.binary_length(pc.utf8_trim(column, characters=_PY_SPACE))
    return pc.equal(left, 0).to_numpy(zero_copy_only=False)


def blank_records(parsed: Parsed) -> np.ndarray:
    """A mask of the records with no value at all (spaces only count as none)."""
    import numpy as np

    if parsed.blank is not None:
        return parsed.blank
    blank = np.ones(parsed.count, dtype=bool)
    for column in parsed.columns:
        if not blank.any():
            break
        blank &= blank_cells(column)
    for row_number, record in parsed.irregular.items():
        # A long record's cells past the heading's width count too.
        blank[row_number - 2] = not any(cell.strip() for cell in record)
    parsed.blank = blank
    return blank


def group_cells(cells: Iterable[Any], count: int) -> tuple[np.ndarray, list[Any]]:
    """Each cell's group number and each group's value, cells grouped as written: 97.5 and
    97.50 are one number but two cells, so they are grouped apart."""
    import numpy as np

    number: dict[Any, int] = {}
    values: list[Any] = []
    codes = np.empty(count, dtype=np.int64)
    for i, cell in enumerate(cells):
        written = (cell, cell.text) if isinstance(cell, WrittenNumber) else cell
        if written not in number:
            number[written] = len(values)
            values.append(cell)
        codes[i] = number[written]
    return codes, values


class Columns:
    """A table held by column: the raw text of each cell, read as :func:`read_table` reads it
    only per distinct value (a column of a million cells holds few distinct values)."""

    def __init__(self, parsed: Parsed, table_schema: Mapping[str, Any]) -> None:
        import numpy as np

        by_name = {f["name"]: f for f in table_schema.get("fields", [])}
        header = [normalise_header(label) for label in parsed.header]
        self._parsed = parsed
        self._fields = _columns(header, by_name)
        self._position = {label: position for position, label, _, _ in self._fields}
        #: Shared by every row: field name to place in the row's values.
        self.index = {label: i for i, (_, label, _, _) in enumerate(self._fields)}
        blank = blank_records(parsed)
        self._kept: np.ndarray | None = np.flatnonzero(~blank) if blank.any() else None
        self.count = parsed.count if self._kept is None else len(self._kept)
        self._encoded: dict[str, tuple[np.ndarray, list[Any], np.ndarray]] = {}

    def line(self, row: int) -> int:
        """The physical line of data row ``row`` (0-based, blank lines not counted)."""
        record = row if self._kept is None else int(self._kept[row])
        return self._parsed.lines[record + 1]

    def text(self, field: str) -> pa.Array | None:
        """The raw text of a column's cells (None when the file has no such column)."""
        position = self._position.get(field)
        if position is None:
            return None
        column = self._parsed.columns[position]
        return column if self._kept is None else column.take(self._kept)

    def _encode(self, field: str) -> tuple[np.ndarray, list[Any], np.ndarray]:
        """Per row, the number of its distinct cell; per distinct cell, its value as read and
        whether it is written but unreadable."""
        if field not in self._encoded:
            import numpy as np
            import pyarrow.compute as pc

            position, _, _, spec = self._fields[self.index[field]]
            if self._kept is None:
                encoded = self._parsed.encoded(position)
            else:
                encoded = pc.dictionary_encode(self._parsed.columns[position].take(self._kept))
            distinct = encoded.dictionary.to_pylist()
            typed = [cast(value, spec) for value in distinct]
            unreadable = np.fromiter(
                (t is None and bool(v.strip()) for t, v in zip(typed, distinct)),
                dtype=bool,
                count=len(distinct),
            )
            codes = encoded.indices.to_numpy(zero_copy_only=False)
            self._encoded[field] = (codes, typed, unreadable)
        return self._encoded[field]

    def where(self, field: str, test: Callable[[Any], bool]) -> np.ndarray:
        """A mask of the rows whose cell, as read (``row.get(field)``), passes ``test``.

        ``test`` runs once per distinct value, so it may be the rule's own per-cell check.
        """
        import numpy as np

        if field not in self.index:
            return np.full(self.count, bool(test(None)))
        codes, typed, _ = self._encode(field)
        passed = np.fromiter((bool(test(v)) for v in typed), dtype=bool, count=len(typed))
        return passed[codes] if len(typed) else np.zeros(self.count, dtype=bool)

    def unreadable(self, field: str) -> np.ndarray:
        """A mask of the rows whose cell in ``field`` is written but cannot be read."""
        import numpy as np

        if field not in self.index:
            return np.zeros(self.count, dtype=bool)
        codes, _, unreadable = self._encode(field)
        return unreadable[codes] if len(unreadable) else np.zeros(self.count, dtype=bool)

    def _lookup(self, field: str) -> np.ndarray:
        """The distinct values of a column as read, as an array of Python objects."""
        import numpy as np

        _, typed, _ = self._encode(field)
        lookup = np.empty(len(typed), dtype=object)
        lookup[:] = typed
        return lookup

    def values(self, field: str) -> np.ndarray:
        """Each row's cell as read, as an array of Python objects."""
        import numpy as np

        if field not in self.index:
            return np.full(self.count, None, dtype=object)
        return self._lookup(field)[self._encode(field)[0]]

    def numbers(self, field: str) -> np.ndarray:
        """Each row's cell as a float (NaN where it is not a number)."""
        import numpy as np

        if field not in self.index:
            return np.full(self.count, np.nan)
        codes, typed, _ = self._encode(field)
        lookup = np.fromiter(
            (
                float(v) if isinstance(v, int | float) and not isinstance(v, bool) else np.nan
                for v in typed
            ),
            dtype=float,
            count=len(typed),
        )
        return lookup[codes]

    def groups(
        self, field: str, key: Callable[[Any], Any] | None = None
    ) -> tuple[np.ndarray, list[Any]]:
        """Each row's group number by its cell as read (or by ``key`` of it), and the value of
        each group."""
        import numpy as np

        if field not in self.index:
            return np.zeros(self.count, dtype=np.int64), [key(None) if key else None]
        codes, typed, _ = self._encode(field)
        keys = typed if key is None else [key(v) for v in typed]
        of_distinct, values = group_cells(keys, len(keys))
        return of_distinct[codes], values

    def _unreadable_rows(self) -> dict[int, frozenset[str]]:
        import numpy as np

        found: dict[int, set[str]] = {}
        for _, label, kind, _ in self._fields:
            if kind == "string":
                continue  # text is never unreadable
            codes, _, unreadable = self._encode(label)
            if unreadable.any():
                for row in np.flatnonzero(unreadable[codes]).tolist():
                    found.setdefault(row, set()).add(label)
        return {row: frozenset(labels) for row, labels in found.items()}

    def lines(self) -> Iterable[int]:
        """The physical line of every data row, in order."""
        lines = self._parsed.lines
        if self._kept is None:
            return range(2, 2 + self.count) if isinstance(lines, range) else lines[1:]
        return (lines[int(record) + 1] for record in self._kept)

    def rows(self) -> tuple[Row, ...]:
        """Every row, as :func:`read_table` makes them."""
        columns = [self.values(label).tolist() for _, label, _, _ in self._fields]
        values = zip(*columns) if columns else itertools.repeat((), self.count)
        # map and zip run in C: a million rows cost the Row calls and little else.
        with paused_gc():
            rows = tuple(
                map(
                    Row,
                    self.lines(),
                    values,
                    itertools.repeat(_NO_FIELDS),
                    itertools.repeat(self.index),
                )
            )
        for row, unreadable in self._unreadable_rows().items():
            rows[row].unreadable = unreadable
        return rows

    def rows_at(self, positions: Sequence[int]) -> list[Row]:
        """The rows at these positions (0-based data rows), in the order given."""
        import numpy as np

        if not positions:
            return []
        at = np.asarray(positions, dtype=np.int64)
        columns = []
        unreadable: dict[int, set[str]] = {}
        for _, label, _, _ in self._fields:
            codes, _, bad = self._encode(label)
            picked = codes[at]
            columns.append(self._lookup(label)[picked].tolist())
            for place in np.flatnonzero(bad[picked]).tolist():
                unreadable.setdefault(place, set()).add(label)
        records = at if self._kept is None else self._kept[at]
        lines = self._parsed.lines
        if isinstance(lines, range):
            found = (records + 2).tolist()
        else:
            found = [lines[record + 1] for record in records.tolist()]
        return [
            Row(
                line,
                values,
                frozenset(unreadable[place]) if place in unreadable else _NO_FIELDS,
                self.index,
            )
            for place, (line, values) in enumerate(zip(found, zip(*columns)))
        ]
