"""Delta queries (``users/delta``, ``groups/delta``): changes since a stored deltaLink.

A run ends with a deltaLink the caller stores and passes back next time. Without one, the run
enumerates everything (and still ends with a deltaLink). When Graph no longer accepts the link
(410 Gone or a resync error code) the result is :class:`DeltaResync`: a value, not an
exception, because starting over is a normal, expected outcome the caller must decide about.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from m365inventory.graph import calls, errors, paging
from m365inventory.graph.sending import Sender

T = TypeVar("T")

REMOVED = "@removed"


@dataclass(frozen=True)
class DeltaChanges(Generic[T]):
    """Objects added or changed, ids removed (with Graph's reason), and the next deltaLink.

    For a run that started from a deltaLink, ``changes`` holds only the properties that changed
    (plus ``id``); a run without one (``initial``) holds complete objects.
    """

    changes: list[T]
    removed: dict[str, str]
    delta_link: str
    initial: bool = False
    pages: int = 0


@dataclass(frozen=True)
class DeltaResync:
    """The stored deltaLink is no longer valid: run a full enumeration (delta without link)."""

    reason: str
    code: str | None = None


DeltaResult = DeltaChanges[T] | DeltaResync


@dataclass
class _Accumulator(Generic[T]):
    parse: Callable[[Mapping[str, Any]], T]
    changes: list[T] = field(default_factory=list)
    removed: dict[str, str] = field(default_factory=dict)

    def add(self, item: Mapping[str, Any]) -> None:
        marker = item.get(REMOVED)
        if marker is not None:
            reason = marker.get("reason") if isinstance(marker, Mapping) else None
            self.removed[str(item["id"])] = str(reason or "deleted")
            return
        self.changes.append(self.parse(item))


async def run(
    sender: Sender,
    *,
    first: calls.GraphCall,
    delta_link: str | None,
    parse: Callable[[Mapping[str, Any]], T],
) -> DeltaChanges[T] | DeltaResync:
    """Run one delta round: from ``delta_link`` if given, else from ``first``."""
    start = first if delta_link is None else calls.GraphCall(method="GET", path=delta_link)
    acc: _Accumulator[T] = _Accumulator(parse=parse)
    count = 0
    try:
        async for body in paging.pages(sender, start):
            count += 1
            for item in paging.page_items(body, path=start.path):
                acc.add(item)
            link = body.get(paging.DELTA_LINK)
            if link:
                return DeltaChanges(
                    changes=acc.changes,
                    removed=acc.removed,
                    delta_link=str(link),
                    initial=delta_link is None,
                    pages=count,
                )
    except errors.ResyncRequired as exc:
        return DeltaResync(reason=exc.message, code=exc.code)
    raise errors.PermanentError(
        f"GET {first.path}: delta ended without an @odata.deltaLink", endpoint=first.path
    )
