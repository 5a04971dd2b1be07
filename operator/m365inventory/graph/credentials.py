"""How the operator proves it is the app: a small tagged union of credential kinds.

Each kind turns into the ``client_credential`` MSAL wants. Secret values are ``SecretStr`` so a
repr, a log line or a traceback shows ``**********`` instead of the value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from pydantic import SecretStr


@dataclass(frozen=True)
class ClientSecret:
    """An application client secret (the secret's Value, not its ID)."""

    secret: SecretStr
    kind: Literal["secret"] = "secret"

    def msal_credential(self) -> str:
        return self.secret.get_secret_value()

    def secret_values(self) -> tuple[str, ...]:
        return (self.secret.get_secret_value(),)


@dataclass(frozen=True)
class Certificate:
    """A certificate credential: PEM private key plus the PEM certificate uploaded to the app."""

    private_key_pem: SecretStr
    certificate_pem: str
    passphrase: SecretStr | None = None
    send_certificate_chain: bool = False
    kind: Literal["certificate"] = "certificate"

    @property
    def thumbprint(self) -> str:
        """SHA-1 thumbprint (hex, upper case) as the Entra portal shows it."""
        cert = x509.load_pem_x509_certificate(self.certificate_pem.encode())
        return cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - Entra's x5t is SHA-1

    @property
    def thumbprint_sha256(self) -> str:
        cert = x509.load_pem_x509_certificate(self.certificate_pem.encode())
        return cert.fingerprint(hashes.SHA256()).hex().upper()

    def msal_credential(self) -> dict[str, Any]:
        credential: dict[str, Any] = {
            "private_key": self.private_key_pem.get_secret_value(),
            "thumbprint": self.thumbprint,
        }
        if self.passphrase is not None:
            credential["passphrase"] = self.passphrase.get_secret_value()
        if self.send_certificate_chain:
            credential["public_certificate"] = self.certificate_pem
        return credential

    def secret_values(self) -> tuple[str, ...]:
        values = [self.private_key_pem.get_secret_value()]
        if self.passphrase is not None:
            values.append(self.passphrase.get_secret_value())
        return tuple(values)


@dataclass(frozen=True)
class ClientAssertion:
    """A signed assertion from elsewhere (workload identity federation).

    ``provider`` is called for every token request MSAL sends (from its worker thread), so a
    short-lived token is renewed by the provider. There is deliberately no way to read an
    assertion from a file: a connector must never make the operator send one of its own files
    (such as its ServiceAccount token) anywhere.
    """

    provider: Callable[[], str] = field(repr=False)
    kind: Literal["assertion"] = "assertion"

    def msal_credential(self) -> dict[str, Any]:
        return {"client_assertion": self.provider}

    def secret_values(self) -> tuple[str, ...]:
        return ()


Credential = ClientSecret | Certificate | ClientAssertion
