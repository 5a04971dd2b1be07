"""Intune devices end to end: DeviceMatches, matching rules, decisions, BitLocker Secrets.

The operator runs as its own process against a real kube-apiserver and the Graph simulator
over HTTPS; devices are planted in the simulator's world so each rule has a known answer.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from typing import Any

from m365inventory.match import normalise
from m365inventory.simulator import Simulator, generate_world
from m365inventory.simulator.world import ManagedDevice, RecoveryKey

from e2e_harness import Scenario

API = "m365.inventory.dev/v1alpha1"
DEVICES_SYNC = {"contacts": True, "intuneDevices": True}
ETHERNET_READS = "GET /v1.0/deviceManagement/managedDevices/{id}"
KEY_READS = "GET /v1.0/informationProtection/bitlocker/recoveryKeys/{id}?$select=key"


def _reset_devices(sim: Simulator, tenant_id: str) -> None:
    tenant = sim.world.require_tenant(tenant_id)
    for device in list(tenant.devices):
        sim.world.delete_device(tenant_id, device.id)
    tenant.recovery_keys.clear()


def _device(
    sim: Simulator,
    tenant_id: str,
    number: int,
    *,
    name: str,
    serial: str = "",
    wifi: str = "",
    ethernet: str | None = None,
    user: str = "",
) -> ManagedDevice:
    device = ManagedDevice(
        id=f"0000000{number}-aaaa-4bbb-8ccc-{tenant_id[-12:]}",
        device_name=name,
        azure_ad_device_id=f"0000000{number}-dddd-4eee-8fff-{tenant_id[-12:]}",
        serial_number=serial,
        wi_fi_mac_address=wifi,
        ethernet_mac_address=ethernet,
        user_principal_name=user,
        manufacturer="Dell Inc.",
        model="Latitude 7440",
        os_version="10.0.22631.3447",
        last_sync_date_time="2026-11-20T10:00:00Z",
    )
    return sim.world.add_device(tenant_id, device)


def _configuration(scenario: Scenario, name: str, organization: str, **spec: Any) -> None:
    # JSON, not YAML: a serial such as 0123456789 would turn into a number on the way.
    document = {
        "apiVersion": API,
        "kind": "Configuration",
        "metadata": {"name": name},
        "spec": {"organization": organization, "displayName": name, **spec},
    }
    scenario.kubectl("apply", "-f", "-", input=json.dumps(document))


def _dm(scenario: Scenario, device: ManagedDevice, connector: str = "msp") -> dict[str, Any]:
    return scenario.get("devicematch", f"{connector}-{device.id}") or {}


def _state(scenario: Scenario, device: ManagedDevice) -> tuple[str | None, str | None]:
    status = _dm(scenario, device).get("status") or {}
    return status.get("state"), status.get("configuration")


def _decide(scenario: Scenario, device: ManagedDevice, spec: dict[str, Any] | None) -> None:
    op = (
        {"op": "remove", "path": "/spec"}
        if spec is None
        else {"op": "add", "path": "/spec", "value": spec}
    )
    scenario.kubectl(
        "patch", "devicematch", f"msp-{device.id}", "--type", "json", "-p", json.dumps([op])
    )


def _decided(scenario: Scenario, device: ManagedDevice) -> dict[str, Any]:
    conds = (_dm(scenario, device).get("status") or {}).get("conditions") or []
    return next((c for c in conds if c["type"] == "Decided"), {})


def test_matching_rules_counts_relations_and_an_idle_resync(scenario: Scenario) -> None:
    sim = scenario.sim
    contoso = scenario.customer("Contoso Ltd")
    _reset_devices(sim, contoso)
    user = sim.world.require_tenant(contoso).users[0].user_principal_name
    by_serial = _device(sim, contoso, 1, name="LAPTOP-ALICE", serial="5CG-1234 XYZ", user=user)
    by_wifi = _device(sim, contoso, 2, name="LAPTOP-BOB", wifi="aa:bb:cc:00:11:22")
    by_ethernet = _device(sim, contoso, 3, name="DESKTOP-C", ethernet="AA-BB-CC-00-11-33")
    by_name = _device(sim, contoso, 4, name="RECEPTION-PC-01", serial="R1")
    placeholder = _device(sim, contoso, 5, name="WS-9", serial="To Be Filled By O.E.M.")
    ambiguous = _device(sim, contoso, 6, name="WS-10", serial="DUP-777")
    scenario.organization("contoso", "Contoso Ltd")
    _configuration(scenario, "cfg-serial", "contoso", serialNumber=" 5cg-1234xyz", model="Other")
    _configuration(scenario, "cfg-wifi", "contoso", macAddresses=["AABB.CC00.1122"])
    _configuration(scenario, "cfg-ethernet", "contoso", macAddresses=["aabbcc001133"])
    _configuration(scenario, "reception-pc-1", "contoso")
    _configuration(scenario, "cfg-oem", "contoso", serialNumber="To be filled by O.E.M.")
    _configuration(scenario, "cfg-dup-a", "contoso", serialNumber="DUP-777")
    _configuration(scenario, "cfg-dup-b", "contoso", serialNumber="dup-777 ")
    scenario.connector("msp", sync=DEVICES_SYNC)
    status = scenario.wait_synced("msp")
    assert status["phase"] == "OK", status

    assert _state(scenario, by_serial) == ("Matched", "cfg-serial")
    assert _state(scenario, by_wifi) == ("Matched", "cfg-wifi")
    assert _state(scenario, by_ethernet) == ("Matched", "cfg-ethernet")
    assert _state(scenario, by_name) == ("Unmatched", None)
    suggestion = _dm(scenario, by_name)["status"]["suggestions"][0]
    assert suggestion["name"] == "reception-pc-1"
    assert any(e.startswith("name:") for e in suggestion["evidence"])
    assert _state(scenario, placeholder) == ("Unmatched", None)
    assert all(
        "serial" not in s["evidence"]
        for s in _dm(scenario, placeholder)["status"].get("suggestions", [])
    )
    assert _state(scenario, ambiguous) == ("Unmatched", None)
    ambiguous_suggestions = _dm(scenario, ambiguous)["status"]["suggestions"]
    assert {s["name"] for s in ambiguous_suggestions} == {"cfg-dup-a", "cfg-dup-b"}
    assert all("serial" in s["evidence"] for s in ambiguous_suggestions)

    matched = _dm(scenario, by_serial)
    assert matched["status"]["matchedBy"] == "Exact"
    assert matched["metadata"]["labels"]["m365.inventory.dev/state"] == "Matched"
    assert matched["metadata"]["labels"]["m365.inventory.dev/tenant-id"] == contoso
    assert matched["metadata"]["ownerReferences"][0]["name"] == "msp"
    differences = {d["field"]: d for d in matched["status"]["differences"]}
    assert differences["model"] == {
        "field": "model",
        "microsoft": "Latitude 7440",
        "configuration": "Other",
    }
    assert "serial" not in differences
    configuration = scenario.get("configuration", "cfg-serial") or {}
    microsoft = configuration["status"]["microsoft"]
    assert microsoft["deviceId"] == by_serial.id
    assert microsoft["primaryUser"] == user
    contact = scenario.get("contact", microsoft["relatedContact"]) or {}
    assert contact["status"]["microsoft"]["userPrincipalName"] == user
    ethernet = scenario.get("configuration", "cfg-ethernet") or {}
    assert "AA-BB-CC-00-11-33" in ethernet["status"]["microsoft"]["macAddresses"]

    tm = scenario.tenant_match("msp", contoso) or {}
    assert tm["status"]["devices"] == {"total": 6, "matched": 3, "unmatched": 3, "ignored": 0}
    assert status["summary"]["unmatchedDevices"] == 3
    listed = scenario.kubectl("get", "devicematches")
    assert "RECEPTION-PC-01" in listed
    assert "reception-pc-1" in listed

    ethernet_reads = sim.counters.get(ETHERNET_READS)
    assert ethernet_reads == 6  # Graph's list has no Ethernet MACs: each device once
    again = scenario.request_sync("msp")
    assert again["summary"]["writes"] == 0, again["summary"]
    assert sim.counters.get(ETHERNET_READS) == ethernet_reads

    sim.world.update_device(contoso, by_wifi.id, {"lastSyncDateTime": "2026-11-21T10:00:00Z"})
    sim.world.delete_device(contoso, by_serial.id)
    scenario.request_sync("msp")
    assert sim.counters.get(ETHERNET_READS) == ethernet_reads + 1
    gone = _dm(scenario, by_serial)
    assert gone["status"]["device"]["removed"] is True
    assert gone["status"]["state"] == "Matched"
    kept = scenario.get("configuration", "cfg-serial") or {}
    assert kept["status"]["microsoft"]["removed"] is True
    tm = scenario.tenant_match("msp", contoso) or {}
    assert tm["status"]["devices"]["total"] == 5


def test_each_decision_by_kubectl_patch(scenario: Scenario) -> None:
    sim = scenario.sim
    contoso = scenario.customer("Contoso Ltd")
    _reset_devices(sim, contoso)
    named = _device(sim, contoso, 1, name="RECEPTION-PC-01")
    twin = _device(sim, contoso, 2, name="WS-10", serial="DUP-777")
    loner = _device(sim, contoso, 3, name="KIOSK-7")
    scenario.organization("contoso", "Contoso Ltd")
    _configuration(scenario, "reception-pc-1", "contoso")
    _configuration(scenario, "spare", "contoso")
    _configuration(scenario, "cfg-dup-a", "contoso", serialNumber="DUP-777")
    _configuration(scenario, "cfg-dup-b", "contoso", serialNumber="dup-777")
    scenario.connector("msp", sync=DEVICES_SYNC, extra={"interval": "168h"})
    scenario.wait_synced("msp")
    assert _state(scenario, named) == ("Unmatched", None)

    _decide(scenario, named, {"decision": "AcceptSuggestion"})
    scenario.wait("accept", lambda: _state(scenario, named) == ("Matched", "reception-pc-1"))
    _decide(scenario, named, {"decision": "MatchTo", "configurationName": "spare"})
    scenario.wait("change", lambda: _state(scenario, named) == ("Matched", "spare"))
    previous = scenario.get("configuration", "reception-pc-1") or {}
    assert not (previous.get("status") or {}).get("microsoft")
    _decide(scenario, named, None)
    scenario.wait("revert", lambda: _state(scenario, named) == ("Unmatched", None))
    assert not ((scenario.get("configuration", "spare") or {}).get("status") or {}).get("microsoft")

    _decide(scenario, twin, {"decision": "CreateConfiguration"})
    scenario.wait(
        "refusal", lambda: _decided(scenario, twin).get("reason") == "SerialOrMacMatchExists"
    )
    assert _state(scenario, twin) == ("Unmatched", None)
    assert "cfg-dup-a" in _decided(scenario, twin)["message"]
    _decide(scenario, twin, {"decision": "MatchTo", "configurationName": "cfg-dup-b"})
    scenario.wait("match twin", lambda: _state(scenario, twin) == ("Matched", "cfg-dup-b"))

    _decide(scenario, loner, {"decision": "Ignore"})
    scenario.wait("ignore", lambda: _state(scenario, loner) == ("Ignored", None))
    _decide(scenario, loner, {"decision": "CreateConfiguration"})
    scenario.wait("create", lambda: _state(scenario, loner)[0] == "Matched")
    created_name = _state(scenario, loner)[1]
    assert created_name is not None
    assert created_name.startswith("contoso-kiosk-7-")
    created = scenario.get("configuration", created_name) or {}
    assert created["spec"]["displayName"] == "KIOSK-7"
    assert created["metadata"]["annotations"]["m365.inventory.dev/created-by"] == (
        f"msp-{loner.id}"
    )
    _decide(scenario, loner, None)
    scenario.wait("revert create", lambda: _state(scenario, loner) == ("Unmatched", None))
    scenario.wait("created deleted", lambda: scenario.get("configuration", created_name) is None)

    status = scenario.request_sync("msp")
    assert _state(scenario, twin) == ("Matched", "cfg-dup-b")
    assert _state(scenario, named) == ("Unmatched", None)
    tm = scenario.tenant_match("msp", contoso) or {}
    assert tm["status"]["devices"] == {"total": 3, "matched": 1, "unmatched": 2, "ignored": 0}
    assert status["summary"]["unmatchedDevices"] == 2


def test_decision_committed_before_discovery(scenario: Scenario) -> None:
    sim = scenario.sim
    contoso = scenario.customer("Contoso Ltd")
    _reset_devices(sim, contoso)
    device = _device(sim, contoso, 1, name="BOARDROOM")
    scenario.organization("contoso", "Contoso Ltd")
    _configuration(scenario, "boardroom-screen", "contoso")
    scenario.apply(
        {
            "apiVersion": API,
            "kind": "DeviceMatch",
            "metadata": {"name": f"msp-{device.id}"},
            "spec": {"decision": "MatchTo", "configurationName": "boardroom-screen"},
        }
    )
    scenario.wait(
        "waiting condition", lambda: _decided(scenario, device).get("reason") == "AwaitingDiscovery"
    )
    scenario.connector("msp", sync=DEVICES_SYNC)
    scenario.wait_synced("msp")
    assert _state(scenario, device) == ("Matched", "boardroom-screen")
    assert _dm(scenario, device)["status"]["matchedBy"] == "Manual"


def test_bitlocker_keys_live_only_in_secrets(scenario: Scenario) -> None:
    sim = scenario.sim
    contoso = scenario.customer("Contoso Ltd")
    fabrikam = scenario.customer("Fabrikam Ltd")
    northwind = scenario.customer("Northwind Traders Ltd")
    values: list[str] = []
    devices: dict[str, ManagedDevice] = {}
    for tenant_id, label in ((contoso, "C"), (fabrikam, "F"), (northwind, "N")):
        _reset_devices(sim, tenant_id)
        device = _device(sim, tenant_id, 1, name=f"LAPTOP-{label}", serial=f"SER-{label}-1")
        devices[tenant_id] = device
        for number, volume in enumerate(("operatingSystemVolume", "fixedDataVolume")):
            value = f"{number}1{ord(label)}-567890-123456-789012-345678-901234-567890-1234"
            values.append(value)
            sim.world.require_tenant(tenant_id).recovery_keys.append(
                RecoveryKey(
                    id=f"{number}eeeeeee-0000-4000-8000-{tenant_id[-12:]}",
                    created_date_time="2026-01-01T00:00:00Z",
                    device_id=device.azure_ad_device_id,
                    volume_type=volume,
                    key=value,
                )
            )
    app = sim.world.apps[0]
    # Fabrikam: no BitLocker permission (the list is 403); Northwind: ReadBasic only (the list
    # works, each key read is 403).
    app.grants[fabrikam] = [p for p in app.grants[fabrikam] if not p.startswith("Bitlocker")]
    app.grants[northwind] = [p for p in app.grants[northwind] if p != "BitlockerKey.Read.All"] + [
        "BitlockerKey.ReadBasic.All"
    ]
    scenario.organization("contoso", "Contoso Ltd")
    scenario.organization("fabrikam", "Fabrikam Ltd")
    scenario.organization("northwind", "Northwind Traders Ltd")
    _configuration(scenario, "cfg-c", "contoso", serialNumber="SER-C-1")
    _configuration(scenario, "cfg-f", "fabrikam", serialNumber="SER-F-1")
    _configuration(scenario, "cfg-n", "northwind", serialNumber="SER-N-1")
    # A device nothing matches automatically: its key is stored once a person matches it.
    late = _device(sim, contoso, 2, name="SPARE-LAPTOP")
    late_value = "444444-555555-666666-777777-888888-999999-000000-111111"
    values.append(late_value)
    sim.world.require_tenant(contoso).recovery_keys.append(
        RecoveryKey(
            id=f"3eeeeeee-0000-4000-8000-{contoso[-12:]}",
            created_date_time="2026-03-01T00:00:00Z",
            device_id=late.azure_ad_device_id,
            key=late_value,
        )
    )
    _configuration(scenario, "cfg-spare-1", "contoso")
    _configuration(scenario, "cfg-spare-2", "contoso")
    scenario.connector("msp", sync={**DEVICES_SYNC, "bitlockerKeys": True})
    status = scenario.wait_synced("msp")
    assert status["phase"] == "OK", status
    assert not status["summary"]["errors"]

    secret_name = f"bitlocker-msp-{devices[contoso].id}"
    secret = scenario.get("secret", secret_name) or {}
    stored = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert sorted(stored.values()) == sorted(values[:2])
    assert secret["metadata"]["ownerReferences"][0]["name"] == "cfg-c"
    assert secret["metadata"]["labels"]["m365.inventory.dev/secret-type"] == (
        "bitlocker-recovery-keys"
    )
    cfg_c = scenario.get("configuration", "cfg-c") or {}
    refs = cfg_c["status"]["microsoft"]["bitlockerKeys"]
    assert {r["keyId"] for r in refs} == set(stored)
    assert {r["secretName"] for r in refs} == {secret_name}
    for tenant_id, name in ((fabrikam, "cfg-f"), (northwind, "cfg-n")):
        body = scenario.get("configuration", name) or {}
        denied = next(
            c for c in body["status"]["conditions"] if c["type"] == "BitlockerKeysAvailable"
        )
        assert (denied["status"], denied["reason"]) == ("False", "PermissionMissing")
        assert "bitlockerKeys" not in body["status"]["microsoft"]
        assert scenario.get("secret", f"bitlocker-msp-{devices[tenant_id].id}") is None
        assert _state(scenario, devices[tenant_id]) == ("Matched", name)
    assert sim.counters.get(KEY_READS, status=403) == 2

    def warnings(configuration: str) -> list[dict[str, Any]]:
        listed = scenario.kubectl(
            "get",
            "events",
            "--field-selector",
            f"involvedObject.name={configuration},reason=PermissionMissing",
            "-o",
            "json",
        )
        return list(json.loads(listed)["items"])

    assert len(warnings("cfg-f")) == 1

    reads = sim.counters.get(KEY_READS, status=200)
    assert reads == 2
    again = scenario.request_sync("msp")
    assert sim.counters.get(KEY_READS, status=200) == reads
    assert again["summary"]["writes"] == 0, again["summary"]
    assert len(warnings("cfg-f")) == 1  # not repeated while nothing changes

    rotated = "999999-888888-777777-666666-555555-444444-333333-222222"
    values.append(rotated)
    sim.world.require_tenant(contoso).recovery_keys.append(
        RecoveryKey(
            id=f"2eeeeeee-0000-4000-8000-{contoso[-12:]}",
            created_date_time="2026-06-01T00:00:00Z",
            device_id=devices[contoso].azure_ad_device_id,
            key=rotated,
        )
    )
    scenario.request_sync("msp")
    assert sim.counters.get(KEY_READS, status=200) == reads + 1  # only the new key ID
    secret = scenario.get("secret", secret_name) or {}
    assert len(secret["data"]) == 3
    cfg_c = scenario.get("configuration", "cfg-c") or {}
    assert len(cfg_c["status"]["microsoft"]["bitlockerKeys"]) == 3

    late_secret = f"bitlocker-msp-{late.id}"
    assert scenario.get("secret", late_secret) is None
    _decide(scenario, late, {"decision": "MatchTo", "configurationName": "cfg-spare-1"})
    stored_late = scenario.wait(
        "the matched device's keys without a requested sync",
        lambda: scenario.get("secret", late_secret),
    )
    assert stored_late["metadata"]["ownerReferences"][0]["name"] == "cfg-spare-1"
    _decide(scenario, late, {"decision": "MatchTo", "configurationName": "cfg-spare-2"})

    def owner() -> str | None:
        secret = scenario.get("secret", late_secret) or {}
        return str(secret["metadata"]["ownerReferences"][0]["name"])

    scenario.wait("the Secret to follow the match", lambda: owner() == "cfg-spare-2")
    moved = scenario.get("configuration", "cfg-spare-2") or {}
    assert moved["status"]["microsoft"]["bitlockerKeys"][0]["secretName"] == late_secret

    everything = scenario.kubectl(
        "get",
        "microsoftconnectors,tenantmatches,devicematches,organizations,contacts,"
        "configurations,events",
        "-o",
        "json",
    )
    log = scenario.operator.log_text()
    assert len(values) == 8
    for value in values:
        assert value not in everything
        assert value not in log


def test_removed_devices_are_recorded_and_created_configurations_go_by_policy(
    scenario: Scenario,
) -> None:
    sim = scenario.sim
    contoso = scenario.customer("Contoso Ltd")
    _reset_devices(sim, contoso)
    created_for = _device(sim, contoso, 1, name="TEMP-LAPTOP")
    documented = _device(sim, contoso, 2, name="DESK-1", serial="SER-DESK-1")
    scenario.organization("contoso", "Contoso Ltd")
    _configuration(scenario, "desk-1", "contoso", serialNumber="SER-DESK-1")
    scenario.connector(
        "msp", sync=DEVICES_SYNC, extra={"interval": "168h", "removalPolicy": "Delete"}
    )
    scenario.wait_synced("msp")
    _decide(scenario, created_for, {"decision": "CreateConfiguration"})
    scenario.wait("create", lambda: _state(scenario, created_for)[0] == "Matched")
    created_name = str(_state(scenario, created_for)[1])
    assert _state(scenario, documented) == ("Matched", "desk-1")

    sim.world.delete_device(contoso, created_for.id)
    sim.world.delete_device(contoso, documented.id)
    scenario.request_sync("msp")
    assert scenario.get("configuration", created_name) is None
    kept = scenario.get("configuration", "desk-1") or {}
    assert kept["status"]["microsoft"]["removed"] is True
    for device in (created_for, documented):
        assert _dm(scenario, device)["status"]["device"]["removed"] is True
    tm = scenario.tenant_match("msp", contoso) or {}
    assert tm["status"]["devices"]["total"] == 0
    again = scenario.request_sync("msp")
    assert again["summary"]["writes"] == 0, again["summary"]


def test_a_generated_fleet_with_planted_hard_cases_converges_and_then_writes_nothing(
    scenario: Scenario,
) -> None:
    sim = scenario.sim
    contoso = scenario.customer("Contoso Ltd")
    _reset_devices(sim, contoso)
    fleet = generate_world(seed=11, tenants=1, users_per_tenant=12, devices_per_tenant=18)
    source = next(t for t in fleet.tenants if t.devices)
    for device in source.devices:
        sim.world.add_device(contoso, device)
    sim.world.require_tenant(contoso).recovery_keys.extend(source.recovery_keys)
    scenario.organization("contoso", "Contoso Ltd")
    for number, device in enumerate(source.devices):
        _configuration(
            scenario, f"asset-{number:02d}", "contoso", serialNumber=device.serial_number
        )
    serials = Counter(normalise.serial(d.serial_number) for d in source.devices)
    expected = {
        d.id: serials[normalise.serial(d.serial_number)] == 1
        for d in source.devices
        if normalise.serial(d.serial_number) is not None
    }
    placeholders = [d for d in source.devices if normalise.serial(d.serial_number) is None]
    assert placeholders, "the generator plants placeholder serials"
    assert not all(expected.values()), "the generator plants duplicate serials"

    scenario.connector("msp", sync={**DEVICES_SYNC, "bitlockerKeys": True})
    status = scenario.wait_synced("msp")
    assert status["phase"] == "OK", status
    for device in source.devices:
        state = _state(scenario, device)[0]
        assert state == ("Matched" if expected.get(device.id) else "Unmatched"), device
    matched_windows = [
        d for d in source.devices if expected.get(d.id) and d.operating_system == "Windows"
    ]
    assert matched_windows
    for device in matched_windows:
        assert scenario.get("secret", f"bitlocker-msp-{device.id}") is not None
    tm = scenario.tenant_match("msp", contoso) or {}
    assert tm["status"]["devices"]["total"] == len(source.devices)
    assert tm["status"]["devices"]["matched"] == sum(expected.values())

    reads = sim.counters.get(KEY_READS, status=200)
    again = scenario.request_sync("msp")
    assert again["summary"]["writes"] == 0, again["summary"]
    assert sim.counters.get(KEY_READS, status=200) == reads
