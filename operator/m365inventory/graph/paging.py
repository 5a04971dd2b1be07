"""Walking Graph collections page by page over ``@odata.nextLink``.

The first call carries ``$select``/``$top``; Graph bakes them into every nextLink, so later
pages are fetched by the link alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from m365inventory.graph import calls, errors
from m365inventory.graph.sending import Sender

NEXT_LINK = "@odata.nextLink"
DELTA_LINK = "@odata.deltaLink"


def page_items(body: Any, *, path: str) -> list[Mapping[str, Any]]:
    """The ``value`` of a collection page, or a PermanentError if the page is malformed."""
    if not isinstance(body, Mapping) or not isinstance(body.get("value"), list):
        raise errors.PermanentError(f"GET {path}: answer is not a Graph collection", endpoint=path)
    return [item for item in body["value"] if isinstance(item, Mapping)]


async def pages(sender: Sender, call: calls.GraphCall) -> AsyncIterator[Mapping[str, Any]]:
    """Every page body of the collection ``call`` starts, following nextLinks to the end."""
    current: calls.GraphCall | None = call
    while current is not None:
        body = await sender.json(current)
        page_items(body, path=current.path)
        yield body
        link = body.get(NEXT_LINK)
        current = (
            calls.GraphCall(
                method="GET", path=str(link), headers=call.headers, service=call.service
            )
            if link
            else None
        )


async def items(sender: Sender, call: calls.GraphCall) -> AsyncIterator[Mapping[str, Any]]:
    """Every item of the collection, across all pages."""
    async for body in pages(sender, call):
        for item in page_items(body, path=call.path):
            yield item
