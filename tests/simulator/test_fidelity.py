"""Fidelity: Microsoft's own Python SDK models parse every simulator answer completely.

Each entity is parsed with msgraph-sdk's generated model; any property name the model does not
know lands in `additional_data`, which must stay empty. This is what keeps the simulator's
JSON honest about Graph's names and casing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fidelity_check import check, check_envelope, check_token_error
from kiota_abstractions.serialization import Parsable
from kiota_serialization_json.json_parse_node import JsonParseNode
from msgraph.generated.models.admin_report_settings import AdminReportSettings
from msgraph.generated.models.bitlocker_recovery_key import BitlockerRecoveryKey
from msgraph.generated.models.delegated_admin_customer import DelegatedAdminCustomer
from msgraph.generated.models.delegated_admin_relationship import (
    DelegatedAdminRelationship,
)
from msgraph.generated.models.directory_object import DirectoryObject
from msgraph.generated.models.domain import Domain
from msgraph.generated.models.group import Group
from msgraph.generated.models.managed_device import ManagedDevice
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.organization import Organization
from msgraph.generated.models.subscribed_sku import SubscribedSku
from msgraph.generated.models.user import User
from msgraph.generated.models.user_collection_response import UserCollectionResponse
from msgraph.generated.users.delta.delta_get_response import DeltaGetResponse
from simhelpers import GraphFactory, customer_id, raw_token

from m365inventory.simulator import Simulator, World


def parse(factory: Any, item: dict[str, Any]) -> Any:
    node = JsonParseNode(json.loads(json.dumps(item)))
    return node.get_object_value(factory)


def assert_complete(model: Any, item: dict[str, Any]) -> None:
    unknown = {k: v for k, v in (model.additional_data or {}).items() if not k.startswith("@odata")}
    assert unknown == {}, f"{type(model).__name__} does not know {sorted(unknown)}"
    for key, value in item.items():
        if key.startswith("@") or value in (None, [], {}):
            continue
        attribute = _snake(key)
        assert getattr(model, attribute, None) is not None, (
            f"{type(model).__name__}.{attribute} unset"
        )


def _snake(name: str) -> str:
    special = {"azureADDeviceId": "azure_a_d_device_id", "wiFiMacAddress": "wi_fi_mac_address"}
    if name in special:
        return special[name]
    out = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
    return out.lstrip("_")


USER_SELECT = (
    "id,displayName,givenName,surname,userPrincipalName,mail,mailNickname,proxyAddresses,otherMails,"
    "accountEnabled,assignedLicenses,lastPasswordChangeDateTime,createdDateTime,jobTitle,mobilePhone,"
    "businessPhones,officeLocation,preferredLanguage,department,companyName,userType,signInActivity"
)

CASES: list[tuple[str, dict[str, str], type[Parsable], str]] = [
    ("/users", {"$select": USER_SELECT}, User, "customer"),
    ("/users", {}, User, "customer"),
    ("/groups", {}, Group, "customer"),
    ("/organization", {}, Organization, "customer"),
    ("/domains", {}, Domain, "customer"),
    ("/subscribedSkus", {}, SubscribedSku, "customer"),
    ("/deviceManagement/managedDevices", {}, ManagedDevice, "customer"),
    (
        "/informationProtection/bitlocker/recoveryKeys",
        {},
        BitlockerRecoveryKey,
        "customer",
    ),
    (
        "/tenantRelationships/delegatedAdminCustomers",
        {},
        DelegatedAdminCustomer,
        "partner",
    ),
    (
        "/tenantRelationships/delegatedAdminRelationships",
        {},
        DelegatedAdminRelationship,
        "partner",
    ),
]


@pytest.mark.parametrize(
    ("path", "params", "factory", "who"), CASES, ids=[c[0] + str(bool(c[1])) for c in CASES]
)
def test_collections_parse_with_the_sdk(
    world: World,
    graph: GraphFactory,
    path: str,
    params: dict[str, str],
    factory: type[Parsable],
    who: str,
) -> None:
    premium = next(t for t in world.tenants[1:] if t.has_entra_id_p1)
    partner = world.partner_tenant
    assert partner is not None
    tenant_id = partner.id if who == "partner" else premium.id
    response = graph(tenant_id).get(path, params=params)
    assert response.status_code == 200, response.text
    items = response.json()["value"]
    assert items
    for item in items:
        assert_complete(parse(factory, item), item)


def test_single_entities_parse_with_the_sdk(world: World, graph: GraphFactory) -> None:
    tid = customer_id(world)
    tenant = world.require_tenant(tid)
    client = graph(tid)
    settings = client.get("/admin/reportSettings").json()
    assert_complete(parse(AdminReportSettings, settings), settings)
    device = client.get(
        f"/deviceManagement/managedDevices/{tenant.devices[0].id}",
        params={"$select": "id,ethernetMacAddress,serialNumber,wiFiMacAddress"},
    ).json()
    assert_complete(parse(ManagedDevice, device), device)
    key = client.get(
        f"/informationProtection/bitlocker/recoveryKeys/{tenant.recovery_keys[0].id}",
        params={"$select": "key"},
    ).json()
    parsed = parse(BitlockerRecoveryKey, key)
    assert_complete(parsed, key)
    assert parsed.key == tenant.recovery_keys[0].key.get_secret_value()
    delta_user = client.get("/users/delta", params={"$select": "id,displayName,mail"}).json()[
        "value"
    ][0]
    assert_complete(parse(User, delta_user), delta_user)


def test_the_check_catches_unknown_and_miscased_properties() -> None:
    miscased = {"id": "1", "wifiMacAddress": "aa"}
    with pytest.raises(AssertionError, match="wifiMacAddress"):
        assert_complete(parse(ManagedDevice, miscased), miscased)
    unknown = {"displayConcealed": True}
    with pytest.raises(AssertionError, match="displayConcealed"):
        assert_complete(parse(AdminReportSettings, unknown), unknown)


def test_collection_envelopes_parse_with_the_sdk(
    sim: Simulator, world: World, graph: GraphFactory
) -> None:
    sim.settings.page_size["GET /v1.0/users"] = 5
    sim.settings.page_size["GET /v1.0/users/delta"] = 5
    client = graph()
    page = client.get("/users").json()
    parsed = parse(UserCollectionResponse, page)
    assert parsed.odata_next_link == page["@odata.nextLink"]
    assert len(parsed.value) == 5
    assert set(parsed.additional_data) <= {"@odata.context"}
    url, link = "/users/delta", None
    while link is None:
        body = client.get(url).json()
        envelope = parse(DeltaGetResponse, body)
        assert set(envelope.additional_data) <= {"@odata.context"}
        link, url = envelope.odata_delta_link, envelope.odata_next_link
    assert "$deltatoken=" in link


# ---- deep checks: every depth, every page, members, delta, $batch, errors ------------------

DEEP_CASES: list[tuple[str, dict[str, str], type[Parsable], str]] = [
    *CASES,
    ("/users", {"$select": USER_SELECT.replace(",signInActivity", "")}, User, "plain"),
]


@pytest.mark.parametrize(
    ("path", "params", "factory", "who"),
    DEEP_CASES,
    ids=[c[0] + str(bool(c[1])) + c[3] for c in DEEP_CASES],
)
def test_every_page_passes_the_deep_check(
    sim: Simulator,
    world: World,
    graph: GraphFactory,
    path: str,
    params: dict[str, str],
    factory: type[Parsable],
    who: str,
) -> None:
    for endpoint in ("GET /v1.0" + path,):
        sim.settings.page_size[endpoint] = 4
    premium = next(t for t in world.tenants[1:] if t.has_entra_id_p1)
    partner = world.partner_tenant
    assert partner is not None
    tenant_id = {"partner": partner.id, "customer": premium.id}.get(who, customer_id(world))
    client = graph(tenant_id)
    body = client.get(path, params=params).json()
    pages = 0
    while True:
        pages += 1
        check_envelope(body)
        for index, item in enumerate(body["value"]):
            check(factory, item, where=f"{path}[{index}]")
        if "@odata.nextLink" not in body:
            break
        body = client.get(body["@odata.nextLink"]).json()
    assert pages >= 1


def test_group_members_every_page_and_groups_delta(
    sim: Simulator, world: World, graph: GraphFactory
) -> None:
    tenant = world.require_tenant(customer_id(world))
    group = max(tenant.groups, key=lambda g: len(g.members))
    sim.settings.page_size["GET /v1.0/groups/{id}/members"] = 2
    client = graph(tenant.id)
    body = client.get(f"/groups/{group.id}/members").json()
    seen = 0
    while True:
        check_envelope(body)
        for item in body["value"]:
            check(DirectoryObject, item, where="members")
            seen += 1
        if "@odata.nextLink" not in body:
            break
        body = client.get(body["@odata.nextLink"]).json()
    assert seen == len(group.members) > 2
    delta = client.get("/groups/delta").json()
    check_envelope(delta)
    for item in delta["value"]:
        check(Group, item, where="groups/delta")
        for member in item.get("members@delta", []):
            check(DirectoryObject, member, where="members@delta")


def test_batch_answers_pass_the_deep_check(world: World, graph: GraphFactory) -> None:
    tenant = world.require_tenant(customer_id(world))
    requests = [
        {"id": str(i), "method": "GET", "url": f"/users/{user.id}?$select=id,mail,createdDateTime"}
        for i, user in enumerate(tenant.users[:5])
    ] + [{"id": "missing", "method": "GET", "url": "/users/does-not-exist"}]
    body = graph().post("/$batch", json={"requests": requests}).json()
    assert set(body) == {"responses"}
    for answer in body["responses"]:
        assert set(answer) <= {"id", "status", "headers", "body"}, answer
        if answer["id"] == "missing":
            assert answer["status"] == 404
            check(ODataError, answer["body"], where="batch error")
        else:
            check(User, answer["body"], where=f"batch {answer['id']}")


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/users/not-a-user", {}, 404),
        ("/users", {"$select": "id,nope"}, 400),
        ("/users", {"$top": "1000"}, 400),
        ("/nowhere", {}, 400),
    ],
)
def test_error_bodies_pass_the_deep_check(
    graph: GraphFactory, path: str, params: dict[str, str], status: int
) -> None:
    response = graph().get(path, params=params)
    assert response.status_code == status
    check(ODataError, response.json(), where=f"error of {path}")


def test_token_endpoint_errors_have_entras_shape(sim: Simulator, world: World) -> None:
    tenant = customer_id(world)
    app = world.apps[0]
    forms = [
        {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": "no"},
        {"grant_type": "client_credentials", "client_id": "0" * 36, "client_secret": "x"},
        {"grant_type": "password"},
    ]
    for form in forms:
        response = raw_token(sim, tenant, {"scope": "https://graph.microsoft.com/.default", **form})
        assert response.status_code in (400, 401)
        check_token_error(response.json())


def test_a_nested_group_is_a_member_of_its_own_type(world: World, graph: GraphFactory) -> None:
    """Group members are directoryObjects of every type (group-list-members): a nested group
    comes back as a group, without the user properties the client selects."""
    tenant = world.require_tenant(customer_id(world))
    parent, child = tenant.groups[0], tenant.groups[1]
    world.add_group_member(tenant.id, parent.id, child.id)
    client = graph(tenant.id)
    members = client.get(
        f"/groups/{parent.id}/members", params={"$select": "id,displayName,userPrincipalName,mail"}
    ).json()["value"]
    nested = next(m for m in members if m["id"] == child.id)
    assert nested["@odata.type"] == "#microsoft.graph.group"
    assert "userPrincipalName" not in nested
    assert nested["displayName"] == child.display_name
    for member in members:
        check(DirectoryObject, member, where="members")
    assert len(members) == len(parent.members)
    delta = client.get("/groups/delta").json()["value"]
    listed = next(g for g in delta if g["id"] == parent.id)["members@delta"]
    assert {"@odata.type": "#microsoft.graph.group", "id": child.id} in listed
