"""Credentials go only to Microsoft's clouds unless the operator was started to allow more.

Unit tests of `sync/credentials.resolve` with a store that refuses to be touched: a refused
connector must be refused before any Secret is read or any token is requested.
"""

from __future__ import annotations

from typing import Any

import pytest

from m365inventory.graph import clouds
from m365inventory.graph.credentials import ClientSecret
from m365inventory.model.connector import MicrosoftConnectorSpec
from m365inventory.sync.reconcile import credentials

TENANT = "00000000-0000-0000-0000-00000000000a"
CLIENT = "00000000-0000-0000-0000-00000000000b"


class RefusingStore:
    """Every read or write fails the test: nothing may be looked up."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the store was used ({name}) although the connector is refused")


class SecretStore:
    """Holds one Secret; records what was read."""

    def __init__(self, data: dict[str, bytes]) -> None:
        self.data = data
        self.reads: list[tuple[str, str]] = []

    async def read_secret(self, name: str, *, namespace: str) -> dict[str, bytes] | None:
        self.reads.append((namespace, name))
        return self.data


def _spec(**spec: Any) -> MicrosoftConnectorSpec:
    return MicrosoftConnectorSpec.model_validate(
        {
            "tenantId": TENANT,
            "clientId": CLIENT,
            "credentials": {"clientSecret": {"secretRef": {"name": "graph", "key": "s"}}},
            **spec,
        }
    )


CUSTOM = {
    "cloud": "Custom",
    "endpoints": {
        "authorityHost": "https://attacker.example",
        "graphBaseUrl": "https://attacker.example/v1.0",
        "caBundleSecretRef": {"name": "ca", "key": "ca.crt"},
    },
}


@pytest.mark.parametrize(
    "creds",
    [
        {"clientSecret": {"secretRef": {"name": "graph", "key": "s"}}},
        {"certificate": {"secretName": "cert"}},
        {"workloadIdentity": {"serviceAccountName": "m365-sync"}},
    ],
)
async def test_a_custom_cloud_is_refused_before_anything_is_read(creds: dict[str, Any]) -> None:
    spec = _spec(credentials=creds, **CUSTOM)
    store: Any = RefusingStore()
    with pytest.raises(credentials.CredentialsProblem) as refused:
        await credentials.resolve(store, spec=spec, namespace="team-a", allow_custom_cloud=False)
    assert refused.value.reason == credentials.CUSTOM_CLOUD_NOT_ALLOWED
    assert "--allow-custom-cloud" in refused.value.message
    assert "attacker.example" not in refused.value.message


async def test_a_custom_cloud_is_used_when_allowed() -> None:
    store = SecretStore({"s": b"value", "ca.crt": b"-----BEGIN CERTIFICATE-----\n"})
    settings = await credentials.resolve(
        store,  # type: ignore[arg-type]
        spec=_spec(**CUSTOM),
        namespace="team-a",
        allow_custom_cloud=True,
    )
    assert settings.cloud.authority_host == "https://attacker.example"
    assert not clouds.is_builtin(settings.cloud)
    assert store.reads == [("team-a", "ca"), ("team-a", "graph")]


@pytest.mark.parametrize(
    ("cloud", "expected"),
    [("Global", clouds.GLOBAL), ("USGovernment", clouds.US_GOV), ("China", clouds.CHINA)],
)
async def test_microsofts_clouds_need_no_opt_in(cloud: str, expected: clouds.Cloud) -> None:
    store = SecretStore({"s": b"value"})
    settings = await credentials.resolve(
        store,  # type: ignore[arg-type]
        spec=_spec(cloud=cloud),
        namespace="team-a",
        allow_custom_cloud=False,
    )
    assert settings.cloud == expected
    assert clouds.is_builtin(settings.cloud)
    assert isinstance(settings.credential, ClientSecret)
