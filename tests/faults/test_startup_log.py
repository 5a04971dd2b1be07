"""The operator started right after a fresh API server logs no ERROR while it waits for it.

A new API server answers 429 "storage is (re)initializing" for the CRDs' first seconds; kopf
retries and carries on, but logged each retry at ERROR, which tells a person to act when
nothing needs doing. This starts a control plane of its own, installs the CRDs and starts the
operator at once, as `make demo` and a fresh cluster do.
"""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import private_plane  # noqa: F401 - puts the e2e harness on sys.path
import pytest

from m365inventory.localcluster.binaries import find_binaries
from m365inventory.localcluster.cluster import LocalCluster
from m365inventory.localcluster.kubectl import Kubectl
from m365inventory.localcluster.pytest_plugin import crd_files

from e2e_harness import launch_operator

ROOT = Path(__file__).resolve().parents[2]
INITIALIZING = "storage is (re)initializing"
ATTEMPTS = 3
"""Fresh control planes to try until one answers 429 at start (every one did, so far)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_right_after_the_api_server(workdir: Path) -> str:
    """The operator's log (debug level) from its first seconds against a new API server."""
    with LocalCluster.start(workdir=workdir / "cluster", binaries=find_binaries()) as cluster:
        kubectl = Kubectl(kubeconfig=cluster.kubeconfig_path)
        files = [arg for path in crd_files(ROOT / "crds") for arg in ("-f", str(path))]
        kubectl("apply", "--server-side", *files)  # no wait for Established: start at once
        port = _free_port()
        operator = launch_operator(
            args=["run", "--verbose", "--liveness", f"http://127.0.0.1:{port}/healthz"],
            kubeconfig=cluster.kubeconfig_path,
            log_path=workdir / "operator.log",
            health_url=f"http://127.0.0.1:{port}/healthz",
        )
        try:
            # A retried request that succeeded: kopf waited for the API server and carried on.
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and "succeeded: GET" not in operator.log_text():
                time.sleep(0.5)
            time.sleep(1)
        finally:
            operator.stop()
        return operator.log_text()


@pytest.mark.cluster
def test_no_error_is_logged_while_a_fresh_api_server_initialises(tmp_path: Path) -> None:
    for attempt in range(ATTEMPTS):
        log = _start_right_after_the_api_server(tmp_path / f"attempt-{attempt}")
        if INITIALIZING in log:
            break
    assert INITIALIZING in log, "no fresh API server answered 429 at start:\n" + log[-3000:]
    errors = [line for line in log.splitlines() if re.search(r"\bERROR\b", line)]
    assert errors == [], "\n".join(errors)
    # The retry is still visible at debug level, and it succeeded.
    retried = [line for line in log.splitlines() if INITIALIZING in line]
    assert all(" DEBUG kopf." in line for line in retried), retried
    assert re.search(r"Request attempt #\d+/\d+ succeeded: GET", log), log[-3000:]
