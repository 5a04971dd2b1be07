"""Leader election by a `coordination.k8s.io` Lease, with fencing (client-go's semantics).

The decisions are pure (`sync.rules.leadership`); this module reads and writes the Lease on
a timer and tells the engine when this replica starts and stops leading. Every Kubernetes
write of the operator asks `fence()` first, so a replica that could not renew its Lease for
the renew deadline stops writing at once, before its Lease can expire for the others, even
if its loops have not been cancelled yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from m365inventory.kube.leases import LeaseConflict, Leases
from m365inventory.model.leases import LeaseRecord
from m365inventory.sync.rules import leadership

log = logging.getLogger(__name__)
Callback = Callable[[], Awaitable[None]]


class NotLeading(Exception):
    """This replica does not hold the Lease (or could not renew it in time): no writes."""


def _now() -> datetime:
    return datetime.now(UTC)


class LeaderElector:
    """Campaigns for one Lease for the operator's lifetime."""

    def __init__(
        self,
        *,
        leases: Leases,
        identity: str,
        timings: leadership.Timings,
        on_started: Callback,
        on_stopped: Callback,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.identity = identity
        self.timings = timings
        self._leases = leases
        self._on_started = on_started
        self._on_stopped = on_stopped
        self._monotonic = monotonic
        self._leading = False
        self._last_renewed: float | None = None
        self._observed: tuple[str | None, datetime | None] | None = None
        self._observed_at = 0.0
        self._record: LeaseRecord | None = None
        self._task: asyncio.Task[None] | None = None
        self._transition = asyncio.Lock()
        self._stopping = False

    @property
    def leading(self) -> bool:
        """True while this replica holds the Lease and renewed it within the deadline."""
        return self._leading and leadership.still_leading(
            last_renewed=self._last_renewed, now=self._monotonic(), timings=self.timings
        )

    def fence(self) -> None:
        """Raise NotLeading unless this replica may write now."""
        if not self.leading:
            raise NotLeading(f"{self.identity} does not hold the Lease {self._leases.name}")

    def start(self) -> None:
        self._task = asyncio.create_task(self._campaign(), name="leader election")

    async def stop(self) -> None:
        """Stop campaigning; a holder stops leading and frees the Lease for a standby."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        was_leading = self._leading
        await self._stop_leading()
        if was_leading and self._record is not None and self._record.holder == self.identity:
            with contextlib.suppress(Exception):
                await self._leases.write(leadership.released(self._record, now=_now()))
                log.info("released the Lease %s", self._leases.name)

    async def _campaign(self) -> None:
        period = self.timings.retry_period.total_seconds()
        while not self._stopping:
            holds: bool | None = None
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
                # cancellation that arrives as the attempt completes, and stop() would wait
                # for this task forever.
                async with asyncio.timeout(self._attempt_timeout()):
                    holds = await self._attempt()
            except asyncio.CancelledError:
                raise
            except LeaseConflict:
                log.debug("the Lease %s changed under us; trying again", self._leases.name)
            except Exception as error:  # the API server may be away for a while: keep trying
                log.warning("leader election: %s: %s", error.__class__.__name__, error)
            if holds and not self._leading:
                await self._start_leading()
            elif holds is False and self._leading:
                log.warning("the Lease %s is held by another replica: stopping", self._leases.name)
                await self._stop_leading()
            elif self._leading and not self.leading:
                log.warning("could not renew the Lease %s in time: stopping", self._leases.name)
                await self._stop_leading()
            await asyncio.sleep(period)

    def _attempt_timeout(self) -> float:
        """One read and one write must fit in the renew deadline, with a retry to spare."""
        return self.timings.renew_deadline.total_seconds() / 2

    async def _attempt(self) -> bool:
        """Read the Lease and take or renew it if we may; True when we hold it now."""
        record = await self._leases.read()
        now = self._monotonic()
        content = (record.holder, record.renew_time) if record is not None else None
        if content != self._observed:
            self._observed, self._observed_at = content, now
        self._record = record
        action = leadership.next_action(
            record=record,
            identity=self.identity,
            observed_at=self._observed_at,
            now=now,
            timings=self.timings,
        )
        if action == "Wait":
            return False
        claim = leadership.claimed(
            record=record, identity=self.identity, timings=self.timings, now=_now()
        )
        written = await self._leases.write(claim)
        self._record = written
        self._observed, self._observed_at = (written.holder, written.renew_time), now
        self._last_renewed = now
        return True

    async def _start_leading(self) -> None:
        async with self._transition:
            if self._leading:
                return
            self._leading = True
            log.info("%s leads (Lease %s)", self.identity, self._leases.name)
            await self._on_started()

    async def _stop_leading(self) -> None:
        async with self._transition:
            if not self._leading:
                return
            self._leading = False
            self._last_renewed = None
            log.info("%s stopped leading", self.identity)
            await self._on_stopped()


@dataclass(frozen=True, slots=True)
class ElectionSettings:
    """Where the Lease is and who this replica is (the `run` command's flags)."""

    namespace: str
    name: str
    identity: str
    timings: leadership.Timings = field(default_factory=leadership.Timings)
