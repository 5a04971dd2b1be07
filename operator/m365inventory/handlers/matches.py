"""TenantMatch and DeviceMatch events: a changed decision goes to the namespace's queue.

The filter reads the watched body without copying it (kopf sees every status write of a
sync); the queue's worker reads the object again before it applies anything.
"""

from __future__ import annotations

from typing import Any

import kopf

from m365inventory.handlers.runtime import runtime_of
from m365inventory.model import resources
from m365inventory.sync.rules import plan


def _spec_changed(body: kopf.Body, **_: Any) -> bool:
    return plan.needs_decision(body)


@kopf.on.event(
    resources.GROUP, resources.VERSION, resources.TENANT_MATCH.plural, when=_spec_changed
)
async def tenant_match_event(event: Any, body: kopf.Body, memo: Any, **_: Any) -> None:
    _enqueue(event, body, memo, kind=resources.TENANT_MATCH.kind)


@kopf.on.event(
    resources.GROUP, resources.VERSION, resources.DEVICE_MATCH.plural, when=_spec_changed
)
async def device_match_event(event: Any, body: kopf.Body, memo: Any, **_: Any) -> None:
    _enqueue(event, body, memo, kind=resources.DEVICE_MATCH.kind)


def _enqueue(event: Any, body: kopf.Body, memo: Any, *, kind: str) -> None:
    if event.get("type") == "DELETED":
        return
    meta = body.metadata
    runtime_of(memo).engine.decide(namespace=str(meta.namespace), kind=kind, name=str(meta.name))
