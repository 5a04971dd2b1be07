"""Retry Kubernetes calls that the API server asks us to repeat (429, 5xx, lost connections).

An API server answers 429 while a new CRD's storage initialises or under priority-and-fairness
load, and drops connections while it restarts. Every call the store makes is safe to repeat
(reads, server-side apply, and creates whose conflict we already treat as "exists"), so each
is retried with the server's Retry-After or exponential backoff with jitter (tenacity).
"""

from __future__ import annotations

from typing import Any

import httpx2
import tenacity
from lightkube import ApiError

RETRIED_CODES = frozenset({429, 500, 502, 503, 504})
MAX_ATTEMPTS = 8
MAX_WAIT_SECONDS = 10.0


def retryable(error: BaseException) -> bool:
    """Is `error` one the API server means to be retried?"""
    if isinstance(error, ApiError):
        return error.status.code in RETRIED_CODES
    return isinstance(error, httpx2.TransportError)


def _retry_after(state: tenacity.RetryCallState) -> float | None:
    outcome = state.outcome
    error = outcome.exception() if outcome is not None else None
    if isinstance(error, ApiError) and error.status.details is not None:
        seconds = getattr(error.status.details, "retryAfterSeconds", None)
        if seconds:
            return float(min(seconds, MAX_WAIT_SECONDS))
    return None


class _RetryAfterOrBackoff(tenacity.wait.wait_base):
    """The server's Retry-After when it gives one, else exponential backoff with jitter."""

    def __init__(self) -> None:
        self._backoff = tenacity.wait_random_exponential(multiplier=0.2, max=MAX_WAIT_SECONDS)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        told = _retry_after(retry_state)
        return told if told is not None else float(self._backoff(retry_state))


def policy(**overrides: Any) -> tenacity.AsyncRetrying:
    """A fresh retry controller for one call."""
    settings: dict[str, Any] = {
        "retry": tenacity.retry_if_exception(retryable),
        "wait": _RetryAfterOrBackoff(),
        "stop": tenacity.stop_after_attempt(MAX_ATTEMPTS),
        "reraise": True,
    }
    settings.update(overrides)
    return tenacity.AsyncRetrying(**settings)
