"""The bench's real parts: a control plane, CRDs, namespaces, simulators and the operator.

It reuses the end-to-end harness (`tests/e2e/e2e_harness.py`) so the bench drives the
operator exactly as the end-to-end tests and a person do: the `m365-inventory run` process,
kubectl, the Graph simulator over HTTPS.
"""

from __future__ import annotations

import socket
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import yaml

from m365inventory.localcluster.access import ClusterAccess
from m365inventory.localcluster.binaries import find_binaries
from m365inventory.localcluster.cluster import LocalCluster
from m365inventory.simulator import Simulator

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from e2e_harness import OperatorProcess, Scenario, launch_operator  # noqa: E402

FIELD_MANAGER = "m365-inventory-bench"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Rig:
    """Everything one bench run starts; closing it stops and removes all of it."""

    def __init__(self, *, kube: ClusterAccess, workdir: Path, stack: ExitStack) -> None:
        self.kube = kube
        self.workdir = workdir
        self._stack = stack
        self.operator: OperatorProcess | None = None

    @classmethod
    @contextmanager
    def open(cls, *, workdir: Path, kube: ClusterAccess | None = None) -> Iterator[Rig]:
        """Use `kube`, or start a local control plane in `workdir`; install the CRDs."""
        with ExitStack() as stack:
            if kube is None:
                cluster = stack.enter_context(
                    LocalCluster.start(workdir=workdir / "cluster", binaries=find_binaries())
                )
                kube = ClusterAccess.local(cluster=cluster)
            rig = cls(kube=kube, workdir=workdir, stack=stack)
            rig.install_crds()
            yield rig

    def install_crds(self) -> None:
        self.kube.kubectl(
            "apply",
            "--server-side",
            "--force-conflicts",
            f"--field-manager={FIELD_MANAGER}",
            "-f",
            str(REPO / "crds"),
        )
        self.kube.kubectl("wait", "--for=condition=established", "--timeout=60s", "crd", "--all")

    def namespace(self, prefix: str) -> str:
        """A fresh namespace, deleted (without waiting) when the rig closes."""
        name = f"{prefix}-{uuid.uuid4().hex[:6]}"
        manifest = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        self.kube.kubectl("create", "-f", "-", input=yaml.safe_dump(manifest))
        self._stack.callback(
            self.kube.kubectl,
            "delete",
            "namespace",
            name,
            "--wait=false",
            "--ignore-not-found",
            check=False,
        )
        return name

    def start(self, sim: Simulator) -> Simulator:
        """Start `sim`; it stops when the rig closes."""
        return self._stack.enter_context(sim)

    def start_operator(self, *, namespaces: list[str]) -> OperatorProcess:
        """`m365-inventory run` watching only the bench's namespaces."""
        port = _free_port()
        # The bench's connectors point at the Graph simulator (cloud Custom): opt in.
        args = ["run", "--allow-custom-cloud", "--liveness", f"http://127.0.0.1:{port}/healthz"]
        for name in namespaces:
            args += ["--namespace", name]
        operator = launch_operator(
            args=args,
            kubeconfig=self.kube.kubeconfig_path,
            log_path=self.workdir / "operator.log",
            health_url=f"http://127.0.0.1:{port}/healthz",
        )
        self._stack.callback(operator.stop)
        self.operator = operator
        return operator

    def scenario(self, *, namespace: str, sim: Simulator) -> Scenario:
        if self.operator is None:
            raise RuntimeError("start the operator first")
        return Scenario(kube=self.kube, namespace=namespace, sim=sim, operator=self.operator)
