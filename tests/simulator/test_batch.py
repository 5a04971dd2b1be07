"""JSON $batch: limits, dependsOn/424, shuffled answers, per-request throttling."""

from __future__ import annotations

from simhelpers import GraphFactory, customer_id

from m365inventory.simulator import Simulator, World


def test_more_than_twenty_requests_is_400(graph: GraphFactory) -> None:
    requests = [{"id": str(i), "method": "GET", "url": "/organization"} for i in range(21)]
    response = graph().post("/$batch", json={"requests": requests})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"


def test_batch_answers_each_request_in_shuffled_order(
    sim: Simulator, world: World, graph: GraphFactory
) -> None:
    tenant = world.require_tenant(customer_id(world))
    requests = [
        {"id": str(i), "method": "GET", "url": f"/users/{user.id}?$select=id,mail"}
        for i, user in enumerate(tenant.users[:20])
    ]
    orders = []
    for _ in range(3):
        body = graph().post("/$batch", json={"requests": requests}).json()
        answers = body["responses"]
        assert sorted(a["id"] for a in answers) == sorted(r["id"] for r in requests)
        for answer in answers:
            assert answer["status"] == 200
            assert answer["body"]["id"] == tenant.users[int(answer["id"])].id
        orders.append([a["id"] for a in answers])
    assert any(order != [r["id"] for r in requests] for order in orders)
    assert sim.counters.get("GET /v1.0/users/{id}", 200) == 60
    assert sim.counters.get("POST /v1.0/$batch", 200) == 3


def test_failed_dependency_is_424(graph: GraphFactory) -> None:
    requests = [
        {"id": "1", "method": "GET", "url": "/users/does-not-exist"},
        {"id": "2", "method": "GET", "url": "/organization", "dependsOn": ["1"]},
        {"id": "3", "method": "GET", "url": "/domains"},
    ]
    answers = {
        a["id"]: a for a in graph().post("/$batch", json={"requests": requests}).json()["responses"]
    }
    assert answers["1"]["status"] == 404
    assert answers["2"]["status"] == 424
    assert answers["3"]["status"] == 200


def test_inner_request_throttled_with_its_own_retry_after(
    sim: Simulator, graph: GraphFactory
) -> None:
    sim.faults.script("GET /v1.0/domains", status=429, retry_after=7)
    requests = [
        {"id": "a", "method": "GET", "url": "/domains"},
        {"id": "b", "method": "GET", "url": "/organization"},
    ]
    response = graph().post("/$batch", json={"requests": requests})
    assert response.status_code == 200
    answers = {a["id"]: a for a in response.json()["responses"]}
    assert answers["a"]["status"] == 429
    assert answers["a"]["headers"]["Retry-After"] == "7"
    assert answers["b"]["status"] == 200
