"""DeviceMatch events: apply a changed decision at once (not at the next sync); with BitLocker
keys on, a new match asks for a sync so the device's keys are stored at once too."""

from __future__ import annotations

import copy
from typing import Any

import kopf

from m365inventory.handlers.runtime import runtime_of
from m365inventory.model import resources
from m365inventory.sync import devicematches, plan
from m365inventory.sync.runner import utcnow


def _spec_changed(body: kopf.Body, **_: Any) -> bool:
    # Filtering here (not in the handler) keeps kopf from logging every status write of a sync;
    # it sees every event of every DeviceMatch, so it reads the body without copying it.
    return plan.needs_decision(body)


@kopf.on.event(
    resources.GROUP, resources.VERSION, resources.DEVICE_MATCH.plural, when=_spec_changed
)
async def device_match_event(event: Any, body: kopf.Body, memo: Any, **_: Any) -> None:
    if event.get("type") == "DELETED":
        return
    plain = copy.deepcopy(dict(body))
    runtime = runtime_of(memo)
    namespace = str(body.metadata.namespace)
    status = plain.get("status") or {}
    labels = plain["metadata"].get("labels") or {}
    connector_name = status.get("connector") or labels.get(resources.LABEL_CONNECTOR)
    connector = runtime.scheduler.connector(namespace, connector_name) if connector_name else None
    outcome = await devicematches.apply_device_decision(
        store=runtime.store, body=plain, connector=connector, now=utcnow()
    )
    if connector_name and devicematches.wants_sync(outcome, connector=connector):
        runtime.scheduler.request(namespace, connector_name)
