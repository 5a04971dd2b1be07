"""Tunable behaviour of a running simulator: page sizes, lifetimes and throttling limits.

Defaults are Graph's own (or generous where Graph's would make unrelated tests flaky); tests
shrink them to force many pages or a 429. Settable in-process (`sim.settings`) or over the
admin API (`POST /_simulator/settings`).
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class ThrottleLimits(BaseModel):
    enabled: bool = True
    #: Identity (directory) resource units per app+tenant per 10 s; None = by tenant size
    #: (fewer than 50 users 3,500, up to 500 users 5,000, more 8,000, as Graph documents).
    identity_units_per_10s: int | None = None
    #: All requests of one app across all tenants per 20 s.
    app_requests_per_20s: int = 150_000
    #: Intune requests per app+tenant per 20 s.
    intune_requests_per_20s: int = 1_000
    #: Report requests per app+tenant per 10 minutes. Graph allows 14 per report API for CSV;
    #: the default is generous so unrelated tests never see it.
    reports_requests_per_600s: int = 1_000
    #: Answer 429 without a Retry-After header (some Graph workloads do).
    omit_retry_after: bool = False


class Settings(BaseModel):
    #: Page size when the client sends no $top.
    default_page_size: int = 100
    #: Largest $top honoured.
    max_top: int = 999
    #: Per endpoint template ("GET /v1.0/users"): a hard cap on the page size.
    page_size: dict[str, int] = Field(default_factory=dict)
    token_lifetime_seconds: int = 3599
    report_url_lifetime_seconds: int = 300
    batch_max_requests: int = 20
    #: Repeat the last object of a delta page at the start of the next one, as Graph may
    #: (delta-query-overview: "the same resource might be returned more than once"). Off by
    #: default: the client appends delta pages as they come.
    delta_replays: bool = False
    #: Graph documents ocp-client-name/-version as required for BitLocker keys; enforce it?
    require_bitlocker_client_headers: bool = False
    throttle: ThrottleLimits = Field(default_factory=ThrottleLimits)

    def page_size_for(self, *, endpoint: str, top: int | None) -> int:
        size = self.default_page_size if top is None else min(top, self.max_top)
        cap = self.page_size.get(endpoint)
        return max(1, min(size, cap) if cap else size)

    def update(self, changes: dict[str, object]) -> None:
        """Merge a partial JSON object (as the admin API receives it) into these settings."""
        merged = self.model_dump() | changes
        if isinstance(changes.get("throttle"), dict):
            merged["throttle"] = self.throttle.model_dump() | changes["throttle"]  # type: ignore[operator]
        fresh = Settings.model_validate(merged)
        for name in type(self).model_fields:
            setattr(self, name, getattr(fresh, name))
