"""End-to-end fixtures: the real operator process, a Graph simulator per test, kubectl."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from m365inventory.localcluster.access import ClusterAccess
from m365inventory.simulator import Simulator, generate_world

from e2e_harness import OperatorProcess, Scenario


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def operator(
    kube: ClusterAccess, crds: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OperatorProcess]:
    """`m365-inventory run` as a real process, watching every namespace."""
    assert crds, "the CRDs must be installed before the operator starts"
    workdir = tmp_path_factory.mktemp("operator")
    log_path = workdir / "operator.log"
    port = _free_port()
    executable = shutil.which("m365-inventory", path=str(Path(sys.executable).parent))
    assert executable is not None
    env = {**os.environ, "KUBECONFIG": str(kube.kubeconfig_path), "PYTHONUNBUFFERED": "1"}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            # The connectors point at the Graph simulator: cloud Custom needs the opt-in.
            [
                executable,
                "run",
                "--allow-custom-cloud",
                "--liveness",
                f"http://127.0.0.1:{port}/healthz",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    handle = OperatorProcess(process=process, log_path=log_path)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"operator did not start:\n{handle.log_tail()}") from None
            time.sleep(0.2)
    yield handle
    handle.stop()


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    """A fresh simulated MSP: a partner tenant with three customers (Contoso, Fabrikam,
    Northwind Traders), ten users each."""
    world = generate_world(
        seed=7, tenants=3, users_per_tenant=10, groups_per_tenant=2, devices_per_tenant=3
    )
    with Simulator(world) as sim:
        yield sim


@pytest.fixture
def scenario(
    kube: ClusterAccess, namespace: str, simulator: Simulator, operator: OperatorProcess
) -> Scenario:
    return Scenario(kube=kube, namespace=namespace, sim=simulator, operator=operator)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.failed:
        op = getattr(item, "funcargs", {}).get("operator")
        if isinstance(op, OperatorProcess):
            report.sections.append(("operator log (tail)", op.log_tail(80)))
    return report
