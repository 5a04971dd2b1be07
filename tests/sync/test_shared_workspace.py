"""The shared workspace: watch events and the operator's own writes, newest wins."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from m365inventory.model import resources
from m365inventory.sync.state.workspace import Workspace

NOW = datetime(2026, 12, 2, tzinfo=UTC)


def org(name: str, version: int, display: str = "Contoso") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "ns", "resourceVersion": str(version)},
        "spec": {"displayName": display},
    }


class ListingStore:
    """Answers one list of Organizations; lets a test deliver events while it is in flight."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.during: list[tuple[dict[str, Any], bool]] = []
        self.ws: Workspace | None = None

    async def list(self, kind: resources.Kind, *, namespace: str) -> list[dict[str, Any]]:
        assert self.ws is not None
        for body, deleted in self.during:
            self.ws.observe(kind, body, deleted=deleted)
        await asyncio.sleep(0)
        return list(self.items)


async def loaded(items: list[dict[str, Any]], **during: Any) -> Workspace:
    store = ListingStore(items)
    ws = Workspace(store=store, namespace="ns", now=NOW)  # type: ignore[arg-type]
    store.ws = ws
    store.during = during.get("events", [])
    await ws.ensure(resources.ORGANIZATION)
    return ws


async def test_events_before_listing_are_ignored_and_after_it_applied() -> None:
    ws = Workspace(store=ListingStore([]), namespace="ns", now=NOW)  # type: ignore[arg-type]
    ws.observe(resources.ORGANIZATION, org("a", 5), deleted=False)
    assert "a" not in ws.organizations
    ws = await loaded([org("a", 5)])
    ws.observe(resources.ORGANIZATION, org("a", 9, "Contoso Ltd"), deleted=False)
    assert ws.organizations["a"]["spec"]["displayName"] == "Contoso Ltd"


async def test_an_older_event_never_replaces_a_newer_write() -> None:
    ws = await loaded([org("a", 5)])
    ws.put(resources.ORGANIZATION, org("a", 12, "written by us"))
    ws.observe(resources.ORGANIZATION, org("a", 9, "stale watch event"), deleted=False)
    assert ws.organizations["a"]["spec"]["displayName"] == "written by us"


async def test_events_during_the_listing_win_over_the_older_listing() -> None:
    ws = await loaded(
        [org("a", 5), org("b", 6)],
        events=[(org("a", 8, "renamed"), False), (org("b", 7), True), (org("c", 9), False)],
    )
    assert ws.organizations["a"]["spec"]["displayName"] == "renamed"
    assert "b" not in ws.organizations, "deleted after the listing's version"
    assert "c" in ws.organizations


async def test_a_stale_delete_does_not_remove_a_recreated_object() -> None:
    ws = await loaded([org("a", 20)])
    ws.observe(resources.ORGANIZATION, org("a", 10), deleted=True)
    assert "a" in ws.organizations


async def test_a_claimed_tenant_makes_its_decisions_wait() -> None:
    ws = Workspace(store=ListingStore([]), namespace="ns", now=NOW)  # type: ignore[arg-type]
    order: list[str] = []

    async def decision() -> None:
        await ws.unclaimed("t-1")
        order.append("decision")

    async with ws.claim("t-1"):
        task = asyncio.create_task(decision())
        await asyncio.sleep(0.01)
        order.append("sync done")
    await task
    assert order == ["sync done", "decision"]


def test_lean_does_not_change_the_body_it_was_given() -> None:
    from m365inventory.sync.state.workspace import lean

    body = {"metadata": {"name": "a", "managedFields": [{"manager": "x"}]}}
    assert "managedFields" not in lean(body)["metadata"]
    assert body["metadata"]["managedFields"] == [{"manager": "x"}]
