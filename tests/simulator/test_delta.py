"""users/delta and groups/delta: full first round, then only changes, @removed, 410 resync."""

from __future__ import annotations

from typing import Any

import httpx
from simhelpers import GraphFactory, customer_id

from m365inventory.simulator import Simulator, World


def delta_round(
    client: httpx.Client, url: str, **params: str
) -> tuple[list[dict[str, Any]], str, int]:
    response = client.get(url, params=params or None)
    items: list[dict[str, Any]] = []
    pages = 0
    while True:
        body = response.json()
        assert response.status_code == 200, body
        items.extend(body["value"])
        pages += 1
        if "@odata.deltaLink" in body:
            return items, body["@odata.deltaLink"], pages
        response = client.get(body["@odata.nextLink"])


def test_delta_returns_only_changes(sim: Simulator, world: World, graph: GraphFactory) -> None:
    sim.settings.page_size["GET /v1.0/users/delta"] = 8
    tid = customer_id(world)
    tenant = world.require_tenant(tid)
    client = graph(tid)
    first, link, pages = delta_round(client, "/users/delta", **{"$select": "id,displayName,mail"})
    assert len(first) == len(tenant.users)
    assert pages > 1
    assert "$skiptoken" not in link
    assert "$deltatoken=" in link

    unchanged, link, _ = delta_round(client, link)
    assert unchanged == []

    added = world.add_user(
        tid, {"id": "new-user-1", "userPrincipalName": "new@x.com", "displayName": "New"}
    )
    world.update_user(tid, tenant.users[0].id, {"displayName": "Renamed"})
    gone, purged = tenant.users[1].id, tenant.users[2].id
    world.delete_user(tid, gone)
    world.delete_user(tid, purged, hard=True)

    changes, link, _ = delta_round(client, link)
    by_id = {c["id"]: c for c in changes}
    assert set(by_id) == {added.id, tenant.users[0].id, gone, purged}
    assert by_id[tenant.users[0].id]["displayName"] == "Renamed"
    assert set(by_id[added.id]) == {"id", "displayName", "mail"}  # the $select is remembered
    assert by_id[gone]["@removed"] == {"reason": "changed"}
    assert by_id[purged]["@removed"] == {"reason": "deleted"}

    after, _, _ = delta_round(client, link)
    assert after == []


def test_deltatoken_latest_skips_the_initial_round(world: World, graph: GraphFactory) -> None:
    tid = customer_id(world)
    client = graph(tid)
    items, link, _ = delta_round(client, "/users/delta", **{"$deltatoken": "latest"})
    assert items == []
    world.update_user(tid, world.require_tenant(tid).users[3].id, {"jobTitle": "CEO"})
    changes, _, _ = delta_round(client, link)
    assert len(changes) == 1


def test_expired_delta_token_is_410_with_location(world: World, graph: GraphFactory) -> None:
    tid = customer_id(world)
    client = graph(tid)
    _, link, _ = delta_round(client, "/users/delta")
    world.expire_delta_tokens(tid)
    response = client.get(link)
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "syncStateNotFound"
    assert response.headers["Location"].endswith("/users/delta")
    fresh, _, _ = delta_round(client, response.headers["Location"])
    assert len(fresh) == len(world.require_tenant(tid).users)


def test_injected_410_on_delta(sim: Simulator, graph: GraphFactory) -> None:
    sim.faults.script("GET /v1.0/users/delta", status=410)
    response = graph().get("/users/delta")
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "syncStateNotFound"
    assert "Location" in response.headers


def test_group_delta_reports_membership_changes(world: World, graph: GraphFactory) -> None:
    tid = customer_id(world)
    tenant = world.require_tenant(tid)
    client = graph(tid)
    first, link, _ = delta_round(client, "/groups/delta")
    assert len(first) == len(tenant.groups)
    assert "members@delta" in first[0]
    group, outsider = (
        tenant.groups[0],
        next(u for u in tenant.users if u.id not in tenant.groups[0].members),
    )
    world.add_group_member(tid, group.id, outsider.id)
    changes, _, _ = delta_round(client, link)
    assert [c["id"] for c in changes] == [group.id]
    assert {"@odata.type": "#microsoft.graph.user", "id": outsider.id} in changes[0][
        "members@delta"
    ]


def test_delta_token_of_another_tenant_is_rejected(world: World, graph: GraphFactory) -> None:
    _, link, _ = delta_round(graph(customer_id(world, 0)), "/users/delta")
    response = graph(customer_id(world, 1)).get(link)
    assert response.status_code == 400


def test_members_delta_is_incremental_with_removed_members(
    world: World, graph: GraphFactory
) -> None:
    """Graph's group delta: after the first round, members@delta holds only the members added
    since, and the removed ones with @removed (https://learn.microsoft.com/graph/api/group-delta)."""
    tid = customer_id(world)
    tenant = world.require_tenant(tid)
    client = graph(tid)
    group = next(g for g in tenant.groups if len(g.members) >= 2)
    kept, leaving = group.members[0], group.members[1]
    joining = next(u.id for u in tenant.users if u.id not in group.members)
    first, link, _ = delta_round(client, "/groups/delta")
    full = next(g for g in first if g["id"] == group.id)["members@delta"]
    assert {m["id"] for m in full} == set(group.members)
    world.add_group_member(tid, group.id, joining)
    world.remove_group_member(tid, group.id, leaving)
    changes, _, _ = delta_round(client, link)
    assert [c["id"] for c in changes] == [group.id]
    assert changes[0]["members@delta"] == [
        {"@odata.type": "#microsoft.graph.user", "id": joining},
        {"@odata.type": "#microsoft.graph.user", "id": leaving, "@removed": {"reason": "deleted"}},
    ]
    assert kept not in {m["id"] for m in changes[0]["members@delta"]}


def test_delta_replays_repeat_an_object_across_pages_when_asked(
    sim: Simulator, world: World, graph: GraphFactory
) -> None:
    tid = customer_id(world)
    sim.settings.page_size["GET /v1.0/users/delta"] = 4
    sim.settings.delta_replays = True
    items, _, pages = delta_round(graph(tid), "/users/delta")
    ids = [item["id"] for item in items]
    assert pages > 1
    assert len(ids) == len(set(ids)) + pages - 1
    assert set(ids) == {u.id for u in world.require_tenant(tid).users}
