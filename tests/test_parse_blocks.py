"""A file of several of pyarrow's read blocks is read by column exactly as Python's csv reader
reads it: the block size chosen for speed changes no cell, line or irregular record."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from pvreport.tables import read


def _write(path: Path, *, quoted: bool, short_at: int | None) -> list[list[str]]:
    chooser = random.Random(7)
    records = [["id", "period", "note"]]
    # About 6 MB: four blocks of more than pyarrow's 1 MB each.
    for i in range(120_000):
        note = f"value {chooser.randint(0, 10**9)} in words"
        if quoted and i % 997 == 0:
            note = f"two\nlines, {i}"
        records.append([f"R{i:06d}", f"2025-Q{i % 4 + 1}", note])
    if short_at is not None:
        records[short_at] = records[short_at][:2]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(records)
    return records


@pytest.mark.parametrize(("quoted", "short_at"), [(False, None), (True, None), (False, 90_000)])
def test_large_file_by_column_is_the_python_reading(
    tmp_path: Path, quoted: bool, short_at: int | None
) -> None:
    path = tmp_path / "results.csv"
    records = _write(path, quoted=quoted, short_at=short_at)
    assert path.stat().st_size > 4 * read._BLOCK
    parsed = read.parse_arrow(path)
    assert parsed is not None
    assert parsed.header == records[0]
    width = len(records[0])
    expected = [(r + [""] * width)[:width] for r in records[1:]]
    assert [c.to_pylist() for c in parsed.columns] == [list(c) for c in zip(*expected)]
    assert list(parsed.lines) == list(read.Lines(path))
    assert parsed.irregular == ({} if short_at is None else {short_at + 1: records[short_at]})
