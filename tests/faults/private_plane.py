"""A control plane and an operator process of a test package's own, to break on purpose.

Fault and security tests kill the operator with SIGKILL, restart kube-apiserver and run the
operator with debug logging. Doing that to the session's cluster and its shared operator
would break every other end-to-end test, so these tests get a private control plane and an
operator they start, kill and restart themselves. The fixtures here are imported by the
conftest of each package that needs them; everything else comes from the e2e harness.
"""

from __future__ import annotations

import json
import signal
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from m365inventory.localcluster.access import ClusterAccess
from m365inventory.localcluster.binaries import find_binaries
from m365inventory.localcluster.cluster import LocalCluster
from m365inventory.localcluster.pytest_plugin import (
    FIELD_MANAGER,
    TEST_NAMESPACE_LABEL,
    crd_files,
    unique_namespace_name,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from e2e_harness import OperatorProcess, launch_operator


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class OperatorControl:
    """Start, SIGKILL and restart `m365-inventory run` against the private control plane."""

    kube: ClusterAccess
    workdir: Path
    verbose: bool = False
    allow_custom_cloud: bool = True
    """Start with --allow-custom-cloud (the simulator is a Custom cloud)."""
    current: OperatorProcess | None = None
    starts: int = 0
    kills: int = 0
    logs: list[Path] = field(default_factory=list)

    def ensure(self) -> OperatorProcess:
        """The running operator, started if none runs."""
        if self.current is not None and self.current.process.poll() is None:
            return self.current
        self.starts += 1
        port = _free_port()
        log_path = self.workdir / f"operator-{self.starts}.log"
        self.logs.append(log_path)
        args = ["run", "--liveness", f"http://127.0.0.1:{port}/healthz"]
        if self.verbose:
            args.append("--verbose")
        self.current = launch_operator(
            args=args,
            kubeconfig=self.kube.kubeconfig_path,
            log_path=log_path,
            health_url=f"http://127.0.0.1:{port}/healthz",
            allow_custom_cloud=self.allow_custom_cloud,
        )
        return self.current

    def kill(self) -> None:
        """SIGKILL the operator: no cleanup handler, no last status write."""
        if self.current is not None and self.current.process.poll() is None:
            self.current.process.send_signal(signal.SIGKILL)
            self.current.process.wait()
            self.kills += 1

    def stop(self) -> None:
        if self.current is not None and self.current.process.poll() is None:
            self.current.stop()

    def all_logs(self) -> str:
        """Every line every operator process of this package wrote."""
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.exists())


def start_private_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterAccess]:
    """A fresh control plane with the project's CRDs installed."""
    workdir = tmp_path_factory.mktemp("private-plane")
    with LocalCluster.start(workdir=workdir, binaries=find_binaries()) as cluster:
        access = ClusterAccess.local(cluster=cluster)
        files = crd_files(Path(__file__).resolve().parents[2] / "crds")
        args = [arg for path in files for arg in ("-f", str(path))]
        names = access.kubectl(
            "apply", "--server-side", f"--field-manager={FIELD_MANAGER}", "-o", "name", *args
        ).stdout.split()
        access.kubectl("wait", "--for=condition=established", "--timeout=60s", *names)
        yield access


def make_namespace(kube: ClusterAccess, test_name: str) -> str:
    name = unique_namespace_name(test_name)
    manifest = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {TEST_NAMESPACE_LABEL: "true"}},
    }
    kube.kubectl("create", "-f", "-", input=yaml.safe_dump(manifest))
    return name


def wait_for_server(kube: ClusterAccess, *, timeout: float = 60.0) -> None:
    """Wait until kubectl reaches the API server again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if kube.kubectl("get", "--raw", "/readyz", check=False).returncode == 0:
            return
        time.sleep(0.2)
    raise AssertionError("the API server did not come back")


def dump_objects(kube: ClusterAccess, namespace: str, kinds: str) -> list[dict[str, object]]:
    out = kube.kubectl("-n", namespace, "get", kinds, "-o", "json").stdout
    return list(json.loads(out)["items"])
