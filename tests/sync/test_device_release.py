"""Undoing a tenant's device matches when the tenant is unmatched (`release_tenant`).

The kube edge is replaced by a recording store that keeps objects in memory, so the test sees
exactly which writes the release makes; the real store is exercised end to end elsewhere.
"""

from __future__ import annotations

import builtins
import copy
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from m365inventory.model import resources
from m365inventory.sync.reconcile import devicematch
from m365inventory.sync.state.workspace import ANNOTATION_CREATED_BY, Workspace

NOW = datetime(2026, 11, 22, tzinfo=UTC)


class RecordingStore:
    """Objects by (kind, name); every write is recorded as (verb, kind, name)."""

    def __init__(self, objects: dict[tuple[str, str], dict[str, Any]]) -> None:
        self.objects = objects
        self.calls: list[tuple[str, str, str]] = []

    async def list(self, kind: resources.Kind, *, namespace: str) -> builtins.list[dict[str, Any]]:
        return [copy.deepcopy(b) for (k, _), b in self.objects.items() if k == kind.kind]

    async def apply_status(
        self,
        kind: resources.Kind,
        *,
        name: str,
        namespace: str,
        status: dict[str, Any],
        resource_version: str | None = None,
    ) -> dict[str, Any]:
        self.calls.append(("apply-status", kind.kind, name))
        body = self.objects[(kind.kind, name)]
        body["status"] = copy.deepcopy(status)
        return copy.deepcopy(body)

    async def apply(
        self, kind: resources.Kind, body: dict[str, Any], *, resource_version: str | None = None
    ) -> dict[str, Any]:
        name = body["metadata"]["name"]
        self.calls.append(("apply", kind.kind, name))
        live = self.objects[(kind.kind, name)]
        live["metadata"].update(copy.deepcopy(body["metadata"]))
        return copy.deepcopy(live)

    async def clear_status(
        self, kind: resources.Kind, *, name: str, namespace: str, fields: Sequence[str]
    ) -> dict[str, Any]:
        self.calls.append(("clear-status", kind.kind, name))
        body = self.objects[(kind.kind, name)]
        for field in fields:
            (body.get("status") or {}).pop(field, None)
        return copy.deepcopy(body)

    async def delete(self, kind: resources.Kind, name: str, *, namespace: str) -> bool:
        self.calls.append(("delete", kind.kind, name))
        return self.objects.pop((kind.kind, name), None) is not None


def device_match(name: str, *, tenant: str, configuration: str | None) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "labels": {
                resources.LABEL_STATE: "Matched" if configuration else "Unmatched",
                resources.LABEL_TENANT: tenant,
                "team": "people-own-this",
            },
        },
        "spec": {"decision": "MatchTo", "configurationName": configuration}
        if configuration
        else {},
        "status": {
            "device": {"deviceId": name, "tenantId": tenant},
            "state": "Matched" if configuration else "Unmatched",
            "configuration": configuration,
            "matchedBy": "Manual" if configuration else None,
        },
    }


def configuration(name: str, *, device_match: str, created: bool) -> dict[str, Any]:
    annotations = {ANNOTATION_CREATED_BY: device_match} if created else {}
    return {
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"organization": "contoso", "displayName": name},
        "status": {"microsoft": {"deviceId": device_match, "deviceMatch": device_match}},
    }


async def test_release_unmatches_the_tenants_devices_and_undoes_their_side_effects() -> None:
    store = RecordingStore(
        {
            ("DeviceMatch", "dm-1"): device_match("dm-1", tenant="t1", configuration="people"),
            ("DeviceMatch", "dm-2"): device_match("dm-2", tenant="t1", configuration="made"),
            ("DeviceMatch", "dm-3"): device_match("dm-3", tenant="t1", configuration=None),
            ("DeviceMatch", "dm-4"): device_match("dm-4", tenant="t2", configuration="other"),
            ("Configuration", "people"): configuration(
                "people", device_match="dm-1", created=False
            ),
            ("Configuration", "made"): configuration("made", device_match="dm-2", created=True),
            ("Configuration", "other"): configuration("other", device_match="dm-4", created=False),
        }
    )
    ws = Workspace(store=store, namespace="ns", now=NOW)  # type: ignore[arg-type]

    released = await devicematch.release_tenant(ws, tenant_id="t1", now=NOW)

    assert released == 2
    assert ("delete", "Configuration", "made") in store.calls
    assert ("clear-status", "Configuration", "people") in store.calls
    assert "microsoft" not in store.objects[("Configuration", "people")]["status"]
    assert store.objects[("Configuration", "other")]["status"]["microsoft"]["deviceId"] == "dm-4"
    for name in ("dm-1", "dm-2"):
        body = store.objects[("DeviceMatch", name)]
        assert body["status"]["state"] == "Unmatched"
        assert "configuration" not in body["status"]
        assert body["status"]["conditions"][0]["reason"] == devicematch.TENANT_NOT_MATCHED
        assert body["metadata"]["labels"][resources.LABEL_STATE] == "Unmatched"
        assert body["spec"]["decision"] == "MatchTo"
    assert not any(name in {"dm-3", "dm-4"} for _, _, name in store.calls)

    store.calls.clear()
    ws = Workspace(store=store, namespace="ns", now=NOW)  # type: ignore[arg-type]
    assert await devicematch.release_tenant(ws, tenant_id="t1", now=NOW) == 0
    assert store.calls == []
