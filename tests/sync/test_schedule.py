"""When a connector syncs (pure)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from m365inventory.sync.rules import schedule

NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


def body(
    *,
    generation: int = 1,
    spec: dict[str, Any] | None = None,
    status: dict[str, Any] | None = None,
    requested: str | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"generation": generation}
    if requested:
        meta["annotations"] = {"m365.inventory.dev/requestedAt": requested}
    return {"metadata": meta, "spec": spec or {"interval": "1h"}, "status": status or {}}


SYNCED = {
    "lastSyncTime": "2026-11-22T06:30:00Z",
    "nextSyncTime": "2026-11-22T07:30:00Z",
    "observedGeneration": 1,
    "phase": "OK",
}


def test_a_new_connector_syncs_at_once() -> None:
    assert schedule.plan(body=body(), now=NOW).run == "Created"


def test_a_spec_change_syncs_at_once() -> None:
    assert schedule.plan(body=body(generation=2, status=SYNCED), now=NOW).run == "SpecChanged"


def test_a_request_syncs_once() -> None:
    assert schedule.plan(body=body(status=SYNCED, requested="a"), now=NOW).run == "Requested"
    handled = {**SYNCED, "lastHandledRequestedAt": "a"}
    planned = schedule.plan(body=body(status=handled, requested="a"), now=NOW)
    assert planned.run is None
    assert planned.wake_at == datetime(2026, 11, 22, 7, 30, tzinfo=UTC)


def test_suspend_wins_over_everything() -> None:
    planned = schedule.plan(
        body=body(generation=5, spec={"suspend": True}, requested="x"),
        now=NOW,
        decision_pending=True,
    )
    assert planned.suspend
    assert planned.run is None


def test_due_schedule_and_retry() -> None:
    later = NOW + timedelta(hours=1)
    assert schedule.plan(body=body(status=SYNCED), now=later).run == "Schedule"
    failing = {**SYNCED, "phase": "Error"}
    assert schedule.plan(body=body(status=failing), now=later).run == "Retry"


def test_a_decision_asks_for_an_early_run() -> None:
    planned = schedule.plan(body=body(status=SYNCED), now=NOW, decision_pending=True)
    assert planned.run == "DecisionApplied"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1h", 3600), ("30m", 1800), ("1h30m", 5400), ("90s", 90), ("1.5h", 5400), ("250ms", 0.25)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert schedule.parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "1d", "h", "1h-", "-1h", "1 h"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        schedule.parse_duration(text)


def test_jitter_is_bounded() -> None:
    rng = random.Random(1)
    for _ in range(100):
        got = schedule.next_interval(interval=timedelta(hours=1), rng=rng)
        assert timedelta(hours=1) <= got <= timedelta(hours=1, minutes=3)


def test_retry_backs_off_and_never_passes_the_interval() -> None:
    delays = [schedule.retry_delay(failures=n, interval=timedelta(hours=1)) for n in range(1, 10)]
    assert delays[0] == timedelta(seconds=30)
    assert delays[1] == timedelta(minutes=1)
    assert max(delays) == timedelta(minutes=30)
    assert schedule.retry_delay(failures=9, interval=timedelta(minutes=5)) == timedelta(minutes=5)
