"""Turn a connector's spec and its Secrets into what the Graph client needs.

Problems here are the most common misconfiguration (a missing Secret, a wrong key), so each
becomes a `CredentialsProblem` with a reason and a message that says exactly what to fix;
the runner reports it as `CredentialsValid=False`. Secret values are wrapped in `SecretStr`
at once and never appear in a message.

This is also where a namespace's security boundary is kept (docs/faults-and-security.md):
everything is read from the connector's own namespace, workload identity presents only a
ServiceAccount of that namespace (kube/tokens.py), and credentials go to a custom authority
host only when the operator was started with ``--allow-custom-cloud``; otherwise the
connector is refused before any Secret is read or any request is sent.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from m365inventory.graph import auth, clouds
from m365inventory.graph.credentials import Certificate, ClientAssertion, ClientSecret, Credential
from m365inventory.kube import tokens
from m365inventory.kube.store import Store
from m365inventory.model.connector import Cloud, MicrosoftConnectorSpec, PartnerAuthentication

_CLOUD_NAMES = {
    Cloud.GLOBAL: "Global",
    Cloud.US_GOVERNMENT: "USGov",
    Cloud.US_GOVERNMENT_DOD: "USGovDoD",
    Cloud.CHINA: "China",
}

SECRET_NOT_FOUND = "SecretNotFound"  # noqa: S105 (a condition reason)
SECRET_KEY_MISSING = "SecretKeyMissing"  # noqa: S105 (a condition reason)
INVALID_CERTIFICATE = "InvalidCertificate"
CUSTOM_CLOUD_NOT_ALLOWED = "CustomCloudNotAllowed"
CUSTOM_CLOUD_MESSAGE = (
    "spec.cloud Custom sends this connector's credentials to spec.endpoints.authorityHost, and "
    "this operator only sends credentials to Microsoft's clouds (Global, USGovernment, "
    "USGovernmentDoD, China): use one of those, or start the operator with "
    "--allow-custom-cloud (chart value allowCustomCloud: true) if its administrator trusts "
    "every connector author with custom endpoints. Nothing was sent."
)


class CredentialsProblem(Exception):
    """The connector's credentials cannot be assembled; `message` says what to fix."""

    def __init__(self, *, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class ConnectionSettings:
    """Everything needed to open a GraphConnection, and a fingerprint to know when it changed."""

    cloud: clouds.Cloud
    client_id: str
    credential: Credential
    delegation: auth.PartnerDelegation | None
    fingerprint: str


async def _secret_value(store: Store, *, namespace: str, name: str, key: str, what: str) -> bytes:
    data = await store.read_secret(name, namespace=namespace)
    if data is None:
        raise CredentialsProblem(
            reason=SECRET_NOT_FOUND,
            message=f"Secret {name!r} ({what}) does not exist in namespace {namespace!r}: create "
            f"it with the key {key!r}, in the connector's namespace",
        )
    if key not in data or not data[key].strip():
        present = ", ".join(sorted(data)) or "none"
        raise CredentialsProblem(
            reason=SECRET_KEY_MISSING,
            message=f"Secret {name!r} ({what}) has no non-empty key {key!r} (keys present: "
            f"{present}): add it, or point the connector at the right key",
        )
    return data[key].strip()


def _ca_file(pem: bytes) -> Path:
    """Write a CA bundle (public data) to a file the HTTP and MSAL clients can read."""
    directory = Path(tempfile.gettempdir()) / "m365-inventory-ca"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{hashlib.sha256(pem).hexdigest()[:16]}.pem"
    if not path.exists():
        path.write_bytes(pem)
    return path


async def _cloud(
    store: Store, *, spec: MicrosoftConnectorSpec, namespace: str, hasher: Any
) -> clouds.Cloud:
    if spec.cloud != Cloud.CUSTOM:
        hasher.update(spec.cloud.value.encode())
        return clouds.named(_CLOUD_NAMES[spec.cloud])
    endpoints = spec.endpoints
    assert endpoints is not None  # the CRD's CEL rule guarantees it
    ca_bundle = None
    if endpoints.ca_bundle_secret_ref is not None:
        ca_ref = endpoints.ca_bundle_secret_ref
        pem = await _secret_value(
            store, namespace=namespace, name=ca_ref.name, key=ca_ref.key, what="CA bundle"
        )
        hasher.update(pem)
        ca_bundle = _ca_file(pem)
    hasher.update(f"{endpoints.authority_host}|{endpoints.graph_base_url}".encode())
    return clouds.custom(
        authority_host=endpoints.authority_host,
        graph_url=endpoints.graph_base_url,
        ca_bundle=ca_bundle,
    )


async def _workload_identity(
    store: Store, *, name: str, namespace: str, cloud: clouds.Cloud
) -> ClientAssertion:
    """Tokens of the connector's own ServiceAccount (never a file), checked once up front."""
    assertions = tokens.ServiceAccountAssertions(
        client=store.client, namespace=namespace, name=name, audience=cloud.federation_audience
    )
    try:
        await assertions.fetch()
    except tokens.TokenRequestRefused as refused:
        raise CredentialsProblem(reason=refused.reason, message=refused.message) from None
    return ClientAssertion(provider=assertions)


async def resolve(
    store: Store, *, spec: MicrosoftConnectorSpec, namespace: str, allow_custom_cloud: bool
) -> ConnectionSettings:
    """Read the Secrets the spec names and build the connection settings.

    With ``cloud: Custom`` and not ``allow_custom_cloud``, raise ``CustomCloudNotAllowed``
    before anything is read or sent.
    """
    if spec.cloud == Cloud.CUSTOM and not allow_custom_cloud:
        raise CredentialsProblem(reason=CUSTOM_CLOUD_NOT_ALLOWED, message=CUSTOM_CLOUD_MESSAGE)
    hasher = hashlib.sha256()
    cloud = await _cloud(store, spec=spec, namespace=namespace, hasher=hasher)
    creds = spec.credentials
    credential: Credential
    if creds.client_secret is not None:
        ref = creds.client_secret.secret_ref
        value = await _secret_value(
            store, namespace=namespace, name=ref.name, key=ref.key, what="client secret"
        )
        hasher.update(value)
        credential = ClientSecret(secret=SecretStr(value.decode()))
    elif creds.certificate is not None:
        cert = creds.certificate
        pem = await _secret_value(
            store,
            namespace=namespace,
            name=cert.secret_name,
            key=cert.certificate_key,
            what="certificate",
        )
        key = await _secret_value(
            store,
            namespace=namespace,
            name=cert.secret_name,
            key=cert.private_key_key,
            what="certificate private key",
        )
        hasher.update(pem + key)
        credential = Certificate(
            private_key_pem=SecretStr(key.decode()), certificate_pem=pem.decode()
        )
        try:
            _ = credential.thumbprint
        except ValueError:
            raise CredentialsProblem(
                reason=INVALID_CERTIFICATE,
                message=f"Secret {cert.secret_name!r} key {cert.certificate_key!r} is not a PEM "
                "certificate",
            ) from None
    else:
        identity = creds.workload_identity
        assert identity is not None  # the CRD's CEL rule guarantees exactly one
        name = identity.service_account_name
        # The token changes every few minutes; the identity it proves does not.
        hasher.update(f"serviceaccount|{namespace}|{name}|{cloud.federation_audience}".encode())
        credential = await _workload_identity(store, name=name, namespace=namespace, cloud=cloud)

    delegation = None
    if spec.partner is not None and spec.partner.authentication == PartnerAuthentication.DELEGATED:
        token_ref = spec.partner.refresh_token_secret_ref
        assert token_ref is not None  # the CRD's CEL rule guarantees it
        token = await _secret_value(
            store,
            namespace=namespace,
            name=token_ref.name,
            key=token_ref.key,
            what="partner refresh token",
        )
        hasher.update(token)
        delegation = auth.PartnerDelegation(refresh_token=SecretStr(token.decode()))

    hasher.update(spec.client_id.encode())
    return ConnectionSettings(
        cloud=cloud,
        client_id=spec.client_id,
        credential=credential,
        delegation=delegation,
        fingerprint=hasher.hexdigest(),
    )
