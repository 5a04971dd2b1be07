"""Leader election's decisions (pure): client-go's rules, including the fencing deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from m365inventory.model.leases import LeaseRecord
from m365inventory.sync.rules import leadership

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
TIMINGS = leadership.Timings()


def record(holder: str | None, *, duration: int = 15, transitions: int = 0) -> LeaseRecord:
    return LeaseRecord(
        holder=holder,
        lease_duration_seconds=duration,
        acquire_time=NOW,
        renew_time=NOW,
        transitions=transitions,
        resource_version="7",
    )


def test_no_lease_is_created() -> None:
    assert (
        leadership.next_action(record=None, identity="a", observed_at=0, now=0, timings=TIMINGS)
        == "Create"
    )


def test_the_holder_renews() -> None:
    assert leadership.next_action(
        record=record("a"), identity="a", observed_at=0, now=99, timings=TIMINGS
    ) == ("Renew")


def test_a_free_lease_is_taken_at_once() -> None:
    assert leadership.next_action(
        record=record(None), identity="b", observed_at=5, now=5, timings=TIMINGS
    ) == ("Take")


def test_another_holder_is_waited_for_until_the_lease_duration_passes_as_observed() -> None:
    held = record("a", duration=15)
    assert (
        leadership.next_action(
            record=held, identity="b", observed_at=100, now=114.9, timings=TIMINGS
        )
        == "Wait"
    )
    assert (
        leadership.next_action(record=held, identity="b", observed_at=100, now=115, timings=TIMINGS)
        == "Take"
    )


def test_taking_over_counts_a_transition_and_renewing_does_not() -> None:
    taken = leadership.claimed(
        record=record("a", transitions=3),
        identity="b",
        timings=TIMINGS,
        now=NOW + timedelta(seconds=20),
    )
    assert (taken.holder, taken.transitions) == ("b", 4)
    assert taken.acquire_time == taken.renew_time == NOW + timedelta(seconds=20)
    assert taken.resource_version == "7", "the write is conditional on the version read"
    renewed = leadership.claimed(
        record=taken, identity="b", timings=TIMINGS, now=NOW + timedelta(seconds=22)
    )
    assert (renewed.transitions, renewed.acquire_time) == (4, taken.acquire_time)
    assert renewed.renew_time == NOW + timedelta(seconds=22)


def test_created_lease_has_no_version_to_match() -> None:
    created = leadership.claimed(record=None, identity="a", timings=TIMINGS, now=NOW)
    assert (created.holder, created.resource_version, created.transitions) == ("a", None, 0)
    assert created.lease_duration_seconds == 15


def test_a_released_lease_has_no_holder() -> None:
    released = leadership.released(record("a"), now=NOW)
    assert released.holder is None
    assert (
        leadership.next_action(record=released, identity="b", observed_at=0, now=0, timings=TIMINGS)
        == "Take"
    )


@given(
    renewed=st.floats(min_value=0, max_value=1e6, allow_nan=False),
    elapsed=st.floats(min_value=0, max_value=100, allow_nan=False),
)
def test_fencing_stops_the_holder_before_anyone_may_take_over(
    renewed: float, elapsed: float
) -> None:
    """Whenever the holder may still write, no standby (observing the same renewal) may take
    the Lease yet: the renew deadline is shorter than the lease duration."""
    now = renewed + elapsed
    writes = leadership.still_leading(last_renewed=renewed, now=now, timings=TIMINGS)
    takes = (
        leadership.next_action(
            record=record("a"), identity="b", observed_at=renewed, now=now, timings=TIMINGS
        )
        == "Take"
    )
    assert not (writes and takes)


def test_never_leading_without_a_renewal() -> None:
    assert not leadership.still_leading(last_renewed=None, now=0, timings=TIMINGS)


@pytest.mark.parametrize(
    ("duration", "deadline", "period"), [(10, 10, 2), (15, 10, 10), (15, 0, 0), (5, 10, 2)]
)
def test_timings_must_nest(duration: int, deadline: int, period: int) -> None:
    with pytest.raises(ValueError, match="lease duration > renew deadline > retry period"):
        leadership.Timings(
            lease_duration=timedelta(seconds=duration),
            renew_deadline=timedelta(seconds=deadline),
            retry_period=timedelta(seconds=period),
        )
