"""MicrosoftConnector events feed the scheduler; it decides when to sync."""

from __future__ import annotations

import copy
from typing import Any

import kopf

from m365inventory.handlers.runtime import runtime_of
from m365inventory.model import resources


@kopf.on.event(resources.GROUP, resources.VERSION, resources.CONNECTOR.plural)
async def connector_event(event: Any, body: kopf.Body, memo: Any, **_: Any) -> None:
    runtime = runtime_of(memo)
    scheduler = runtime.engine.scheduler
    meta = body.metadata
    if event.get("type") == "DELETED" or meta.get("deletionTimestamp"):
        await scheduler.forget(str(meta.namespace), str(meta.name))
        return
    plain = _plain(body)
    runtime.metrics.connector_seen(plain)
    scheduler.observe(plain)


def _plain(body: kopf.Body) -> dict[str, Any]:
    """A plain, detached copy of a kopf body."""
    return copy.deepcopy(dict(body))
