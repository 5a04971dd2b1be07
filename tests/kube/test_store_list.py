"""Store.list on a real API server: one unpaged, uncompressed request; objects come back whole
except for managedFields; label selectors still filter."""

from __future__ import annotations

import httpx2
import pytest
import yaml
from lightkube import ApiError, AsyncClient, KubeConfig

from m365inventory.kube.store import Store
from m365inventory.localcluster.access import ClusterAccess
from m365inventory.model import resources

pytestmark = pytest.mark.usefixtures("crds")

COUNT = 1_200  # more than a page of 500, which the old list asked for
MICROSOFT = {"tenantId": "t1", "userId": "u7", "userPrincipalName": "u7@x.io"}


class Recording(httpx2.AsyncBaseTransport):
    """The real transport, remembering each request it sent."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx2.Request] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def contacts(namespace: str) -> str:
    docs = [
        {
            "apiVersion": resources.API_VERSION,
            "kind": "Contact",
            "metadata": {
                "name": f"c-{n:04d}",
                "namespace": namespace,
                "labels": {"half": str(n % 2)},
                "annotations": {"note": "kept"},
            },
            "spec": {"organization": "contoso", "firstName": f"F{n}", "emails": [f"u{n}@x.io"]},
        }
        for n in range(COUNT)
    ]
    return yaml.safe_dump_all(docs)


async def test_one_unpaged_uncompressed_request_without_managed_fields(
    kube: ClusterAccess, namespace: str
) -> None:
    kube.kubectl("apply", "--server-side", "-f", "-", input=contacts(namespace))
    config = KubeConfig.from_file(kube.kubeconfig_path)
    probe = AsyncClient(config=config)
    recording = Recording(probe._client._client._transport)
    await probe.close()
    client = AsyncClient(config=config, transport=recording)
    store = Store(client=client)
    try:
        await store.apply_status(
            resources.CONTACT,
            name="c-0007",
            namespace=namespace,
            status={"microsoft": MICROSOFT},
        )
        recording.requests.clear()

        listed = list(await store.list(resources.CONTACT, namespace=namespace))

        assert len(recording.requests) == 1
        request = recording.requests[0]
        assert "limit" not in request.url.params
        assert "continue" not in request.url.params
        assert request.headers["accept-encoding"] == "identity"
        assert len(listed) == COUNT
        by_name = {body["metadata"]["name"]: body for body in listed}
        seven = by_name["c-0007"]
        assert "managedFields" not in seven["metadata"]
        assert seven["metadata"]["namespace"] == namespace
        assert seven["metadata"]["labels"] == {"half": "1"}
        assert seven["metadata"]["annotations"] == {"note": "kept"}
        assert seven["metadata"]["uid"]
        assert seven["metadata"]["resourceVersion"]
        assert seven["metadata"]["generation"] == 1
        assert seven["kind"] == "Contact"
        assert seven["spec"]["emails"] == ["u7@x.io"]
        assert seven["status"] == {"microsoft": MICROSOFT}
        assert "status" not in by_name["c-0008"]

        odd = list(await store.list(resources.CONTACT, namespace=namespace, labels={"half": "1"}))
        assert len(odd) == COUNT // 2
        assert all(body["metadata"]["labels"]["half"] == "1" for body in odd)
        assert recording.requests[-1].url.params["labelSelector"] == "half=1"
    finally:
        await client.close()


async def test_an_empty_namespace_lists_nothing(kube: ClusterAccess, namespace: str) -> None:
    client = AsyncClient(config=KubeConfig.from_file(kube.kubeconfig_path))
    try:
        assert (
            list(await Store(client=client).list(resources.DEVICE_MATCH, namespace=namespace)) == []
        )
    finally:
        await client.close()


async def test_a_refused_list_raises_the_api_servers_error(
    kube: ClusterAccess, namespace: str
) -> None:
    client = AsyncClient(config=KubeConfig.from_file(kube.kubeconfig_path))
    try:
        with pytest.raises(ApiError) as raised:
            await Store(client=client).list(
                resources.CONTACT, namespace=namespace, labels={"not a key!": "x"}
            )
        assert raised.value.status.code == 400
        assert "unable to parse requirement" in str(raised.value.status.message)
    finally:
        await client.close()
