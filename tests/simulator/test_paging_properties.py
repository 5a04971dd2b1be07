"""Property: whatever the page size, $top and $select, following nextLinks over real HTTPS
returns every user exactly once, in order, and the request count matches the page count."""

from __future__ import annotations

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from simhelpers import all_pages, app_token, customer_id, ssl_context

from m365inventory.simulator import Simulator, generate_world

SELECTABLE = ["displayName", "mail", "jobTitle", "accountEnabled", "proxyAddresses"]


def test_paging_returns_each_user_once() -> None:
    world = generate_world(
        seed=4, tenants=1, users_per_tenant=37, devices_per_tenant=1, partner=False
    )
    tid = customer_id(world)
    expected = [u.id for u in world.require_tenant(tid).users]
    with Simulator(world) as sim:
        headers = {"Authorization": f"Bearer {app_token(sim, tid)}"}
        with httpx.Client(
            base_url=sim.graph_url, verify=ssl_context(sim), headers=headers
        ) as graph:

            @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
            @given(
                cap=st.integers(min_value=1, max_value=50),
                top=st.one_of(st.none(), st.integers(min_value=1, max_value=60)),
                select=st.lists(st.sampled_from(SELECTABLE), unique=True, max_size=3),
            )
            def check(cap: int, top: int | None, select: list[str]) -> None:
                sim.settings.page_size["GET /v1.0/users"] = cap
                sim.counters.reset()
                params = {"$select": ",".join(["id", *select])}
                if top is not None:
                    params["$top"] = str(top)
                users, pages, _ = all_pages(graph, "/users", **params)
                assert [u["id"] for u in users] == expected
                assert all(set(u) == {"id", *select} for u in users)
                size = min(cap, top or 100)
                assert pages == -(-len(expected) // size)
                assert sim.counters.get("GET /v1.0/users", 200) == pages

            check()
