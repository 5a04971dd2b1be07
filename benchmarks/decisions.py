"""Decision latency: from `kubectl patch` of a TenantMatch decision to its status update.

A separate MSP of unmatched tenants (no Organizations) gives one TenantMatch per decision.
Each decision is `Ignore`, which has no side effects, so the figure is the operator's
reaction time: the watch event, the re-read under the namespace lock, the status write.
The clock starts before kubectl does, so kubectl's own start is part of the figure, as it is
for a person; `kubectl_seconds` says how much of it that was.
"""

from __future__ import annotations

import json
import time
from typing import Any

from benchmarks import figures
from benchmarks.connectors import Reader
from benchmarks.syncs import CONNECTOR
from m365inventory.model import resources
from m365inventory.simulator import Simulator, generate_world

from e2e_harness import Scenario

POLL_SECONDS = 0.02
TIMEOUT_SECONDS = 30.0
DECISIONS_SYNC: dict[str, Any] = {"contacts": False, "locations": False}


def make_simulator(*, tenants: int, seed: int) -> Simulator:
    """Tenants with one user and nothing else: their data is never synced (unmatched)."""
    world = generate_world(
        seed=seed, tenants=tenants, users_per_tenant=1, groups_per_tenant=0, devices_per_tenant=0
    )
    return Simulator(world)


def _decided(body: dict[str, Any] | None) -> bool:
    if body is None:
        return False
    status = body.get("status") or {}
    return bool(
        status.get("state") == "Ignored"
        and status.get("observedGeneration") == body["metadata"].get("generation")
    )


def decision_latency(sc: Scenario, *, reader: Reader, count: int, timeout: float) -> dict[str, Any]:
    sc.connector(CONNECTOR, sync=DECISIONS_SYNC)
    reader.wait_synced(CONNECTOR, namespace=sc.namespace, timeout=timeout)
    names = sorted(
        m["metadata"]["name"] for m in reader.list(resources.TENANT_MATCH, namespace=sc.namespace)
    )[:count]
    latencies: list[float] = []
    kubectl_seconds: list[float] = []
    patch = json.dumps({"spec": {"decision": "Ignore"}})
    for name in names:
        began = time.monotonic()
        sc.kubectl("patch", "tenantmatch", name, "--type", "merge", "-p", patch)
        kubectl_seconds.append(time.monotonic() - began)
        deadline = began + TIMEOUT_SECONDS
        while not _decided(reader.get(resources.TENANT_MATCH, name, namespace=sc.namespace)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"decision on {name} not applied within {TIMEOUT_SECONDS} s")
            time.sleep(POLL_SECONDS)
        latencies.append(time.monotonic() - began)
    return {
        "scenario": "decisions",
        "decisions": len(latencies),
        "p50_seconds": round(figures.percentile(latencies, 50), 3),
        "p95_seconds": round(figures.percentile(latencies, 95), 3),
        "max_seconds": round(max(latencies), 3),
        "kubectl_p50_seconds": round(figures.percentile(kubectl_seconds, 50), 3),
    }
