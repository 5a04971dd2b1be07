"""What one run reads from the cluster once, and updates in memory as it writes.

Listing each kind once per run (instead of a GET per object) keeps the API server's load flat
however many users a tenant has, and lets every write be skipped when the live object already
says the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from m365inventory.kube.store import Body, Store
from m365inventory.model import resources
from m365inventory.sync import naming, plan

ANNOTATION_CREATED_BY = f"{resources.GROUP}/created-by"
"""On objects the operator created: the TenantMatch or DeviceMatch whose decision made them."""


@dataclass
class Workspace:
    """The namespace's documentation as one run sees it."""

    store: Store
    namespace: str
    now: datetime
    organizations: dict[str, Body] = field(default_factory=dict)
    tenant_matches: dict[str, Body] = field(default_factory=dict)
    contacts: dict[str, Body] = field(default_factory=dict)
    configurations: dict[str, Body] = field(default_factory=dict)
    device_matches: dict[str, Body] = field(default_factory=dict)

    contacts_loaded: bool = False
    devices_loaded: bool = False
    _contacts_by_tenant: dict[str, list[str]] | None = field(default=None, repr=False)

    @classmethod
    async def load(
        cls, *, store: Store, namespace: str, now: datetime, contacts: bool = True
    ) -> Workspace:
        ws = cls(store=store, namespace=namespace, now=now)
        ws.organizations = await ws._by_name(resources.ORGANIZATION)
        ws.tenant_matches = await ws._by_name(resources.TENANT_MATCH)
        if contacts:
            await ws.load_contacts()
        return ws

    async def load_contacts(self) -> None:
        """List the namespace's Contacts (once)."""
        if not self.contacts_loaded:
            self.contacts = await self._by_name(resources.CONTACT)
            self.contacts_loaded = True
            self._contacts_by_tenant = None

    def contacts_of_tenant(self, tenant_id: str) -> list[str]:
        """Names of the Contacts whose status named `tenant_id` when this was first asked in
        the run: a superset for callers that re-check the live body, so a run of many tenants
        does not scan every Contact once per tenant."""
        if self._contacts_by_tenant is None:
            index: dict[str, list[str]] = {}
            for name, body in self.contacts.items():
                microsoft = (body.get("status") or {}).get("microsoft") or {}
                index.setdefault(str(microsoft.get("tenantId")), []).append(name)
            self._contacts_by_tenant = index
        return list(self._contacts_by_tenant.get(tenant_id, ()))

    async def load_devices(self) -> None:
        """List the namespace's Configurations and DeviceMatches (once)."""
        if not self.devices_loaded:
            self.configurations = await self._by_name(resources.CONFIGURATION)
            self.device_matches = await self._by_name(resources.DEVICE_MATCH)
            self.devices_loaded = True

    async def refresh(self, kind: resources.Kind, name: str) -> Body | None:
        """Read one object again (another writer may have changed it since the listing)."""
        found = await self.store.get(kind, name, namespace=self.namespace)
        table = self._table(kind)
        if found is None:
            table.pop(name, None)
        else:
            table[name] = lean(found)
        return found

    async def _by_name(self, kind: resources.Kind) -> dict[str, Body]:
        items = await self.store.list(kind, namespace=self.namespace)
        return {item["metadata"]["name"]: lean(item) for item in items}

    def _table(self, kind: resources.Kind) -> dict[str, Body]:
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
        table[name] = lean(applied)
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
        table[name] = lean(applied)
        return True

    async def create(self, kind: resources.Kind, body: Body) -> Body:
        """Create an object; if it appeared meanwhile (a killed run, Git), use the live one."""
        name = body["metadata"]["name"]
        body["metadata"]["namespace"] = self.namespace
        created = await self.store.create(kind, body)
        if created is None:
            created = await self.store.get(kind, name, namespace=self.namespace)
            assert created is not None
        self._table(kind)[name] = lean(created)
        return created

    async def delete(self, kind: resources.Kind, name: str) -> None:
        await self.store.delete(kind, name, namespace=self.namespace)
        self._table(kind).pop(name, None)


def lean(body: Body) -> Body:
    """`body` without metadata.managedFields, which no run reads: at 30,000 objects they are
    half of the memory the listed documentation takes (about 5 of 10 KB per Contact)."""
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
