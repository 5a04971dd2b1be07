"""A tenant, users and a device with hostile names, synced end to end: the operator makes
valid objects with sanitised names and labels, reports OK, and a second run writes nothing
(no crash loop, no write loop)."""

from __future__ import annotations

import json

import pytest

from e2e_harness import Scenario

pytestmark = pytest.mark.cluster
TENANT_NAME = (
    "\u216f\U0001d522\U0001d524\U0001d51e Corp: {evil: [yaml]} \u202eGNP.exe\u202c 😀 "
    + "Z" * 10_000
)
NAMES = {
    "givenName": "😀🏳️‍🌈",
    "surname": "\u202eevil\u202c",
    "displayName": "key: value\n- item &x *x " + "L" * 10_000,
    "jobTitle": "مدير " * 500,
    "mobilePhone": "+1 (555) 0100 ext. " + "9" * 100,
}


def test_hostile_names_sync_to_valid_objects(hostile: Scenario) -> None:
    sim = hostile.sim
    tenant = sim.world.tenants[1]
    tid = str(tenant.id)
    sim.world.rename_tenant(tid, TENANT_NAME)
    victim = tenant.users[0]
    sim.world.update_user(tid, victim.id, NAMES)
    device = tenant.devices[0]
    sim.world.update_device(tid, device.id, {"deviceName": "PC: 😀 \u202e" + "D" * 5_000})
    hostile.apply(
        {
            "apiVersion": "m365.inventory.dev/v1alpha1",
            "kind": "TenantMatch",
            "metadata": {"name": f"msp-{tid}"},
            "spec": {"decision": "CreateOrganization"},
        },
        {
            "apiVersion": "m365.inventory.dev/v1alpha1",
            "kind": "DeviceMatch",
            "metadata": {"name": f"msp-{device.id.lower()}"},
            "spec": {"decision": "CreateConfiguration"},
        },
    )
    hostile.connector("msp", sync={"contacts": True, "entraFields": True, "intuneDevices": True})
    status = hostile.wait_synced("msp")
    assert status["phase"] == "OK", status
    assert status["summary"]["tenantsFailed"] == 0, status["summary"]

    state, organization = hostile.match_state("msp", tid)
    assert state == "Matched"
    assert organization == "mega-corp-evil-yaml-gnp-exe-zzzzzzzzzzzz"  # folded, cut, sanitised
    facts = (hostile.tenant_match("msp", tid) or {})["status"]["tenant"]
    assert facts["displayName"] == TENANT_NAME[:1024]
    contact = next(
        c
        for c in hostile.list("m365contact")
        if (c.get("status") or {}).get("microsoft", {}).get("userId") == victim.id
    )
    assert contact["metadata"]["name"].startswith(f"{organization}-key-value-item-x-x-l")
    assert contact["spec"]["firstName"] == NAMES["givenName"]
    assert contact["status"]["microsoft"]["displayName"] == NAMES["displayName"][:1024]
    assert len(contact["status"]["microsoft"]["mobilePhone"]) == 64
    configuration = next(
        c
        for c in hostile.list("configuration")
        if c["metadata"].get("annotations", {}).get("m365.inventory.dev/created-by")
    )
    assert configuration["metadata"]["name"].startswith(f"{organization}-pc-dddd")

    again = hostile.request_sync("msp")
    assert again["phase"] == "OK"
    assert again["summary"]["writes"] == 0, "an unchanged hostile tenant must cost no writes"
    events = json.loads(hostile.kubectl("get", "events", "-o", "json"))["items"]
    assert not [e for e in events if e["type"] == "Warning"], [e["message"] for e in events]
