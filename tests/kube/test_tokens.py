"""kube/tokens.py against a real API server: TokenRequest for the connector's ServiceAccount."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import jwt
import pytest
from lightkube import AsyncClient, KubeConfig

from m365inventory.kube import tokens
from m365inventory.localcluster.access import ClusterAccess

pytestmark = pytest.mark.cluster


@pytest.fixture
async def client(kube: ClusterAccess) -> AsyncIterator[AsyncClient]:
    client = AsyncClient(config=KubeConfig.from_file(kube.kubeconfig_path))
    yield client
    await client.close()


def _service_account(kube: ClusterAccess, namespace: str, name: str) -> None:
    kube.kubectl("-n", namespace, "create", "serviceaccount", name)


async def test_a_token_names_the_service_account_and_entras_audience(
    kube: ClusterAccess, namespace: str, client: AsyncClient
) -> None:
    _service_account(kube, namespace, "m365-sync")
    issued = await tokens.request_token(client, namespace=namespace, name="m365-sync")
    claims = jwt.decode(issued.token.get_secret_value(), options={"verify_signature": False})
    assert claims["sub"] == f"system:serviceaccount:{namespace}:m365-sync"
    assert claims["aud"] == ["api://AzureADTokenExchange"]
    assert claims["exp"] - claims["iat"] == tokens.EXPIRATION_SECONDS
    assert issued.token.get_secret_value() not in repr(issued)


async def test_a_missing_service_account_is_named(namespace: str, client: AsyncClient) -> None:
    with pytest.raises(tokens.TokenRequestRefused) as refused:
        await tokens.request_token(client, namespace=namespace, name="absent")
    assert refused.value.reason == tokens.SERVICE_ACCOUNT_NOT_FOUND
    assert "'absent'" in refused.value.message
    assert namespace in refused.value.message


async def test_assertions_are_reused_until_half_their_life_then_renewed(
    kube: ClusterAccess, namespace: str, client: AsyncClient
) -> None:
    _service_account(kube, namespace, "m365-sync")
    now = [1_000_000.0]
    assertions = tokens.ServiceAccountAssertions(
        client=client, namespace=namespace, name="m365-sync", clock=lambda: now[0]
    )
    first = await assertions.fetch()
    # MSAL calls the provider from a worker thread; the event loop fetches.
    assert await asyncio.to_thread(assertions) == first
    now[0] += tokens.EXPIRATION_SECONDS / 2  # half the lifetime has passed
    await asyncio.sleep(1.1)  # a new token differs in iat
    renewed = await asyncio.to_thread(assertions)
    assert renewed != first
    assert "m365-sync" in repr(assertions)
    assert first not in repr(assertions)


async def test_an_operator_without_the_rbac_is_told_which_verb_it_lacks(
    kube: ClusterAccess, namespace: str, tmp_path: Path
) -> None:
    if kube.cluster is None:
        pytest.fail("needs the local control plane to mint a token for a powerless identity")
    _service_account(kube, namespace, "m365-sync")
    _service_account(kube, namespace, "powerless")
    token = kube.cluster.request_service_account_token(namespace=namespace, name="powerless")
    config = kube.cluster.write_kubeconfig(
        path=tmp_path / "powerless.kubeconfig", user="powerless", token=token
    )
    client = AsyncClient(config=KubeConfig.from_file(config))
    try:
        with pytest.raises(tokens.TokenRequestRefused) as refused:
            await tokens.request_token(client, namespace=namespace, name="m365-sync")
    finally:
        await client.close()
    assert refused.value.reason == tokens.TOKEN_REQUEST_FORBIDDEN
    assert "serviceaccounts/token" in refused.value.message
