"""The PDF of the whole statement: how long WeasyPrint takes to make it, and its size, S to L.

    .venv/bin/python bench/pdf.py                 # S and M
    .venv/bin/python bench/pdf.py --sizes S,M,L

Each size's seeded synthetic package (as bench/run.py makes them) is built once with
`pvreport build`'s library call; the time is that of making the PDF alone (the HTML pvreport
writes, then WeasyPrint's layout and PDF), the rest of the build is timed as a whole. CPU seconds are given beside the wall clock: on a
shared machine they move less with the load. Write what
it prints into bench/notes.md ("The PDF").
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from pvreport import build
from pvreport.site import document

# bench/run.py's package and project, loaded by path (bench/ is not a package).
_spec = importlib.util.spec_from_file_location("bench_run", Path(__file__).with_name("run.py"))
assert _spec is not None and _spec.loader is not None
_run = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _run  # dataclasses look their module up by name
_spec.loader.exec_module(_run)
AS_OF, make_project = _run.AS_OF, _run.make_project


def measure(size: str, seed: int) -> dict[str, float]:
    made: list[tuple[float, float, int]] = []
    original = document.make_pdf_apart

    def children_cpu() -> float:
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        return used.ru_utime + used.ru_stime

    def timed(html: str, files: object) -> bytes:
        # The PDF is made in a process of its own: its CPU time is that child's.
        start, cpu = time.perf_counter(), time.process_time() + children_cpu()
        data = original(html, files)  # type: ignore[arg-type]
        used = time.process_time() + children_cpu() - cpu
        made.append((time.perf_counter() - start, used, len(data)))
        return data

    document.make_pdf_apart = timed  # type: ignore[assignment]
    try:
        with tempfile.TemporaryDirectory() as root:
            project = make_project(Path(root), size, seed)
            start = time.perf_counter()
            built = build.build(project, as_of=dt.date.fromisoformat(AS_OF))
            total = time.perf_counter() - start
            (pdf,) = (built.site_dir / "print").glob("*.pdf")
            import pikepdf

            with pikepdf.open(pdf) as opened:
                pages = len(opened.pages)
    finally:
        document.make_pdf_apart = original  # type: ignore[assignment]
    ((seconds, cpu, size_bytes),) = made
    return {
        "pdf_seconds": seconds,
        "pdf_cpu": cpu,
        "bytes": size_bytes,
        "pages": pages,
        "build_seconds": total,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="S,M")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    for size in args.sizes.split(","):
        found = measure(size, args.seed)
        print(
            f"{size}: PDF {found['pdf_seconds']:.1f} s ({found['pdf_cpu']:.1f} s of CPU), "
            f"{found['pages']:,} pages, "
            f"{document.size_words(int(found['bytes']))}; whole build {found['build_seconds']:.1f} s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
