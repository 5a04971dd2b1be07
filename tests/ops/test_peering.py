"""Several replicas with kopf peering: one active, the others on standby, taking over when the
active one stops. Runs two real operator processes against the private control plane, with
the peering CRDs and object the chart ships; which one works is read from each one's metrics.
"""

from __future__ import annotations

import json
import socket
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from ops_tools import find, render
from prometheus_client.parser import text_string_to_metric_families

from m365inventory.localcluster.access import ClusterAccess
from m365inventory.simulator import Simulator

from e2e_harness import OperatorProcess, Scenario, launch_operator

pytestmark = pytest.mark.cluster


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Replica:
    """One operator process with its own metrics port."""

    def __init__(self, *, name: str, args: list[str], kube: ClusterAccess, tmp: Path) -> None:
        self.metrics_port, probe = free_port(), free_port()
        self.process: OperatorProcess = launch_operator(
            args=[
                *args,
                f"--metrics-port={self.metrics_port}",
                f"--liveness=http://127.0.0.1:{probe}/healthz",
            ],
            kubeconfig=kube.kubeconfig_path,
            log_path=tmp / f"{name}.log",
            health_url=f"http://127.0.0.1:{probe}/healthz",
        )
        self.health_url = f"http://127.0.0.1:{probe}/healthz"

    def syncs(self) -> float:
        """Sync runs this replica finished (any connector, any result)."""
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            text = response.read().decode()
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "m365_inventory_syncs_total"
        )

    def healthy(self) -> bool:
        with urllib.request.urlopen(self.health_url, timeout=5) as response:  # noqa: S310
            return bool(response.status == 200)


@pytest.fixture
def watched(ops_cluster: ClusterAccess) -> Iterator[str]:
    name = f"peer-{uuid.uuid4().hex[:6]}"
    ops_cluster.kubectl("create", "namespace", name)
    yield name
    ops_cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


def test_one_replica_works_the_other_stands_by_and_takes_over(
    ops_cluster: ClusterAccess, watched: str, simulator: Simulator, tmp_path: Path
) -> None:
    kube = ops_cluster
    values = {"watch": {"scope": "Namespaces", "namespaces": [watched]}}
    docs = render(values=values, include_crds=True)
    crds = find(docs, "CustomResourceDefinition")
    kube.kubectl(
        "apply", "--server-side", "--force-conflicts", "-f", "-", input=yaml.safe_dump_all(crds)
    )
    kube.kubectl("wait", "--for=condition=established", "--timeout=60s", "crd", "--all")
    (peering,) = find(docs, "KopfPeering")
    kube.kubectl("apply", "-f", "-", input=yaml.safe_dump(peering))
    name = peering["metadata"]["name"]
    (deployment,) = find(docs, "Deployment")
    chart_args = [
        a
        for a in deployment["spec"]["template"]["spec"]["containers"][0]["args"]
        if not a.startswith(("--metrics-port=", "--liveness="))
    ]
    assert f"--peering={peering['metadata']['name']}" in chart_args

    def peers() -> dict[str, dict[str, object]]:
        body = json.loads(
            kube.kubectl("get", "kopfpeering", name, "-n", watched, "-o", "json").stdout
        )
        return dict(body.get("status") or {})

    active = Replica(name="active", args=[*chart_args, "--priority=20"], kube=kube, tmp=tmp_path)
    standby = Replica(name="standby", args=[*chart_args, "--priority=10"], kube=kube, tmp=tmp_path)
    try:
        scenario = Scenario(kube=kube, namespace=watched, sim=simulator, operator=active.process)
        # Both replicas have signed the peering record; the lower priority waits, silently.
        scenario.wait("both replicas in the peering record", lambda: len(peers()) == 2)
        assert sorted(int(str(p["priority"])) for p in peers().values()) == [10, 20]
        scenario.connector("msp")
        assert scenario.wait_synced("msp")["phase"] == "OK"
        assert active.syncs() >= 1
        assert standby.syncs() == 0
        assert standby.healthy(), "a standby still answers its probes"

        active.process.stop()
        scenario.wait(
            "the standby to resume", lambda: "Resuming operations" in standby.process.log_text()
        )
        status = scenario.request_sync("msp")
        assert status["phase"] == "OK"
        assert standby.syncs() >= 1
    finally:
        active.process.stop()
        standby.process.stop()
