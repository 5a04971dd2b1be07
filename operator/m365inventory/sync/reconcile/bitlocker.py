"""BitLocker recovery keys of matched devices, stored only in Kubernetes Secrets (opt-in).

Every read of a key value is audited by Microsoft, so a value is fetched only for key IDs the
device's Secret does not hold yet; listing key IDs is cheap and unaudited. One Secret per
device, owned by its Configuration (deleting the Configuration deletes the keys) and labelled
so that RBAC and audits can find them. Values never reach status, Events or logs: the
Configuration lists key IDs and the Secret's name only. A 403 (no BitlockerKey.Read.All)
becomes the Configuration's BitlockerKeysAvailable condition, not a failed sync.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from m365inventory.graph import errors as graph_errors
from m365inventory.graph.client import GraphClient
from m365inventory.kube import events
from m365inventory.model import graph as g
from m365inventory.model import resources
from m365inventory.sync.rules import conditions
from m365inventory.sync.state.workspace import Workspace

KEYS_AVAILABLE = "BitlockerKeysAvailable"
LABEL_SECRET_TYPE = f"{resources.GROUP}/secret-type"
SECRET_TYPE = "bitlocker-recovery-keys"  # noqa: S105 - a label value
LABEL_CONFIGURATION = f"{resources.GROUP}/configuration"
ANNOTATION_DEVICE = f"{resources.GROUP}/device-id"
SECRET_PREFIX = "bitlocker-"  # noqa: S105 - a name prefix
DENIED_MESSAGE = (
    "the app cannot read BitLocker recovery keys (403): grant BitlockerKey.Read.All with admin "
    "consent, then the next sync stores them"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class MatchedDevice:
    """A device matched to a Configuration, with the Entra device id keys are filed under."""

    device_match: str
    device_id: str
    azure_device_id: str | None
    configuration: str


@dataclass
class BitlockerReport:
    """What the BitLocker step did for one tenant (counts only: no values)."""

    fetched: int = 0
    secrets_written: int = 0
    denied: bool = False
    notes: list[str] = field(default_factory=list)


def secret_name(device_match: str) -> str:
    """`bitlocker-<DeviceMatch name>`: one Secret per device, stable across re-matches."""
    return f"{SECRET_PREFIX}{device_match}"[:253].rstrip("-.")


def _time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return conditions.timestamp(aware.astimezone(UTC))


def key_refs(
    keys: Sequence[g.BitlockerRecoveryKey], *, stored: set[str], secret: str
) -> list[dict[str, Any]]:
    """`status.microsoft.bitlockerKeys`: the stored keys' IDs and facts, never their values."""
    refs = []
    for key in sorted(keys, key=lambda k: (_time(k.created_date_time) or "", k.id)):
        if key.id not in stored:
            continue
        ref = {
            "keyId": key.id,
            "secretName": secret,
            "volumeType": key.volume_type,
            "createdTime": _time(key.created_date_time),
        }
        refs.append({k: v for k, v in ref.items() if v is not None})
    return refs[:32]


def _secret_body(
    *,
    ws: Workspace,
    device: MatchedDevice,
    configuration: dict[str, Any],
    data: dict[str, bytes],
    tenant_id: str,
) -> dict[str, Any]:
    meta = configuration["metadata"]
    return {
        "metadata": {
            "name": secret_name(device.device_match),
            "namespace": ws.namespace,
            "labels": {
                LABEL_SECRET_TYPE: SECRET_TYPE,
                LABEL_CONFIGURATION: meta["name"][:63].rstrip("-_."),
                resources.LABEL_TENANT: tenant_id,
                resources.LABEL_MANAGED_BY: resources.MANAGED_BY,
            },
            "annotations": {ANNOTATION_DEVICE: device.device_id},
            "ownerReferences": [
                {
                    "apiVersion": resources.API_VERSION,
                    "kind": resources.CONFIGURATION.kind,
                    "name": meta["name"],
                    "uid": meta["uid"],
                    "blockOwnerDeletion": False,
                }
            ],
        },
        "type": "Opaque",
        "data": {k: base64.b64encode(v).decode("ascii") for k, v in sorted(data.items())},
    }


async def _condition(
    ws: Workspace, *, configuration: str, ok: bool, reason: str, message: str
) -> None:
    body = ws.configurations.get(configuration)
    if body is None:
        return
    live = (body.get("status") or {}).get("conditions") or []
    conds = conditions.set_condition(
        live, type=KEYS_AVAILABLE, status=ok, reason=reason, message=message, now=ws.now
    )
    await ws.write_status(resources.CONFIGURATION, configuration, {"conditions": conds})
    await _warn_on_new_denial(ws, before=body, configuration=configuration, ok=ok)


async def _warn_on_new_denial(
    ws: Workspace, *, before: dict[str, Any], configuration: str, ok: bool
) -> None:
    """A Warning Event when keys become unavailable (once, not every sync)."""
    previous = conditions.get_condition(
        (before.get("status") or {}).get("conditions") or [], KEYS_AVAILABLE
    )
    if ok or (previous is not None and previous.get("status") == "False"):
        return
    involved = ws.configurations.get(configuration) or before
    await ws.store.create_event(
        events.event_for(
            involved=involved, type="Warning", reason="PermissionMissing", message=DENIED_MESSAGE
        )
    )


async def sync_bitlocker(
    ws: Workspace,
    *,
    client: GraphClient,
    tenant_id: str,
    devices: Sequence[MatchedDevice],
) -> BitlockerReport:
    """Store the recovery keys of `devices` not stored yet; record refs on Configurations."""
    report = BitlockerReport()
    if not devices:
        return report
    try:
        listed = await client.bitlocker_key_ids()
    except graph_errors.MissingPermission:
        return await _denied(ws, devices=devices, report=report)
    by_device: dict[str, list[g.BitlockerRecoveryKey]] = {}
    for key in listed:
        if key.device_id:
            by_device.setdefault(key.device_id.lower(), []).append(key)

    stored: dict[str, dict[str, bytes]] = {}
    wanted: list[str] = []
    for device in devices:
        keys = by_device.get((device.azure_device_id or "").lower(), [])
        if not keys:
            continue
        existing = await ws.store.read_secret(
            secret_name(device.device_match), namespace=ws.namespace
        )
        stored[device.device_match] = existing or {}
        wanted.extend(k.id for k in keys if k.id not in stored[device.device_match])

    fetched = await client.bitlocker_keys(wanted) if wanted else None
    if fetched is not None:
        if any(isinstance(e, graph_errors.MissingPermission) for e in fetched.errors.values()):
            report.denied = True
            report.notes.append(
                "bitlockerKeys not synced: grant BitlockerKey.Read.All (application permission) "
                "with admin consent (BitlockerKey.ReadBasic.All lists keys, not their values)"
            )
        failed = len(fetched.errors)
        if failed:
            report.notes.append(f"{failed} BitLocker recovery keys could not be read")
        report.fetched = len(fetched.values)

    for device in devices:
        keys = by_device.get((device.azure_device_id or "").lower(), [])
        configuration = ws.configurations.get(device.configuration)
        if configuration is None:
            continue
        data = dict(stored.get(device.device_match) or {})
        new: dict[str, bytes] = {}
        for key in keys:
            got = fetched.values.get(key.id) if fetched is not None else None
            if got is not None and got.key is not None and key.id not in data:
                new[key.id] = got.key.get_secret_value().encode()
        recorded = ((configuration.get("status") or {}).get("microsoft") or {}).get("bitlockerKeys")
        # Stored keys the Configuration does not list yet: the device was matched to it since
        # the Secret was written, so the Secret is applied again to move its owner here.
        if new or (data and not recorded):
            data.update(new)
            await ws.store.apply_secret(
                _secret_body(
                    ws=ws,
                    device=device,
                    configuration=configuration,
                    data=data,
                    tenant_id=tenant_id,
                )
            )
            report.secrets_written += 1
        await _record(ws, device=device, keys=keys, stored=set(data), denied=report.denied)
    return report


async def _record(
    ws: Workspace,
    *,
    device: MatchedDevice,
    keys: Sequence[g.BitlockerRecoveryKey],
    stored: set[str],
    denied: bool,
) -> None:
    """Write the key refs and the condition to the Configuration in one write (if changed)."""
    body = ws.configurations[device.configuration]
    status = body.get("status") or {}
    microsoft = dict(status.get("microsoft") or {})
    if microsoft.get("deviceId") != device.device_id:
        return
    secret = secret_name(device.device_match)
    refs = key_refs(keys, stored=stored, secret=secret)
    microsoft["bitlockerKeys"] = refs or None
    if denied:
        ok, reason, message = False, "PermissionMissing", DENIED_MESSAGE
    elif refs:
        ok, reason, message = True, "Stored", f"{len(refs)} recovery keys stored in Secret {secret}"
    else:
        ok, reason, message = True, "NoKeys", "Microsoft has no recovery key for this device"
    conds = conditions.set_condition(
        status.get("conditions") or [],
        type=KEYS_AVAILABLE,
        status=ok,
        reason=reason,
        message=message,
        now=ws.now,
    )
    await ws.write_status(
        resources.CONFIGURATION,
        device.configuration,
        {"microsoft": {k: v for k, v in microsoft.items() if v is not None}, "conditions": conds},
    )
    await _warn_on_new_denial(ws, before=body, configuration=device.configuration, ok=ok)


async def _denied(
    ws: Workspace, *, devices: Sequence[MatchedDevice], report: BitlockerReport
) -> BitlockerReport:
    report.denied = True
    report.notes.append(
        "bitlockerKeys not synced: grant BitlockerKey.Read.All (application permission) with "
        "admin consent"
    )
    for device in devices:
        await _condition(
            ws,
            configuration=device.configuration,
            ok=False,
            reason="PermissionMissing",
            message=DENIED_MESSAGE,
        )
    return report
