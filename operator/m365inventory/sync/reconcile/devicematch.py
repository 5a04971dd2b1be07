"""Reconcile one DeviceMatch: device facts and decision → state, side effects, status.

Shared by the scheduled sync (new facts, a batch of devices) and the decision handler (a spec
edit on one device), so both always agree. A match writes the device's facts under the
Configuration's `status.microsoft`, with the primary user's Contact (the reference's Smart
Relate); reverting or changing it undoes that: a Configuration the match created is deleted,
one that existed before only loses its Microsoft facts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from m365inventory.kube.store import Body
from m365inventory.match import compare, normalise
from m365inventory.match import devices as device_matching
from m365inventory.model import resources
from m365inventory.model.matches import DeviceDecision, MatchState
from m365inventory.sync.rules import conditions, device_decisions, naming
from m365inventory.sync.rules.plan import needs_decision
from m365inventory.sync.state.workspace import ANNOTATION_CREATED_BY, Workspace, match_metadata

AWAITING_DISCOVERY = "AwaitingDiscovery"
TENANT_NOT_MATCHED = "TenantNotMatched"
MAX_DIFFERENCES = 32


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceSeen:
    """One device as this run (or the decision handler) knows it."""

    name: str
    """The DeviceMatch's name."""
    facts: dict[str, Any]
    """`status.device` of the DeviceMatch (camelCase, no None values)."""

    @property
    def device_id(self) -> str:
        return str(self.facts["deviceId"])


@dataclass(slots=True, kw_only=True)
class Matching:
    """The matcher's findings for a batch, the index they came from, and what the batch's
    decisions change as they are applied (kept here so each device costs O(1), not O(n))."""

    results: dict[str, device_matching.DeviceMatchResult]
    index: device_matching.ConfigurationIndex
    held: dict[str, str]
    """Configuration → the DeviceMatch holding it, updated as devices are reconciled."""
    holding: dict[str, str]
    """The reverse: DeviceMatch → the Configuration it holds."""
    configurations: set[str]
    """The Organization's Configurations, including those created during the batch."""
    contacts: dict[tuple[str, str], str]
    """Smart Relate's index of the namespace's Contacts (see `contact_index`)."""
    devices: Sequence[DeviceSeen] = ()
    """The batch the findings are for."""
    epoch: int = 0
    """`Workspace.decisions_applied` when matched: a later value means a decision may have
    taken or freed a Configuration since, and the batch is matched again."""


class _HeldByOthers(Mapping[str, str]):
    """`held` as seen by one DeviceMatch: without the Configuration it holds itself."""

    def __init__(self, held: Mapping[str, str], me: str) -> None:
        self._held = held
        self._me = me

    def __getitem__(self, key: str) -> str:
        holder = self._held[key]
        if holder == self._me:
            raise KeyError(key)
        return holder

    def __iter__(self) -> Iterator[str]:
        return (key for key, holder in self._held.items() if holder != self._me)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _status(body: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict((body or {}).get("status") or {})


def holders(ws: Workspace, *, exclude: str | None = None) -> dict[str, str]:
    """Configuration → the DeviceMatch of a present device matched to it."""
    held: dict[str, str] = {}
    for configuration in ws.device_matches.keys_of("holding"):
        names = [n for n in ws.device_matches.names("holding", configuration) if n != exclude]
        if names:
            held[str(configuration)] = names[-1]
    return held


def _binding(body: Mapping[str, Any]) -> str | None:
    """The device id a DeviceMatch deliberately holds its Configuration for, if any.

    A match stays bound while its decision stands or when it was automatic; a match whose
    decision was removed (a revert) no longer binds.
    """
    status = _status(body)
    spec = body.get("spec") or {}
    if spec.get("decision") or status.get("matchedBy") == "Exact":
        device_id = (status.get("device") or {}).get("deviceId")
        return str(device_id) if device_id else None
    return None


def match(ws: Workspace, *, organization: str, devices: Sequence[DeviceSeen]) -> Matching:
    """Match a batch of devices against the Organization's Configurations.

    Configurations held by a present device outside the batch are left out: they are neither
    matched nor suggested.
    """
    in_batch = {seen.device_id for seen in devices}
    held = holders(ws)
    bound: dict[str, str] = {}
    excluded: set[str] = set()
    for configuration, dm_name in held.items():
        body = ws.device_matches[dm_name]
        device_id = str((_status(body).get("device") or {}).get("deviceId") or "")
        if device_id not in in_batch:
            excluded.add(configuration)
        elif (binding := _binding(body)) is not None:
            bound[configuration] = binding
    of_organization = ws.configurations.names("organization", organization)
    inputs = [
        _configuration_input(name, ws.configurations[name], device_id=bound.get(name))
        for name in of_organization
        if name not in excluded
    ]
    index = device_matching.ConfigurationIndex(inputs)
    results = device_matching.match_devices(
        devices=[device_input(seen.facts) for seen in devices], configurations=index
    )
    return Matching(
        results=results,
        index=index,
        held=held,
        holding={dm_name: configuration for configuration, dm_name in held.items()},
        contacts=contact_index(
            {
                name: ws.contacts[name]
                for tenant_id in {str(seen.facts.get("tenantId")) for seen in devices}
                for name in ws.contacts.names("tenant", tenant_id)
            }
        ),
        configurations=set(of_organization),
        devices=tuple(devices),
        epoch=ws.decisions_applied,
    )


def _configuration_input(
    name: str, body: Mapping[str, Any], *, device_id: str | None
) -> device_matching.Configuration:
    spec = body.get("spec") or {}
    return device_matching.Configuration(
        key=name,
        name=str(spec.get("displayName") or name),
        serial=spec.get("serialNumber"),
        macs=tuple(spec.get("macAddresses") or ()),
        device_id=device_id,
    )


def device_input(facts: Mapping[str, Any]) -> device_matching.IntuneDevice:
    return device_matching.IntuneDevice(
        id=str(facts["deviceId"]),
        name=facts.get("name"),
        serial=facts.get("serialNumber"),
        wifi_mac=facts.get("wifiMacAddress"),
        ethernet_mac=facts.get("ethernetMacAddress"),
        manufacturer=facts.get("manufacturer"),
        model=facts.get("model"),
    )


def _candidates(found: Sequence[Any]) -> list[device_decisions.Candidate]:
    return [
        device_decisions.Candidate(name=s.key, score=s.score, evidence=tuple(s.evidence))
        for s in found
    ]


def decide(
    ws: Workspace,
    *,
    seen: DeviceSeen,
    matching: Matching,
    organization: str,
    max_suggestions: int = 3,
) -> tuple[device_decisions.DeviceOutcome, list[device_decisions.Candidate]]:
    """The outcome for one DeviceMatch given the batch's matching result."""
    live = ws.device_matches.get(seen.name) or {}
    result = matching.results[seen.device_id]
    taken = _HeldByOthers(matching.held, seen.name)
    automatic = (
        device_decisions.Automatic(configuration=result.configuration, rule=result.rule or "")
        if result.configuration is not None and result.configuration not in taken
        else None
    )
    exact = device_matching.serial_or_mac_candidates(
        device=device_input(seen.facts), configurations=matching.index
    )
    suggestions = _candidates(result.suggestions)[:max_suggestions]
    outcome = device_decisions.resolve_device(
        spec=live.get("spec") or {},
        live_status=_status(live),
        automatic=automatic,
        suggestions=suggestions,
        exact_candidates=_candidates(exact),
        configurations=matching.configurations,
        taken=taken,
        create_name=naming.configuration_name(
            organization=organization,
            device_name=seen.facts.get("name"),
            device_id=seen.device_id,
        ),
    )
    return outcome, suggestions


def configuration_spec(*, facts: Mapping[str, Any], organization: str) -> dict[str, Any]:
    """The spec of a Configuration created for a device (the only time spec is written)."""
    macs = [str(facts[key]) for key in ("wifiMacAddress", "ethernetMacAddress") if facts.get(key)]
    spec: dict[str, Any] = {
        "organization": organization,
        "displayName": str(facts.get("name") or facts["deviceId"])[:1024],
        "configurationType": "Managed Device",
        "macAddresses": macs,
    }
    if normalise.serial(facts.get("serialNumber")):
        spec["serialNumber"] = facts["serialNumber"]
    for key in ("manufacturer", "model"):
        if facts.get(key):
            spec[key] = facts[key]
    return spec


async def apply_side_effects(
    ws: Workspace,
    *,
    seen: DeviceSeen,
    outcome: device_decisions.DeviceOutcome,
    organization: str,
) -> None:
    """Create the Configuration a decision asks for; undo a previous match that changed."""
    if outcome.create is not None and outcome.create not in ws.configurations:
        await ws.create(
            resources.CONFIGURATION,
            {
                "metadata": {
                    "name": outcome.create,
                    "labels": {resources.LABEL_MANAGED_BY: resources.MANAGED_BY},
                    "annotations": {ANNOTATION_CREATED_BY: seen.name},
                },
                "spec": configuration_spec(facts=seen.facts, organization=organization),
            },
        )
    live = _status(ws.device_matches.get(seen.name))
    previous = live.get("configuration") if live.get("state") == MatchState.MATCHED else None
    if previous and previous != outcome.configuration:
        await unbind(ws, configuration=previous, device_match=seen.name)


async def unbind(ws: Workspace, *, configuration: str, device_match: str) -> None:
    """Undo what matching a device to `configuration` caused."""
    body = ws.configurations.get(configuration)
    if body is None:
        return
    created_by = (body["metadata"].get("annotations") or {}).get(ANNOTATION_CREATED_BY)
    if created_by == device_match:
        await ws.delete(resources.CONFIGURATION, configuration)
        return
    microsoft = _status(body).get("microsoft") or {}
    if microsoft.get("deviceMatch") not in (None, device_match):
        return  # another device has been matched to it since
    await clear_configuration(ws, configuration)


async def clear_configuration(ws: Workspace, name: str) -> None:
    """Remove the operator's facts from a Configuration people documented."""
    status = {k: v for k, v in _status(ws.configurations.get(name)).items() if k != "kopf"}
    if not status.get("microsoft") and not status.get("conditions"):
        return
    applied = await ws.store.clear_status(
        resources.CONFIGURATION,
        name=name,
        namespace=ws.namespace,
        fields=["microsoft", "conditions"],
    )
    ws.put(resources.CONFIGURATION, applied)


def contact_index(contacts: Mapping[str, Body]) -> dict[tuple[str, str], str]:
    """(tenant ID, normalised username) → the Contact matched to that user (Smart Relate)."""
    index: dict[tuple[str, str], str] = {}
    for name in sorted(contacts):
        microsoft = _status(contacts[name]).get("microsoft") or {}
        username = normalise.email(microsoft.get("userPrincipalName"))
        if microsoft.get("tenantId") and username:
            index.setdefault((str(microsoft["tenantId"]), username), name)
    return index


def related_contact(
    index: Mapping[tuple[str, str], str], *, tenant_id: str, user_principal_name: str | None
) -> str | None:
    """The Contact of the device's primary user (the reference's Smart Relate), if any."""
    wanted = normalise.email(user_principal_name)
    return index.get((tenant_id, wanted)) if wanted else None


def configuration_facts(
    *,
    facts: Mapping[str, Any],
    device_match: str,
    contact: str | None,
    live: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """`status.microsoft` of the matched Configuration; BitLocker refs of the same device are
    kept (the BitLocker step owns them)."""
    live_microsoft = _status(live).get("microsoft") or {}
    keys = (
        live_microsoft.get("bitlockerKeys")
        if live_microsoft.get("deviceId") == facts["deviceId"]
        else None
    )
    macs = [str(facts[key]) for key in ("wifiMacAddress", "ethernetMacAddress") if facts.get(key)]
    microsoft: dict[str, Any] = {
        "tenantId": facts["tenantId"],
        "deviceId": facts["deviceId"],
        "deviceMatch": device_match,
        "name": facts.get("name"),
        "serialNumber": facts.get("serialNumber"),
        "macAddresses": macs or None,
        "operatingSystem": facts.get("operatingSystem"),
        "osVersion": facts.get("osVersion"),
        "manufacturer": facts.get("manufacturer"),
        "model": facts.get("model"),
        "complianceState": facts.get("complianceState"),
        "lastCheckIn": facts.get("lastCheckIn"),
        "primaryUser": facts.get("primaryUser"),
        "relatedContact": contact,
        "bitlockerKeys": keys or None,
        "removed": facts.get("removed"),
    }
    return {k: v for k, v in microsoft.items() if v is not None}


def differences(*, facts: Mapping[str, Any], configuration: Mapping[str, Any]) -> list[Any]:
    """Fields where Microsoft and the Configuration's documentation differ (compare data).

    Only fields a Configuration documents are compared: name, serial, MACs, make and model.
    """
    spec = configuration.get("spec") or {}
    found = compare.compare_device(
        microsoft=compare.DeviceFacts(
            name=facts.get("name"),
            serial=facts.get("serialNumber"),
            macs=tuple(
                str(facts[key])
                for key in ("wifiMacAddress", "ethernetMacAddress")
                if facts.get(key)
            ),
            manufacturer=facts.get("manufacturer"),
            model=facts.get("model"),
        ),
        configuration=compare.DeviceFacts(
            name=spec.get("displayName"),
            serial=spec.get("serialNumber"),
            macs=tuple(spec.get("macAddresses") or ()),
            manufacturer=spec.get("manufacturer"),
            model=spec.get("model"),
        ),
    )
    return [
        {
            k: v
            for k, v in {
                "field": d.field,
                "microsoft": d.microsoft[:1024],
                "configuration": d.configuration[:1024] if d.configuration else None,
            }.items()
            if v is not None
        }
        for d in found[:MAX_DIFFERENCES]
    ]


def desired_status(
    *,
    connector: str,
    facts: Mapping[str, Any],
    outcome: device_decisions.DeviceOutcome,
    suggestions: Sequence[device_decisions.Candidate],
    configuration: Mapping[str, Any] | None,
    live_status: Mapping[str, Any],
    generation: int | None,
    now: datetime,
) -> dict[str, Any]:
    """The complete operator-owned status of a DeviceMatch."""
    conds = conditions.set_condition(
        list(live_status.get("conditions") or []),
        type=conditions.DECIDED,
        status=outcome.decided,
        reason=outcome.reason,
        message=outcome.message,
        now=now,
        generation=generation,
    )
    matched = outcome.state == MatchState.MATCHED
    return {
        "connector": connector,
        "device": dict(facts),
        "state": outcome.state.value,
        "configuration": outcome.configuration,
        "matchedBy": outcome.matched_by.value if outcome.matched_by else None,
        "suggestions": []
        if matched
        else [
            {"name": s.name, "score": s.score, "evidence": list(s.evidence)[:8]}
            for s in suggestions[:3]
        ],
        "differences": differences(facts=facts, configuration=configuration)
        if matched and configuration is not None
        else [],
        "conditions": conds,
        "observedGeneration": generation,
    }


async def reconcile(
    ws: Workspace,
    *,
    connector: Body,
    seen: DeviceSeen,
    matching: Matching,
    organization: str,
    max_suggestions: int = 3,
) -> device_decisions.DeviceOutcome:
    """A sync's reconcile of one device: under the namespace's turn, so a decision applied
    meanwhile (between two devices) is seen, and the batch matched again if one was."""
    async with ws.turn:
        if matching.epoch != ws.decisions_applied:
            again = match(ws, organization=organization, devices=matching.devices)
            for name in Matching.__slots__:
                setattr(matching, name, getattr(again, name))
        return await reconcile_held(
            ws,
            connector=connector,
            seen=seen,
            matching=matching,
            organization=organization,
            max_suggestions=max_suggestions,
        )


async def reconcile_held(
    ws: Workspace,
    *,
    connector: Body,
    seen: DeviceSeen,
    matching: Matching,
    organization: str,
    max_suggestions: int = 3,
) -> device_decisions.DeviceOutcome:
    """Decide one device, apply side effects, write the Configuration and the DeviceMatch
    (the caller holds the namespace's turn)."""
    outcome, suggestions = decide(
        ws, seen=seen, matching=matching, organization=organization, max_suggestions=max_suggestions
    )
    await apply_side_effects(ws, seen=seen, outcome=outcome, organization=organization)
    if outcome.create is not None:
        matching.configurations.add(outcome.create)
    previous = matching.holding.pop(seen.name, None)
    if previous is not None and matching.held.get(previous) == seen.name:
        del matching.held[previous]
    if outcome.state == MatchState.MATCHED and outcome.configuration:
        matching.held[outcome.configuration] = seen.name
        matching.holding[seen.name] = outcome.configuration
    live = ws.device_matches.get(seen.name) or {}
    configuration = ws.configurations.get(outcome.configuration or "")
    if outcome.state == MatchState.MATCHED and configuration is not None:
        contact = related_contact(
            matching.contacts,
            tenant_id=str(seen.facts["tenantId"]),
            user_principal_name=seen.facts.get("primaryUser"),
        )
        await ws.write_status(
            resources.CONFIGURATION,
            str(outcome.configuration),
            {
                "microsoft": configuration_facts(
                    facts=seen.facts, device_match=seen.name, contact=contact, live=configuration
                )
            },
        )
    await ws.write_metadata(
        resources.DEVICE_MATCH,
        seen.name,
        match_metadata(
            connector=connector, tenant_id=str(seen.facts["tenantId"]), state=outcome.state.value
        ),
    )
    await ws.write_status(
        resources.DEVICE_MATCH,
        seen.name,
        desired_status(
            connector=connector["metadata"]["name"],
            facts=seen.facts,
            outcome=outcome,
            suggestions=suggestions,
            configuration=configuration,
            live_status=_status(live),
            generation=(ws.device_matches.get(seen.name) or {})
            .get("metadata", {})
            .get("generation"),
            now=ws.now,
        ),
    )
    return outcome


# --------------------------------------------------------------------------- decisions


async def apply_device_decision(
    ws: Workspace, *, body: Body, connector: Body | None, now: datetime
) -> device_decisions.DeviceOutcome | None:
    """Apply the decision in `body` (read just now); the outcome, or None when nothing was
    decided. The caller holds the namespace's turn (`Workspace.turn`)."""
    name = body["metadata"]["name"]
    if not needs_decision(body):
        return None
    ws.put(resources.DEVICE_MATCH, body)
    facts = _status(body).get("device")
    if not facts or connector is None:
        await _hold(
            ws,
            body=body,
            now=now,
            reason=AWAITING_DISCOVERY,
            message="the decision is applied when a connector in this namespace discovers "
            "the device",
        )
        return None
    await ws.ensure(resources.ORGANIZATION, resources.TENANT_MATCH)
    await ws.load_devices()
    ws.put(resources.DEVICE_MATCH, body)
    if (body.get("spec") or {}).get("decision") != DeviceDecision.IGNORE:
        # Only a match relates the device's primary user's Contact (Smart Relate); an
        # Ignore, the common bulk decision, does not need the namespace's Contacts.
        await ws.load_contacts()
    tenant_id = str(facts["tenantId"])
    tenant_match = ws.tenant_matches.get(
        naming.tenant_match_name(connector=connector["metadata"]["name"], tenant_id=tenant_id)
    )
    tm_status = _status(tenant_match)
    organization = tm_status.get("organization")
    if tm_status.get("state") != MatchState.MATCHED or not organization:
        await _hold(
            ws,
            body=body,
            now=now,
            reason=TENANT_NOT_MATCHED,
            message="the device's tenant is not matched to an Organization: decide its "
            "TenantMatch first",
        )
        return None
    seen = DeviceSeen(name=name, facts=dict(facts))
    matching = match(ws, organization=str(organization), devices=[seen])
    return await reconcile_held(
        ws,
        connector=connector,
        seen=seen,
        matching=matching,
        organization=str(organization),
        max_suggestions=int(
            ((connector.get("spec") or {}).get("matching") or {}).get("maxSuggestions") or 3
        ),
    )


def wants_sync(outcome: device_decisions.DeviceOutcome | None, *, connector: Body | None) -> bool:
    """Should a decision's match be followed by a sync now? Yes when the connector stores
    BitLocker keys: the newly matched device's keys are fetched at once, not next hour."""
    if outcome is None or connector is None or outcome.state != MatchState.MATCHED:
        return False
    return bool(((connector.get("spec") or {}).get("sync") or {}).get("bitlockerKeys"))


async def _hold(ws: Workspace, *, body: Body, now: datetime, reason: str, message: str) -> None:
    """Say (once) why a decision waits."""
    status = _status(body)
    existing = conditions.get_condition(status.get("conditions") or [], conditions.DECIDED)
    if existing is not None and existing.get("reason") == reason:
        return
    conds = conditions.set_condition(
        status.get("conditions") or [],
        type=conditions.DECIDED,
        status="Unknown",
        reason=reason,
        message=message,
        now=now,
    )
    await ws.write_status(resources.DEVICE_MATCH, body["metadata"]["name"], {"conditions": conds})


# --------------------------------------------------------------------------- tenant revert


async def release_tenant(ws: Workspace, *, tenant_id: str, now: datetime) -> int:
    """The tenant is no longer matched: undo its devices' matches; returns how many.

    Each matched DeviceMatch of the tenant becomes Unmatched (its decision in spec stays, and
    applies again when the tenant is matched again); its Configuration loses the device's facts,
    or is deleted if the match created it. Call it where a TenantMatch's match is undone.
    """
    await ws.load_devices()
    released = 0
    for name in sorted(ws.device_matches.names("tenant", tenant_id)):
        body = ws.device_matches[name]
        status = _status(body)
        if status.get("state") != MatchState.MATCHED:
            continue
        if status.get("configuration"):
            await unbind(ws, configuration=str(status["configuration"]), device_match=name)
        meta = body["metadata"]
        live_labels = meta.get("labels") or {}
        labels = {
            key: live_labels[key]
            for key in (
                resources.LABEL_CONNECTOR,
                resources.LABEL_TENANT,
                resources.LABEL_MANAGED_BY,
            )
            if key in live_labels
        }
        labels[resources.LABEL_STATE] = MatchState.UNMATCHED.value
        await ws.write_metadata(
            resources.DEVICE_MATCH,
            name,
            {"labels": labels, "ownerReferences": meta.get("ownerReferences") or []},
        )
        conds = conditions.set_condition(
            status.get("conditions") or [],
            type=conditions.DECIDED,
            status=False,
            reason=TENANT_NOT_MATCHED,
            message="the device's tenant is no longer matched to an Organization",
            now=now,
        )
        await ws.write_status(
            resources.DEVICE_MATCH,
            name,
            {
                "state": MatchState.UNMATCHED.value,
                "configuration": None,
                "matchedBy": None,
                "differences": [],
                "conditions": conds,
            },
        )
        released += 1
    return released
