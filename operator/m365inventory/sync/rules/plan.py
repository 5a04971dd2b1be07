"""Decide whether a write is needed (pure): the operator writes only what would change.

An unchanged tenant must cost zero Kubernetes writes, so before every server-side apply the
desired fields are compared with the live object. Only the fields the operator sets are
compared; fields owned by people, Git or the API server are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def contains(live: Any, desired: Any) -> bool:
    """True when every field of `desired` has the same value in `live`.

    Mappings are compared key by key (extra keys in `live` are fine: someone else owns them);
    lists and scalars must be equal. None, [] or {} in `desired` mean "absent or empty" in
    `live`.
    """
    if isinstance(desired, Mapping):
        if not isinstance(live, Mapping):
            return False
        return all(
            _empty(live.get(key)) if _empty(value) else (key in live and contains(live[key], value))
            for key, value in desired.items()
        )
    if isinstance(desired, list):
        return (
            isinstance(live, list)
            and len(live) == len(desired)
            and all(contains(a, b) for a, b in zip(live, desired, strict=True))
        )
    return bool(live == desired)


def _empty(value: Any) -> bool:
    """None, [] and {} all mean "no value": the API server and clients drop empty fields."""
    return value is None or value == [] or value == {}


def without_empty(value: Any) -> Any:
    """`value` with None, [] and {} fields removed from every mapping (lists keep items)."""
    if isinstance(value, Mapping):
        cleaned = {k: without_empty(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if not _empty(v)}
    if isinstance(value, list):
        return [without_empty(v) for v in value]
    return value


def needs_status_write(live: Mapping[str, Any] | None, desired_status: Mapping[str, Any]) -> bool:
    """Does `live` (an object body or None) lack any of `desired_status`?"""
    if live is None:
        return True
    return not contains(live.get("status") or {}, desired_status)


def needs_write(live: Mapping[str, Any] | None, desired: Mapping[str, Any]) -> bool:
    """Does `live` lack any of the metadata/spec fields in `desired`?"""
    if live is None:
        return True
    return not contains(live, desired)


def needs_decision(body: Mapping[str, Any]) -> bool:
    """Has a TenantMatch's or DeviceMatch's spec (people's decision) changed since the
    operator last applied it? Reads a few fields, so it needs no copy of a watched body.

    An object with neither status nor a decision has nothing to apply: it is one the sync
    has just created and is about to write the status of (a cold sync creates thousands).
    """
    status = body.get("status") or {}
    if not status and not (body.get("spec") or {}).get("decision"):
        return False
    return bool((body.get("metadata") or {}).get("generation") != status.get("observedGeneration"))
