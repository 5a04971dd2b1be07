"""Matching a batch of devices against a namespace's documentation (no I/O: the store refuses
every call, so these tests prove `match` and `decide` only read the workspace's tables)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NoReturn

from m365inventory.model import resources
from m365inventory.model.matches import MatchedBy, MatchState
from m365inventory.sync.reconcile import devicematch
from m365inventory.sync.state.workspace import Workspace

TENANT = "t1"


class RefusingStore:
    def __getattr__(self, name: str) -> NoReturn:
        raise AssertionError(f"matching must not call the store ({name})")


def workspace(*, configurations: dict[str, Any], device_matches: dict[str, Any]) -> Workspace:
    ws = Workspace(
        store=RefusingStore(),  # type: ignore[arg-type]
        namespace="ns",
        now=datetime(2026, 11, 22, tzinfo=UTC),
    )
    ws.configurations.update(
        {
            name: {"metadata": {"name": name}, "spec": {"organization": "contoso", **spec}}
            for name, spec in configurations.items()
        }
    )
    ws.device_matches.update(device_matches)
    ws.mark_loaded(resources.CONFIGURATION, resources.DEVICE_MATCH)
    return ws


def facts(device_id: str, **more: str) -> dict[str, Any]:
    return {"deviceId": device_id, "tenantId": TENANT, "name": f"PC-{device_id}", **more}


def seen(device_id: str, **more: str) -> devicematch.DeviceSeen:
    return devicematch.DeviceSeen(name=f"msp-{device_id}", facts=facts(device_id, **more))


def matched(
    device_id: str, configuration: str, *, by: str, decision: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "metadata": {"name": f"msp-{device_id}", "generation": 1},
        "status": {
            "device": facts(device_id),
            "state": "Matched",
            "configuration": configuration,
            "matchedBy": by,
        },
    }
    if decision:
        body["spec"] = {"decision": decision, "configurationName": configuration}
    return body


def decide(ws: Workspace, devices: list[devicematch.DeviceSeen]) -> dict[str, Any]:
    matching = devicematch.match(ws, organization="contoso", devices=devices)
    return {
        d.device_id: devicematch.decide(ws, seen=d, matching=matching, organization="contoso")[0]
        for d in devices
    }


def test_an_automatic_match_stays_bound_when_the_documentation_changes() -> None:
    ws = workspace(
        configurations={"cfg": {"displayName": "x", "serialNumber": "NEW-SERIAL-9"}},
        device_matches={"msp-d1": matched("d1", "cfg", by="Exact")},
    )
    outcome = decide(ws, [seen("d1", serialNumber="OLD-SERIAL-1")])["d1"]
    assert (outcome.state, outcome.configuration, outcome.matched_by) == (
        MatchState.MATCHED,
        "cfg",
        MatchedBy.EXACT,
    )


def test_a_reverted_manual_match_no_longer_binds() -> None:
    ws = workspace(
        configurations={"cfg": {"displayName": "unrelated"}},
        device_matches={"msp-d1": matched("d1", "cfg", by="Manual")},
    )
    outcome = decide(ws, [seen("d1")])["d1"]
    assert (outcome.state, outcome.configuration) == (MatchState.UNMATCHED, None)


def test_a_configuration_held_by_a_device_outside_the_batch_is_neither_matched_nor_suggested() -> (
    None
):
    ws = workspace(
        configurations={"cfg": {"displayName": "PC-d2", "serialNumber": "SER-12345"}},
        device_matches={"msp-d1": matched("d1", "cfg", by="Manual", decision="MatchTo")},
    )
    device = seen("d2", serialNumber="SER-12345")
    matching = devicematch.match(ws, organization="contoso", devices=[device])
    outcome, suggestions = devicematch.decide(
        ws, seen=device, matching=matching, organization="contoso"
    )
    assert outcome.state == MatchState.UNMATCHED
    assert suggestions == []


def test_match_to_a_configuration_another_device_holds_is_refused() -> None:
    spec = {"decision": "MatchTo", "configurationName": "cfg"}
    ws = workspace(
        configurations={"cfg": {"displayName": "x"}},
        device_matches={
            "msp-d1": matched("d1", "cfg", by="Manual", decision="MatchTo"),
            "msp-d2": {"metadata": {"name": "msp-d2"}, "spec": spec},
        },
    )
    outcome = decide(ws, [seen("d2")])["d2"]
    assert outcome.reason == "ConfigurationTaken"
    assert "msp-d1" in outcome.message


def test_smart_relate_finds_the_contact_of_the_primary_user_in_the_same_tenant() -> None:
    contacts: dict[str, dict[str, Any]] = {
        "alice": {"status": {"microsoft": {"tenantId": TENANT, "userPrincipalName": "A@x.com"}}},
        "alice-other-tenant": {
            "status": {"microsoft": {"tenantId": "t2", "userPrincipalName": "a@x.com"}}
        },
        "unmatched": {"spec": {"emails": ["a@x.com"]}},
    }
    index = devicematch.contact_index(contacts)
    found = devicematch.related_contact(index, tenant_id=TENANT, user_principal_name="a@X.com")
    assert found == "alice"
    assert devicematch.related_contact(index, tenant_id=TENANT, user_principal_name=None) is None
