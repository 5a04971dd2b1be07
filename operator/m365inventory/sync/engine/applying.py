"""Apply one queued decision: read the object fresh, find its connector, reconcile it, and
ask for a sync when a match now needs the tenant's (or device's) data at once."""

from __future__ import annotations

from typing import Protocol

from m365inventory.kube.store import Body
from m365inventory.model import resources
from m365inventory.sync.engine.workqueue import Key
from m365inventory.sync.reconcile import devicematch, tenantmatch_decision
from m365inventory.sync.reconcile.connector import utcnow
from m365inventory.sync.state.workspace import Namespaces, Workspace


class Connectors(Protocol):
    """What decisions need of the scheduler: connectors' bodies, and early syncs."""

    def connector(self, namespace: str, name: str) -> Body | None: ...

    def request(self, namespace: str, name: str) -> None: ...


class DecisionApplier:
    """The work function of the decisions queue: one decision, with a fresh read, under the
    namespace's turn (so it lands between two of a sync's writes, never inside a Graph call
    of it)."""

    def __init__(self, *, namespaces: Namespaces, connectors: Connectors) -> None:
        self._namespaces = namespaces
        self._connectors = connectors

    async def __call__(self, key: Key) -> None:
        ws = self._namespaces[key.namespace]
        kind = (
            resources.TENANT_MATCH
            if key.kind == resources.TENANT_MATCH.kind
            else resources.DEVICE_MATCH
        )
        if kind is resources.TENANT_MATCH:
            tenant = await self._tenant_of(ws, key.name)
            if tenant is not None:
                await ws.unclaimed(tenant)  # a sync is writing this tenant's data: after it
        async with ws.turn:
            fresh = await ws.store.get(kind, key.name, namespace=key.namespace)
            if fresh is None:
                return
            status = fresh.get("status") or {}
            labels = fresh["metadata"].get("labels") or {}
            connector_name = status.get("connector") or labels.get(resources.LABEL_CONNECTOR)
            connector = (
                self._connectors.connector(key.namespace, connector_name)
                if connector_name
                else None
            )
            ws.now = utcnow()
            if kind is resources.TENANT_MATCH:
                wants_sync = await tenantmatch_decision.apply_tenant_decision(
                    ws, body=fresh, connector=connector, now=ws.now
                )
            else:
                outcome = await devicematch.apply_device_decision(
                    ws, body=fresh, connector=connector, now=ws.now
                )
                wants_sync = devicematch.wants_sync(outcome, connector=connector)
            ws.decisions_applied += 1
        if wants_sync and connector_name:
            self._connectors.request(key.namespace, connector_name)

    @staticmethod
    async def _tenant_of(ws: Workspace, name: str) -> str | None:
        cached = ws.tenant_matches.get(name)
        if cached is None:
            return None
        labels = cached["metadata"].get("labels") or {}
        tenant = ((cached.get("status") or {}).get("tenant") or {}).get("tenantId")
        return str(tenant or labels.get(resources.LABEL_TENANT) or "") or None
