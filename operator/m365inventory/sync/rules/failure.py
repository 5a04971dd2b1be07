"""Why a run or a tenant failed: a reason, a message and whether a quick retry may help."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Failure:
    """A reason (CamelCase), a message saying what to do, and whether a quick retry may help."""

    reason: str
    message: str
    retryable: bool
    credentials: bool = False
    """The failure says the connector's credentials are wrong (CredentialsValid=False)."""
