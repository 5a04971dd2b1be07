"""Retry policy decisions: which answers are retried, and after how long."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from m365inventory.graph.retrying import RetryPolicy, parse_retry_after


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("7") == 7.0
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("-3") == 0.0


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried(status: int) -> None:
    policy = RetryPolicy(rng=lambda: 1.0, base_delay=2.0)
    assert policy.next_delay(attempt=1, status=status, retry_after=None) == 2.0


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 501])
def test_other_errors_are_never_retried(status: int) -> None:
    assert RetryPolicy().next_delay(attempt=1, status=status, retry_after=3.0) is None


def test_retry_after_wins_over_backoff_and_is_capped() -> None:
    policy = RetryPolicy(rng=lambda: 1.0, max_retry_after=120.0)
    assert policy.next_delay(attempt=3, status=429, retry_after=11.0) == 11.0
    assert policy.next_delay(attempt=1, status=429, retry_after=3600.0) == 120.0


def test_backoff_is_exponential_full_jitter_and_bounded() -> None:
    draws = iter([1.0, 1.0, 1.0, 0.25, 1.0])
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0, rng=lambda: next(draws))
    delays = [policy.backoff(attempt) for attempt in (1, 2, 3, 3, 10)]
    assert delays == [1.0, 2.0, 4.0, 1.0, 5.0]


def test_connection_failures_are_retried_until_attempts_run_out() -> None:
    policy = RetryPolicy(max_attempts=3, rng=lambda: 0.0)
    assert policy.next_delay(attempt=1, status=None, retry_after=None) == 0.0
    assert policy.next_delay(attempt=2, status=None, retry_after=None) == 0.0
    assert policy.next_delay(attempt=3, status=None, retry_after=None) is None


def test_easing_when_near_the_throttle_limit() -> None:
    policy = RetryPolicy(ease_threshold=0.8, ease_delay=0.5)
    assert policy.easing({}) == 0.0
    assert policy.easing({"x-ms-throttle-limit-percentage": "0.5"}) == 0.0
    assert policy.easing({"X-MS-Throttle-Limit-Percentage": "0.8"}) == 0.5
    assert policy.easing({"x-ms-throttle-limit-percentage": "1.8"}) == pytest.approx(1.0)
    assert policy.easing({"x-ms-throttle-limit-percentage": "n/a"}) == 0.0
