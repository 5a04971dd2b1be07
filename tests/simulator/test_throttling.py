"""Token-bucket style throttling: 429s with Graph's headers, and the no-Retry-After mode."""

from __future__ import annotations

from simhelpers import GraphFactory, customer_id

from m365inventory.simulator import Simulator, World


def test_identity_budget_answers_429_with_headers(sim: Simulator, graph: GraphFactory) -> None:
    sim.settings.throttle.identity_units_per_10s = 5
    client = graph()
    statuses = [client.get("/organization") for _ in range(7)]
    assert [r.status_code for r in statuses] == [200] * 5 + [429] * 2
    refused = statuses[5]
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["x-ms-throttle-scope"].startswith("Tenant_Application/")
    assert refused.headers["x-ms-throttle-information"] == "ResourceUnitLimitExceeded"
    assert refused.json()["error"]["code"] == "TooManyRequests"
    assert "x-ms-throttle-limit-percentage" in statuses[4].headers
    assert "x-ms-throttle-limit-percentage" not in statuses[0].headers


def test_resource_units_follow_graphs_cost_table(
    sim: Simulator, world: World, graph: GraphFactory
) -> None:
    sim.settings.throttle.identity_units_per_10s = 6
    client = graph()
    listing = client.get("/users")
    assert listing.headers["x-ms-resource-unit"] == "2"
    selected = client.get("/users", params={"$select": "id"})
    assert selected.headers["x-ms-resource-unit"] == "1"
    # subscribedSkus does not take $top (Graph: 400); group members (cost 3) do.
    group = world.require_tenant(customer_id(world)).groups[0].id
    small = client.get(f"/groups/{group}/members", params={"$top": "5"})
    assert small.headers["x-ms-resource-unit"] == "2"
    assert client.get("/domains").headers["x-ms-resource-unit"] == "1"  # 6 units used
    assert client.get("/organization").status_code == 429


def test_mode_without_retry_after(sim: Simulator, graph: GraphFactory) -> None:
    sim.settings.throttle.identity_units_per_10s = 1
    sim.settings.throttle.omit_retry_after = True
    client = graph()
    client.get("/organization")
    refused = client.get("/organization")
    assert refused.status_code == 429
    assert "Retry-After" not in refused.headers


def test_intune_budget_is_separate(sim: Simulator, graph: GraphFactory) -> None:
    sim.settings.throttle.intune_requests_per_20s = 2
    client = graph()
    codes = [client.get("/deviceManagement/managedDevices").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get("/organization").status_code == 200


def test_default_limits_do_not_throttle(graph: GraphFactory) -> None:
    client = graph()
    assert {client.get("/users").status_code for _ in range(40)} == {200}


def test_app_budget_spans_tenants(sim: Simulator, graph: GraphFactory, world: World) -> None:
    sim.settings.throttle.app_requests_per_20s = 3
    first, second = graph(customer_id(world, 0)), graph(customer_id(world, 1))
    codes = [first.get("/domains").status_code, second.get("/domains").status_code]
    codes += [first.get("/domains").status_code, second.get("/domains").status_code]
    assert codes == [200, 200, 200, 429]
    refused = second.get("/domains")
    assert refused.headers["x-ms-throttle-scope"].startswith("Application/ReadWrite/")


def test_reports_budget(sim: Simulator, graph: GraphFactory) -> None:
    sim.settings.throttle.reports_requests_per_600s = 2
    client = graph()
    codes = [
        client.get("/reports/getMailboxUsageDetail(period='D7')").status_code for _ in range(3)
    ]
    assert codes == [302, 302, 429]
