"""A run's outcome → the connector's status, its next run and its Event (pure).

kstatus conventions (https://github.com/kubernetes-sigs/cli-utils/tree/master/pkg/kstatus),
which Flux, Argo CD and `kubectl wait` read:
- `Ready` changes only when a run ends and its outcome differs; a resync in progress leaves it
  as it was, so `kubectl wait --for=condition=Ready` never blocks on a healthy connector.
- `Reconciling=True` while a run is under way; removed when it ends.
- `Stalled=True` when a run failed for a reason retrying cannot fix (invalid spec, refused
  credentials, the app missing in the home tenant): no further run is scheduled until the
  spec, the Secret or the requestedAt annotation changes.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from m365inventory.sync.rules import conditions
from m365inventory.sync.rules.failure import Failure

HISTORY = 10
MAX_ERRORS = 50
MAX_SKIPPED = 20
RETRY_JITTER = 0.1
EventType = Literal["Normal", "Warning"]


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A Graph object that failed validation: named by kind, id and field, never by value."""

    tenant_id: str
    kind: str
    id: str
    fields: tuple[str, ...]


@dataclass
class RunReport:
    """What a run did, for the status, the Events and the tests."""

    trigger: str
    started: datetime
    tenants: int = 0
    synced: int = 0
    failed: dict[str, Failure] = field(default_factory=dict)
    unmatched: int = 0
    unmatched_devices: int = 0
    contacts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    graph_requests: int = 0
    writes: int = 0
    fatal: Failure | None = None
    secret_expiry: datetime | None = None
    credentials_changed: bool = False
    """Microsoft refused the credentials, but the Secret changed during the run (a rotation):
    retry soon with the new value instead of waiting a whole interval."""
    skipped: list[SkippedRecord] = field(default_factory=list)
    degraded: dict[str, dict[str, str]] = field(default_factory=dict)
    """Tenant → the features it synced without (feature → why), the rest of it synced."""

    @property
    def failed_entirely(self) -> bool:
        return self.fatal is not None or (self.tenants > 0 and len(self.failed) == self.tenants)

    @property
    def retryable(self) -> bool:
        """Would a retry soon (backoff, not the interval) likely help?"""
        return (
            (self.fatal.retryable if self.fatal else False)
            or any(f.retryable for f in self.failed.values())
            or self.credentials_changed
        )

    @property
    def stall_cause(self) -> Failure | None:
        """Why the run failed for a reason only a person can fix (then no retry on a timer):
        a permanent failure of the whole run, or credentials refused by every tenant."""
        if self.credentials_changed:
            return None
        if self.fatal is not None:
            return None if self.fatal.retryable else self.fatal
        failures = list(self.failed.values())
        if self.tenants and len(failures) == self.tenants and all(f.credentials for f in failures):
            return failures[0]
        return None

    @property
    def stalled(self) -> bool:
        return self.stall_cause is not None


@dataclass(frozen=True, slots=True)
class Finished:
    """The status to write after a run, and what to tell people."""

    status: dict[str, Any]
    phase: str
    ready: bool
    event: tuple[EventType, str, str] | None


def retry_delay(
    *, failures: int, interval: timedelta, rng: random.Random, first: timedelta
) -> timedelta:
    """Exponential backoff with jitter after consecutive failures, never beyond the interval
    (or 30 minutes)."""
    delay = first * (1 << min(max(0, failures - 1), 20))
    capped = min(delay, timedelta(minutes=30), interval)
    return min(capped * (1 + rng.uniform(-RETRY_JITTER, RETRY_JITTER)), interval)


def started(*, previous: Mapping[str, Any], trigger: str, now: datetime) -> dict[str, Any]:
    """The status fields a run writes when it starts (Ready is left as it is)."""
    conds = conditions.set_condition(
        previous.get("conditions") or [],
        type=conditions.RECONCILING,
        status=True,
        reason=conditions.PROGRESSING,
        message=f"sync in progress (trigger: {trigger})",
        now=now,
    )
    return {
        "phase": "Syncing",
        "conditions": conds,
        "progress": {"tenantsDone": 0, "tenantsTotal": 0},
    }


def finished(
    *,
    previous: Mapping[str, Any],
    report: RunReport,
    generation: int | None,
    requested: str | None,
    credentials: tuple[bool, str, str] | None,
    wait: timedelta,
    end: datetime,
    before: Mapping[str, Any] | None = None,
) -> Finished:
    """Everything the run's final status write says. `previous` is the status as it is now
    (the run's start is written into it); `before`, as it was before the run began, decides
    whether the outcome changed (default: `previous`)."""
    failed = report.failed_entirely
    stalled = report.stalled
    conds: Sequence[dict[str, Any]] = previous.get("conditions") or []
    if credentials is not None:
        conds = conditions.set_condition(
            conds,
            type=conditions.CREDENTIALS_VALID,
            status=credentials[0],
            reason=credentials[1],
            message=credentials[2],
            now=end,
        )
    ready = _ready(report, failed=failed)
    conds = conditions.set_condition(
        conds,
        type=conditions.READY,
        status=ready[0],
        reason=ready[1],
        message=ready[2],
        now=end,
        generation=generation,
    )
    conds = conditions.set_condition(
        conds,
        type=conditions.SYNCED,
        status=not failed and not report.failed,
        reason="Succeeded"
        if not failed and not report.failed
        else "TenantsFailed"
        if not failed
        else ready[1],
        message=ready[2],
        now=end,
    )
    conds = conditions.remove_condition(conds, conditions.RECONCILING)
    cause = report.stall_cause
    if cause is not None:
        conds = conditions.set_condition(
            conds,
            type=conditions.STALLED,
            status=True,
            reason=cause.reason,
            message=f"{cause.message} (no retry until the spec, the Secret or the "
            "requestedAt annotation changes)",
            now=end,
            generation=generation,
        )
    else:
        conds = conditions.remove_condition(conds, conditions.STALLED)
    degraded = bool(report.failed) and not failed
    if degraded:
        failing = sorted(report.failed)
        conds = conditions.set_condition(
            conds,
            type=conditions.DEGRADED,
            status=True,
            reason="TenantsFailed",
            message=f"{len(failing)} of {report.tenants} tenants failed: "
            + ", ".join(f"{t} ({report.failed[t].reason})" for t in failing[:10])
            + (" …" if len(failing) > 10 else ""),
            now=end,
        )
    else:
        conds = conditions.remove_condition(conds, conditions.DEGRADED)
    result = "Failed" if failed else "PartiallySucceeded" if report.failed else "Succeeded"
    record = {
        "startTime": conditions.timestamp(report.started),
        "completionTime": conditions.timestamp(end),
        "result": result,
        "trigger": report.trigger,
        "message": ready[2][:1024],
    }
    history = [record, *(previous.get("history") or [])][:HISTORY]
    phase = "Error" if failed else "Degraded" if degraded else "OK"
    status: dict[str, Any] = {
        "phase": phase,
        "conditions": conds,
        "observedGeneration": generation,
        "lastSyncTime": conditions.timestamp(end),
        "lastSuccessfulSyncTime": None if failed else conditions.timestamp(end),
        "nextSyncTime": None if stalled else conditions.timestamp(end + wait),
        "lastHandledRequestedAt": requested,
        "clientSecretExpiresAt": conditions.timestamp(report.secret_expiry)
        if report.secret_expiry
        else None,
        "progress": None,
        "summary": _summary(report),
        "history": history,
    }
    if failed:
        status.pop("lastSuccessfulSyncTime")
    return Finished(
        status=status,
        phase=phase,
        ready=ready[0],
        event=_event(
            previous if before is None else before, report=report, phase=phase, message=ready[2]
        ),
    )


def _ready(report: RunReport, *, failed: bool) -> tuple[bool, str, str]:
    if report.fatal is not None:
        reason = conditions.PROGRESSING_WITH_RETRY if report.fatal.retryable else conditions.FAILED
        return (False, reason, f"{report.fatal.reason}: {report.fatal.message}")
    if failed:
        return (
            False,
            conditions.PROGRESSING_WITH_RETRY if report.retryable else conditions.FAILED,
            f"all {report.tenants} tenants failed; see status.summary.errors",
        )
    extra = f"; {len(report.failed)} failed (see status.summary.errors)" if report.failed else ""
    skipped = f"; {len(report.skipped)} Graph records skipped" if report.skipped else ""
    return (
        True,
        conditions.SUCCEEDED,
        f"synced {report.synced} of {report.tenants} tenants{extra}{skipped}",
    )


def _summary(report: RunReport) -> dict[str, Any]:
    return {
        "tenants": report.tenants,
        "tenantsSynced": report.synced,
        "tenantsFailed": len(report.failed),
        "unmatchedTenants": report.unmatched,
        "unmatchedDevices": report.unmatched_devices,
        "contactsCreated": report.contacts["created"],
        "contactsUpdated": report.contacts["updated"],
        "contactsUnchanged": report.contacts["unchanged"],
        "contactsAmbiguous": report.contacts["ambiguous"],
        "writes": report.writes,
        "graphRequests": report.graph_requests,
        "recordsSkipped": len(report.skipped),
        "errors": [
            {"tenantId": tid, "reason": f.reason, "message": f.message[:1024]}
            for tid, f in sorted(report.failed.items())
        ][:MAX_ERRORS],
        "skipped": [
            {"tenantId": s.tenant_id, "kind": s.kind, "id": s.id, "fields": list(s.fields)}
            for s in report.skipped[:MAX_SKIPPED]
        ],
    }


def _event(
    previous: Mapping[str, Any], *, report: RunReport, phase: str, message: str
) -> tuple[EventType, str, str] | None:
    """An Event when the outcome changed or a person asked for the run; repeats of the same
    outcome on the schedule add none (the status and the metrics carry them)."""
    last = (previous.get("history") or [{}])[0].get("message")
    changed = previous.get("phase") != phase or (phase != "OK" and last != message)
    asked = report.trigger not in {"Schedule", "Retry"}
    if phase == "Error":
        return ("Warning", "SyncFailed", message) if changed or asked else None
    if phase == "Degraded":
        return ("Warning", "SyncPartiallyFailed", message) if changed or asked else None
    if changed or asked or report.contacts["created"]:
        return ("Normal", "SyncSucceeded", message)
    return None
