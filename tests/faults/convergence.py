"""What "converged" means after a fault: the state a fault-free run reaches, nothing more.

Every fault test documents the same seeded MSP with the same decisions committed "in Git"
before discovery (a TenantMatch and two DeviceMatches with only a spec), lets the faults do
their worst, then compares the namespace with a run of the same world that met no fault:

- no duplicates: each Microsoft user has exactly one Contact, each device one DeviceMatch and
  at most one Configuration, each tenant one TenantMatch;
- no decision lost or overwritten: every spec a person wrote is byte-for-byte unchanged and its
  effect is in status;
- no documentation deleted: everything that existed before the fault still exists.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from e2e_harness import Scenario

CONNECTOR = "msp"
SYNC = {"contacts": True, "entraFields": True, "intuneDevices": True}
DOCUMENTATION = ("organization", "m365contact", "configuration")


def tenants(scenario: Scenario) -> list[str]:
    """The three customer tenant ids (tenants[0] is the partner)."""
    return [str(t.id) for t in scenario.sim.world.tenants[1:4]]


def decisions(scenario: Scenario) -> dict[tuple[str, str], dict[str, Any]]:
    """(kind, name) → the spec a person committed before the operator ever ran."""
    _, second, third = tenants(scenario)
    devices = scenario.sim.world.tenants[1].devices
    return {
        ("tenantmatch", f"{CONNECTOR}-{second}"): {
            "decision": "CreateOrganization",
            "organizationName": "second",
        },
        ("tenantmatch", f"{CONNECTOR}-{third}"): {"decision": "Ignore"},
        ("devicematch", f"{CONNECTOR}-{devices[0].id.lower()}"): {"decision": "Ignore"},
        ("devicematch", f"{CONNECTOR}-{devices[1].id.lower()}"): {
            "decision": "CreateConfiguration",
            "configurationName": "created-device",
        },
    }


def prepare(scenario: Scenario) -> None:
    """An Organization for the first tenant and the committed decisions; no connector yet."""
    scenario.organization("first", scenario.sim.world.tenants[1].display_name)
    kinds = {"tenantmatch": "TenantMatch", "devicematch": "DeviceMatch"}
    scenario.apply(
        *(
            {
                "apiVersion": "m365.inventory.dev/v1alpha1",
                "kind": kinds[kind],
                "metadata": {"name": name},
                "spec": spec,
            }
            for (kind, name), spec in decisions(scenario).items()
        )
    )


def snapshot(scenario: Scenario) -> dict[str, Any]:
    """The facts that must agree with a fault-free run, keyed by deterministic names."""
    state: dict[str, Any] = {}
    for kind, owner in (("tenantmatch", "organization"), ("devicematch", "configuration")):
        state[kind] = {
            o["metadata"]["name"]: (
                o.get("spec") or {},
                (o.get("status") or {}).get("state"),
                (o.get("status") or {}).get(owner),
            )
            for o in scenario.list(kind)
        }
    state["organization"] = sorted(o["metadata"]["name"] for o in scenario.list("organization"))
    state["configuration"] = sorted(o["metadata"]["name"] for o in scenario.list("configuration"))
    state["m365contact"] = {
        c["metadata"]["name"]: ((c.get("status") or {}).get("microsoft") or {}).get("userId")
        for c in scenario.list("m365contact")
    }
    return state


def assert_no_duplicates(scenario: Scenario) -> None:
    """One Contact per Microsoft user, one Configuration per created device, names aside."""
    users = Counter(
        ((c.get("status") or {}).get("microsoft") or {}).get("userId")
        for c in scenario.list("m365contact")
    )
    users.pop(None, None)
    assert [u for u, n in users.items() if n > 1] == [], "a user has two Contacts"
    created = Counter(
        (c["metadata"].get("annotations") or {}).get("m365.inventory.dev/created-by")
        for c in scenario.list("configuration")
    )
    created.pop(None, None)
    assert [d for d, n in created.items() if n > 1] == [], "a device has two Configurations"
    devices = Counter(
        ((d.get("status") or {}).get("device") or {}).get("deviceId")
        for d in scenario.list("devicematch")
    )
    devices.pop(None, None)
    assert [d for d, n in devices.items() if n > 1] == [], "a device has two DeviceMatches"


def assert_decisions_kept(scenario: Scenario) -> None:
    """Each committed spec is unchanged and in effect."""
    first, second, third = tenants(scenario)
    for (kind, name), spec in decisions(scenario).items():
        body = scenario.get(kind, name)
        assert body is not None, f"{kind}/{name} disappeared"
        assert body.get("spec") == spec, f"{kind}/{name}: the decision was overwritten"
    assert scenario.match_state(CONNECTOR, first) == ("Matched", "first")
    assert scenario.match_state(CONNECTOR, second) == ("Matched", "second")
    assert scenario.match_state(CONNECTOR, third)[0] == "Ignored"


def assert_nothing_deleted(scenario: Scenario, before: dict[str, Any]) -> None:
    after = snapshot(scenario)
    for kind in ("organization", "configuration"):
        assert set(before[kind]) <= set(after[kind]), f"a {kind} was deleted"
    assert set(before["m365contact"]) <= set(after["m365contact"]), "a Contact was deleted"


def assert_converged(scenario: Scenario, baseline: dict[str, Any]) -> dict[str, Any]:
    """Equal to the fault-free run, without duplicates, decisions kept."""
    assert_no_duplicates(scenario)
    assert_decisions_kept(scenario)
    state = snapshot(scenario)
    assert state == baseline
    return state


def assert_status_tells_the_truth(scenario: Scenario, status: dict[str, Any]) -> None:
    """Every failure in the connector's summary is on that tenant's TenantMatch, and back."""
    summary = status.get("summary") or {}
    errors = {e["tenantId"]: e["reason"] for e in summary.get("errors") or []}
    assert summary.get("tenantsFailed", 0) == len(errors)
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    synced = next(c for c in status["conditions"] if c["type"] == "Synced")
    degraded = next((c for c in status["conditions"] if c["type"] == "Degraded"), None)
    if status["phase"] in {"OK", "Degraded"}:
        assert ready["status"] == "True"
        assert (synced["status"] == "True") == (not errors)
        # Some tenants failing while others synced is Degraded, never a plain OK.
        assert (status["phase"] == "Degraded") == bool(errors)
        assert (degraded is not None) == bool(errors)
    else:
        assert ready["status"] == "False"
        assert ready["message"]
        assert synced["status"] == "False"
    assert status["history"][0]["result"] == (
        "Failed" if status["phase"] == "Error" else "PartiallySucceeded" if errors else "Succeeded"
    )
    for tenant_id, reason in errors.items():
        tm = scenario.tenant_match(CONNECTOR, tenant_id)
        assert tm is not None
        condition = next(c for c in tm["status"]["conditions"] if c["type"] == "Synced")
        assert (condition["status"], condition["reason"]) == ("False", reason)


def baseline(scenario: Scenario, namespace: str) -> dict[str, Any]:
    """The same world and decisions synced without faults, in `namespace`."""
    clean = Scenario(
        kube=scenario.kube, namespace=namespace, sim=scenario.sim, operator=scenario.operator
    )
    faults = scenario.sim.faults.model_dump(exclude={"seed"})
    scenario.sim.faults.clear()
    try:
        prepare(clean)
        clean.connector(CONNECTOR, sync=SYNC)
        status = clean.wait_synced(CONNECTOR)
        assert status["phase"] == "OK", status
        assert status["summary"]["tenantsFailed"] == 0, status
    finally:
        scenario.sim.faults.update(faults)
    assert_no_duplicates(clean)
    assert_decisions_kept(clean)
    return snapshot(clean)


def annotate_request(scenario: Scenario) -> str:
    """Ask for a sync without waiting for it."""
    token = f"fault-{time.time_ns()}"
    scenario.kubectl(
        "annotate",
        "microsoftconnector",
        CONNECTOR,
        "--overwrite",
        f"m365.inventory.dev/requestedAt={token}",
    )
    return token


def settle(scenario: Scenario) -> dict[str, Any]:
    """Ask for one more sync and return the status of the run that answers it."""
    return scenario.request_sync(CONNECTOR)
