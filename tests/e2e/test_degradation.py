"""Real tenants' failure modes cost one feature of one tenant, named in status; the rest syncs.

A partner with four customers, against the simulator's Microsoft-faithful answers:
- one never consented to the multi-tenant app: its token request answers AADSTS700016 while the
  same app signs in to the partner, so it is ConsentMissing (not bad credentials);
- one's admin did not grant Reports.Read.All: mailboxes are skipped with the permission named;
  contacts and devices sync;
- one is healthy: every feature syncs;
- one has no Intune licence: managedDevices answers 400 "Request not applicable to target
  tenant."; its devices are skipped with a note, its contacts, groups and licences sync.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from m365inventory.simulator import Simulator, generate_world

from e2e_harness import Scenario

SYNC = {
    "contacts": True,
    "groups": True,
    "licenses": {"enabled": True},
    "mailboxes": True,
    "intuneDevices": True,
}


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    world = generate_world(
        seed=7,
        tenants=4,
        users_per_tenant=10,
        groups_per_tenant=2,
        devices_per_tenant=3,
        without_intune=1,
    )
    with Simulator(world) as sim:
        yield sim


def _tenant(scenario: Scenario, index: int) -> Any:
    partner = scenario.sim.world.partner_tenant
    return [t for t in scenario.sim.world.tenants if t is not partner][index]


def _synced(scenario: Scenario, tenant_id: str) -> dict[str, Any]:
    match = scenario.tenant_match("msp", tenant_id) or {}
    conditions = (match.get("status") or {}).get("conditions") or []
    return next(c for c in conditions if c["type"] == "Synced")


def _contacts_of(scenario: Scenario, tenant_id: str) -> list[dict[str, Any]]:
    return [
        c
        for c in scenario.list("m365contact")
        if ((c.get("status") or {}).get("microsoft") or {}).get("tenantId") == tenant_id
    ]


def _device_matches_of(scenario: Scenario, tenant_id: str) -> list[dict[str, Any]]:
    return scenario.list("devicematch", selector=f"m365.inventory.dev/tenant-id={tenant_id}")


def test_each_failure_mode_costs_one_feature_of_one_tenant(scenario: Scenario) -> None:
    world = scenario.sim.world
    app = world.apps[0]
    unconsented, no_reports, healthy, no_intune = (_tenant(scenario, i) for i in range(4))
    assert not no_intune.intune_licensed  # generate_world(without_intune=1): the last customer
    assert not no_intune.devices
    assert all(t.intune_licensed for t in (unconsented, no_reports, healthy))
    del app.grants[unconsented.id]
    app.grants[no_reports.id] = [p for p in app.grants[no_reports.id] if p != "Reports.Read.All"]
    for tenant in (no_intune, no_reports, healthy):
        tenant.display_concealed_names = False
    for index, tenant in enumerate((no_intune, unconsented, no_reports, healthy)):
        scenario.organization(f"org-{index}", tenant.display_name)

    scenario.connector("msp", sync=SYNC)
    status = scenario.wait_synced("msp")

    credentials = next(c for c in status["conditions"] if c["type"] == "CredentialsValid")
    assert credentials["status"] == "True", credentials

    # No Intune: devices skipped and said so; contacts, groups, licences synced.
    synced = _synced(scenario, no_intune.id)
    assert synced["status"] == "True", synced
    assert (
        "intuneDevices not synced: the tenant has no Microsoft Intune licence"
        in (synced["message"])
    )
    assert _device_matches_of(scenario, no_intune.id) == []
    assert _contacts_of(scenario, no_intune.id)
    org = scenario.get("organization", "org-0") or {}
    assert org["status"]["microsoft"]["licenses"]
    assert org["status"]["microsoft"]["groups"]

    # Unconsented: ConsentMissing on its TenantMatch, naming the consent to give.
    synced = _synced(scenario, unconsented.id)
    assert (synced["status"], synced["reason"]) == ("False", "ConsentMissing"), synced
    assert "AADSTS700016" in synced["message"]
    assert "grant admin consent" in synced["message"]
    assert _contacts_of(scenario, unconsented.id) == []

    # No Reports.Read.All: mailboxes skipped with the permission named; the rest synced.
    synced = _synced(scenario, no_reports.id)
    assert synced["status"] == "True", synced
    assert "mailboxes not synced: grant Reports.Read.All" in synced["message"]
    contacts = _contacts_of(scenario, no_reports.id)
    assert contacts
    assert not any("mailbox" in c["status"]["microsoft"] for c in contacts)
    assert _device_matches_of(scenario, no_reports.id)

    # Healthy: everything, including mailboxes and devices.
    synced = _synced(scenario, healthy.id)
    assert synced["status"] == "True", synced
    assert "not synced" not in synced["message"]
    assert any("mailbox" in c["status"]["microsoft"] for c in _contacts_of(scenario, healthy.id))
    assert len(_device_matches_of(scenario, healthy.id)) == len(healthy.devices)

    # The connector names the one failed tenant; the others count as synced.
    assert unconsented.id in str(status.get("summary", {}).get("errors"))

    # Each degraded feature was announced once, as a Warning Event on its TenantMatch.
    warned = {
        (e["involvedObject"]["name"], e["message"].split(":")[0])
        for e in json.loads(scenario.kubectl("get", "events", "-o", "json"))["items"]
        if e.get("reason") == "FeatureDegraded"
    }
    assert warned == {
        (f"msp-{no_intune.id}", "intuneDevices not synced"),
        (f"msp-{no_reports.id}", "mailboxes not synced"),
    }
