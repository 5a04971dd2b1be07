"""What the client reports about each request, for metrics and tests to subscribe to.

The Graph layer does not import prometheus: it calls plain callbacks with a
:class:`RequestEvent`, and keeps simple counters by service and status that anyone can read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestEvent:
    """One HTTP answer (or failure to get one) from Graph, or one ``$batch`` sub-answer."""

    tenant_id: str
    service: str
    method: str
    path: str
    status: int | None
    attempt: int
    retry_in: float | None = None
    batched: bool = False
    error: str | None = None

    @property
    def outcome(self) -> str:
        """The status code as text, or the error kind when there was no answer."""
        return str(self.status) if self.status is not None else (self.error or "error")


Hook = Callable[[RequestEvent], None]


class RequestCounters:
    """Counts of Graph answers by (service, outcome); also fans events out to hooks."""

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str]] = Counter()
        self.batched: Counter[tuple[str, str]] = Counter()
        self.retries: Counter[str] = Counter()
        self.sleeps: list[float] = []
        self._hooks: list[Hook] = []

    def subscribe(self, hook: Hook) -> None:
        self._hooks.append(hook)

    def observe(self, event: RequestEvent) -> None:
        key = (event.service, event.outcome)
        if event.batched:
            self.batched[key] += 1
        else:
            self.requests[key] += 1
        if event.retry_in is not None:
            self.retries[event.service] += 1
        for hook in self._hooks:
            hook(event)

    def total(self, *, service: str | None = None, outcome: str | None = None) -> int:
        return sum(
            count
            for (svc, out), count in self.requests.items()
            if (service is None or svc == service) and (outcome is None or out == outcome)
        )
