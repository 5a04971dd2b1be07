"""Apply a person's decision on a TenantMatch at once (watch-driven, not at the next sync).

The kopf handler calls `apply_tenant_decision` for every event of a TenantMatch; it acts only
when `metadata.generation` moved past `status.observedGeneration` (a spec edit), so the
operator's own status writes cost nothing. It uses the same resolution as the scheduled sync,
under the same per-namespace lock, so neither can undo the other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from m365inventory.kube.store import Body, Store
from m365inventory.model import resources
from m365inventory.model.connector import MicrosoftConnectorSpec
from m365inventory.model.matches import MatchState
from m365inventory.sync import conditions, tenantmatches
from m365inventory.sync.locks import namespace_lock
from m365inventory.sync.plan import needs_decision
from m365inventory.sync.workspace import Workspace, match_metadata

AWAITING_DISCOVERY = "AwaitingDiscovery"


async def apply_tenant_decision(
    *, store: Store, body: Body, connector: Body | None, now: datetime
) -> bool:
    """Apply the decision in `body`; True when the tenant became (or changed its) match.

    The event's body may be stale (the sync may have written since), so the object is read
    again under the namespace lock and the decision is taken from that.
    """
    meta = body["metadata"]
    namespace, name = meta["namespace"], meta["name"]
    async with namespace_lock(namespace):
        fresh = await store.get(resources.TENANT_MATCH, name, namespace=namespace)
        if fresh is None or not needs_decision(fresh):
            return False
        tenant = (fresh.get("status") or {}).get("tenant")
        if not tenant or connector is None:
            await _await_discovery(store, body=fresh, now=now)
            return False
        return await _apply(
            store=store,
            name=name,
            namespace=namespace,
            tenant=tenant,
            connector=connector,
            now=now,
        )


async def _apply(
    *,
    store: Store,
    name: str,
    namespace: str,
    tenant: dict[str, Any],
    connector: Body,
    now: datetime,
) -> bool:
    ws = await Workspace.load(store=store, namespace=namespace, now=now, contacts=False)
    live = ws.tenant_matches.get(name)
    if live is None or not needs_decision(live):
        return False
    spec = MicrosoftConnectorSpec.model_validate(connector.get("spec") or {})
    tenant_id = str(tenant["tenantId"])
    seen = [tenantmatches.TenantSeen(tenant_id, dict(tenant))]
    result = tenantmatches.match_all(ws, seen=seen, spec=spec)[tenant_id]
    outcome, suggestions = tenantmatches.decide(
        ws, name=name, tenant_id=tenant_id, facts=tenant, result=result, spec=spec
    )
    before = (live.get("status") or {}).get("organization")
    await tenantmatches.apply_side_effects(ws, name=name, tenant_id=tenant_id, outcome=outcome)
    await ws.write_metadata(
        resources.TENANT_MATCH,
        name,
        match_metadata(connector=connector, tenant_id=tenant_id, state=outcome.state.value),
    )
    await ws.write_status(
        resources.TENANT_MATCH,
        name,
        tenantmatches.desired_status(
            connector=connector["metadata"]["name"],
            facts=tenant,
            outcome=outcome,
            suggestions=suggestions,
            live_status=live.get("status") or {},
            generation=live["metadata"].get("generation"),
            synced=None,
            contacts=None if outcome.state == MatchState.MATCHED else _zero(live),
            devices=None,
            now=now,
        ),
    )
    return outcome.state == MatchState.MATCHED and outcome.organization != before


def _zero(live: Body) -> Any:
    """An unmatched tenant has no contacts synced any more."""
    return (
        {"total": 0, "matched": 0, "unmatched": 0}
        if (live.get("status") or {}).get("contacts")
        else None
    )


async def _await_discovery(store: Store, *, body: Body, now: datetime) -> None:
    """A decision committed before discovery: say it waits (once), apply it when discovered."""
    status = body.get("status") or {}
    existing = conditions.get_condition(status.get("conditions") or [], conditions.DECIDED)
    if existing is not None and existing.get("reason") == AWAITING_DISCOVERY:
        return
    conds = conditions.set_condition(
        status.get("conditions") or [],
        type=conditions.DECIDED,
        status="Unknown",
        reason=AWAITING_DISCOVERY,
        message="the decision is applied when a connector in this namespace discovers the tenant",
        now=now,
    )
    meta = body["metadata"]
    await store.apply_status(
        resources.TENANT_MATCH,
        name=meta["name"],
        namespace=meta["namespace"],
        status={**{k: v for k, v in status.items() if k != "kopf"}, "conditions": conds},
    )
