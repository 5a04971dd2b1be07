"""Condition bookkeeping (pure): set one condition, keep transition times honest.

`lastTransitionTime` changes only when the status flips, as Kubernetes conventions require,
so that an unchanged object produces an unchanged status (and so no write).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

ConditionBody = dict[str, Any]

READY = "Ready"
SYNCED = "Synced"
CREDENTIALS_VALID = "CredentialsValid"
DECIDED = "Decided"
RECONCILING = "Reconciling"
STALLED = "Stalled"
DEGRADED = "Degraded"

# Ready reasons (the API's documented vocabulary).
SUCCEEDED = "Succeeded"
FAILED = "Failed"
SUSPENDED = "Suspended"
PROGRESSING_WITH_RETRY = "ProgressingWithRetry"
PROGRESSING = "Progressing"


def timestamp(moment: datetime) -> str:
    """RFC 3339 with a Z, seconds precision: what the API server stores."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def set_condition(
    conditions: Sequence[ConditionBody],
    *,
    type: str,
    status: bool | str,
    reason: str,
    message: str,
    now: datetime,
    generation: int | None = None,
) -> list[ConditionBody]:
    """`conditions` with `type` set; the transition time moves only when the status flips."""
    value = status if isinstance(status, str) else ("True" if status else "False")
    previous = next((c for c in conditions if c.get("type") == type), None)
    transition = (
        previous["lastTransitionTime"]
        if previous is not None and previous.get("status") == value
        else timestamp(now)
    )
    updated: ConditionBody = {
        "type": type,
        "status": value,
        "reason": reason,
        "message": message[:32768],
        "lastTransitionTime": transition,
    }
    if generation is not None:
        updated["observedGeneration"] = generation
    others = [dict(c) for c in conditions if c.get("type") != type]
    return sorted([*others, updated], key=lambda c: str(c["type"]))


def get_condition(conditions: Sequence[ConditionBody], type: str) -> ConditionBody | None:
    """The condition of `type`, if set."""
    return next((c for c in conditions if c.get("type") == type), None)


def remove_condition(conditions: Sequence[ConditionBody], type: str) -> list[ConditionBody]:
    """`conditions` without `type` (kstatus' abnormal-true conditions are removed, not False)."""
    return [dict(c) for c in conditions if c.get("type") != type]
