"""Leader election by Lease, the decisions (pure): client-go's `leaderelection` semantics.

Only the replica holding the namespace-scoped `coordination.k8s.io` Lease writes. A candidate
takes the Lease when it is free (no holder) or when the holder has not renewed it for
`lease_duration` as *this* replica observed it (local clock, so clock skew between nodes does
not matter: client-go's `observedTime`). The holder renews every `retry_period` and gives up
(stops every loop and write) when it could not renew for `renew_deadline`, which is shorter
than `lease_duration`, so it is fenced before anyone else may take over.
See https://pkg.go.dev/k8s.io/client-go/tools/leaderelection.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from m365inventory.model.leases import LeaseRecord


@dataclass(frozen=True, slots=True)
class Timings:
    """client-go's defaults (kube-controller-manager uses the same)."""

    lease_duration: timedelta = timedelta(seconds=15)
    renew_deadline: timedelta = timedelta(seconds=10)
    retry_period: timedelta = timedelta(seconds=2)

    def __post_init__(self) -> None:
        if not self.lease_duration > self.renew_deadline > self.retry_period > timedelta(0):
            raise ValueError(
                "leader election needs lease duration > renew deadline > retry period > 0"
            )


Action = Literal["Create", "Take", "Renew", "Wait"]


def next_action(
    *,
    record: LeaseRecord | None,
    identity: str,
    observed_at: float,
    now: float,
    timings: Timings,
) -> Action:
    """What a candidate does with the Lease it just read.

    `observed_at` is the monotonic time at which this replica first saw the record's current
    content (holder and renew time); `now` the monotonic time now. Like client-go, the wait
    is this replica's own lease duration, not the record's (a holder cannot lengthen it).
    """
    if record is None:
        return "Create"
    if record.holder == identity:
        return "Renew"
    if not record.holder:
        return "Take"
    if now - observed_at >= timings.lease_duration.total_seconds():
        return "Take"
    return "Wait"


def claimed(
    *, record: LeaseRecord | None, identity: str, timings: Timings, now: datetime
) -> LeaseRecord:
    """The record to write when `identity` creates, takes or renews the Lease."""
    duration = max(1, round(timings.lease_duration.total_seconds()))
    if record is None:
        return LeaseRecord(
            holder=identity,
            lease_duration_seconds=duration,
            acquire_time=now,
            renew_time=now,
            transitions=0,
        )
    if record.holder == identity:
        return replace(record, renew_time=now, lease_duration_seconds=duration)
    return replace(
        record,
        holder=identity,
        lease_duration_seconds=duration,
        acquire_time=now,
        renew_time=now,
        transitions=record.transitions + 1,
    )


def released(record: LeaseRecord, *, now: datetime) -> LeaseRecord:
    """The record a holder writes when it stops on purpose (client-go's ReleaseOnCancel):
    no holder, so a standby takes over at its next retry instead of after the lease
    duration."""
    return replace(record, holder=None, lease_duration_seconds=1, renew_time=now)


def still_leading(*, last_renewed: float | None, now: float, timings: Timings) -> bool:
    """May the holder still write? Only while its last successful renewal is younger than
    the renew deadline (fencing: it stops before its Lease can expire for the others)."""
    return last_renewed is not None and now - last_renewed < timings.renew_deadline.total_seconds()
