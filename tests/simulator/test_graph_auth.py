"""Graph's 401s and 403s, and the exported permission table."""

from __future__ import annotations

import httpx
from simhelpers import GraphFactory, app_token, customer_id, raw_token, secret_of, ssl_context

from m365inventory.simulator import REQUIRED_PERMISSIONS, Simulator, World


def test_missing_token_is_401_in_graph_shape(sim: Simulator) -> None:
    with httpx.Client(verify=ssl_context(sim)) as client:
        response = client.get(f"{sim.graph_url}/users", headers={"client-request-id": "abc-123"})
    body = response.json()
    assert response.status_code == 401
    assert body["error"]["code"] == "InvalidAuthenticationToken"
    assert body["error"]["innerError"]["client-request-id"] == "abc-123"
    assert body["error"]["innerError"]["request-id"] == response.headers["request-id"]
    assert response.headers["client-request-id"] == "abc-123"
    assert "WWW-Authenticate" in response.headers


def test_garbled_token_is_401(graph: GraphFactory) -> None:
    response = graph(token="not-a-jwt").get("/users")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert "not-a-jwt" not in response.text


def test_expired_token_is_401(sim: Simulator, world: World, graph: GraphFactory) -> None:
    sim.settings.token_lifetime_seconds = -60
    tid = customer_id(world)
    issued = raw_token(
        sim,
        tid,
        {
            "grant_type": "client_credentials",
            "client_id": world.apps[0].client_id,
            "client_secret": secret_of(world),
            "scope": "https://graph.microsoft.com/.default",
        },
    ).json()
    response = graph(token=issued["access_token"]).get("/users")
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


def test_token_for_a_tenant_that_is_gone_is_401(
    sim: Simulator, world: World, graph: GraphFactory
) -> None:
    tid = customer_id(world, 1)
    token = app_token(sim, tid)
    world.tenants.remove(world.require_tenant(tid))
    response = graph(token=token).get("/organization")
    assert response.status_code == 401


def test_tenant_is_taken_from_the_token(sim: Simulator, world: World, graph: GraphFactory) -> None:
    for index in (0, 1):
        tid = customer_id(world, index)
        org = graph(tid).get("/organization").json()["value"][0]
        assert org["id"] == tid


def test_missing_role_is_403_authorization_request_denied(
    sim: Simulator, world: World, graph: GraphFactory
) -> None:
    tid = customer_id(world)
    world.apps[0].grants[tid] = ["DeviceManagementManagedDevices.Read.All"]
    client = graph(tid)
    denied = client.get("/users")
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "Authorization_RequestDenied"
    assert denied.json()["error"]["message"] == "Insufficient privileges to complete the operation."
    assert client.get("/deviceManagement/managedDevices").status_code == 200


def test_intune_403_names_the_scopes(sim: Simulator, world: World, graph: GraphFactory) -> None:
    tid = customer_id(world)
    world.apps[0].grants[tid] = ["User.Read.All"]
    response = graph(tid).get("/deviceManagement/managedDevices")
    assert response.status_code == 403
    assert "DeviceManagementManagedDevices.Read.All" in response.json()["error"]["message"]


def test_bitlocker_key_value_needs_read_all(
    sim: Simulator, world: World, graph: GraphFactory
) -> None:
    tid = customer_id(world)
    world.apps[0].grants[tid] = ["BitlockerKey.ReadBasic.All"]
    client = graph(tid)
    keys = client.get("/informationProtection/bitlocker/recoveryKeys").json()["value"]
    assert keys
    denied = client.get(
        f"/informationProtection/bitlocker/recoveryKeys/{keys[0]['id']}", params={"$select": "key"}
    )
    assert denied.status_code == 403


def test_permission_table_is_exported() -> None:
    assert "User.Read.All" in REQUIRED_PERMISSIONS["GET /users"]
    assert REQUIRED_PERMISSIONS["GET /deviceManagement/managedDevices"][0] == (
        "DeviceManagementManagedDevices.Read.All"
    )
    assert (
        "Reports.Read.All"
        in REQUIRED_PERMISSIONS["GET /reports/getMailboxUsageDetail(period={period})"]
    )
    assert (
        "DelegatedAdminRelationship.Read.All"
        in REQUIRED_PERMISSIONS["GET /tenantRelationships/delegatedAdminRelationships"]
    )


def test_sign_in_activity_needs_p1(sim: Simulator, world: World, graph: GraphFactory) -> None:
    premium = next(t for t in world.tenants[1:] if t.has_entra_id_p1)
    basic = next(t for t in world.tenants[1:] if not t.has_entra_id_p1)
    params = {"$select": "id,signInActivity"}
    ok = graph(premium.id).get("/users", params=params)
    assert ok.status_code == 200
    assert ok.json()["value"][0]["signInActivity"]["lastSignInDateTime"]
    refused = graph(basic.id).get("/users", params=params)
    assert refused.status_code == 403
    assert (
        refused.json()["error"]["code"] == "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
    )


def test_unknown_path_is_400_like_graph(graph: GraphFactory) -> None:
    response = graph().get("/nonsense/path")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BadRequest"
    assert error["message"] == "Resource not found for the segment 'nonsense'."
    nested = graph().get("/users/some-id/mailboxSettingz").json()["error"]["message"]
    assert nested == "Resource not found for the segment 'mailboxSettingz'."
    assert {"code", "message", "innerError"} <= error.keys()
    assert {"date", "request-id", "client-request-id"} <= error["innerError"].keys()


def test_writes_are_not_allowed(world: World, graph: GraphFactory) -> None:
    user = world.require_tenant(customer_id(world)).users[0]
    response = graph().patch(f"/users/{user.id}", json={"jobTitle": "x"})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "Request_BadRequest"
