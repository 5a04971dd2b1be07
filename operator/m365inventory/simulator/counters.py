"""Request counters by (endpoint template, status), shared by the server thread and tests.

Tests assert on counts ("one token request", "N key fetches"), never on time.
"""

from __future__ import annotations

import threading
from collections import Counter


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, int]] = Counter()

    def record(self, *, endpoint: str, status: int) -> None:
        with self._lock:
            self._counts[(endpoint, status)] += 1

    def get(self, endpoint: str, status: int | None = None) -> int:
        """Requests to `endpoint` (e.g. "GET /v1.0/users"), optionally only with `status`."""
        with self._lock:
            return sum(
                n for (ep, st), n in self._counts.items() if ep == endpoint and status in (None, st)
            )

    def total(self, *, status: int | None = None) -> int:
        with self._lock:
            return sum(n for (_, st), n in self._counts.items() if status in (None, st))

    def snapshot(self) -> dict[tuple[str, int], int]:
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()

    def as_json(self) -> dict[str, object]:
        rows = [
            {"endpoint": ep, "status": st, "count": n}
            for (ep, st), n in sorted(self.snapshot().items())
        ]
        return {"total": sum(r["count"] for r in rows), "counters": rows}  # type: ignore[misc]
