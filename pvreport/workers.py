"""Jobs run side by side in forked processes, while the process that started them goes on with
its own work: the build's earlier statements, each rendered, written, built by the engine and
checked on a core of its own while the current statement is built (:func:`pvreport.build.build`).

A job is any function of no arguments: a forked process inherits everything it reads, so nothing
is sent to it. What a job returns (small: it is pickled back) is written by its process to a file
of its own; a job that raises sends back the exception instead, and :meth:`Workers.results`
raises it in the starting process (a :class:`pvreport.problems.PvreportError` as itself, with
its message and problems; any other failure as :class:`WorkerFailed` with the worker's
traceback). Where forking is not possible (not Linux), or where there is one core or one job
too few to share, the jobs run in the starting process, one after another, when their results
are asked for: the same jobs, the same results.

Linux only (fork). Each worker ends with ``os._exit``, so nothing of the starting process (its
``finally`` blocks, ``atexit`` handlers, open files' buffers) runs twice.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Self


class WorkerFailed(Exception):
    """A job failed in its worker with something other than a pvreport error (a bug), or the
    worker died (killed, out of memory) before it sent its results."""


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _can_fork() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "fork")


class Workers:
    """``jobs`` shared among up to ``slots`` forked workers (a worker runs its jobs one after
    another), started at once; :meth:`results` waits for them. Use as a context manager: leaving
    the block kills and reaps any worker still running (a failed or interrupted build)."""

    def __init__(self, jobs: Sequence[Callable[[], Any]], slots: int | None = None) -> None:
        self.jobs = list(jobs)
        if slots is None:
            slots = cores() if cores() > 1 else 0
        slots = min(len(self.jobs), slots)
        #: (pid, file of results, the jobs' positions) of each worker.
        self._running: list[tuple[int, Path, list[int]]] = []
        self._done: list[Any] | None = None
        #: How many workers run the jobs (0: they run in this process).
        self.forked = 0
        if slots < 1 or not _can_fork():
            return  # the jobs run here, one after another, when their results are asked for
        # What this process holds stays shared with the workers: their garbage collector leaves
        # it alone instead of touching (and so copying) every page of it.
        gc.freeze()
        try:
            for first in range(slots):
                mine = list(range(first, len(self.jobs), slots))
                fd, name = tempfile.mkstemp(prefix="pvreport-worker-", suffix=".pickle")
                os.close(fd)
                parent = os.getpid()
                pid = os.fork()
                if pid == 0:  # pragma: no cover - the worker's side, measured by its results
                    _end_with(parent)
                    _work(self.jobs, mine, Path(name))
                self._running.append((pid, Path(name), mine))
                self.forked += 1
        except BaseException:
            self.stop()
            raise
        finally:
            gc.unfreeze()

    def results(self) -> list[Any]:
        """Each job's result, in the order of the jobs; the first failure raised."""
        if self._done is not None:
            return self._done
        if not self.forked:
            self._done = [job() for job in self.jobs]
            return self._done
        found: dict[int, tuple[bool, Any]] = {}
        lost = ""
        while self._running:
            pid, out, _ = self._running[0]
            _, status = os.waitpid(pid, 0)
            self._running.pop(0)
            try:
                with out.open("rb") as handle:
                    found.update(pickle.load(handle))
            except (OSError, EOFError, pickle.UnpicklingError):
                code = os.waitstatus_to_exitcode(status)
                lost = lost or (
                    f"a worker process ended ({'signal ' + str(-code) if code < 0 else code}) "
                    "before it sent its results"
                )
            finally:
                out.unlink(missing_ok=True)
        # The first failure in the jobs' order; a worker stops at its first.
        for i in sorted(found):
            ok, value = found[i]
            if not ok:
                raise value
        if lost or len(found) < len(self.jobs):
            raise WorkerFailed(lost or "a worker process sent too few results")
        self._done = [found[i][1] for i in range(len(self.jobs))]
        return self._done

    def stop(self) -> None:
        """Kill and reap every worker still running, and remove their files."""
        for pid, out, _ in self._running:
            with contextlib.suppress(ChildProcessError, ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            out.unlink(missing_ok=True)
        self._running = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _end_with(parent: int) -> None:
    """In a worker: be killed when the starting process ends, however it ends (``kill``, a
    cancelled CI job), rather than go on writing into folders nobody will publish."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        # The C library's prctl, from the symbols this process has loaded.
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it ended before the line above
        os._exit(1)


def _work(jobs: Sequence[Callable[[], Any]], mine: Sequence[int], out: Path) -> None:
    """In a worker: run its jobs, write each one's result or failure, and end."""
    code = 1
    try:
        # Ctrl+C reaches the whole process group: the starting process stops the workers.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        results: dict[int, tuple[bool, Any]] = {}
        for i in mine:
            try:
                results[i] = (True, jobs[i]())
            except Exception as error:  # noqa: BLE001 - sent back and raised in the build
                results[i] = (False, _sendable(error))
                break  # the build fails with the first failure: the rest is not needed
        with out.open("wb") as handle:
            pickle.dump(results, handle, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _sendable(error: Exception) -> Exception:
    """The error itself where it survives pickling, else a :class:`WorkerFailed` carrying its
    traceback."""
    with contextlib.suppress(Exception):  # any failure to pickle is the reason to fall back
        again = pickle.loads(pickle.dumps(error))
        if type(again) is type(error) and str(again) == str(error):
            return error
    text = "".join(traceback.format_exception(error))
    return WorkerFailed(f"{type(error).__name__}: {error}\n{text}")
