"""Device facts, Configuration facts, compare data and BitLocker refs (the pure helpers)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import SecretStr

from m365inventory.model import graph as g
from m365inventory.model.matches import DeviceMatchStatus, MatchedBy, MatchState
from m365inventory.sync.reconcile import bitlocker, devicematch, devices
from m365inventory.sync.rules.device_decisions import Candidate, DeviceOutcome

TENANT = "6513270e-269e-4d37-b2a7-4de452e6b438"
KEY_VALUE = "123456-234567-345678-456789-567890-678901-789012-890123"


def managed_device(**changes: object) -> g.ManagedDevice:
    body = {
        "id": "d1",
        "deviceName": "LAPTOP-01",
        "serialNumber": "5CG123",
        "wiFiMacAddress": "aa:bb:cc:dd:ee:ff",
        "userPrincipalName": "",
        "operatingSystem": "Windows",
        "manufacturer": "Dell Inc.",
        "model": "Latitude",
        "lastSyncDateTime": "2026-11-20T10:00:00.1234567Z",
        **changes,
    }
    return g.ManagedDevice.model_validate(body)


def test_device_facts_leave_out_intune_empty_strings_and_fit_the_model() -> None:
    facts = devices.device_facts(
        managed_device(), tenant_id=TENANT, ethernet_mac="AA-BB-00-11-22-33"
    )
    assert "primaryUser" not in facts
    assert facts["lastCheckIn"] == "2026-11-20T10:00:00Z"
    assert facts["ethernetMacAddress"] == "AA-BB-00-11-22-33"
    DeviceMatchStatus.model_validate({"device": facts})


def test_configuration_spec_skips_placeholder_serials_and_lists_both_macs() -> None:
    facts = devices.device_facts(
        managed_device(serialNumber="To Be Filled By O.E.M."),
        tenant_id=TENANT,
        ethernet_mac="001122334455",
    )
    spec = devicematch.configuration_spec(facts=facts, organization="contoso")
    assert "serialNumber" not in spec
    assert spec["macAddresses"] == ["aa:bb:cc:dd:ee:ff", "001122334455"]
    assert spec["displayName"] == "LAPTOP-01"


def test_configuration_facts_keep_bitlocker_refs_of_the_same_device_only() -> None:
    facts = devices.device_facts(managed_device(), tenant_id=TENANT, ethernet_mac=None)
    refs = [{"keyId": "k1", "secretName": "bitlocker-msp-d1"}]
    same = {"status": {"microsoft": {"deviceId": "d1", "bitlockerKeys": refs}}}
    other = {"status": {"microsoft": {"deviceId": "d0", "bitlockerKeys": refs}}}
    kept = devicematch.configuration_facts(
        facts=facts, device_match="msp-d1", contact="alice", live=same
    )
    assert kept["bitlockerKeys"] == refs
    assert kept["relatedContact"] == "alice"
    dropped = devicematch.configuration_facts(
        facts=facts, device_match="msp-d1", contact=None, live=other
    )
    assert "bitlockerKeys" not in dropped
    assert "relatedContact" not in dropped


def test_differences_compare_only_what_a_configuration_documents() -> None:
    facts = devices.device_facts(managed_device(), tenant_id=TENANT, ethernet_mac=None)
    configuration = {
        "spec": {
            "displayName": "laptop-01.corp.local",
            "serialNumber": "5cg 123",
            "macAddresses": ["AABB.CCDD.EEFF"],
            "model": "Precision",
        }
    }
    found = devicematch.differences(facts=facts, configuration=configuration)
    assert found == [
        {"field": "manufacturer", "microsoft": "Dell Inc."},
        {"field": "model", "microsoft": "Latitude", "configuration": "Precision"},
    ]


def test_desired_status_of_a_match_has_differences_and_no_suggestions() -> None:
    facts = devices.device_facts(managed_device(), tenant_id=TENANT, ethernet_mac=None)
    outcome = DeviceOutcome(
        state=MatchState.MATCHED,
        configuration="cfg",
        matched_by=MatchedBy.EXACT,
        decided=True,
        reason="AutomaticMatch",
        message="m",
    )
    status = devicematch.desired_status(
        connector="msp",
        facts=facts,
        outcome=outcome,
        suggestions=[Candidate(name="x", score=70)],
        configuration={"spec": {"displayName": "LAPTOP-01"}},
        live_status={},
        generation=2,
        now=datetime(2026, 11, 22, tzinfo=UTC),
    )
    assert status["suggestions"] == []
    assert [d["field"] for d in status["differences"]] == [
        "serial",
        "macs",
        "manufacturer",
        "model",
    ]
    assert status["observedGeneration"] == 2
    DeviceMatchStatus.model_validate(status)


def test_key_refs_name_stored_keys_and_never_carry_values() -> None:
    keys = [
        g.BitlockerRecoveryKey(
            id="k2",
            device_id="aad",
            volume_type="fixedDataVolume",
            created_date_time=datetime(2026, 2, 1, tzinfo=UTC),
            key=SecretStr(KEY_VALUE),
        ),
        g.BitlockerRecoveryKey(id="k1", device_id="aad", created_date_time=datetime(2026, 1, 1)),
        g.BitlockerRecoveryKey(id="k3", device_id="aad"),
    ]
    refs = bitlocker.key_refs(keys, stored={"k1", "k2"}, secret="bitlocker-msp-d1")
    assert [r["keyId"] for r in refs] == ["k1", "k2"]
    assert refs[1] == {
        "keyId": "k2",
        "secretName": "bitlocker-msp-d1",
        "volumeType": "fixedDataVolume",
        "createdTime": "2026-02-01T00:00:00Z",
    }
    assert KEY_VALUE not in repr(refs)
    assert KEY_VALUE not in repr(keys)


def test_secret_names_are_per_device_and_valid() -> None:
    assert bitlocker.secret_name("msp-d1") == "bitlocker-msp-d1"
    long = bitlocker.secret_name("m" * 300)
    assert len(long) == 253
    assert not long.endswith("-")


def test_device_counts_as_tenant_status() -> None:
    counts = devices.DeviceCounts(total=4, matched=2, unmatched=1, ignored=1, removed=3)
    assert counts.as_status() == {"total": 4, "matched": 2, "unmatched": 1, "ignored": 1}
