"""Fixtures: a fresh generated world and a running simulator per test, plus Graph clients."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from simhelpers import GraphFactory, app_token, customer_id, ssl_context

from m365inventory.simulator import Simulator, World, generate_world


@pytest.fixture
def world() -> World:
    return generate_world(
        seed=7, tenants=2, users_per_tenant=30, groups_per_tenant=3, devices_per_tenant=12
    )


@pytest.fixture
def sim(world: World) -> Iterator[Simulator]:
    with Simulator(world) as running:
        yield running


@pytest.fixture
def graph(sim: Simulator, world: World) -> Iterator[GraphFactory]:
    """A factory: graph(tenant_id=None) -> an httpx client with a Graph token for that tenant."""
    clients: list[httpx.Client] = []

    def make(tenant_id: str | None = None, *, token: str | None = None) -> httpx.Client:
        tid = tenant_id or customer_id(world)
        bearer = token if token is not None else app_token(sim, tid)
        client = httpx.Client(
            base_url=sim.graph_url,
            verify=ssl_context(sim),
            headers={"Authorization": f"Bearer {bearer}"},
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
