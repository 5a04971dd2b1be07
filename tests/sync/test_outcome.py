"""The connector's status after a run (pure): kstatus conditions, backoff, quiet Events."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from m365inventory.sync.rules import conditions, outcome
from m365inventory.sync.rules.failure import Failure
from m365inventory.sync.rules.outcome import RunReport

START = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
END = START + timedelta(seconds=40)
HOUR = timedelta(hours=1)


def finish(report: RunReport, previous: dict[str, Any] | None = None) -> outcome.Finished:
    return outcome.finished(
        previous=previous or {},
        report=report,
        generation=3,
        requested=None,
        credentials=None,
        wait=HOUR,
        end=END,
    )


def cond(status: dict[str, Any], type: str) -> dict[str, Any] | None:
    return conditions.get_condition(status["conditions"], type)


def ok(tenants: int = 2) -> RunReport:
    return RunReport(trigger="Schedule", started=START, tenants=tenants, synced=tenants)


def test_a_run_in_progress_keeps_ready_and_says_reconciling() -> None:
    healthy = finish(ok()).status
    during = outcome.started(previous=healthy, trigger="Schedule", now=END)
    merged = {**healthy, **during}
    assert cond(merged, "Ready")["status"] == "True"  # type: ignore[index]
    assert cond(merged, "Reconciling")["status"] == "True"  # type: ignore[index]
    after = finish(ok(), previous=merged).status
    assert cond(after, "Reconciling") is None
    assert cond(after, "Ready") == cond(healthy, "Ready")


def test_refused_credentials_stall_and_schedule_nothing() -> None:
    report = RunReport(trigger="Created", started=START)
    report.fatal = Failure(
        "AuthenticationFailed", "AADSTS7000215", retryable=False, credentials=True
    )
    done = finish(report)
    assert done.phase == "Error"
    assert cond(done.status, "Stalled")["reason"] == "AuthenticationFailed"  # type: ignore[index]
    assert done.status["nextSyncTime"] is None
    assert cond(done.status, "Ready")["status"] == "False"  # type: ignore[index]


def test_a_rotated_secret_does_not_stall() -> None:
    report = RunReport(trigger="Schedule", started=START)
    report.fatal = Failure("AuthenticationFailed", "x", retryable=False, credentials=True)
    report.credentials_changed = True
    assert cond(finish(report).status, "Stalled") is None


def test_transient_failures_do_not_stall_and_a_success_clears_stalled() -> None:
    report = RunReport(trigger="Schedule", started=START)
    report.fatal = Failure("Throttled", "429", retryable=True)
    failed = finish(report)
    assert cond(failed.status, "Stalled") is None
    assert cond(failed.status, "Ready")["reason"] == conditions.PROGRESSING_WITH_RETRY  # type: ignore[index]
    stalled = {
        "conditions": [
            {
                "type": "Stalled",
                "status": "True",
                "reason": "X",
                "message": "",
                "lastTransitionTime": "2026-01-01T00:00:00Z",
            }
        ]
    }
    assert cond(finish(ok(), previous=stalled).status, "Stalled") is None


def test_one_failing_customer_is_degraded_not_ok() -> None:
    report = ok(tenants=3)
    report.synced = 2
    report.failed["t-9"] = Failure("ConsentMissing", "no service principal", retryable=False)
    done = finish(report)
    assert done.phase == "Degraded"
    assert done.ready is True
    degraded = cond(done.status, "Degraded")
    assert degraded is not None
    assert "t-9 (ConsentMissing)" in degraded["message"]
    assert cond(finish(ok(3), previous=done.status).status, "Degraded") is None


def test_an_unchanged_scheduled_run_adds_no_event_but_a_changed_outcome_does() -> None:
    first = finish(ok())
    assert first.event is not None
    assert first.event[1] == "SyncSucceeded"
    again = finish(ok(), previous=first.status)
    assert again.event is None
    report = ok(tenants=2)
    report.failed["t-1"] = Failure("Throttled", "429", retryable=True)
    worse = finish(report, previous=again.status)
    assert worse.event is not None
    assert worse.event[:2] == ("Warning", "SyncPartiallyFailed")
    assert finish(report, previous=worse.status).event is None, "the same failure again: quiet"


def test_a_requested_run_always_reports() -> None:
    first = finish(ok())
    asked = RunReport(trigger="Requested", started=START, tenants=2, synced=2)
    assert finish(asked, previous=first.status).event is not None


def test_skipped_records_are_named_without_values() -> None:
    report = ok()
    report.skipped.append(outcome.SkippedRecord("t-1", "User", "u-1", ("accountEnabled",)))
    summary = finish(report).status["summary"]
    assert summary["recordsSkipped"] == 1
    assert summary["skipped"] == [
        {"tenantId": "t-1", "kind": "User", "id": "u-1", "fields": ["accountEnabled"]}
    ]


@pytest.mark.parametrize("failures", range(1, 30))
def test_backoff_grows_and_never_exceeds_the_interval(failures: int) -> None:
    rng = random.Random(failures)
    delay = outcome.retry_delay(
        failures=failures, interval=timedelta(minutes=10), rng=rng, first=timedelta(seconds=30)
    )
    expected = min(timedelta(seconds=30) * 2 ** (failures - 1), timedelta(minutes=10))
    assert expected * 0.9 <= delay <= min(expected * 1.1, timedelta(minutes=10))


def test_credentials_refused_by_every_tenant_stall_but_one_refusal_among_many_does_not() -> None:
    refused = Failure("AuthenticationFailed", "AADSTS7000215", retryable=False, credentials=True)
    alone = RunReport(trigger="Created", started=START, tenants=1)
    alone.failed["home"] = refused
    assert cond(finish(alone).status, "Stalled")["reason"] == "AuthenticationFailed"  # type: ignore[index]
    among = RunReport(trigger="Created", started=START, tenants=2, synced=1)
    among.failed["t-2"] = refused
    assert cond(finish(among).status, "Stalled") is None


def test_the_event_compares_with_the_status_before_the_run_not_its_syncing_start() -> None:
    healthy = finish(ok()).status
    during = {**healthy, **outcome.started(previous=healthy, trigger="Schedule", now=END)}
    done = outcome.finished(
        previous=during,
        report=ok(),
        generation=3,
        requested=None,
        credentials=None,
        wait=HOUR,
        end=END,
        before=healthy,
    )
    assert done.event is None, "an unchanged scheduled run adds no Event"
