"""Two operator processes, one writer: leader election by Lease, seen from the API server.

Each process runs as its own ServiceAccount, so the API server's audit log (the local control
plane logs every write to the project's API group) says who wrote what and when. Whatever the
processes go through (a rolling update, a SIGKILL, a freeze longer than the lease while the
other takes over), the writes of the two never interleave: the log is a few runs of one
writer each, one run per leadership.
"""

from __future__ import annotations

import json
import signal
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from m365inventory.localcluster.access import ClusterAccess
from m365inventory.simulator import Simulator

from e2e_harness import OperatorProcess, Scenario, launch_operator

pytestmark = pytest.mark.cluster

LEASE = ["--lease-duration=6", "--renew-deadline=4", "--retry-period=1"]
LEASE_DURATION = 6.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def home(ops_cluster: ClusterAccess) -> Iterator[str]:
    """A namespace for the operators' ServiceAccounts and their Lease, and one to watch."""
    name = f"leader-{uuid.uuid4().hex[:6]}"
    ops_cluster.kubectl("create", "namespace", name)
    yield name
    ops_cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


class Replica:
    """One operator process, as its own ServiceAccount `<identity>`."""

    def __init__(
        self, *, identity: str, kube: ClusterAccess, home: str, watched: str, tmp: Path
    ) -> None:
        assert kube.cluster is not None
        kube.kubectl("-n", home, "create", "serviceaccount", identity, check=False)
        kube.kubectl(
            "create",
            "clusterrolebinding",
            f"{home}-{identity}",
            "--clusterrole=cluster-admin",
            f"--serviceaccount={home}:{identity}",
            check=False,
        )
        token = kube.cluster.request_service_account_token(namespace=home, name=identity)
        kubeconfig = kube.cluster.write_kubeconfig(
            path=tmp / f"{identity}.kubeconfig", user=identity, token=token
        )
        self.user = f"system:serviceaccount:{home}:{identity}"
        probe = free_port()
        self.process: OperatorProcess = launch_operator(
            args=[
                "run",
                f"--namespace={watched}",
                f"--lease-namespace={home}",
                "--lease-name=operator",
                f"--identity={identity}",
                f"--liveness=http://127.0.0.1:{probe}/healthz",
                *LEASE,
            ],
            kubeconfig=kubeconfig,
            log_path=tmp / f"{identity}.log",
            health_url=f"http://127.0.0.1:{probe}/healthz",
        )


def holder(kube: ClusterAccess, home: str) -> str | None:
    out = kube.kubectl(
        "-n", home, "get", "lease", "operator", "-o", "json", "--ignore-not-found"
    ).stdout
    return str(json.loads(out)["spec"].get("holderIdentity") or "") or None if out.strip() else None


def writes(kube: ClusterAccess, users: set[str], namespace: str) -> list[dict[str, Any]]:
    """The audited writes of `users` to the project's objects in `namespace`, in order."""
    assert kube.cluster is not None
    entries = [
        json.loads(line)
        for line in kube.cluster.audit_log_path.read_text().splitlines()
        if line.strip()
    ]
    found = [
        e
        for e in entries
        if e.get("stage") == "ResponseComplete"
        and e["user"]["username"] in users
        and (e.get("objectRef") or {}).get("apiGroup") == "m365.inventory.dev"
        and (e.get("objectRef") or {}).get("namespace") == namespace
        and int((e.get("responseStatus") or {}).get("code") or 0) < 300
    ]
    return sorted(found, key=lambda e: str(e["stageTimestamp"]))


def runs_of(entries: list[dict[str, Any]]) -> list[str]:
    """The writers in order, consecutive writes of one writer folded into one run."""
    runs: list[str] = []
    for entry in entries:
        user = entry["user"]["username"]
        if not runs or runs[-1] != user:
            runs.append(user)
    return runs


def test_one_writer_through_rolling_update_kill_and_freeze(
    ops_cluster: ClusterAccess, home: str, simulator: Simulator, tmp_path: Path
) -> None:
    kube = ops_cluster
    crds = Path(__file__).resolve().parents[2] / "crds"
    kube.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(crds))
    kube.kubectl("wait", "--for=condition=established", "--timeout=60s", "crd", "--all")
    watched = f"{home}-docs"
    kube.kubectl("create", "namespace", watched)
    replicas: list[Replica] = []

    def start(identity: str) -> Replica:
        replica = Replica(identity=identity, kube=kube, home=home, watched=watched, tmp=tmp_path)
        replicas.append(replica)
        return replica

    try:
        a = start("op-a")
        scenario = Scenario(kube=kube, namespace=watched, sim=simulator, operator=a.process)
        scenario.wait("op-a to lead", lambda: holder(kube, home) == "op-a")
        b = start("op-b")
        scenario.connector("msp")
        assert scenario.wait_synced("msp")["phase"] == "OK"
        assert holder(kube, home) == "op-a", "the standby must not take the Lease"

        # A rolling update: the new pod runs beside the old one, then the old one is stopped.
        stopped = time.monotonic()
        a.process.stop()
        scenario.wait("op-b to take over", lambda: holder(kube, home) == "op-b")
        assert time.monotonic() - stopped < LEASE_DURATION, "a released Lease is taken at once"
        scenario.request_sync("msp")

        # suspend is honoured by the leader; the stopped one writes nothing any more.
        scenario.patch("microsoftconnector", "msp", {"spec": {"suspend": True}})
        scenario.wait(
            "the connector to say Suspended",
            lambda: scenario.connector_status("msp").get("phase") == "Suspended",
        )

        # A freeze longer than the Lease: op-b stops (SIGSTOP), op-c takes over, op-b wakes up
        # fenced: it must not write a single object after op-c started leading.
        c = start("op-c")
        b.process.process.send_signal(signal.SIGSTOP)
        frozen = time.monotonic()
        scenario.wait(
            "op-c to take over from the frozen leader",
            lambda: holder(kube, home) == "op-c",
            timeout=3 * LEASE_DURATION,
        )
        assert time.monotonic() - frozen < 3 * LEASE_DURATION
        scenario.patch("microsoftconnector", "msp", {"spec": {"suspend": False}})
        b.process.process.send_signal(signal.SIGCONT)
        status = scenario.request_sync("msp")
        assert status["phase"] == "OK"

        # A SIGKILL of the leader: the standby (op-b, awake again) takes over within the lease.
        c.process.process.send_signal(signal.SIGKILL)
        c.process.process.wait()
        killed = time.monotonic()
        scenario.wait(
            "op-b to take over from the killed leader",
            lambda: holder(kube, home) == "op-b",
            timeout=3 * LEASE_DURATION,
        )
        assert time.monotonic() - killed < LEASE_DURATION + 3
        assert scenario.request_sync("msp")["phase"] == "OK"

        users = {r.user for r in replicas}
        order = runs_of(writes(kube, users, watched))
        # One run of writes per leadership, in the order the Lease changed hands.
        assert order == [a.user, b.user, c.user, b.user], order
    finally:
        for replica in replicas:
            if replica.process.process.poll() is None:
                replica.process.process.send_signal(signal.SIGCONT)
                replica.process.stop()
