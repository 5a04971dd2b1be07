"""The arithmetic of the bench: scale shapes, the Graph request floor, percentiles, targets.

Pure functions, so the smoke test and a reader can check the yardsticks the bench measures
against without running anything.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_TENANTS = 100
DEFAULT_USERS = 20_000
DEFAULT_DEVICES = 10_000
DEFAULT_GROUPS = 1_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Shape:
    """The synthetic MSP: customer tenants and the totals spread evenly across them."""

    tenants: int = DEFAULT_TENANTS
    users: int = DEFAULT_USERS
    devices: int = DEFAULT_DEVICES
    groups: int = DEFAULT_GROUPS

    @classmethod
    def scaled(cls, factor: float) -> Shape:
        """The default MSP times `factor` (tenants and totals alike; at least one of each)."""
        return cls(
            tenants=max(1, round(DEFAULT_TENANTS * factor)),
            users=max(1, round(DEFAULT_USERS * factor)),
            devices=max(1, round(DEFAULT_DEVICES * factor)),
            groups=max(1, round(DEFAULT_GROUPS * factor)),
        )

    @property
    def users_per_tenant(self) -> int:
        return max(1, self.users // self.tenants)

    @property
    def devices_per_tenant(self) -> int:
        return self.devices // self.tenants

    @property
    def groups_per_tenant(self) -> int:
        return self.groups // self.tenants

    @property
    def label(self) -> str:
        return f"t{self.tenants}-u{self.users}-d{self.devices}-g{self.groups}"

    def as_json(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantSize:
    """What one tenant's sync must read from Graph."""

    users: int
    groups: int
    devices: int
    macs_to_read: int
    """Devices whose Ethernet MAC is not in the list and must be read one by one ($batch)."""
    sign_in_activity: bool = False
    """The users listing selects signInActivity (the tenant has Entra ID P1): Graph pages it
    at most SIGN_IN_ACTIVITY_PAGE users at a time, whatever `$top` asks."""


SIGN_IN_ACTIVITY_PAGE = 120
"""https://learn.microsoft.com/graph/api/user-list: with signInActivity, `$top` is at most 120."""


def pages(items: int, *, page_size: int) -> int:
    """Requests to list `items` at `page_size`: an empty collection still costs one."""
    return max(1, math.ceil(items / page_size))


def minimum_graph_requests(
    *,
    tenants: Sequence[TenantSize],
    page_size: Mapping[str, int],
    batch_size: int,
    secret_expiry: bool = False,
) -> int:
    """The fewest Graph requests a sync of these tenants can make.

    Discovery lists customers and relationships once; each tenant needs its organization,
    its subscribed SKUs, every page of users, groups and devices, one `$batch` per
    `batch_size` groups (members) and one per `batch_size` Ethernet MACs to read. A connector
    that signs in with a client secret also reads its app registration once (the secret's
    expiry: `status.clientSecretExpiresAt`).
    """
    total = pages(len(tenants), page_size=page_size["customers"]) * 2
    total += 1 if secret_expiry else 0
    for tenant in tenants:
        total += 2
        users_page = page_size["users"]
        if tenant.sign_in_activity:
            users_page = min(users_page, SIGN_IN_ACTIVITY_PAGE)
        total += pages(tenant.users, page_size=users_page)
        total += pages(tenant.groups, page_size=page_size["groups"])
        total += math.ceil(tenant.groups / batch_size)
        total += pages(tenant.devices, page_size=page_size["devices"])
        total += math.ceil(tenant.macs_to_read / batch_size)
    return total


def throttle_floor_seconds(*, requests: int, limit: int, window_seconds: float) -> float:
    """The least wall time `requests` can take under a fixed window of `limit` per window:
    every full window before the last one must pass. Refused requests are not charged."""
    if requests <= 0:
        return 0.0
    return ((requests - 1) // limit) * window_seconds


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile `q` (0-100) of `values`."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


TARGETS: dict[str, str] = {
    "cold_sync.requests_vs_minimum": "<= 1.05",
    "unchanged_resync.documentation_writes": "== 0",
    "unchanged_resync.wall_vs_cold": "<= 0.05",
    "change_1pct.writes_vs_changed": "<= 1.1",
    "decisions.p95_seconds": "<= 1.0",
    "matching.devices_seconds": "<= 1.0",
    "operator.peak_rss_mb": "<= 300 (default scale; the highest of every sync scenario)",
}

OPERATOR_SCENARIOS = ("cold_sync", "unchanged_resync", "change_1pct", "throttling_storm")
"""The scenarios run by the one operator process whose peak RSS is measured."""


def peak_rss_mb(results: Mapping[str, Mapping[str, Any]]) -> float | None:
    """The operator's highest peak RSS over the scenarios it ran."""
    peaks = [
        float(peak)
        for scenario in OPERATOR_SCENARIOS
        if (peak := (results.get(scenario) or {}).get("peak_rss_mb")) is not None
    ]
    return max(peaks) if peaks else None


def verdicts(results: Mapping[str, Mapping[str, Any]]) -> dict[str, bool | None]:
    """Each target met (True), missed (False) or not measured (None)."""

    def get(scenario: str, key: str) -> Any:
        return (results.get(scenario) or {}).get(key)

    checks: dict[str, tuple[Any, Any]] = {
        "cold_sync.requests_vs_minimum": (get("cold_sync", "requests_vs_minimum"), 1.05),
        "unchanged_resync.documentation_writes": (get("unchanged_resync", "writes"), 0),
        "unchanged_resync.wall_vs_cold": (get("unchanged_resync", "wall_vs_cold"), 0.05),
        "change_1pct.writes_vs_changed": (get("change_1pct", "writes_vs_changed"), 1.1),
        "decisions.p95_seconds": (get("decisions", "p95_seconds"), 1.0),
        "matching.devices_seconds": (get("matching", "devices_seconds"), 1.0),
        "operator.peak_rss_mb": (peak_rss_mb(results), 300),
    }
    return {
        name: None if value is None else value <= bound for name, (value, bound) in checks.items()
    }
