"""When to retry a Graph request and how long to wait first (pure decisions, no I/O).

Hand-written rather than tenacity: the delay depends on the *answer* (``Retry-After``, the
throttle-limit header) and, inside ``$batch``, on each sub-request's own answer, which
tenacity's wait strategies do not see. The rules: honour ``Retry-After``; otherwise exponential
backoff with full jitter; bounded attempts; retry 429/408/5xx-that-pass and connection errors,
never other 4xx. Sleeping and randomness are injected so tests assert delays without waiting.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
THROTTLE_STATUSES = frozenset({429, 503})
THROTTLE_LIMIT_HEADER = "x-ms-throttle-limit-percentage"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup for plain dicts (``$batch`` sub-responses)."""
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with Retry-After, full-jitter backoff and throttle easing."""

    max_attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 60.0
    max_retry_after: float = 300.0
    ease_threshold: float = 0.8
    ease_delay: float = 0.5
    rng: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def should_retry_status(self, status: int) -> bool:
        return status in RETRYABLE_STATUSES

    def backoff(self, attempt: int) -> float:
        """Full-jitter delay before retry number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2.0 ** (attempt - 1)))
        return ceiling * self.rng()

    def delay(self, *, attempt: int, retry_after: float | None) -> float:
        """How long to wait before retry ``attempt``: the server's word first, else backoff."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        return self.backoff(attempt)

    def next_delay(
        self, *, attempt: int, status: int | None, retry_after: float | None
    ) -> float | None:
        """Seconds to wait before trying again, or None to give up.

        ``attempt`` is the number of attempts made so far; ``status`` None means the request
        never got an answer (connection error, timeout).
        """
        if attempt >= self.max_attempts:
            return None
        if status is not None and not self.should_retry_status(status):
            return None
        return self.delay(attempt=attempt, retry_after=retry_after)

    def easing(self, headers: Mapping[str, str]) -> float:
        """Extra pause after a success when Graph says the app is near its throttle limit."""
        raw = header(headers, THROTTLE_LIMIT_HEADER)
        if raw is None:
            return 0.0
        try:
            used = float(raw)
        except ValueError:
            return 0.0
        if used < self.ease_threshold:
            return 0.0
        # 0.8 -> ease_delay, 1.8 (Graph's maximum) -> twice that: the pause grows with pressure.
        return self.ease_delay * (1.0 + max(0.0, used - self.ease_threshold))
