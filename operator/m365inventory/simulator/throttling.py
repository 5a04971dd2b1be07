"""Graph-style throttling: fixed-window request budgets per app, per app+tenant, per workload.

Each budget is a window of `seconds` with a `limit` of units; a request that would overflow
any budget is refused with 429 and the seconds until that window ends. Near the limit (80%)
successful answers carry `x-ms-throttle-limit-percentage`, as Graph's identity service does.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from m365inventory.simulator.settings import ThrottleLimits


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0
    scope: str = ""
    #: Highest fraction of any budget used after this request (for the percentage header).
    usage: float = 0.0


@dataclass
class _Window:
    started: float
    used: int


class Throttler:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

    def check(
        self,
        *,
        limits: ThrottleLimits,
        app_id: str,
        tenant_id: str,
        tenant_users: int,
        workload: str,
        cost: int,
    ) -> Verdict:
        """Charge one request of `cost` units to every budget it falls under."""
        if not limits.enabled:
            return Verdict(allowed=True)
        budgets: list[tuple[str, str, int, float, int]] = [
            (
                f"app/{app_id}",
                f"Application/ReadWrite/{app_id}/{tenant_id}",
                limits.app_requests_per_20s,
                20,
                1,
            )
        ]
        scope = f"Tenant_Application/ReadWrite/{app_id}/{tenant_id}"
        if workload == "identity":
            limit = limits.identity_units_per_10s or _identity_limit(tenant_users)
            budgets.append((f"identity/{app_id}/{tenant_id}", scope, limit, 10, cost))
        elif workload == "intune":
            budgets.append(
                (f"intune/{app_id}/{tenant_id}", scope, limits.intune_requests_per_20s, 20, 1)
            )
        elif workload == "reports":
            budgets.append(
                (f"reports/{app_id}/{tenant_id}", scope, limits.reports_requests_per_600s, 600, 1)
            )
        now = self._clock()
        with self._lock:
            windows = []
            for key, scope_name, limit, seconds, units in budgets:
                window = self._windows.get(key)
                if window is None or now - window.started >= seconds:
                    window = self._windows[key] = _Window(started=now, used=0)
                if window.used + units > limit:
                    remaining = seconds - (now - window.started)
                    return Verdict(
                        allowed=False, retry_after=max(1, math.ceil(remaining)), scope=scope_name
                    )
                windows.append((window, units, limit))
            usage = 0.0
            for window, units, limit in windows:
                window.used += units
                usage = max(usage, window.used / limit)
            return Verdict(allowed=True, usage=usage)


def _identity_limit(users: int) -> int:
    if users < 50:
        return 3_500
    if users <= 500:
        return 5_000
    return 8_000
