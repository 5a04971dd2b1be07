"""What one run reads from the cluster once, and updates in memory as it writes.

Listing each kind once per run (instead of a GET per object) keeps the API server's load flat
however many users a tenant has, and lets every write be skipped when the live object already
says the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any

from m365inventory.kube.store import Body, Store
from m365inventory.model import resources
from m365inventory.model.matches import MatchState
from m365inventory.sync import naming, plan
from m365inventory.sync.tables import Table, field

ANNOTATION_CREATED_BY = f"{resources.GROUP}/created-by"
"""On objects the operator created: the TenantMatch or DeviceMatch whose decision made them."""


def _holding(body: Body) -> str | None:
    """The Configuration a DeviceMatch of a present device is matched to."""
    status = body.get("status") or {}
    if status.get("state") != MatchState.MATCHED or (status.get("device") or {}).get("removed"):
        return None
    return str(status["configuration"]) if status.get("configuration") else None


CONTACT_INDEXES = {
    "organization": field("spec", "organization"),
    "tenant": field("status", "microsoft", "tenantId"),
}
CONFIGURATION_INDEXES = {"organization": field("spec", "organization")}
DEVICE_MATCH_INDEXES = {"tenant": field("status", "device", "tenantId"), "holding": _holding}


@dataclass
class Workspace:
    """The namespace's documentation as one run sees it."""

    store: Store
    namespace: str
    now: datetime
    organizations: Table = dataclass_field(default_factory=Table)
    tenant_matches: Table = dataclass_field(default_factory=Table)
    contacts: Table = dataclass_field(default_factory=lambda: Table(CONTACT_INDEXES))
    configurations: Table = dataclass_field(default_factory=lambda: Table(CONFIGURATION_INDEXES))
    device_matches: Table = dataclass_field(default_factory=lambda: Table(DEVICE_MATCH_INDEXES))

    contacts_loaded: bool = False
    devices_loaded: bool = False

    @classmethod
    async def load(
        cls, *, store: Store, namespace: str, now: datetime, contacts: bool = True
    ) -> Workspace:
        ws = cls(store=store, namespace=namespace, now=now)
        await ws._fill(resources.ORGANIZATION)
        await ws._fill(resources.TENANT_MATCH)
        if contacts:
            await ws.load_contacts()
        return ws

    async def load_contacts(self) -> None:
        """List the namespace's Contacts (once)."""
        if not self.contacts_loaded:
            await self._fill(resources.CONTACT)
            self.contacts_loaded = True

    async def load_devices(self) -> None:
        """List the namespace's Configurations and DeviceMatches (once)."""
        if not self.devices_loaded:
            await self._fill(resources.CONFIGURATION)
            await self._fill(resources.DEVICE_MATCH)
            self.devices_loaded = True

    async def refresh(self, kind: resources.Kind, name: str) -> Body | None:
        """Read one object again (another writer may have changed it since the listing)."""
        found = await self.store.get(kind, name, namespace=self.namespace)
        if found is None:
            self._table(kind).pop(name, None)
        else:
            self.put(kind, found)
        return found

    async def _fill(self, kind: resources.Kind) -> None:
        self._table(kind).clear()
        for item in await self.store.list(kind, namespace=self.namespace):
            self.put(kind, item)

    def put(self, kind: resources.Kind, body: Body) -> None:
        """Record an object as it is now (listed, read, or returned by a write)."""
        self._table(kind)[body["metadata"]["name"]] = lean(body)

    def _table(self, kind: resources.Kind) -> Table:
        return {
            resources.ORGANIZATION.kind: self.organizations,
            resources.TENANT_MATCH.kind: self.tenant_matches,
            resources.CONTACT.kind: self.contacts,
            resources.CONFIGURATION.kind: self.configurations,
            resources.DEVICE_MATCH.kind: self.device_matches,
        }[kind.kind]

    async def write_status(self, kind: resources.Kind, name: str, status: dict[str, Any]) -> bool:
        """Set the given status fields (None: remove one) unless the live object has them.

        Server-side apply removes fields its manager owned but no longer sends, so the apply
        carries the whole operator-owned status: the live one with `status` laid over it.
        """
        table = self._table(kind)
        live = table.get(name)
        if not plan.needs_status_write(live, status):
            return False
        live_status = {k: v for k, v in ((live or {}).get("status") or {}).items() if k != "kopf"}
        merged = plan.without_empty({**live_status, **status})
        if merged:
            applied = await self.store.apply_status(
                kind, name=name, namespace=self.namespace, status=merged
            )
        else:
            # Nothing operator-owned is left, and an apply cannot carry an empty status.
            applied = await self.store.clear_status(
                kind, name=name, namespace=self.namespace, fields=sorted(live_status)
            )
        self.put(kind, applied)
        return True

    async def write_metadata(self, kind: resources.Kind, name: str, metadata: Body) -> bool:
        """Apply labels/ownerReferences the operator owns unless the live object has them."""
        table = self._table(kind)
        live = table.get(name)
        desired = {"metadata": metadata}
        if live is not None and not plan.needs_write(live, desired):
            return False
        applied = await self.store.apply(
            kind, {"metadata": {"name": name, "namespace": self.namespace, **metadata}}
        )
        self.put(kind, applied)
        return True

    async def create(self, kind: resources.Kind, body: Body) -> Body:
        """Create an object; if it appeared meanwhile (a killed run, Git), use the live one."""
        name = body["metadata"]["name"]
        body["metadata"]["namespace"] = self.namespace
        created = await self.store.create(kind, body)
        if created is None:
            created = await self.store.get(kind, name, namespace=self.namespace)
            assert created is not None
        self.put(kind, created)
        return created

    async def delete(self, kind: resources.Kind, name: str) -> None:
        await self.store.delete(kind, name, namespace=self.namespace)
        self._table(kind).pop(name, None)


def lean(body: Body) -> Body:
    """`body` without metadata.managedFields, which no run reads: half of an object's JSON.
    Writes return them; listed objects never carry them (`kube/listing.py`)."""
    (body.get("metadata") or {}).pop("managedFields", None)
    return body


def owner_reference(connector: Body) -> Body:
    """Make `connector` the owner, so deleting it cascades to what it discovered."""
    meta = connector["metadata"]
    return {
        "apiVersion": resources.API_VERSION,
        "kind": resources.CONNECTOR.kind,
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": False,
    }


def match_metadata(*, connector: Body, tenant_id: str, state: str) -> Body:
    """Labels and owner the operator keeps on a TenantMatch or DeviceMatch (people own spec)."""
    return {
        "labels": {
            resources.LABEL_CONNECTOR: naming.label_value(connector["metadata"]["name"]),
            resources.LABEL_TENANT: naming.label_value(tenant_id),
            resources.LABEL_STATE: state,
            resources.LABEL_MANAGED_BY: resources.MANAGED_BY,
        },
        "ownerReferences": [owner_reference(connector)],
    }
