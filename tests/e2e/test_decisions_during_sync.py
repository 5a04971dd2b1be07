"""Decisions made while a slow sync runs land at once and are never undone by the run.

The simulator answers every Graph request late (a slow tenant, or a far-away one), so a run
takes many seconds; people decide on TenantMatches and DeviceMatches of tenants the run has
not reached yet, and devices check in meanwhile (so the run has new facts to write about
exactly the objects that were decided on).
"""

from __future__ import annotations

import json
import time
from typing import Any

from m365inventory.simulator.world import ManagedDevice

from e2e_harness import Scenario

SYNC = {"contacts": True, "intuneDevices": True}
LATENCY_MS = 500


def _device(scenario: Scenario, tenant_id: str, number: int, name: str) -> ManagedDevice:
    tenant = scenario.sim.world.require_tenant(tenant_id)
    for device in list(tenant.devices):
        scenario.sim.world.delete_device(tenant_id, device.id)
    return scenario.sim.world.add_device(
        tenant_id,
        ManagedDevice(
            id=f"0000000{number}-aaaa-4bbb-8ccc-{tenant_id[-12:]}",
            device_name=name,
            azure_ad_device_id=f"0000000{number}-dddd-4eee-8fff-{tenant_id[-12:]}",
            serial_number=f"SN-{number}-{tenant_id[-4:]}",
            manufacturer="Dell Inc.",
            model="Latitude 7440",
            last_sync_date_time="2026-11-20T10:00:00Z",
        ),
    )


def _patch_spec(scenario: Scenario, kind: str, name: str, spec: dict[str, Any]) -> None:
    scenario.kubectl(
        "patch",
        kind,
        name,
        "--type",
        "json",
        "-p",
        json.dumps([{"op": "add", "path": "/spec", "value": spec}]),
    )


def _applied(scenario: Scenario, kind: str, name: str) -> dict[str, Any] | None:
    body = scenario.get(kind, name) or {}
    status = body.get("status") or {}
    return status if status.get("observedGeneration") == body["metadata"]["generation"] else None


def test_decisions_land_during_a_slow_sync_and_survive_it(scenario: Scenario) -> None:
    contoso = scenario.customer("Contoso Ltd")
    fabrikam = scenario.customer("Fabrikam Ltd")
    northwind = scenario.customer("Northwind Traders Ltd")
    ignored = _device(scenario, northwind, 1, "NW-KIOSK")
    created = _device(scenario, fabrikam, 2, "FAB-LAPTOP")
    _device(scenario, contoso, 3, "CON-DESKTOP")
    scenario.organization("contoso", "Contoso Ltd")
    scenario.organization("fabrikam", "Fabrikam Ltd")
    scenario.organization("northwind", "Northwind Traders Ltd")
    scenario.connector("msp", sync=SYNC, extra={"interval": "168h"})
    scenario.wait_synced("msp")
    dm_ignored, dm_created = f"msp-{ignored.id}", f"msp-{created.id}"
    for name in (dm_ignored, dm_created):
        assert (scenario.get("devicematch", name) or {})["status"]["state"] == "Unmatched"
    tm = f"msp-{northwind}"
    assert (scenario.get("tenantmatch", tm) or {})["status"]["state"] == "Matched"

    scenario.sim.faults.update({"latency_ms": LATENCY_MS})
    try:
        scenario.kubectl(
            "annotate",
            "microsoftconnector",
            "msp",
            "--overwrite",
            f"m365.inventory.dev/requestedAt=slow-{time.time_ns()}",
        )
        scenario.wait(
            "the slow run to start",
            lambda: scenario.connector_status("msp").get("phase") == "Syncing",
        )
        # The devices check in: the run has new facts for exactly these objects.
        for tenant, device in ((northwind, ignored), (fabrikam, created)):
            scenario.sim.world.update_device(
                tenant, device.id, {"lastSyncDateTime": "2026-12-01T08:00:00Z"}
            )
        decided = time.monotonic()
        _patch_spec(scenario, "devicematch", dm_ignored, {"decision": "Ignore"})
        _patch_spec(scenario, "devicematch", dm_created, {"decision": "CreateConfiguration"})
        _patch_spec(scenario, "tenantmatch", f"msp-{contoso}", {"decision": "Ignore"})
        for kind, name in (
            ("devicematch", dm_ignored),
            ("devicematch", dm_created),
            ("tenantmatch", f"msp-{contoso}"),
        ):
            scenario.wait(
                f"{kind} {name} to be applied",
                lambda k=kind, n=name: _applied(scenario, k, n),
                timeout=10,
            )
        latency = time.monotonic() - decided
        still = scenario.connector_status("msp")
        assert still.get("phase") == "Syncing", "the decisions must have landed mid-run"
        assert latency < 10
    finally:
        scenario.sim.faults.update({"latency_ms": 0})
    status = scenario.wait_synced("msp", timeout=120)
    assert status["phase"] in {"OK", "Degraded"}, status

    ignored_status = _applied(scenario, "devicematch", dm_ignored)
    assert ignored_status is not None
    assert ignored_status["state"] == "Ignored"
    created_status = _applied(scenario, "devicematch", dm_created)
    assert created_status is not None, "the run must not revert the decision's status"
    assert created_status["state"] == "Matched", created_status
    configuration = scenario.get("configuration", created_status["configuration"]) or {}
    assert configuration["status"]["microsoft"]["deviceId"] == created.id
    decided_conditions = {c["type"]: c for c in created_status.get("conditions") or []}
    assert decided_conditions.get("Decided", {}).get("reason") != "SerialOrMacMatchExists"
    tenant_status = _applied(scenario, "tenantmatch", f"msp-{contoso}")
    assert tenant_status is not None
    assert tenant_status["state"] == "Ignored"

    # And the next run agrees: nothing to write about the decided objects.
    again = scenario.request_sync("msp")
    assert _applied(scenario, "devicematch", dm_ignored)["state"] == "Ignored"  # type: ignore[index]
    assert again["phase"] in {"OK", "Degraded"}
