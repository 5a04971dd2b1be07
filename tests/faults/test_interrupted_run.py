"""A run cut short by a dead operator is redone at once, so status never says "Syncing" for an
hour while nothing runs (found designing the SIGKILL tests: a kill during a run whose trigger
left no trace in status, such as an applied decision, left the phase at Syncing until
nextSyncTime)."""

from __future__ import annotations

from datetime import UTC, datetime

from m365inventory.sync.rules import schedule

NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


def _connector(phase: str) -> dict[str, object]:
    return {
        "metadata": {"generation": 3},
        "spec": {"interval": "1h"},
        "status": {
            "phase": phase,
            "observedGeneration": 3,
            "lastSyncTime": "2026-11-22T06:30:00Z",
            "nextSyncTime": "2026-11-22T07:30:00Z",
        },
    }


def test_a_run_left_syncing_by_a_dead_process_is_redone_now() -> None:
    assert schedule.plan(body=_connector("Syncing"), now=NOW).run == "Interrupted"


def test_a_finished_run_waits_for_its_next_time() -> None:
    planned = schedule.plan(body=_connector("OK"), now=NOW)
    assert planned.run is None
    assert planned.wake_at == datetime(2026, 11, 22, 7, 30, tzinfo=UTC)


def test_suspension_and_people_still_come_first() -> None:
    suspended = _connector("Syncing")
    suspended["spec"] = {"suspend": True}
    assert schedule.plan(body=suspended, now=NOW).suspend
    requested = _connector("Syncing")
    requested["metadata"] = {
        "generation": 3,
        "annotations": {schedule.ANNOTATION_REQUESTED_AT: "x"},
    }
    assert schedule.plan(body=requested, now=NOW).run == "Requested"
