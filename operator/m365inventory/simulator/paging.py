"""Collection answers: server-driven paging with @odata.nextLink, and delta rounds.

A nextLink repeats the client's query options and adds an opaque `$skiptoken` holding the
offset and the endpoint it belongs to. A delta round fixes the change window when it starts
(`base` < seq <= `upto`); its last page carries an `@odata.deltaLink` whose `$deltatoken`
remembers `upto` and the $select, so the next round returns only what changed since.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from m365inventory.simulator.errors import GraphError, bad_request
from m365inventory.simulator.graph import Context, GraphResponse
from m365inventory.simulator.odata import decode_token, encode_token
from m365inventory.simulator.world import Tombstone


def context_url(ctx: Context, entity_set: str) -> str:
    select = f"({','.join(ctx.query.select)})" if ctx.query.select else ""
    return f"{ctx.root}/$metadata#{entity_set}{select}"


def collection(
    ctx: Context,
    *,
    items: Sequence[Any],
    entity_set: str,
    render: Callable[[Any], dict[str, Any]] | None = None,
    cap: int | None = None,
) -> GraphResponse:
    """One page of `items` with a nextLink when more remain.

    `items` are rendered entities, or raw ones that `render` turns into JSON (only the page
    is rendered, which keeps a 2,000-user tenant cheap to page through). `cap` bounds the
    page whatever `$top` asks (Graph's per-query limits, e.g. 120 users with signInActivity).
    """
    offset = 0
    if ctx.query.skiptoken:
        state = decode_token(ctx.query.skiptoken)
        if state.get("e") != ctx.endpoint or not isinstance(state.get("o"), int):
            raise bad_request("Invalid skip token.", code="Request_BadRequest")
        offset = state["o"]
    size = ctx.settings.page_size_for(endpoint=ctx.endpoint, top=ctx.query.top)
    if cap is not None:
        size = min(size, cap)
    page = [render(item) if render else item for item in items[offset : offset + size]]
    body: dict[str, Any] = {"@odata.context": context_url(ctx, entity_set)}
    if ctx.query.count:
        body["@odata.count"] = len(items)
    if offset + size < len(items):
        params = {k: v for k, v in ctx.request.params.items() if k != "$skiptoken"}
        params["$skiptoken"] = encode_token({"e": ctx.endpoint, "o": offset + size})
        body["@odata.nextLink"] = f"{ctx.root}{ctx.request.path}?{urlencode(params, safe='$,()')}"
    body["value"] = page
    return GraphResponse(status=200, body=body)


def delta(
    ctx: Context,
    *,
    kind: str,
    entities: Sequence[Any],
    render: Callable[[Any, tuple[str, ...] | None, tuple[int, int]], dict[str, Any]],
    entity_set: str,
) -> GraphResponse:
    """A page of a delta round for `kind` ("user" or "group") of the calling tenant.

    `render(entity, select, (base, upto))` gets the round's change window (base -1: the first
    round), so a group can list only the members that changed in it."""
    tenant = ctx.tenant
    query = ctx.query
    if query.deltatoken is not None:
        if query.deltatoken == "latest":
            return _delta_page(
                ctx, [], upto=ctx.world.seq, select=query.select, kind=kind, entity_set=entity_set
            )
        state = decode_token(query.deltatoken)
        if state.get("t") != tenant.id or state.get("k") != kind:
            raise bad_request("Badly formed token.", code="Request_BadRequest")
        if state["s"] < ctx.world.delta_floor.get(tenant.id, 0):
            raise GraphError(
                410,
                "syncStateNotFound",
                "The sync state is not found or has expired. Resync required.",
                headers={"Location": f"{ctx.root}{ctx.request.path}"},
            )
        base, upto, offset = state["s"], ctx.world.seq, 0
        select = tuple(state["sel"]) if state.get("sel") else None
    elif query.skiptoken is not None:
        state = decode_token(query.skiptoken)
        if state.get("t") != tenant.id or state.get("k") != kind or "o" not in state:
            raise bad_request("Badly formed token.", code="Request_BadRequest")
        base, upto, offset = state["b"], state["s"], state["o"]
        select = tuple(state["sel"]) if state.get("sel") else None
    else:
        base, upto, offset, select = -1, ctx.world.seq, 0, query.select
    rows: list[Any] = [entity for entity in entities if base < entity.seq <= upto]
    if base >= 0:
        tombstones: list[Tombstone] = [
            t for t in tenant.tombstones if t.kind == kind and base < t.seq <= upto
        ]
        present = {entity.id for entity in rows}
        rows.extend(t for t in tombstones if t.id not in present)
    size = ctx.settings.page_size_for(endpoint=ctx.endpoint, top=query.top)
    page = [
        {"id": row.id, "@removed": {"reason": row.reason}}
        if isinstance(row, Tombstone)
        else render(row, select, (base, upto))
        for row in rows[_replayed(ctx, offset) : offset + size]
    ]
    if offset + size < len(rows):
        token = encode_token(
            {"t": tenant.id, "k": kind, "b": base, "s": upto, "o": offset + size, "sel": select}
        )
        body = {
            "@odata.context": f"{ctx.root}/$metadata#{entity_set}",
            "@odata.nextLink": f"{ctx.root}{ctx.request.path}?$skiptoken={token}",
            "value": page,
        }
        return GraphResponse(status=200, body=body)
    return _delta_page(ctx, page, upto=upto, select=select, kind=kind, entity_set=entity_set)


def _delta_page(
    ctx: Context,
    page: list[dict[str, Any]],
    *,
    upto: int,
    select: tuple[str, ...] | None,
    kind: str,
    entity_set: str,
) -> GraphResponse:
    token = encode_token({"t": ctx.tenant.id, "k": kind, "s": upto, "sel": select})
    body = {
        "@odata.context": f"{ctx.root}/$metadata#{entity_set}",
        "@odata.deltaLink": f"{ctx.root}{ctx.request.path}?$deltatoken={token}",
        "value": page,
    }
    return GraphResponse(status=200, body=body)


def _replayed(ctx: Context, offset: int) -> int:
    """Where a delta page starts: with `settings.delta_replays`, one row early, so the last
    object of the previous page comes again ("the same resource might be returned more than
    once", https://learn.microsoft.com/graph/delta-query-overview); clients must merge by id."""
    return max(offset - 1, 0) if ctx.settings.delta_replays and offset else offset
