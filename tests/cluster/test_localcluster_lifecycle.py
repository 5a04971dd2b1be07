"""Start-up failures explain themselves and no component outlives its cluster or its parent.

These start their own control planes (or stand-in processes) instead of the shared session
cluster, because they stop, break or kill them.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from m365inventory.localcluster import (
    Binaries,
    ComponentExitedError,
    ControlPlaneError,
    LocalCluster,
    ReadinessTimeoutError,
    find_binaries,
)
from m365inventory.localcluster import cluster as cluster_module
from m365inventory.localcluster.ports import free_ports


def is_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until_dead(pids: list[int], *, attempts: int = 100) -> list[int]:
    """Poll a bounded number of times; return the pids still alive at the end."""
    alive = pids
    for _ in range(attempts):
        alive = [pid for pid in alive if is_alive(pid)]
        if not alive:
            break
        time.sleep(0.1)
    return alive


def fake_binary(directory: Path, *, name: str, script: str) -> Path:
    path = directory / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    return path


def with_etcd(binaries: Binaries, etcd: Path) -> Binaries:
    return Binaries(
        etcd=etcd,
        kube_apiserver=binaries.kube_apiserver,
        kube_controller_manager=binaries.kube_controller_manager,
    )


@pytest.fixture(scope="module")
def binaries() -> Binaries:
    return find_binaries()


def test_component_that_exits_is_reported_with_its_log(binaries: Binaries, tmp_path: Path) -> None:
    etcd = fake_binary(tmp_path, name="etcd", script="echo 'etcd: boom, bad flag' >&2; exit 3")
    with pytest.raises(ComponentExitedError) as caught:
        LocalCluster.start(workdir=tmp_path / "work", binaries=with_etcd(binaries, etcd))
    message = str(caught.value)
    assert "etcd exited with status 3" in message
    assert "etcd: boom, bad flag" in message
    assert isinstance(caught.value, ControlPlaneError)


def test_readiness_timeout_names_the_endpoint_and_stops_the_component(
    binaries: Binaries, tmp_path: Path
) -> None:
    pid_file = tmp_path / "etcd.pid"
    etcd = fake_binary(
        tmp_path, name="etcd", script=f"echo $$ > {pid_file}; echo 'never healthy'; exec sleep 300"
    )
    with pytest.raises(ReadinessTimeoutError) as caught:
        LocalCluster.start(
            workdir=tmp_path / "work", binaries=with_etcd(binaries, etcd), timeout=1.0
        )
    message = str(caught.value)
    assert "/health not ready after 1s" in message
    assert "never healthy" in message
    assert wait_until_dead([int(pid_file.read_text())]) == []


def test_workdir_must_be_empty(binaries: Binaries, tmp_path: Path) -> None:
    (tmp_path / "leftover").write_text("x")
    with pytest.raises(ControlPlaneError, match="is not empty"):
        LocalCluster.start(workdir=tmp_path, binaries=binaries)


@pytest.mark.cluster
def test_stop_ends_every_component_and_can_be_repeated(binaries: Binaries, tmp_path: Path) -> None:
    with LocalCluster.start(workdir=tmp_path / "work", binaries=binaries) as cluster:
        pids = [component.pid for component in cluster.components]
        assert all(pid is not None and is_alive(pid) for pid in pids)
    # Each ended on SIGTERM (exit 0 or the signal itself), none needed SIGKILL.
    assert {c.returncode for c in cluster.components} <= {0, -signal.SIGTERM}
    assert wait_until_dead([pid for pid in pids if pid is not None], attempts=1) == []
    cluster.stop()
    assert (tmp_path / "work" / "logs" / "kube-apiserver.log").is_file()
    cluster.cleanup()
    assert not (tmp_path / "work").exists()


CHILD = """
import json, sys, time
from pathlib import Path
from m365inventory.localcluster import LocalCluster
cluster = LocalCluster.start(workdir=Path(sys.argv[1]))
print(json.dumps([c.pid for c in cluster.components]), flush=True)
time.sleep(600)
"""


@pytest.mark.cluster
def test_components_die_with_a_killed_parent(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "work")],
        stdout=subprocess.PIPE,
        text=True,
    )
    pids: list[int] = []
    try:
        assert child.stdout is not None
        pids = json.loads(child.stdout.readline())
        assert len(pids) == 3
        assert all(is_alive(pid) for pid in pids)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        assert wait_until_dead(pids) == []
    finally:
        child.kill()
        child.wait()
        for pid in wait_until_dead(pids, attempts=1):  # never leak them, even on failure
            os.kill(pid, signal.SIGKILL)


FAILING_TEST = """
def test_fails(kube):
    kube.kubectl("get", "namespace", "does-not-exist")
"""


@pytest.mark.cluster
def test_failing_cluster_test_reports_component_logs(tmp_path: Path) -> None:
    (tmp_path / "test_failing.py").write_text(FAILING_TEST)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "m365inventory.localcluster.pytest_plugin",
            "-p",
            "no:cacheprovider",
            f"--rootdir={tmp_path}",
            f"--basetemp={tmp_path / 'basetemp'}",
            str(tmp_path / "test_failing.py"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "KubectlError" in result.stdout
    assert 'namespaces "does-not-exist" not found' in result.stdout
    assert "local control plane logs" in result.stdout
    for component in ("etcd", "kube-apiserver", "kube-controller-manager"):
        assert f"--- {component} (" in result.stdout


@pytest.mark.cluster
def test_a_port_taken_before_binding_is_retried_with_new_ports(
    binaries: Binaries, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[int]] = []
    with socket.create_server(("127.0.0.1", 0)) as squatter:
        taken = squatter.getsockname()[1]

        def first_offer_is_taken(*, count: int) -> list[int]:
            ports = free_ports(count=count)
            if not calls:
                ports[0] = taken  # etcd's client port
            calls.append(ports)
            return ports

        monkeypatch.setattr(cluster_module, "free_ports", first_offer_is_taken)
        with LocalCluster.start(workdir=tmp_path / "work", binaries=binaries) as cluster:
            assert cluster.ports.etcd_client != taken
            assert cluster.etcd.is_running()
    assert len(calls) == 2
