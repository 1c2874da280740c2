"""Building a site never makes a network request: the example builds with no network at all.

The build runs in a new network namespace (``unshare -rn``: a user namespace, so no root is
needed, and a network namespace with only a loopback interface that is down). Where namespaces are
not available (some containers refuse them), the build runs in a child interpreter whose socket
functions raise instead, and the test says so in its name.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AS_OF, EXAMPLE, make_project

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
UNSHARE = shutil.which("unshare")

#: Runs a command with every way of opening a connection or resolving a name made to fail.
GUARD = """
import socket, sys
def refuse(*args, **kwargs):
    raise OSError(101, "network is unavailable to this build")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
socket.gethostbyname = refuse
from pvreport.cli import main
sys.exit(main(sys.argv[1:]))
"""

PROBE = "import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3)"


def namespaces_work() -> bool:
    if UNSHARE is None:
        return False
    done = subprocess.run([UNSHARE, "-rn", "true"], capture_output=True, check=False)
    return done.returncode == 0


def isolated(command: list[str]) -> list[str]:
    if namespaces_work():
        return [str(UNSHARE), "-rn", *command]
    # The fallback: the same command inside the guard.
    assert command[0].endswith("pvreport")
    return [sys.executable, "-c", GUARD, *command[1:]]


def test_a_listening_server_cannot_be_reached_from_the_isolated_build(tmp_path: Path) -> None:
    """The isolation is real: a server on this machine's loopback is out of reach inside it,
    although it is reachable outside."""
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        probe = [sys.executable, "-c", PROBE.format(port=port)]
        outside = subprocess.run(probe, capture_output=True, check=False, timeout=30)
        assert outside.returncode == 0, outside.stderr
        if namespaces_work():
            inside = subprocess.run(
                [str(UNSHARE), "-rn", *probe], capture_output=True, check=False, timeout=30
            )
            assert inside.returncode != 0
            assert b"OSError" in inside.stderr or b"Error" in inside.stderr
        else:
            pytest.skip("no network namespaces here: the build test uses a socket guard instead")


@pytest.mark.skipif(not EXAMPLE.is_dir(), reason="the example package is not there yet")
def test_the_example_builds_with_no_network(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", EXAMPLE)
    done = subprocess.run(
        isolated([str(BIN / "pvreport"), "build", "--as-of", AS_OF.isoformat()]),
        cwd=project,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Built ") or "\nBuilt " in done.stdout
    site = project / "site"
    assert (site / "index.html").is_file()
    # Charts were drawn (pvreport draws them itself, offline), and the search index was written.
    assert len(list((site / "charts").glob("*.svg"))) > 5
    assert (site / "search" / "search_index.json").is_file()
    # Nothing on the pages points at a server for fonts or scripts.
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "fonts.googleapis" not in home and "cdn.jsdelivr" not in home
