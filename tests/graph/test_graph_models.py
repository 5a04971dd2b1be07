"""Graph models: $select derivation, tolerance of nulls/unknowns, secrets, credentials, clouds."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import trustme
from pydantic import SecretStr

from m365inventory.graph import clouds, selects
from m365inventory.graph.credentials import Certificate, ClientAssertion, ClientSecret
from m365inventory.model import graph as model


def test_select_lists_use_graph_names_and_skip_unselectable() -> None:
    assert "wiFiMacAddress" in selects.MANAGED_DEVICE
    assert "azureADDeviceId" in selects.MANAGED_DEVICE
    assert "ethernetMacAddress" not in selects.MANAGED_DEVICE
    assert "key" not in selects.BITLOCKER_KEY
    assert "members" not in selects.GROUP
    assert "signInActivity" not in selects.USER
    assert selects.USER_WITH_SIGN_IN[-1] == "signInActivity"
    for name in ("proxyAddresses", "otherMails", "givenName", "surname", "assignedLicenses"):
        assert name in selects.USER


def test_every_model_field_is_selected_or_declared_unselectable() -> None:
    for entity in (model.User, model.Group, model.ManagedDevice, model.Organization):
        selected = set(model.select_of(entity))
        for name, info in entity.model_fields.items():
            assert (info.alias in selected) != (name in entity.not_selected), name


def test_models_tolerate_nulls_and_unknown_fields() -> None:
    user = model.User.model_validate(
        {
            "id": "u1",
            "proxyAddresses": None,
            "otherMails": None,
            "assignedLicenses": None,
            "businessPhones": None,
            "brandNewGraphProperty": {"x": 1},
            "lastPasswordChangeDateTime": "2024-05-01T10:00:00Z",
            "signInActivity": {"lastSignInDateTime": None},
        }
    )
    assert user.proxy_addresses == []
    assert user.assigned_licenses == []
    assert user.last_password_change_date_time == dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)
    org = model.Organization.model_validate(
        {"id": "t", "verifiedDomains": [{"name": "c.com", "isDefault": True}], "city": "Oslo"}
    )
    assert org.default_domain == "c.com"
    assert org.address.city == "Oslo"


def test_bitlocker_key_is_secret() -> None:
    key = model.BitlockerRecoveryKey.model_validate({"id": "k", "key": "123456-654321"})
    assert "123456" not in repr(key)
    assert "123456" not in str(key)
    assert key.key is not None
    assert key.key.get_secret_value() == "123456-654321"


def test_credentials_never_show_secrets() -> None:
    secret = ClientSecret(secret=SecretStr("hunter2-very-secret"))
    assert "hunter2" not in repr(secret)
    assertion = ClientAssertion(provider=lambda: "jwt-value")
    assert "jwt-value" not in repr(assertion)


def test_certificate_thumbprint_is_computed() -> None:
    ca = trustme.CA()
    leaf = ca.issue_cert("app.example")
    cert_pem = leaf.cert_chain_pems[0].bytes().decode()
    key_pem = leaf.private_key_pem.bytes().decode()
    credential = Certificate(private_key_pem=SecretStr(key_pem), certificate_pem=cert_pem)
    assert len(credential.thumbprint) == 40
    assert credential.thumbprint.isupper()
    assert credential.msal_credential()["thumbprint"] == credential.thumbprint
    assert "PRIVATE KEY" not in repr(credential)


def test_assertion_provider_is_asked_every_time() -> None:
    tokens = iter(["first", "rotated"])
    provider = ClientAssertion(provider=lambda: next(tokens)).msal_credential()["client_assertion"]
    assert provider() == "first"
    assert provider() == "rotated"


def test_clouds() -> None:
    assert clouds.named("USGovDoD").graph_url == "https://dod-graph.microsoft.us/v1.0"
    assert clouds.named("China").authority("t") == "https://login.chinacloudapi.cn/t"
    assert clouds.GLOBAL.scope == "https://graph.microsoft.com/.default"
    with pytest.raises(ValueError, match="unknown cloud"):
        clouds.named("Mars")


def test_only_microsofts_clouds_are_builtin() -> None:
    assert all(clouds.is_builtin(cloud) for cloud in clouds.CLOUDS.values())
    simulator = clouds.custom(
        authority_host="https://127.0.0.1:8443", graph_url="https://127.0.0.1:8443/v1.0"
    )
    assert not clouds.is_builtin(simulator)
    # A custom endpoint that borrows a built-in cloud's name is still not built in.
    assert not clouds.is_builtin(dataclasses.replace(simulator, name="Global"))
    assert clouds.GLOBAL.federation_audience == "api://AzureADTokenExchange"
    assert clouds.US_GOV.federation_audience == "api://AzureADTokenExchangeUSGov"
    assert clouds.CHINA.federation_audience == "api://AzureADTokenExchangeChina"
    sim = clouds.custom(
        authority_host="https://127.0.0.1:9", graph_url="https://127.0.0.1:9/graph/v1.0"
    )
    assert sim.graph_url == "https://127.0.0.1:9/graph/v1.0"
    assert not sim.validate_authority
