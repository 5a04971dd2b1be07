"""OData: default property sets, $select, $top, server page sizes, $filter, $count."""

from __future__ import annotations

from simhelpers import GraphFactory, all_pages, customer_id

from m365inventory.simulator import Simulator, World


def test_default_user_property_set(graph: GraphFactory) -> None:
    user = graph().get("/users").json()["value"][0]
    assert set(user) == {
        "businessPhones",
        "displayName",
        "givenName",
        "id",
        "jobTitle",
        "mail",
        "mobilePhone",
        "officeLocation",
        "preferredLanguage",
        "surname",
        "userPrincipalName",
    }


def test_select_is_honoured(graph: GraphFactory) -> None:
    fields = (
        "id,proxyAddresses,otherMails,accountEnabled,assignedLicenses,lastPasswordChangeDateTime"
    )
    user = graph().get("/users", params={"$select": fields}).json()["value"][0]
    assert set(user) == set(fields.split(","))
    assert user["proxyAddresses"][0].startswith("SMTP:")


def test_server_page_size_forces_many_pages(
    sim: Simulator, world: World, graph: GraphFactory
) -> None:
    sim.settings.page_size["GET /v1.0/users"] = 7
    tenant = world.require_tenant(customer_id(world))
    users, pages, _ = all_pages(graph(), "/users")
    assert len(users) == len(tenant.users)
    assert pages == -(-len(tenant.users) // 7)
    assert len({u["id"] for u in users}) == len(users)
    assert sim.counters.get("GET /v1.0/users", 200) == pages


def test_top_sets_page_size_and_next_link_keeps_query(graph: GraphFactory) -> None:
    body = graph().get("/users", params={"$top": "4", "$select": "id,mail"}).json()
    assert len(body["value"]) == 4
    assert "$top=4" in body["@odata.nextLink"]
    assert "$select=id,mail" in body["@odata.nextLink"]
    second = graph().get(body["@odata.nextLink"]).json()
    assert set(second["value"][0]) == {"id", "mail"}


def test_count_needs_consistency_level(graph: GraphFactory, world: World) -> None:
    client = graph()
    refused = client.get("/users", params={"$count": "true"})
    assert refused.status_code == 400
    counted = client.get(
        "/users", params={"$count": "true"}, headers={"ConsistencyLevel": "eventual"}
    )
    assert counted.json()["@odata.count"] == len(world.require_tenant(customer_id(world)).users)


def test_filter_on_relationship_status(world: World, graph: GraphFactory) -> None:
    partner = world.partner_tenant
    assert partner is not None
    client = graph(partner.id)
    every = client.get("/tenantRelationships/delegatedAdminRelationships").json()["value"]
    active = client.get(
        "/tenantRelationships/delegatedAdminRelationships", params={"$filter": "status eq 'active'"}
    ).json()["value"]
    assert len(active) == len(every) - 1
    assert all(r["status"] == "active" for r in active)


def test_unsupported_filter_is_400(graph: GraphFactory) -> None:
    response = graph().get("/users", params={"$filter": "endswith(mail,'x')"})
    assert response.status_code == 400


def test_user_by_id_and_missing_user(world: World, graph: GraphFactory) -> None:
    tenant = world.require_tenant(customer_id(world))
    client = graph()
    found = client.get(f"/users/{tenant.users[0].id}").json()
    assert found["userPrincipalName"] == tenant.users[0].user_principal_name
    missing = client.get("/users/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "Request_ResourceNotFound"


def test_group_members_page(world: World, graph: GraphFactory) -> None:
    tenant = world.require_tenant(customer_id(world))
    group = tenant.groups[-1]
    members, _, _ = all_pages(graph(), f"/groups/{group.id}/members", **{"$top": "2"})
    assert [m["id"] for m in members] == group.members
    assert all(m["@odata.type"] == "#microsoft.graph.user" for m in members)


def test_selecting_an_unmodelled_property_gives_null(graph: GraphFactory) -> None:
    user = graph().get("/users", params={"$select": "id,employeeId"}).json()["value"][0]
    assert user["employeeId"] is None
    assert set(user) == {"id", "employeeId"}


def test_user_by_upn_is_case_insensitive(world: World, graph: GraphFactory) -> None:
    user = world.require_tenant(customer_id(world)).users[0]
    found = graph().get(f"/users/{user.user_principal_name.upper()}")
    assert found.status_code == 200
    assert found.json()["id"] == user.id
