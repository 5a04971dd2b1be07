"""The /_simulator/ admin API, as a simulator in another process would be driven."""

from __future__ import annotations

import httpx
import pytest
from simhelpers import GraphFactory, customer_id, secret_of, ssl_context

from m365inventory.simulator import Simulator, World


@pytest.fixture
def admin(sim: Simulator) -> httpx.Client:
    return httpx.Client(base_url=f"{sim.base_url}/_simulator", verify=ssl_context(sim))


def test_counters_and_reset(admin: httpx.Client, graph: GraphFactory) -> None:
    graph().get("/organization")
    counters = admin.get("/counters").json()
    assert {"endpoint": "GET /v1.0/organization", "status": 200, "count": 1} in counters["counters"]
    assert counters["total"] == 2  # the token request and the Graph call
    assert admin.post("/counters/reset").json()["total"] == 0


def test_faults_over_http(admin: httpx.Client, graph: GraphFactory) -> None:
    admin.post("/faults", json={"script": {"endpoint": "GET /v1.0/domains", "status": 502}})
    assert graph().get("/domains").status_code == 502
    state = admin.post("/faults", json={"rate_5xx": 1.0, "seed": 5}).json()
    assert state["rate_5xx"] == 1.0
    assert graph().get("/domains").status_code in (500, 502, 503, 504)
    admin.post("/faults", json={"clear": True})
    assert graph().get("/domains").status_code == 200


def test_settings_over_http(admin: httpx.Client, sim: Simulator, graph: GraphFactory) -> None:
    admin.post(
        "/settings",
        json={"page_size": {"GET /v1.0/users": 2}, "throttle": {"intune_requests_per_20s": 9}},
    )
    assert sim.settings.throttle.intune_requests_per_20s == 9
    assert sim.settings.throttle.app_requests_per_20s == 150_000
    assert len(graph().get("/users").json()["value"]) == 2


def test_mutations_over_http(admin: httpx.Client, world: World, graph: GraphFactory) -> None:
    tid = customer_id(world)
    tenant = world.require_tenant(tid)
    result = admin.post(
        "/mutations",
        json=[
            {
                "op": "add_user",
                "tenant": tid,
                "user": {"id": "u-new", "userPrincipalName": "n@x.com"},
            },
            {
                "op": "update_user",
                "tenant": tid,
                "id": tenant.users[0].id,
                "changes": {"jobTitle": "CFO"},
            },
            {"op": "delete_device", "tenant": tid, "id": tenant.devices[0].id},
            {"op": "rename_tenant", "tenant": tid, "displayName": "Renamed Org"},
        ],
    )
    assert result.status_code == 200, result.text
    client = graph(tid)
    assert client.get("/users/u-new").status_code == 200
    assert (
        client.get(f"/users/{tenant.users[0].id}", params={"$select": "jobTitle"}).json()[
            "jobTitle"
        ]
        == "CFO"
    )
    assert client.get("/organization").json()["value"][0]["displayName"] == "Renamed Org"
    bad = admin.post("/mutations", json={"op": "explode", "tenant": tid})
    assert bad.status_code == 400


def test_world_summary_has_no_secrets(admin: httpx.Client, world: World) -> None:
    response = admin.get("/world")
    summary = response.json()
    assert len(summary["tenants"]) == len(world.tenants)
    assert sum(t["partner"] for t in summary["tenants"]) == 1
    assert secret_of(world) not in response.text
    assert world.refresh_grants[0].refresh_token.get_secret_value() not in response.text
