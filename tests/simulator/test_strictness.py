"""The simulator refuses what Microsoft Graph refuses (each test failed on the lenient simulator).

Sources, as cited in `m365inventory.simulator.strictness`: query parameters, advanced queries,
paging, user delta, user list (signInActivity page size), reportroot-getmailboxusagedetail,
the Entra error code reference.
"""

from __future__ import annotations

import importlib
from typing import Any

import httpx
import pytest
from simhelpers import GraphFactory, app_token, customer_id, ssl_context

from m365inventory.simulator import Simulator, World, generate_world, schema


def _client(sim: Simulator, tenant_id: str) -> httpx.Client:
    return httpx.Client(
        base_url=sim.graph_url,
        verify=ssl_context(sim),
        headers={"Authorization": f"Bearer {app_token(sim, tenant_id)}"},
    )


def _error(response: Any) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["error"]["code"], body["error"]["message"]


@pytest.mark.parametrize(
    ("path", "entity"),
    [
        ("/users", "user"),
        ("/groups", "group"),
        ("/deviceManagement/managedDevices", "managedDevice"),
        ("/subscribedSkus", "subscribedSku"),
        ("/organization", "organization"),
    ],
)
def test_select_of_an_unknown_property_is_400(graph: GraphFactory, path: str, entity: str) -> None:
    status, code, message = _error(graph().get(path, params={"$select": "id,displayNmae"}))
    assert (status, code) == (400, "BadRequest")
    assert message == (
        f"Could not find a property named 'displayNmae' on type 'microsoft.graph.{entity}'."
    )


def test_select_of_a_real_but_unmodelled_property_is_null_not_400(graph: GraphFactory) -> None:
    response = graph().get("/users", params={"$select": "id,employeeId"})
    assert response.status_code == 200
    assert all(row["employeeId"] is None for row in response.json()["value"])


def test_unknown_select_inside_batch_is_400_for_that_request_only(
    world: World, graph: GraphFactory
) -> None:
    tenant = world.require_tenant(customer_id(world))
    group = tenant.groups[0].id
    requests = [
        {"id": "bad", "method": "GET", "url": f"/groups/{group}/members?$select=id,mial"},
        {"id": "good", "method": "GET", "url": f"/groups/{group}/members?$select=id,mail"},
    ]
    answers = {
        a["id"]: a for a in graph().post("/$batch", json={"requests": requests}).json()["responses"]
    }
    assert answers["bad"]["status"] == 400
    assert "'mial'" in answers["bad"]["body"]["error"]["message"]
    assert answers["good"]["status"] == 200


def test_sign_in_activity_cannot_be_selected_on_delta(world: World, graph: GraphFactory) -> None:
    premium = next(t for t in world.tenants if t.has_entra_id_p1)
    response = graph(premium.id).get("/users/delta", params={"$select": "id,signInActivity"})
    assert response.status_code == 400


def test_sign_in_activity_by_upn_is_400_by_id_is_fine(world: World, graph: GraphFactory) -> None:
    premium = next(t for t in world.tenants if t.has_entra_id_p1)
    user = premium.users[0]
    client = graph(premium.id)
    by_upn = client.get(f"/users/{user.user_principal_name}", params={"$select": "signInActivity"})
    assert _error(by_upn) == (
        400,
        "Request_BadRequest",
        "Get By Key only supports UserId and the key has to be a valid Guid",
    )
    by_id = client.get(f"/users/{user.id}", params={"$select": "id,signInActivity"})
    assert by_id.status_code == 200, by_id.text


def test_top_above_999_on_directory_collections_is_400(graph: GraphFactory) -> None:
    status, _, message = _error(graph().get("/users", params={"$top": "1000"}))
    assert status == 400
    assert message == "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."
    assert graph().get("/users", params={"$top": "999"}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/users/delta",
        "/groups/delta",
        "/subscribedSkus",
        "/informationProtection/bitlocker/recoveryKeys",
    ],
)
def test_top_where_unsupported_is_400(graph: GraphFactory, path: str) -> None:
    status, code, _ = _error(graph().get(path, params={"$top": "5"}))
    assert (status, code) == (400, "Request_UnsupportedQuery")


def test_search_needs_consistency_level_eventual(world: World, graph: GraphFactory) -> None:
    tenant = world.require_tenant(customer_id(world))
    name = tenant.users[0].display_name or ""
    params = {"$search": f'"displayName:{name}"'}
    status, code, message = _error(graph().get("/users", params=params))
    assert (status, code) == (400, "Request_UnsupportedQuery")
    assert "ConsistencyLevel: eventual" in message
    found = graph().get("/users", params=params, headers={"ConsistencyLevel": "eventual"})
    assert found.status_code == 200
    names = [row["displayName"] for row in found.json()["value"]]
    assert names
    assert all(name.lower() in n.lower() for n in names)


def test_advanced_filter_needs_eventual_and_count(world: World, graph: GraphFactory) -> None:
    tenant = world.require_tenant(customer_id(world))
    domain = tenant.default_domain
    params = {"$filter": f"endswith(userPrincipalName,'@{domain}')"}
    status, code, message = _error(graph().get("/users", params=params))
    assert (status, code) == (400, "Request_UnsupportedQuery")
    assert "'userPrincipalName'" in message
    assert "'User'" in message
    headers = {"ConsistencyLevel": "eventual"}
    assert graph().get("/users", params=params, headers=headers).status_code == 400
    ok = graph().get("/users", params={**params, "$count": "true"}, headers=headers)
    assert ok.status_code == 200, ok.text
    upns = [row["userPrincipalName"] for row in ok.json()["value"]]
    assert upns
    assert all(u.lower().endswith(domain.lower()) for u in upns)
    assert ok.json()["@odata.count"] == len(upns)
    ne = graph().get("/users", params={"$filter": "accountEnabled ne true"})
    assert ne.status_code == 400


def test_sign_in_activity_pages_hold_at_most_120_users() -> None:
    world = generate_world(
        seed=3,
        tenants=1,
        users_per_tenant=12,
        groups_per_tenant=1,
        devices_per_tenant=1,
        partner=False,
        large_tenant_users=130,
    )
    large = max(world.tenants, key=lambda t: len(t.users))
    large.has_entra_id_p1 = True
    with Simulator(world) as sim, _client(sim, large.id) as client:
        plain = client.get("/users", params={"$select": "id", "$top": "999"}).json()
        assert len(plain["value"]) == len(large.users) > 120
        first = client.get("/users", params={"$select": "id,signInActivity", "$top": "999"}).json()
        assert len(first["value"]) == 120
        rest = client.get(first["@odata.nextLink"]).json()
        assert len(rest["value"]) == len(large.users) - 120


def test_tenant_without_intune_answers_managed_devices_400() -> None:
    world = generate_world(
        seed=5,
        tenants=2,
        users_per_tenant=12,
        groups_per_tenant=1,
        devices_per_tenant=3,
        partner=True,
        without_intune=1,
    )
    licensed, unlicensed = world.tenants[1], world.tenants[2]
    assert licensed.intune_licensed
    assert licensed.devices
    assert not unlicensed.intune_licensed
    assert not unlicensed.devices
    with (
        Simulator(world) as sim,
        _client(sim, unlicensed.id) as graph,
        _client(sim, licensed.id) as other,
    ):
        assert _error(graph.get("/deviceManagement/managedDevices")) == (
            400,
            "BadRequest",
            "Request not applicable to target tenant.",
        )
        batch = graph.post(
            "/$batch",
            json={
                "requests": [
                    {"id": "1", "method": "GET", "url": "/deviceManagement/managedDevices/x"}
                ]
            },
        ).json()
        assert batch["responses"][0]["status"] == 400
        assert other.get("/deviceManagement/managedDevices").status_code == 200
        assert graph.get("/users").status_code == 200


def test_default_worlds_stay_intune_licensed(world: World) -> None:
    assert all(t.intune_licensed for t in world.tenants)


SDK_MODELS = {
    "user": "msgraph.generated.models.user:User",
    "group": "msgraph.generated.models.group:Group",
    "organization": "msgraph.generated.models.organization:Organization",
    "domain": "msgraph.generated.models.domain:Domain",
    "subscribedSku": "msgraph.generated.models.subscribed_sku:SubscribedSku",
    "managedDevice": "msgraph.generated.models.managed_device:ManagedDevice",
    "bitlockerRecoveryKey": "msgraph.generated.models.bitlocker_recovery_key:BitlockerRecoveryKey",
    "delegatedAdminCustomer": (
        "msgraph.generated.models.delegated_admin_customer:DelegatedAdminCustomer"
    ),
    "delegatedAdminRelationship": (
        "msgraph.generated.models.delegated_admin_relationship:DelegatedAdminRelationship"
    ),
    "application": "msgraph.generated.models.application:Application",
}


def _sdk_properties(entity: str) -> set[str]:
    module, _, name = SDK_MODELS[entity].partition(":")
    model = getattr(importlib.import_module(module), name)()
    return set(model.get_field_deserializers())


@pytest.mark.parametrize("template", sorted(schema.BY_TEMPLATE))
def test_schema_names_exist_in_microsofts_sdk_models(template: str) -> None:
    entity, names = schema.BY_TEMPLATE[template]
    if entity == "directoryObject":
        known = _sdk_properties("user") | _sdk_properties("group")
    else:
        known = _sdk_properties(entity)
    assert sorted(names - known) == []


@pytest.mark.parametrize(
    ("path", "template", "who"),
    [
        ("/users", "/users", "customer"),
        ("/groups", "/groups", "customer"),
        ("/organization", "/organization", "customer"),
        ("/domains", "/domains", "customer"),
        ("/subscribedSkus", "/subscribedSkus", "customer"),
        ("/deviceManagement/managedDevices", "/deviceManagement/managedDevices", "customer"),
        (
            "/informationProtection/bitlocker/recoveryKeys",
            "/informationProtection/bitlocker/recoveryKeys",
            "customer",
        ),
        (
            "/tenantRelationships/delegatedAdminRelationships",
            "/tenantRelationships/delegatedAdminRelationships",
            "partner",
        ),
    ],
)
def test_everything_the_simulator_renders_is_in_its_schema(
    world: World, graph: GraphFactory, path: str, template: str, who: str
) -> None:
    partner = world.partner_tenant
    assert partner is not None
    client = graph(partner.id if who == "partner" else customer_id(world))
    _, names = schema.BY_TEMPLATE[template]
    for row in client.get(path).json()["value"]:
        assert sorted(k for k in row if not k.startswith("@") and k not in names) == []


def test_gdap_relationships_carry_a_weak_etag_that_follows_changes(
    world: World, graph: GraphFactory
) -> None:
    """As the list example of tenantrelationship-list-delegatedadminrelationships shows."""
    partner = world.partner_tenant
    assert partner is not None
    client = graph(partner.id)
    path = "/tenantRelationships/delegatedAdminRelationships"
    before = {r["id"]: r["@odata.etag"] for r in client.get(path).json()["value"]}
    assert all(tag.startswith('W/"') and tag.endswith('"') for tag in before.values())
    assert len(set(before.values())) == len(before)
    partner.relationships[0].status = "terminated"
    after = {r["id"]: r["@odata.etag"] for r in client.get(path).json()["value"]}
    changed = partner.relationships[0].id
    assert after[changed] != before[changed]
    assert {k: v for k, v in after.items() if k != changed} == {
        k: v for k, v in before.items() if k != changed
    }
