"""The namespace's documentation as the operator knows it: a cache fed by the watch and by
the operator's own writes, shared by the syncs and the decisions of the namespace.

Each kind is listed once, when first needed; after that kopf's watch events (`observe`) and
the answers to the operator's own writes keep it current, keeping the newer version of each
object. Every write is skipped when the cached object already says the same thing, so an
unchanged tenant costs zero writes. `turn` serialises the namespace's writers: a decision holds
it for its whole reconcile, a sync only around writes (never around a Graph call).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any

from m365inventory.kube.store import Body, Conflict, Store
from m365inventory.model import resources
from m365inventory.model.matches import MatchState
from m365inventory.sync.rules import naming, plan
from m365inventory.sync.state.tables import Table, field, resource_version

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
    """The namespace's documentation as the operator knows it now."""

    store: Store
    namespace: str
    now: datetime
    organizations: Table = dataclass_field(default_factory=Table)
    tenant_matches: Table = dataclass_field(default_factory=Table)
    contacts: Table = dataclass_field(default_factory=lambda: Table(CONTACT_INDEXES))
    configurations: Table = dataclass_field(default_factory=lambda: Table(CONFIGURATION_INDEXES))
    device_matches: Table = dataclass_field(default_factory=lambda: Table(DEVICE_MATCH_INDEXES))
    turn: asyncio.Lock = dataclass_field(default_factory=asyncio.Lock)
    """Held by whoever writes: a decision for its whole reconcile, a sync per write step."""
    decisions_applied: int = 0
    """Bumped by every decision applied, so a sync can tell that its plan may be stale."""

    _claims: dict[str, asyncio.Event] = dataclass_field(default_factory=dict)
    _listed: dict[str, float] = dataclass_field(default_factory=dict)
    _listing: dict[str, list[tuple[Body, bool]]] = dataclass_field(default_factory=dict)

    @classmethod
    async def load(
        cls, *, store: Store, namespace: str, now: datetime, contacts: bool = True
    ) -> Workspace:
        """A workspace of its own (tests, tools); the operator shares one per namespace."""
        ws = cls(store=store, namespace=namespace, now=now)
        await ws.ensure(resources.ORGANIZATION, resources.TENANT_MATCH)
        if contacts:
            await ws.load_contacts()
        return ws

    @contextlib.asynccontextmanager
    async def claim(self, tenant_id: str) -> AsyncIterator[None]:
        """A sync works on this tenant's data: decisions on its TenantMatch wait (see
        `unclaimed`), so a revert never races the tenant's Contacts being written."""
        await self.unclaimed(tenant_id)
        done = self._claims[tenant_id] = asyncio.Event()
        try:
            yield
        finally:
            del self._claims[tenant_id]
            done.set()

    async def unclaimed(self, tenant_id: str) -> None:
        """Wait until no sync works on `tenant_id`."""
        while (done := self._claims.get(tenant_id)) is not None:
            await done.wait()

    def mark_loaded(self, *kinds: resources.Kind) -> None:
        """Treat `kinds` as listed (tests that fill the tables themselves)."""
        for kind in kinds:
            self._listed[kind.kind] = time.monotonic()

    @property
    def contacts_loaded(self) -> bool:
        return resources.CONTACT.kind in self._listed

    @property
    def devices_loaded(self) -> bool:
        return resources.DEVICE_MATCH.kind in self._listed

    async def ensure(self, *kinds: resources.Kind, max_age: float | None = None) -> None:
        """List each kind not listed yet (or listed more than `max_age` seconds ago)."""
        for kind in kinds:
            listed = self._listed.get(kind.kind)
            if listed is None or (max_age is not None and time.monotonic() - listed > max_age):
                await self._fill(kind)

    async def load_contacts(self) -> None:
        """List the namespace's Contacts (once)."""
        await self.ensure(resources.CONTACT)

    async def load_devices(self) -> None:
        """List the namespace's Configurations and DeviceMatches (once)."""
        await self.ensure(resources.CONFIGURATION, resources.DEVICE_MATCH)

    async def resync(self, *, max_age: float) -> None:
        """List again every kind listed more than `max_age` seconds ago: a safety net for
        watch events that never arrived (controller-runtime's resync period)."""
        kinds = [k for k in resources.ALL_KINDS if k.kind in self._listed]
        await self.ensure(*kinds, max_age=max_age)

    async def refresh(self, kind: resources.Kind, name: str) -> Body | None:
        """Read one object again (another writer may have changed it since the listing)."""
        found = await self.store.get(kind, name, namespace=self.namespace)
        if found is None:
            self._table(kind).pop(name, None)
        else:
            self.put(kind, found)
        return found

    async def _fill(self, kind: resources.Kind) -> None:
        self._listing[kind.kind] = []
        try:
            table = self._table(kind)
            table.clear()
            for item in await self.store.list(kind, namespace=self.namespace):
                self.put(kind, item)
            for body, deleted in self._listing[kind.kind]:
                self._merge(kind, body, deleted=deleted)
        finally:
            del self._listing[kind.kind]
        self._listed[kind.kind] = time.monotonic()

    def observe(self, kind: resources.Kind, body: Body, *, deleted: bool) -> None:
        """A watch event: keep the newer of it and what the cache holds. Kinds not listed yet
        are ignored (their listing will have them); events during a listing wait for it."""
        buffered = self._listing.get(kind.kind)
        if buffered is not None:
            buffered.append((body, deleted))
        elif kind.kind in self._listed:
            self._merge(kind, body, deleted=deleted)

    def _merge(self, kind: resources.Kind, body: Body, *, deleted: bool) -> None:
        table = self._table(kind)
        name = body["metadata"]["name"]
        known = table.version(name)
        incoming = resource_version(body)
        if deleted:
            if known is not None and incoming >= known:
                del table[name]
        elif known is None or incoming > known:
            self.put(kind, body)

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
        A TenantMatch or DeviceMatch is written only if it is still the version the status
        was computed from (see `_conditional`); False when nothing was written.
        """
        table = self._table(kind)
        live = table.get(name)
        if not plan.needs_status_write(live, status):
            return False
        live_status = {k: v for k, v in ((live or {}).get("status") or {}).items() if k != "kopf"}
        merged = plan.without_empty({**live_status, **status})
        try:
            if merged:
                applied = await self.store.apply_status(
                    kind,
                    name=name,
                    namespace=self.namespace,
                    status=merged,
                    resource_version=_conditional(kind, live),
                )
            else:
                # Nothing operator-owned is left, and an apply cannot carry an empty status.
                applied = await self.store.clear_status(
                    kind, name=name, namespace=self.namespace, fields=sorted(live_status)
                )
        except Conflict:
            await self.refresh(kind, name)
            return False
        self.put(kind, applied)
        return True

    async def write_metadata(self, kind: resources.Kind, name: str, metadata: Body) -> bool:
        """Apply labels/ownerReferences the operator owns unless the live object has them."""
        table = self._table(kind)
        live = table.get(name)
        desired = {"metadata": metadata}
        if live is not None and not plan.needs_write(live, desired):
            return False
        try:
            applied = await self.store.apply(
                kind,
                {"metadata": {"name": name, "namespace": self.namespace, **metadata}},
                resource_version=_conditional(kind, live),
            )
        except Conflict:
            await self.refresh(kind, name)
            return False
        self.put(kind, applied)
        return True

    async def create(self, kind: resources.Kind, body: Body) -> Body:
        """Create an object; if it appeared meanwhile (a killed run, Git), use the live one."""
        name = body["metadata"]["name"]
        body = {**body, "metadata": {**body["metadata"], "namespace": self.namespace}}
        created = await self.store.create(kind, body)
        if created is None:
            created = await self.store.get(kind, name, namespace=self.namespace)
            assert created is not None
        self.put(kind, created)
        return created

    async def delete(self, kind: resources.Kind, name: str) -> None:
        await self.store.delete(kind, name, namespace=self.namespace)
        self._table(kind).pop(name, None)


CONDITIONAL_KINDS = frozenset({resources.TENANT_MATCH.kind, resources.DEVICE_MATCH.kind})
"""Kinds whose spec holds people's decisions: the operator's writes to them are conditional."""


def _conditional(kind: resources.Kind, live: Body | None) -> str | None:
    """The resourceVersion a write to `kind` must find, or None for an unconditional write.

    A match's status is computed from its decision in spec; if a person changed the decision
    since (its resourceVersion moved), the write fails with Conflict instead of overwriting
    what the decision path wrote or is about to write.
    """
    if kind.kind not in CONDITIONAL_KINDS or live is None:
        return None
    version = (live.get("metadata") or {}).get("resourceVersion")
    return str(version) if version else None


def lean(body: Body) -> Body:
    """`body` without metadata.managedFields, which no run reads: half of an object's JSON.
    Writes return them; listed objects never carry them (`kube/listing.py`). The body given
    is not changed."""
    meta = body.get("metadata") or {}
    if "managedFields" not in meta:
        return body
    return {**body, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}


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


class Namespaces:
    """One shared Workspace per namespace for the operator's lifetime, fed by the watch."""

    def __init__(self, *, store: Store, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        self._spaces: dict[str, Workspace] = {}

    def __getitem__(self, namespace: str) -> Workspace:
        """The namespace's workspace (nothing listed until a kind is first needed)."""
        ws = self._spaces.get(namespace)
        if ws is None:
            ws = self._spaces[namespace] = Workspace(
                store=self._store, namespace=namespace, now=self._clock()
            )
        ws.now = self._clock()
        return ws

    def observe(self, kind: resources.Kind, body: Body, *, deleted: bool) -> None:
        """A watch event of a documentation kind (ignored for namespaces never worked in)."""
        ws = self._spaces.get(body["metadata"]["namespace"])
        if ws is not None:
            ws.observe(kind, body, deleted=deleted)
