"""Helpers shared by the simulator tests: real MSAL apps, TLS contexts, paging.

Note on `requests` (what MSAL uses): it lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a
session's `verify`, so MSAL's `verify=ca_path` is silently ignored when those are set. These
helpers hand MSAL its own session with `trust_env=False` instead.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any

import httpx
import msal
import requests

from m365inventory.simulator import Simulator, World

GRAPH_SCOPE = ["https://graph.microsoft.com/.default"]

#: The `graph` fixture: graph(tenant_id=None, *, token=None) -> an authorised httpx client.
GraphFactory = Callable[..., httpx.Client]


def msal_session(sim: Simulator) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = sim.ca_path
    return session


def ssl_context(sim: Simulator) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=sim.ca_path)


def customer_id(world: World, index: int = 0) -> str:
    partner = world.partner_tenant
    customers = [t for t in world.tenants if partner is None or t.id != partner.id]
    return customers[index].id


def secret_of(world: World) -> str:
    return world.apps[0].secrets[0].value.get_secret_value()


def confidential_app(
    sim: Simulator, tenant_id: str, credential: Any = None
) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        sim.world.apps[0].client_id,
        authority=sim.authority_url(tenant_id),
        client_credential=credential if credential is not None else secret_of(sim.world),
        http_client=msal_session(sim),
        instance_discovery=False,
    )


def app_token(sim: Simulator, tenant_id: str) -> str:
    result = confidential_app(sim, tenant_id).acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert "access_token" in result, result
    return str(result["access_token"])


def raw_token(sim: Simulator, tenant: str, form: dict[str, str]) -> httpx.Response:
    with httpx.Client(verify=ssl_context(sim)) as client:
        return client.post(f"{sim.base_url}/{tenant}/oauth2/v2.0/token", data=form)


def all_pages(
    client: httpx.Client, url: str, **params: Any
) -> tuple[list[dict[str, Any]], int, dict[str, Any]]:
    """Follow nextLinks; returns (items, pages, last body)."""
    response = client.get(url, params=params or None)
    body = response.json()
    assert response.status_code == 200, body
    items, pages = list(body["value"]), 1
    while "@odata.nextLink" in body:
        response = client.get(body["@odata.nextLink"])
        body = response.json()
        assert response.status_code == 200, body
        items.extend(body["value"])
        pages += 1
    return items, pages, body
