"""The leader elector against a fake Lease store (the project's own boundary): callbacks,
fencing by the renew deadline, and release on stop."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest

from m365inventory.kube.leases import LeaseConflict
from m365inventory.model.leases import LeaseRecord
from m365inventory.sync.engine.election import LeaderElector
from m365inventory.sync.rules.leadership import Timings

# A loop of their own (not the session's): these tests time real sleeps against the clock, and
# a hang must cost a minute, not the suite's ten.
pytestmark = [pytest.mark.asyncio(loop_scope="function"), pytest.mark.timeout(60)]

FAST = Timings(
    lease_duration=timedelta(seconds=3),
    renew_deadline=timedelta(seconds=2),
    retry_period=timedelta(seconds=0.1),
)


class FakeLeases:
    """One Lease in memory, with the API server's optimistic concurrency."""

    name = "operator"

    def __init__(self) -> None:
        self.record: LeaseRecord | None = None
        self.version = 0
        self.refuse = False
        self.writes: list[LeaseRecord] = []

    async def read(self) -> LeaseRecord | None:
        if self.refuse:
            raise ConnectionError("API server away")
        return self.record

    async def write(self, record: LeaseRecord) -> LeaseRecord:
        if self.refuse:
            raise ConnectionError("API server away")
        current = str(self.version) if self.record is not None else None
        if record.resource_version != current:
            raise LeaseConflict(self.name)
        self.version += 1
        self.record = dataclasses.replace(record, resource_version=str(self.version))
        self.writes.append(self.record)
        return self.record


def elector(leases: FakeLeases, identity: str, log: list[str]) -> LeaderElector:
    async def started() -> None:
        log.append(f"{identity} started")

    async def stopped() -> None:
        log.append(f"{identity} stopped")

    return LeaderElector(
        leases=leases,  # type: ignore[arg-type]
        identity=identity,
        timings=FAST,
        on_started=started,
        on_stopped=stopped,
    )


async def until(condition: object, within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_one_leads_the_other_waits_and_takes_over_after_a_release() -> None:
    leases, log = FakeLeases(), []
    a, b = elector(leases, "a", log), elector(leases, "b", log)
    a.start()
    await until(lambda: a.leading)
    b.start()
    await asyncio.sleep(1)
    assert not b.leading
    assert log == ["a started"]
    await a.stop()
    assert leases.record is not None
    assert leases.record.holder is None, "released on stop"
    await until(lambda: b.leading, within=1.5)  # well within the 3 s lease duration
    assert log == ["a started", "a stopped", "b started"]
    assert leases.record is not None
    assert leases.record.transitions == 1
    await b.stop()


async def test_a_leader_that_cannot_renew_is_fenced_before_the_lease_expires() -> None:
    leases, log = FakeLeases(), []
    a = elector(leases, "a", log)
    a.start()
    await until(lambda: a.leading)
    leases.refuse = True
    cut = asyncio.get_running_loop().time()
    await until(lambda: not a.leading, within=5)
    fenced_after = asyncio.get_running_loop().time() - cut
    assert fenced_after < FAST.lease_duration.total_seconds()
    await until(lambda: log == ["a started", "a stopped"], within=5)
    leases.refuse = False
    await until(lambda: a.leading, within=5)
    await a.stop()


async def test_a_standby_takes_an_abandoned_lease_only_after_the_duration() -> None:
    leases, log = FakeLeases(), []
    a = elector(leases, "a", log)
    a.start()
    await until(lambda: a.leading)
    task = a._task
    assert task is not None
    task.cancel()  # a SIGKILL: no release
    b = elector(leases, "b", log)
    b.start()
    await asyncio.sleep(FAST.lease_duration.total_seconds() * 0.5)
    assert not b.leading
    await until(lambda: b.leading, within=5)
    await b.stop()
