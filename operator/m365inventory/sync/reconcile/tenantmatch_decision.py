"""Apply a person's decision on a TenantMatch at once (watch-driven, not at the next sync).

The decisions queue (`sync/engine`) calls `apply_tenant_decision` for a TenantMatch whose
`metadata.generation` moved past `status.observedGeneration` (a spec edit), with the object
just read and the namespace's turn held. It uses the same resolution as the scheduled sync,
and writes through the same shared workspace, so neither can undo the other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from m365inventory.kube.store import Body
from m365inventory.model import resources
from m365inventory.model.connector import MicrosoftConnectorSpec
from m365inventory.model.matches import MatchState
from m365inventory.sync.reconcile import tenantmatch
from m365inventory.sync.rules import conditions
from m365inventory.sync.rules.plan import needs_decision
from m365inventory.sync.state.workspace import Workspace, match_metadata

AWAITING_DISCOVERY = "AwaitingDiscovery"


async def apply_tenant_decision(
    ws: Workspace, *, body: Body, connector: Body | None, now: datetime
) -> bool:
    """Apply the decision in `body` (read just now); True when the tenant became (or changed
    its) match. The caller holds the namespace's turn (`Workspace.turn`)."""
    name = body["metadata"]["name"]
    if not needs_decision(body):
        return False
    ws.put(resources.TENANT_MATCH, body)
    tenant = (body.get("status") or {}).get("tenant")
    if not tenant or connector is None:
        await _await_discovery(ws, body=body, now=now)
        return False
    await ws.ensure(resources.ORGANIZATION, resources.TENANT_MATCH)
    spec = MicrosoftConnectorSpec.model_validate(connector.get("spec") or {})
    tenant_id = str(tenant["tenantId"])
    seen = [tenantmatch.TenantSeen(tenant_id, dict(tenant))]
    result = tenantmatch.match_all(ws, seen=seen, spec=spec)[tenant_id]
    outcome, suggestions = tenantmatch.decide(
        ws, name=name, tenant_id=tenant_id, facts=tenant, result=result, spec=spec
    )
    before = (body.get("status") or {}).get("organization")
    await tenantmatch.apply_side_effects(ws, name=name, tenant_id=tenant_id, outcome=outcome)
    await ws.write_metadata(
        resources.TENANT_MATCH,
        name,
        match_metadata(connector=connector, tenant_id=tenant_id, state=outcome.state.value),
    )
    live = ws.tenant_matches.get(name) or body
    await ws.write_status(
        resources.TENANT_MATCH,
        name,
        tenantmatch.desired_status(
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


async def _await_discovery(ws: Workspace, *, body: Body, now: datetime) -> None:
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
    await ws.write_status(resources.TENANT_MATCH, body["metadata"]["name"], {"conditions": conds})
