"""Jobs side by side (pvreport.workers), and the build that makes each earlier statement's part
in a worker process of its own: the same site as made one part after another, a failure in a
worker fails the build with the previous site as it was, and nothing is left beside it.

Real forks and real builds (MkDocs Material) of the example with its earlier statement.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import AS_OF, EXAMPLE, EXAMPLE_PREVIOUS, make_project

from pvreport import build, workers
from pvreport.problems import Problem, PvreportError

fork_only = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers fork (Linux)")


def _pid(n: int) -> tuple[int, int]:
    return n, os.getpid()


@fork_only
def test_jobs_run_in_workers_and_their_results_come_back_in_order() -> None:
    jobs = [lambda n=n: _pid(n) for n in range(5)]
    with workers.Workers(jobs, slots=2) as side:
        assert side.forked == 2
        found = side.results()
    assert [n for n, _ in found] == [0, 1, 2, 3, 4]
    # Two workers, neither of them this process: jobs 0, 2, 4 in one, 1 and 3 in the other.
    pids = {pid for _, pid in found}
    assert len(pids) == 2 and os.getpid() not in pids
    assert found[0][1] == found[2][1] == found[4][1] != found[1][1] == found[3][1]


def test_with_no_slot_the_jobs_run_here_when_asked() -> None:
    ran: list[int] = []

    def job(n: int) -> int:
        ran.append(n)
        return n * n

    side = workers.Workers([lambda n=n: job(n) for n in range(3)], slots=0)
    assert side.forked == 0 and ran == []
    assert side.results() == [0, 1, 4] and ran == [0, 1, 2]


@fork_only
def test_a_pvreport_error_in_a_worker_is_raised_as_itself_with_its_problems() -> None:
    problem = Problem(
        code="wrong-type",
        file="results.csv",
        line=3,
        field="value",
        value="x",
        message="not a number",
        hint="write a number",
    )

    def fails() -> None:
        raise PvreportError("the statement has errors", [problem])

    with workers.Workers([lambda: 1, fails], slots=2) as side, pytest.raises(PvreportError) as e:
        side.results()
    assert str(e.value) == "the statement has errors"
    assert e.value.problems == [problem]


@fork_only
def test_a_crash_in_a_worker_comes_back_with_its_traceback() -> None:
    class Unsendable(Exception):
        def __init__(self, a: str, b: str) -> None:
            super().__init__(a)  # pickle cannot make it again: too few arguments

    def crashes() -> None:
        raise Unsendable("broken", "twice")

    with workers.Workers([crashes], slots=1) as side, pytest.raises(workers.WorkerFailed) as e:
        side.results()
    assert "Unsendable: broken" in str(e.value) and "crashes" in str(e.value)


@fork_only
def test_a_worker_that_dies_fails_the_results() -> None:
    with (
        workers.Workers([lambda: os._exit(3)], slots=1) as side,
        pytest.raises(workers.WorkerFailed, match=r"ended \(3\) before it sent"),
    ):
        side.results()


@fork_only
def test_results_after_the_workers_were_stopped_are_an_error_not_a_second_run() -> None:
    side = workers.Workers([lambda: time.sleep(60)], slots=1)
    side.stop()
    with pytest.raises(workers.WorkerFailed, match="too few results"):
        side.results()


@fork_only
def test_leaving_the_block_kills_the_workers_still_running() -> None:
    with workers.Workers([lambda: time.sleep(60)], slots=1) as side:
        (pid,) = [p for p, _, _ in side._running]
    # Reaped: the process is gone, not a zombie waiting for this one.
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def _site(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@fork_only
@pytest.mark.slow
def test_the_archive_made_in_workers_is_the_archive_made_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "project", EXAMPLE, previous=[EXAMPLE_PREVIOUS])
    monkeypatch.setattr(workers, "cores", lambda: 2)
    forked = build.build(project, as_of=AS_OF, cache=False, site_dir=tmp_path / "forked")
    log = (project / "build" / "build.log").read_text(encoding="utf-8")
    assert "Building documentation to directory" in log and "archive/2024-25" in log
    monkeypatch.setattr(workers, "cores", lambda: 1)
    here = build.build(project, as_of=AS_OF, cache=False, site_dir=tmp_path / "here")
    assert (
        [p.prefix for p in forked.parts] == [p.prefix for p in here.parts] == ["archive/2024-25/"]
    )
    assert forked.parts[0].built and forked.parts[0].addresses == here.parts[0].addresses
    assert _site(forked.site_dir) == _site(here.site_dir)


@fork_only
@pytest.mark.slow
def test_a_failure_in_a_worker_fails_the_build_and_leaves_the_site_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "project", EXAMPLE, previous=[EXAMPLE_PREVIOUS])
    first = build.build(project, as_of=AS_OF)
    before = _site(first.site_dir)
    monkeypatch.setattr(workers, "cores", lambda: 2)
    real = build.render_report

    def archive_breaks(*args: object, **kwargs: object) -> object:
        if kwargs.get("archived") is not None:
            raise RuntimeError("the archive's pages broke")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build, "render_report", archive_breaks)
    # A change to the earlier statement, so that its part is made again (in a worker).
    old = project / "datapackages/example-2024-25/results.csv"
    old.write_text(old.read_text(encoding="utf-8").replace(",355,", ",354,"), encoding="utf-8")
    with pytest.raises(build.BuildError) as failed:
        build.build(project, as_of=AS_OF)
    assert "pvreport could not write the pages" in str(failed.value)
    assert "the archive's pages broke" in str(failed.value)
    log = (project / "build" / "build.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "archive_breaks" in log
    assert _site(first.site_dir) == before
    # Nothing left beside the site: neither the fresh site nor the folder of staged parts.
    assert not [p for p in first.site_dir.parent.iterdir() if p.name.startswith(".site-new-")]


@pytest.mark.slow
def test_the_earlier_statements_parts_are_set_going_before_the_pdf_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PDF takes most of a build's time on one core: the parts are made meanwhile."""
    from pvreport.site import document

    events: list[str] = []
    start, make = workers.Workers.__init__, document.make_pdf_apart

    def started(self: workers.Workers, *args: object, **kwargs: object) -> None:
        events.append("workers")
        start(self, *args, **kwargs)  # type: ignore[arg-type]

    def made(*args: object, **kwargs: object) -> bytes:
        events.append("pdf")
        return make(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(workers.Workers, "__init__", started)
    monkeypatch.setattr(document, "make_pdf_apart", made)
    project = make_project(tmp_path / "project", EXAMPLE, previous=[EXAMPLE_PREVIOUS])
    built = build.build(project, as_of=AS_OF, cache=False)
    assert events == ["workers", "pdf"]
    assert [p.built for p in built.parts] == [True]
    assert list((built.site_dir / "print").glob("*.pdf"))


@fork_only
def test_the_workers_end_when_the_build_is_killed(tmp_path: Path) -> None:
    """A build killed outright (kill -9, a cancelled CI job) runs no clean-up: its workers must
    not go on writing into folders nobody will publish."""
    import signal
    import subprocess
    import sys

    script = (
        "import time\n"
        "from pvreport import workers\n"
        "side = workers.Workers([lambda: time.sleep(60)], slots=1)\n"
        "print(side._running[0][0], flush=True)\n"
        "time.sleep(60)\n"
    )
    build = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert build.stdout is not None
    worker = int(build.stdout.readline())
    os.kill(worker, 0)  # running
    build.send_signal(signal.SIGKILL)
    build.wait()

    def ended() -> bool:
        # Gone, or dead and waiting for whoever adopted it to reap it.
        try:
            stat = Path(f"/proc/{worker}/stat").read_text()
        except FileNotFoundError:
            return True
        return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")

    for _ in range(100):
        if ended():
            break
        time.sleep(0.05)
    else:
        os.kill(worker, signal.SIGKILL)
        pytest.fail("the worker outlived the build")


def _with_option(project: Path, line: str) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("package: datapackages/example\n", f"package: datapackages/example\n{line}"),
        encoding="utf-8",
    )


@pytest.mark.slow
def test_workers_0_makes_the_earlier_statements_in_the_build_s_own_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "project", EXAMPLE, previous=[EXAMPLE_PREVIOUS])
    _with_option(project, "      workers: 0\n")
    made: list[workers.Workers] = []
    start = workers.Workers.__init__

    def started(self: workers.Workers, *args: object, **kwargs: object) -> None:
        start(self, *args, **kwargs)  # type: ignore[arg-type]
        made.append(self)

    monkeypatch.setattr(workers, "cores", lambda: 4)
    monkeypatch.setattr(workers.Workers, "__init__", started)
    built = build.build(project, as_of=AS_OF)
    assert [side.forked for side in made] == [0] and [p.built for p in built.parts] == [True]
    assert (built.site_dir / "archive/2024-25/index.html").is_file()


@pytest.mark.parametrize("value", ["-1", "two", "true", "1.5"])
def test_a_workers_option_that_is_not_a_count_is_refused(tmp_path: Path, value: str) -> None:
    project = make_project(tmp_path / "project", EXAMPLE, previous=[EXAMPLE_PREVIOUS])
    _with_option(project, f"      workers: {value}\n")
    with pytest.raises(build.BuildError, match=r"workers is .*: write a whole number, 0 or more"):
        build.build(project, as_of=AS_OF)
    assert not (project / "site").exists()
