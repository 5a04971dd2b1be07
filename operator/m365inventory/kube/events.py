"""Build core/v1 Events about the operator's objects (pure: data in, an Event body out)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, Literal

from m365inventory.model import resources

EventType = Literal["Normal", "Warning"]
COMPONENT = "m365-inventory-operator"


def event_for(
    *, involved: dict[str, Any], type: EventType, reason: str, message: str
) -> dict[str, Any]:
    """An Event about `involved` (an object body) that `kubectl describe` shows."""
    meta = involved["metadata"]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "metadata": {
            "name": f"{meta['name'][:200]}.{secrets.token_hex(8)}",
            "namespace": meta["namespace"],
            "labels": {resources.LABEL_MANAGED_BY: COMPONENT},
        },
        "involvedObject": {
            "apiVersion": involved.get("apiVersion", resources.API_VERSION),
            "kind": involved["kind"],
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta.get("uid"),
            "resourceVersion": meta.get("resourceVersion"),
        },
        "type": type,
        "reason": reason,
        "message": message[:1024],
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "reportingInstance": COMPONENT,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
    }
