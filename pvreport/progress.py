"""Progress on long builds: one line per stage, with counts, on stderr.

A national report takes tens of seconds to build; a person at a terminal should see that it is
moving and where the time goes. Nothing is shown when stderr is not a terminal (a CI log, a
pipe, a test) unless asked for, and ``--quiet`` silences it everywhere: stdout stays for the
result and the problems, exactly as before.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def count(n: int, word: str, plural: str | None = None) -> str:
    """``1 page``, ``1,204 pages``: numbers people read at a glance."""
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


class Progress:
    """Stage lines such as ``[  4.1s] charts: 3,204 drawn (3,100 from the cache)``.

    ``enabled=None`` shows progress only when ``stream`` is a terminal. ``update`` rewrites the
    current line in place on a terminal (a counter that moves), and is dropped elsewhere so a
    log is not filled with counters.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        enabled: bool | None = None,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = self.tty if enabled is None else enabled
        self._start = time.perf_counter()
        self._open = False

    @classmethod
    def quiet(cls) -> Progress:
        return cls(enabled=False)

    def _stamp(self) -> str:
        return f"[{time.perf_counter() - self._start:6.1f}s]"

    def stage(self, text: str) -> None:
        """One finished stage, on a line of its own."""
        if not self.enabled:
            return
        end = "\r\x1b[K" if self._open else ""
        self._open = False
        self.stream.write(f"{end}{self._stamp()} {text}\n")
        self.stream.flush()

    def update(self, text: str) -> None:
        """Work in progress within a stage: shown in place on a terminal, not written elsewhere."""
        if not (self.enabled and self.tty):
            return
        self.stream.write(f"\r\x1b[K{self._stamp()} {text}")
        self.stream.flush()
        self._open = True
