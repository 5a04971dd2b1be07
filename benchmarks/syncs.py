"""Measured syncs: cold, unchanged, after a 1% change, and under a throttling storm.

Each sync is started the way a person starts one (apply the connector, or annotate
requestedAt) and measured from outside: wall time here, Graph requests and documentation
writes from the connector's `status.summary`, server-side request counts from the simulator,
objects from the API server, CPU and peak RSS from the operator's /proc entry.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from benchmarks import figures, procstats
from benchmarks.connectors import Reader
from benchmarks.figures import Shape, TenantSize
from m365inventory.model import resources
from m365inventory.simulator import Simulator, World
from m365inventory.simulator.faults import TOKEN_ENDPOINT

from e2e_harness import Scenario

CONNECTOR = "msp"
FULL_SYNC: dict[str, Any] = {
    "contacts": True,
    "groups": True,
    "entraFields": True,
    "intuneDevices": True,
}
DOCUMENTATION = (
    resources.TENANT_MATCH,
    resources.ORGANIZATION,
    resources.CONTACT,
    resources.DEVICE_MATCH,
    resources.CONFIGURATION,
)
BATCH_ENDPOINT = "POST /v1.0/$batch"
CHANGED_FRACTION = 0.01


def organizations(world: World) -> list[dict[str, Any]]:
    """One Organization per customer tenant, named exactly like it: every tenant matches."""
    partner = world.partner_tenant
    return [
        {
            "apiVersion": resources.API_VERSION,
            "kind": "Organization",
            "metadata": {"name": f"org-{index}"},
            "spec": {"displayName": tenant.display_name},
        }
        for index, tenant in enumerate(t for t in world.tenants if t is not partner)
    ]


def tenant_sizes(world: World, *, macs_known: bool) -> list[TenantSize]:
    """What each customer's sync must read; `macs_known`: the last sync stored the MACs."""
    partner = world.partner_tenant
    return [
        TenantSize(
            users=len(t.users),
            groups=len(t.groups),
            devices=len(t.devices),
            # Graph's device list never carries the Ethernet MAC: each is one read by id.
            macs_to_read=0 if macs_known else len(t.devices),
            # The bench's connectors sync Entra fields: last sign-in where the tenant has P1.
            sign_in_activity=t.has_entra_id_p1,
        )
        for t in world.tenants
        if t is not partner
    ]


def page_sizes(sim: Simulator) -> dict[str, int]:
    def size(path: str, top: int | None) -> int:
        return sim.settings.page_size_for(endpoint=f"GET /v1.0{path}", top=top)

    return {
        "customers": size("/tenantRelationships/delegatedAdminCustomers", None),
        "users": size("/users", 999),
        "groups": size("/groups", 999),
        "devices": size("/deviceManagement/managedDevices", 999),
    }


def minimum_requests(sim: Simulator, *, macs_known: bool) -> int:
    return figures.minimum_graph_requests(
        tenants=tenant_sizes(sim.world, macs_known=macs_known),
        page_size=page_sizes(sim),
        batch_size=sim.settings.batch_max_requests,
        # The bench's connectors sign in with a client secret (e2e_harness.Scenario).
        secret_expiry=True,
    )


def server_requests(sim: Simulator) -> dict[str, int]:
    """What the simulator answered: HTTP requests, $batch sub-requests, tokens, 429s."""
    tokens = batches = graph = throttled = 0
    for (endpoint, status), count in sim.counters.snapshot().items():
        if endpoint == TOKEN_ENDPOINT:
            tokens += count
            continue
        if endpoint == BATCH_ENDPOINT:
            batches += count
        else:
            graph += count
        if status == 429:
            throttled += count
    return {
        "token_requests": tokens,
        "batch_posts": batches,
        "graph_answers": graph,
        "throttled_429": throttled,
    }


def server_by_endpoint(sim: Simulator) -> dict[str, int]:
    """The simulator's counts as "<endpoint> <status>": where the requests went."""
    return {f"{ep} {status}": n for (ep, status), n in sorted(sim.counters.snapshot().items())}


class Measurer:
    """Measures one operator process over the syncs of one or more connectors."""

    def __init__(self, *, reader: Reader, pid: int, timeout: float) -> None:
        self.reader = reader
        self.pid = pid
        self.timeout = timeout

    def objects(self, namespace: str) -> dict[str, int]:
        return {k.plural: self.reader.count(k, namespace=namespace) for k in DOCUMENTATION}

    def measure(self, sc: Scenario, *, start: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run `start` (which returns the connector's final status) and measure it."""
        sc.sim.counters.reset()
        before_objects = self.objects(sc.namespace)
        procstats.reset_peak(self.pid)
        before = procstats.sample(self.pid)
        began = time.monotonic()
        status = start()
        wall = time.monotonic() - began
        after = procstats.sample(self.pid)
        after_objects = self.objects(sc.namespace)
        summary = status.get("summary") or {}
        created = {k: after_objects[k] - before_objects[k] for k in after_objects}
        return {
            "phase": status.get("phase"),
            "wall_seconds": round(wall, 3),
            "graph_requests": summary.get("graphRequests"),
            **server_requests(sc.sim),
            "server_by_endpoint": server_by_endpoint(sc.sim),
            "writes": summary.get("writes"),
            "objects_created": sum(created.values()),
            "objects_by_kind": created,
            "objects_total": sum(after_objects.values()),
            "tenants": summary.get("tenants"),
            "tenants_synced": summary.get("tenantsSynced"),
            "tenants_failed": summary.get("tenantsFailed"),
            "cpu_seconds": round(after.cpu_seconds - before.cpu_seconds, 2),
            "peak_rss_mb": after.peak_rss_mb,
        }

    def cold(self, sc: Scenario, *, sync: dict[str, Any] | None = None) -> dict[str, Any]:
        """Apply the connector and wait for its first run."""

        def start() -> dict[str, Any]:
            sc.connector(CONNECTOR, sync=sync or FULL_SYNC)
            return self.reader.wait_synced(CONNECTOR, namespace=sc.namespace, timeout=self.timeout)

        return self.measure(sc, start=start)

    def resync(self, sc: Scenario) -> dict[str, Any]:
        """Annotate requestedAt, as a person asking for a sync now, and wait for that run."""

        def start() -> dict[str, Any]:
            token = f"bench-{time.time_ns()}"
            sc.kubectl(
                "annotate",
                "microsoftconnector",
                CONNECTOR,
                "--overwrite",
                f"{resources.ANNOTATION_REQUESTED_AT}={token}",
            )
            return self.reader.wait_answered(
                CONNECTOR, namespace=sc.namespace, token=token, timeout=self.timeout
            )

        return self.measure(sc, start=start)


def cold_sync(m: Measurer, sc: Scenario, *, shape: Shape) -> dict[str, Any]:
    result = m.cold(sc)
    minimum = minimum_requests(sc.sim, macs_known=False)
    result.update(
        scenario="cold_sync",
        shape=shape.as_json(),
        minimum_graph_requests=minimum,
        requests_vs_minimum=figures.ratio(result["graph_requests"] or 0, minimum),
    )
    return result


def unchanged_resync(
    m: Measurer, sc: Scenario, *, shape: Shape, cold: dict[str, Any]
) -> dict[str, Any]:
    result = m.resync(sc)
    minimum = minimum_requests(sc.sim, macs_known=True)
    result.update(
        scenario="unchanged_resync",
        shape=shape.as_json(),
        minimum_graph_requests=minimum,
        requests_vs_minimum=figures.ratio(result["graph_requests"] or 0, minimum),
        wall_vs_cold=figures.ratio(result["wall_seconds"], cold["wall_seconds"]),
    )
    return result


def change_some(sc: Scenario, *, reader: Reader, fraction: float, seed: int) -> dict[str, int]:
    """Change `fraction` of the documented users (job title) and of the devices (OS version
    and check-in time) in the simulated tenants; return how many of each."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable workload, not security
    contacts = reader.list(resources.CONTACT, namespace=sc.namespace)
    users = sorted(
        {
            (str(m["tenantId"]), str(m["userId"]))
            for c in contacts
            if (m := (c.get("status") or {}).get("microsoft") or {}).get("userId")
        }
    )
    partner = sc.sim.world.partner_tenant
    devices = sorted(
        (t.id, d.id) for t in sc.sim.world.tenants if t is not partner for d in t.devices
    )
    picked_users = rng.sample(users, max(1, round(len(users) * fraction))) if users else []
    picked_devices = rng.sample(devices, max(1, round(len(devices) * fraction))) if devices else []
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    for n, (tenant_id, user_id) in enumerate(picked_users):
        sc.sim.world.update_user(tenant_id, user_id, {"jobTitle": f"Bench title {n}"})
    for tenant_id, device_id in picked_devices:
        sc.sim.world.update_device(
            tenant_id, device_id, {"osVersion": "10.0.99999.1", "lastSyncDateTime": now}
        )
    return {"users": len(picked_users), "devices": len(picked_devices)}


def changed_resync(m: Measurer, sc: Scenario, *, shape: Shape, seed: int) -> dict[str, Any]:
    changed = change_some(sc, reader=m.reader, fraction=CHANGED_FRACTION, seed=seed)
    result = m.resync(sc)
    total = changed["users"] + changed["devices"]
    result.update(
        scenario="change_1pct",
        shape=shape.as_json(),
        changed_users=changed["users"],
        changed_devices=changed["devices"],
        changed_objects=total,
        writes_vs_changed=figures.ratio(result["writes"] or 0, total),
    )
    return result
