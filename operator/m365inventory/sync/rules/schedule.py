"""When should a connector sync next, and why (pure).

kopf's timers have a fixed interval and its daemons put a finalizer on every object (so a
connector could not be deleted while the operator is down). Instead, each connector has one
asyncio loop (see `scheduler.py`) that asks this module, after every event and wake-up, what
to do: run now (and why), or sleep until a given moment.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from m365inventory.model.resources import ANNOTATION_REQUESTED_AT

Trigger = Literal[
    "Created",
    "SpecChanged",
    "Requested",
    "Schedule",
    "Retry",
    "DecisionApplied",
    "Interrupted",
    "SecretChanged",
]

_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
MAX_RETRY_DELAY = timedelta(minutes=30)
FIRST_RETRY_DELAY = timedelta(seconds=30)
JITTER_FRACTION = 0.05
STALLED_CHECK = timedelta(seconds=60)
"""How often a stalled connector's Secret is read (Kubernetes only, no Graph) for a change."""


def parse_duration(text: str) -> timedelta:
    """A Go-style duration such as `1h`, `30m` or `1h30m` (the CRD pattern guarantees form)."""
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration: {text!r}")
    return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp from status, or None."""
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


@dataclass(frozen=True, slots=True)
class Plan:
    """What the connector loop should do now."""

    run: Trigger | None
    """Run a sync now, for this reason; None to wait."""
    suspend: bool = False
    """The connector is suspended: make sure its status says so, then wait."""
    wake_at: datetime | None = None
    """When to look again if nothing happens before (None: only on events)."""
    check_secret: bool = False
    """Stalled: at `wake_at`, run (trigger SecretChanged) only if the credentials changed."""


def next_interval(*, interval: timedelta, rng: random.Random) -> timedelta:
    """The interval with up to 5% jitter, so connectors created together spread apart."""
    return interval + timedelta(seconds=rng.uniform(0, interval.total_seconds() * JITTER_FRACTION))


def retry_delay(*, failures: int, interval: timedelta) -> timedelta:
    """30 s, 1 m, 2 m … after consecutive transient failures, never beyond the interval."""
    delay = FIRST_RETRY_DELAY * (1 << max(0, failures - 1))
    return min(delay, MAX_RETRY_DELAY, interval)


def plan(*, body: dict[str, Any], now: datetime, decision_pending: bool = False) -> Plan:
    """Decide from the connector's current body (spec, status, annotations)."""
    spec = body.get("spec") or {}
    status = body.get("status") or {}
    meta = body.get("metadata") or {}
    generation = meta.get("generation")
    if spec.get("suspend"):
        return Plan(run=None, suspend=True)
    if status.get("lastSyncTime") is None:
        return Plan(run="Created")
    if status.get("observedGeneration") != generation:
        return Plan(run="SpecChanged")
    requested = (meta.get("annotations") or {}).get(ANNOTATION_REQUESTED_AT)
    if requested and requested != status.get("lastHandledRequestedAt"):
        return Plan(run="Requested")
    if decision_pending:
        return Plan(run="DecisionApplied")
    if status.get("phase") == "Syncing":
        # The loop never plans while its own run is under way, so this is a run that an
        # earlier operator process did not finish (SIGKILL, eviction): redo it now instead of
        # saying "Syncing" until the next scheduled run.
        return Plan(run="Interrupted")
    stalled = next((c for c in status.get("conditions") or [] if c.get("type") == "Stalled"), None)
    if stalled is not None and stalled.get("status") == "True":
        return Plan(run=None, wake_at=now + STALLED_CHECK, check_secret=True)
    due = parse_time(status.get("nextSyncTime"))
    if due is None or due <= now:
        retrying = (status.get("summary") or {}).get("tenantsFailed") or status.get(
            "phase"
        ) == "Error"
        return Plan(run="Retry" if retrying else "Schedule")
    return Plan(run=None, wake_at=due)
