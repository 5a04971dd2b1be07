"""TenantMatch events: apply a changed decision at once, then sync the tenant's data."""

from __future__ import annotations

import copy
from typing import Any

import kopf

from m365inventory.handlers.runtime import runtime_of
from m365inventory.model import resources
from m365inventory.sync import deciding, plan
from m365inventory.sync.runner import utcnow


@kopf.on.event(resources.GROUP, resources.VERSION, resources.TENANT_MATCH.plural)
async def tenant_match_event(event: Any, body: kopf.Body, memo: Any, **_: Any) -> None:
    if event.get("type") == "DELETED":
        return
    if not plan.needs_decision(body):
        return
    plain = copy.deepcopy(dict(body))
    runtime = runtime_of(memo)
    namespace = str(body.metadata.namespace)
    status = plain.get("status") or {}
    labels = plain["metadata"].get("labels") or {}
    connector_name = status.get("connector") or labels.get(resources.LABEL_CONNECTOR)
    connector = runtime.scheduler.connector(namespace, connector_name) if connector_name else None
    matched = await deciding.apply_tenant_decision(
        store=runtime.store, body=plain, connector=connector, now=utcnow()
    )
    if matched and connector_name:
        runtime.scheduler.request(namespace, connector_name)
