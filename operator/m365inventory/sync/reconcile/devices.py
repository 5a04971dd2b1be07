"""Sync the Intune managed devices of one matched tenant into DeviceMatches and Configurations.

One list call per tenant; Ethernet MACs (null in Graph's list) are read per device by
`$batch`, and only for devices new to the operator or changed since the last sync (their
`lastSyncDateTime` moved): an unchanged tenant costs one list call and zero writes. Devices
gone from Intune are recorded on their DeviceMatch and Configuration, never deleted, unless the
connector's removalPolicy is Delete and the operator created the Configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from m365inventory.graph.client import GraphClient
from m365inventory.kube.store import Body
from m365inventory.model import graph as g
from m365inventory.model import resources
from m365inventory.model.connector import RemovalPolicy
from m365inventory.model.matches import MatchState
from m365inventory.sync.reconcile import bitlocker, devicematch
from m365inventory.sync.rules import conditions, naming
from m365inventory.sync.state.workspace import ANNOTATION_CREATED_BY, Workspace


@dataclass
class DeviceCounts:
    """What happened to the tenant's devices."""

    total: int = 0
    matched: int = 0
    unmatched: int = 0
    ignored: int = 0
    removed: int = 0
    ethernet_fetched: int = 0
    notes: list[str] = field(default_factory=list)
    degraded: dict[str, str] = field(default_factory=dict)
    """Feature -> why it was skipped ("bitlockerKeys" without BitlockerKey.Read.All)."""

    def as_status(self) -> dict[str, int]:
        """`status.devices` of the TenantMatch."""
        return {
            "total": self.total,
            "matched": self.matched,
            "unmatched": self.unmatched,
            "ignored": self.ignored,
        }


def _time(moment: datetime | None) -> str | None:
    # Intune reports "never" as 0001-01-01T00:00:00Z (.NET's DateTime.MinValue), which
    # strftime renders as "1-01-01…", a date-time the API server refuses.
    if moment is None or moment.year < 1900:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return conditions.timestamp(aware.astimezone(UTC))


def _text(value: str | None, *, limit: int) -> str | None:
    return value.strip()[:limit] or None if value else None


def device_facts(
    device: g.ManagedDevice, *, tenant_id: str, ethernet_mac: str | None
) -> dict[str, Any]:
    """`status.device` of a DeviceMatch (no None values, so it compares equal to the stored
    one). Intune reports missing values as empty strings; they are left out too."""
    facts = {
        "deviceId": device.id,
        "tenantId": tenant_id,
        "name": _text(device.device_name, limit=1024) or "",
        "serialNumber": _text(device.serial_number, limit=256),
        "wifiMacAddress": _text(device.wi_fi_mac_address, limit=64),
        "ethernetMacAddress": _text(ethernet_mac, limit=64),
        "operatingSystem": _text(device.operating_system, limit=256),
        "osVersion": _text(device.os_version, limit=256),
        "manufacturer": _text(device.manufacturer, limit=256),
        "model": _text(device.model, limit=256),
        "primaryUser": _text(device.user_principal_name, limit=1024),
        "complianceState": _text(device.compliance_state, limit=64),
        "lastCheckIn": _time(device.last_sync_date_time),
    }
    return {k: v for k, v in facts.items() if v is not None}


def _stored_facts(ws: Workspace, name: str) -> Mapping[str, Any]:
    return ((ws.device_matches.get(name) or {}).get("status") or {}).get("device") or {}


async def _ethernet_macs(
    ws: Workspace,
    *,
    client: GraphClient,
    devices: list[g.ManagedDevice],
    names: Mapping[str, str],
    counts: DeviceCounts,
) -> dict[str, str | None]:
    """Each device's Ethernet MAC: from the list, from the last sync when the device has not
    checked in since, or read by `$batch` (new or changed devices only)."""
    macs: dict[str, str | None] = {}
    wanted: list[str] = []
    for device in devices:
        if device.ethernet_mac_address:
            macs[device.id] = device.ethernet_mac_address
            continue
        stored = _stored_facts(ws, names[device.id])
        if stored and stored.get("lastCheckIn") == _time(device.last_sync_date_time):
            macs[device.id] = stored.get("ethernetMacAddress")
        else:
            wanted.append(device.id)
    if wanted:
        fetched = await client.device_ethernet_macs(wanted)
        counts.ethernet_fetched = len(wanted)
        for device_id in wanted:
            macs[device_id] = fetched.values.get(device_id)
        if fetched.errors:
            counts.notes.append(f"Ethernet MAC unreadable for {len(fetched.errors)} devices")
    return macs


async def sync_devices(
    ws: Workspace,
    *,
    client: GraphClient,
    connector: Body,
    tenant_id: str,
    organization: str,
    bitlocker_keys: bool,
    max_suggestions: int = 3,
    removal: RemovalPolicy = RemovalPolicy.RETAIN,
) -> DeviceCounts:
    """Match, record and (with `bitlocker_keys`) secure the tenant's Intune devices.

    The device list is read before anything is written: a tenant without Intune
    (`NotApplicable`) or a 403 raises from here with no DeviceMatch marked removed."""
    await ws.load_devices()
    await ws.load_contacts()
    connector_name = connector["metadata"]["name"]
    listed = await client.managed_devices()
    names = {
        d.id: naming.device_match_name(connector=connector_name, device_id=d.id) for d in listed
    }
    counts = DeviceCounts(total=len(listed))
    macs = await _ethernet_macs(ws, client=client, devices=listed, names=names, counts=counts)
    seen = [
        devicematch.DeviceSeen(
            name=names[d.id],
            facts=device_facts(d, tenant_id=tenant_id, ethernet_mac=macs.get(d.id)),
        )
        for d in listed
    ]
    matching = devicematch.match(ws, organization=organization, devices=seen)
    matched: list[bitlocker.MatchedDevice] = []
    azure_ids = {d.id: d.azure_ad_device_id for d in listed}
    for item in seen:
        outcome = await devicematch.reconcile(
            ws,
            connector=connector,
            seen=item,
            matching=matching,
            organization=organization,
            max_suggestions=max_suggestions,
        )
        if outcome.state == MatchState.MATCHED and outcome.configuration:
            counts.matched += 1
            matched.append(
                bitlocker.MatchedDevice(
                    device_match=item.name,
                    device_id=item.device_id,
                    azure_device_id=azure_ids.get(item.device_id),
                    configuration=outcome.configuration,
                )
            )
        elif outcome.state == MatchState.IGNORED:
            counts.ignored += 1
        else:
            counts.unmatched += 1
    counts.removed = await _record_removed(
        ws,
        connector=connector_name,
        tenant_id=tenant_id,
        present=set(names.values()),
        removal=removal,
    )
    if bitlocker_keys:
        report = await bitlocker.sync_bitlocker(
            ws, client=client, tenant_id=tenant_id, devices=matched
        )
        counts.notes.extend(report.notes)
        if report.denied:
            counts.degraded["bitlockerKeys"] = (
                "grant BitlockerKey.Read.All (application permission) with admin consent"
            )
    return counts


async def _record_removed(
    ws: Workspace, *, connector: str, tenant_id: str, present: set[str], removal: RemovalPolicy
) -> int:
    """DeviceMatches of this tenant whose device left Intune: marked removed, kept. With
    removalPolicy Delete, a Configuration the operator created for the device is deleted."""
    removed = 0
    for name in ws.device_matches.names("tenant", tenant_id):
        status = ws.device_matches[name].get("status") or {}
        facts = status.get("device") or {}
        if name in present or status.get("connector") != connector:
            continue
        removed += 1
        if facts.get("removed"):
            continue
        await ws.write_status(resources.DEVICE_MATCH, name, {"device": {**facts, "removed": True}})
        configuration = status.get("configuration")
        config_body = ws.configurations.get(configuration or "")
        if status.get("state") != MatchState.MATCHED or config_body is None:
            continue
        microsoft = (config_body.get("status") or {}).get("microsoft") or {}
        created_by = (config_body["metadata"].get("annotations") or {}).get(ANNOTATION_CREATED_BY)
        if removal == RemovalPolicy.DELETE and created_by == name:
            await ws.delete(resources.CONFIGURATION, str(configuration))
        elif microsoft.get("deviceId") == facts.get("deviceId"):
            await ws.write_status(
                resources.CONFIGURATION,
                str(configuration),
                {"microsoft": {**microsoft, "removed": True}},
            )
    return removed
