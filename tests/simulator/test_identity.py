"""The token endpoint over HTTPS with real MSAL: secrets, certificates, refresh tokens, errors."""

from __future__ import annotations

import httpx
import jwt
import msal
import pytest
from simhelpers import (
    GRAPH_SCOPE,
    confidential_app,
    customer_id,
    msal_session,
    raw_token,
    secret_of,
    ssl_context,
)

from m365inventory.simulator import Simulator, World, make_app_credential
from m365inventory.simulator.world import AppCertificate


def claims(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


def test_client_secret_token_has_graph_claims(sim: Simulator, world: World) -> None:
    tid = customer_id(world)
    result = confidential_app(sim, tid).acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert result["token_type"] == "Bearer"
    token_claims = claims(result["access_token"])
    assert token_claims["tid"] == tid
    assert token_claims["aud"] == "https://graph.microsoft.com"
    assert token_claims["appid"] == world.apps[0].client_id
    assert "User.Read.All" in token_claims["roles"]  # type: ignore[operator]
    assert jwt.get_unverified_header(result["access_token"])["alg"] == "RS256"
    assert sim.counters.get("POST /{tenant}/oauth2/v2.0/token", 200) == 1


def test_tenant_may_be_named_by_domain(sim: Simulator, world: World) -> None:
    tenant = world.tenant(customer_id(world))
    assert tenant is not None
    result = confidential_app(sim, tenant.default_domain).acquire_token_for_client(
        scopes=GRAPH_SCOPE
    )
    assert claims(result["access_token"])["tid"] == tenant.id


def test_token_lifetime_is_configurable(sim: Simulator, world: World) -> None:
    sim.settings.token_lifetime_seconds = 120
    result = confidential_app(sim, customer_id(world)).acquire_token_for_client(scopes=GRAPH_SCOPE)
    token_claims = claims(result["access_token"])
    assert result["expires_in"] == 120
    assert int(token_claims["exp"]) - int(token_claims["iat"]) == 120  # type: ignore[call-overload]


@pytest.mark.parametrize("sha256", [False, True])
def test_certificate_assertion_with_msal(sim: Simulator, world: World, sha256: bool) -> None:
    credential = make_app_credential()
    world.apps[0].certificates.append(AppCertificate(certificate_pem=credential.certificate_pem))
    client_credential: dict[str, str] = {"private_key": credential.private_key_pem}
    if sha256:  # MSAL then signs PS256 with an x5t#S256 header
        client_credential["public_certificate"] = credential.certificate_pem
    else:  # RS256 with an x5t (SHA-1) header
        client_credential["thumbprint"] = credential.thumbprint
    app = confidential_app(sim, customer_id(world), client_credential)
    result = app.acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert "access_token" in result, result
    assert claims(result["access_token"])["tid"] == customer_id(world)


def test_certificate_not_registered_is_rejected(sim: Simulator, world: World) -> None:
    credential = make_app_credential()
    app = confidential_app(
        sim,
        customer_id(world),
        {"private_key": credential.private_key_pem, "thumbprint": credential.thumbprint},
    )
    result = app.acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [700027]
    assert "private_key" not in str(result)


def test_assertion_signed_by_other_key_fails_signature(sim: Simulator, world: World) -> None:
    registered, other = make_app_credential(), make_app_credential()
    world.apps[0].certificates.append(AppCertificate(certificate_pem=registered.certificate_pem))
    app = confidential_app(
        sim,
        customer_id(world),
        {"private_key": other.private_key_pem, "thumbprint": registered.thumbprint},
    )
    result = app.acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert result["error_codes"] == [700027]


def test_wrong_secret_has_microsoft_error_shape(sim: Simulator, world: World) -> None:
    wrong = "not-the-secret-xyz"
    response = raw_token(
        sim,
        customer_id(world),
        {
            "grant_type": "client_credentials",
            "client_id": world.apps[0].client_id,
            "client_secret": wrong,
            "scope": GRAPH_SCOPE[0],
        },
    )
    body = response.json()
    assert response.status_code == 401
    assert body["error"] == "invalid_client"
    assert body["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")
    assert body["error_codes"] == [7000215]
    assert {"timestamp", "trace_id", "correlation_id"} <= body.keys()
    assert wrong not in response.text
    assert secret_of(world) not in response.text


def test_unknown_app_is_700016(sim: Simulator, world: World) -> None:
    response = raw_token(
        sim,
        customer_id(world),
        {
            "grant_type": "client_credentials",
            "client_id": "00000000-0000-0000-0000-000000000001",
            "client_secret": "x",
            "scope": GRAPH_SCOPE[0],
        },
    )
    assert response.status_code == 400
    assert response.json()["error_codes"] == [700016]
    assert response.json()["error"] == "unauthorized_client"


def test_no_service_principal_in_customer_is_700016_as_entra_answers(
    sim: Simulator, world: World
) -> None:
    """Entra ID answers a client-credentials request in a tenant without the app's service
    principal with AADSTS700016 unauthorized_client ("…has not been installed by the
    administrator of the tenant or consented to…"), not 7000229."""
    tid = customer_id(world)
    del world.apps[0].grants[tid]
    result = confidential_app(sim, tid).acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert result["error"] == "unauthorized_client"
    assert result["error_codes"] == [700016]
    assert result["error_description"].startswith(
        f"AADSTS700016: Application with identifier '{world.apps[0].client_id}' was not found "
        "in the directory"
    )
    assert "consented to by any user in the tenant" in result["error_description"]


def test_consent_without_roles_gives_token_without_roles(sim: Simulator, world: World) -> None:
    tid = customer_id(world)
    world.apps[0].grants[tid] = []
    result = confidential_app(sim, tid).acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert "roles" not in claims(result["access_token"])


def test_unknown_tenant_fails_discovery_and_token(sim: Simulator, world: World) -> None:
    missing = "11111111-2222-3333-4444-555555555555"
    with pytest.raises(ValueError, match="double check your tenant"):
        confidential_app(sim, missing)
    with httpx.Client(verify=ssl_context(sim)) as client:
        discovery = client.get(
            f"{sim.authority_url(missing)}/v2.0/.well-known/openid-configuration"
        )
    assert discovery.status_code == 400
    assert discovery.json()["error"] == "invalid_tenant"
    assert discovery.json()["error_codes"] == [90002]
    response = raw_token(sim, missing, {"grant_type": "client_credentials"})
    assert response.status_code == 400
    assert response.json()["error_codes"] == [90002]


def test_scope_must_be_dot_default(sim: Simulator, world: World) -> None:
    response = raw_token(
        sim,
        customer_id(world),
        {
            "grant_type": "client_credentials",
            "client_id": world.apps[0].client_id,
            "client_secret": secret_of(world),
            "scope": "https://graph.microsoft.com/User.Read.All",
        },
    )
    assert response.json()["error"] == "invalid_scope"
    assert response.json()["error_codes"] == [1002012]


def _partner_app(sim: Simulator, tenant_id: str) -> msal.ConfidentialClientApplication:
    return confidential_app(sim, tenant_id)


def test_refresh_token_gives_delegated_token_in_customer(sim: Simulator, world: World) -> None:
    grant = world.refresh_grants[0]
    tid = customer_id(world, 1)
    app = _partner_app(sim, tid)
    result = app.acquire_token_by_refresh_token(
        grant.refresh_token.get_secret_value(), scopes=GRAPH_SCOPE
    )
    assert "access_token" in result, result
    token_claims = claims(result["access_token"])
    assert token_claims["tid"] == tid
    assert "User.Read.All" in str(token_claims["scp"]).split()
    assert token_claims["upn"] == grant.user_principal_name
    assert result.get("refresh_token")


def test_bad_refresh_token_is_invalid_grant(sim: Simulator, world: World) -> None:
    result = _partner_app(sim, customer_id(world)).acquire_token_by_refresh_token(
        "1.garbage", scopes=GRAPH_SCOPE
    )
    assert result["error"] == "invalid_grant"


def test_revoked_refresh_token_is_50173(sim: Simulator, world: World) -> None:
    grant = world.refresh_grants[0]
    grant.revoked = True
    result = _partner_app(sim, customer_id(world)).acquire_token_by_refresh_token(
        grant.refresh_token.get_secret_value(), scopes=GRAPH_SCOPE
    )
    assert result["error"] == "invalid_grant"
    assert result["error_codes"] == [50173]


def test_refresh_into_customer_without_active_gdap_fails(sim: Simulator, world: World) -> None:
    partner = world.partner_tenant
    assert partner is not None
    tid = customer_id(world, 1)
    for relationship in partner.relationships:
        if relationship.customer_tenant_id == tid:
            relationship.status = "terminated"
    result = _partner_app(sim, tid).acquire_token_by_refresh_token(
        world.refresh_grants[0].refresh_token.get_secret_value(), scopes=GRAPH_SCOPE
    )
    assert result["error"] == "invalid_grant"
    assert result["error_codes"] == [50020]


def test_refresh_into_customer_without_consent_is_65001(sim: Simulator, world: World) -> None:
    tid = customer_id(world, 1)
    del world.apps[0].grants[tid]
    result = _partner_app(sim, tid).acquire_token_by_refresh_token(
        world.refresh_grants[0].refresh_token.get_secret_value(), scopes=GRAPH_SCOPE
    )
    assert result["error"] == "invalid_grant"
    assert result["error_codes"] == [65001]


def test_token_endpoint_down_answers_503(sim: Simulator, world: World) -> None:
    sim.faults.token_endpoint_down = True
    response = raw_token(sim, customer_id(world), {"grant_type": "client_credentials"})
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"
    sim.faults.token_endpoint_down = False
    session = msal_session(sim)
    assert session.verify == sim.ca_path
