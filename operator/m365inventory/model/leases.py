"""What a `coordination.k8s.io/v1` Lease says, as leader election reads and writes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class LeaseRecord:
    """What a Lease's spec says (the fields client-go reads and writes)."""

    holder: str | None
    lease_duration_seconds: int
    acquire_time: datetime | None
    renew_time: datetime | None
    transitions: int
    resource_version: str | None = None
    """None: the Lease does not exist yet (create it)."""
