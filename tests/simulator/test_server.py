"""Simulator lifecycle and serving a fixture file end to end."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import msal
from simhelpers import GRAPH_SCOPE, app_token, msal_session, ssl_context

from m365inventory.simulator import Simulator, generate_world, load_world

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "simulator" / "world.yaml"


async def test_async_context_manager_and_beta() -> None:
    world = generate_world(
        seed=9, tenants=1, users_per_tenant=12, devices_per_tenant=2, partner=False
    )
    async with Simulator(world) as sim:
        assert sim.base_url.startswith("https://127.0.0.1:")
        assert sim.beta_url == f"{sim.base_url}/graph/beta"
        async with httpx.AsyncClient(verify=ssl_context(sim)) as client:
            response = await client.get(f"{sim.beta_url}/organization")
        assert response.status_code == 401
    assert sim.counters.get("GET /beta/organization", 401) == 1


def test_start_stop_and_fresh_ports() -> None:
    world = generate_world(
        seed=9, tenants=1, users_per_tenant=12, devices_per_tenant=2, partner=False
    )
    first = Simulator(world).start()
    port = first.port
    ca = Path(first.ca_path)
    assert ca.exists()
    first.stop()
    assert not ca.exists()  # the temporary state directory is cleaned up
    with Simulator(world) as second:
        assert second.port != 0
        assert port != 0


def test_example_fixture_serves_end_to_end(tmp_path: Path) -> None:
    world = load_world(EXAMPLE)
    customer = world.tenants[1]
    with Simulator(world, state_dir=tmp_path) as sim:
        assert Path(sim.ca_path).parent == tmp_path
        app = msal.ConfidentialClientApplication(
            world.apps[0].client_id,
            authority=sim.authority_url(customer.default_domain),
            client_credential=world.apps[0].secrets[0].value.get_secret_value(),
            http_client=msal_session(sim),
            instance_discovery=False,
        )
        token = app.acquire_token_for_client(scopes=GRAPH_SCOPE)["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(
            base_url=sim.graph_url, verify=ssl_context(sim), headers=headers
        ) as graph:
            users = graph.get("/users", params={"$select": "displayName"}).json()["value"]
            assert {u["displayName"] for u in users} == {"Zoë Müller", "Info"}
            device = graph.get("/deviceManagement/managedDevices").json()["value"][0]
            assert device["serialNumber"] == "To Be Filled By O.E.M."
            denied = graph.get("/users", params={"$select": "signInActivity"})
            assert denied.status_code == 403  # Fabrikam has no Entra ID P1
        delegated = msal.ConfidentialClientApplication(
            world.apps[0].client_id,
            authority=sim.authority_url(customer.id),
            client_credential=world.apps[0].secrets[0].value.get_secret_value(),
            http_client=msal_session(sim),
            instance_discovery=False,
        ).acquire_token_by_refresh_token(
            world.refresh_grants[0].refresh_token.get_secret_value(), scopes=GRAPH_SCOPE
        )
        assert "access_token" in delegated, delegated


async def test_concurrent_requests_are_all_answered_and_counted() -> None:
    world = generate_world(
        seed=9, tenants=1, users_per_tenant=12, devices_per_tenant=2, partner=False
    )
    async with Simulator(world) as sim:
        sim.faults.latency_ms = 20
        token = app_token(sim, world.tenants[0].id)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(
            base_url=sim.graph_url, verify=ssl_context(sim), headers=headers
        ) as client:
            responses = await asyncio.gather(*(client.get("/users") for _ in range(50)))
        assert {r.status_code for r in responses} == {200}
        assert sim.counters.get("GET /v1.0/users", 200) == 50
