"""The scored, evidenced suggestion that tenant and device matching both produce.

A suggestion names a candidate (an Organization or a Configuration, by its unique key), gives a
0-100 integer score and says why ("name:92", "domain:contoso.com", "serial", "mac:wifi"), so
that a person reading a TenantMatch or DeviceMatch status can judge it without re-running the
matcher. Ranking is total: score, then the amount of evidence, then display name, then key.
"""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Suggestion:
    """One ranked candidate for a tenant or a device."""

    key: str
    """The candidate's unique key (e.g. the Kubernetes object name)."""
    name: str
    """The candidate's display name."""
    score: int
    """0-100, higher is better."""
    evidence: tuple[str, ...]
    """Why it was suggested, strongest first, e.g. ("domain:contoso.com", "name:92")."""


def score_to_int(score: float) -> int:
    """Round a rapidfuzz score half-up into 0-100."""
    return max(0, min(100, int(score + 0.5)))


def rank(suggestions: Iterable[Suggestion], *, limit: int) -> tuple[Suggestion, ...]:
    """The best ``limit`` suggestions in a deterministic order, whatever the input order."""
    ordered = sorted(
        suggestions,
        key=lambda item: (
            -item.score,
            -len(item.evidence),
            item.name.casefold(),
            item.name,
            item.key,
        ),
    )
    return tuple(ordered[: max(0, limit)])
