"""Short-lived ServiceAccount tokens from the TokenRequest API, for workload identity.

A connector that uses workload identity names a ServiceAccount in its own namespace; the
operator asks the API server for a bound token of that ServiceAccount with the audience Entra
ID expects (``api://AzureADTokenExchange``) and hands it to MSAL as the client assertion. This
is how external-secrets' Azure provider does it for a SecretStore's ``serviceAccountRef``: no
token file is mounted or read, and a namespace can only present its own identity
(``system:serviceaccount:<namespace>:<name>``) to Microsoft.

- TokenRequest: https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/
  (``POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token``; the RBAC verb is ``create``
  on ``serviceaccounts/token``; ``expirationSeconds`` is at least 600).
- The federated credential's audience: https://learn.microsoft.com/graph/api/resources/federatedidentitycredential

MSAL calls its ``client_assertion`` callback from the worker thread a token request runs in,
so :class:`ServiceAccountAssertions` bridges back to the event loop that owns the client.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from lightkube import ApiError, AsyncClient
from lightkube.models.authentication_v1 import TokenRequestSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import ServiceAccountToken
from pydantic import SecretStr

#: The audience Entra ID accepts in a federated token in the global cloud.
AZURE_AD_TOKEN_EXCHANGE = "api://AzureADTokenExchange"  # noqa: S105 (an audience)
#: The API server's minimum token lifetime; a token older than half of it is renewed.
EXPIRATION_SECONDS = 600
#: How long MSAL's worker thread waits for the event loop to fetch a token.
BRIDGE_TIMEOUT_SECONDS = 60.0

SERVICE_ACCOUNT_NOT_FOUND = "ServiceAccountNotFound"
TOKEN_REQUEST_FORBIDDEN = "TokenRequestForbidden"  # noqa: S105 (a condition reason)
TOKEN_REQUEST_FAILED = "TokenRequestFailed"  # noqa: S105 (a condition reason)


class TokenRequestRefused(Exception):
    """The API server did not issue a token; ``reason`` and ``message`` say why."""

    def __init__(self, *, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class IssuedToken:
    """A token and how long it is valid for."""

    token: SecretStr
    lifetime_seconds: int


def _refused(error: ApiError, *, namespace: str, name: str) -> TokenRequestRefused:
    code = error.status.code
    if code == 404:
        return TokenRequestRefused(
            reason=SERVICE_ACCOUNT_NOT_FOUND,
            message=f"ServiceAccount {name!r} (spec.credentials.workloadIdentity."
            f"serviceAccountName) does not exist in namespace {namespace!r}: create it in the "
            "connector's namespace",
        )
    if code == 403:
        return TokenRequestRefused(
            reason=TOKEN_REQUEST_FORBIDDEN,
            message=f"the operator may not request tokens for ServiceAccount {name!r} in "
            f"namespace {namespace!r}: its RBAC needs the verb create on serviceaccounts/token "
            "in that namespace (the chart grants it)",
        )
    return TokenRequestRefused(
        reason=TOKEN_REQUEST_FAILED,
        message=f"TokenRequest for ServiceAccount {namespace}/{name} failed: HTTP {code} "
        f"{error.status.reason or ''}".rstrip(),
    )


async def request_token(
    client: AsyncClient,
    *,
    namespace: str,
    name: str,
    audience: str = AZURE_AD_TOKEN_EXCHANGE,
    expiration_seconds: int = EXPIRATION_SECONDS,
) -> IssuedToken:
    """Ask the API server for a bound token of ServiceAccount ``namespace/name``."""
    body = ServiceAccountToken(
        metadata=ObjectMeta(name=name, namespace=namespace),
        spec=TokenRequestSpec(audiences=[audience], expirationSeconds=expiration_seconds),
    )
    try:
        issued = await client.create(body, name=name, namespace=namespace)
    except ApiError as error:
        raise _refused(error, namespace=namespace, name=name) from None
    token = issued.status.token if issued.status is not None else None
    if not token:
        raise TokenRequestRefused(
            reason=TOKEN_REQUEST_FAILED,
            message=f"TokenRequest for ServiceAccount {namespace}/{name} returned no token",
        )
    # The API server may shorten (never lengthen) the lifetime asked for: trust its answer.
    lifetime = issued.spec.expirationSeconds if issued.spec is not None else None
    return IssuedToken(token=SecretStr(token), lifetime_seconds=lifetime or expiration_seconds)


@dataclass
class ServiceAccountAssertions:
    """Tokens of one ServiceAccount, renewed at half their lifetime, for MSAL's callback.

    ``await fetch()`` on the event loop; ``self()`` from MSAL's worker thread. The token is
    held as a ``SecretStr`` and the repr names only the ServiceAccount.
    """

    client: AsyncClient = field(repr=False)
    namespace: str
    name: str
    audience: str = AZURE_AD_TOKEN_EXCHANGE
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    _current: SecretStr | None = field(default=None, repr=False)
    _renew_at: float = field(default=0.0, repr=False)
    _loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    async def fetch(self) -> str:
        """A token with at least half its lifetime left (requested when needed)."""
        self._loop = asyncio.get_running_loop()
        async with self._lock:
            if self._current is None or self._renew_at <= self.clock():
                asked = self.clock()
                issued = await request_token(
                    self.client, namespace=self.namespace, name=self.name, audience=self.audience
                )
                self._current = issued.token
                self._renew_at = asked + issued.lifetime_seconds / 2
            return self._current.get_secret_value()

    def __call__(self) -> str:
        """MSAL's ``client_assertion`` callback: runs in a worker thread, never on the loop."""
        loop = self._loop
        if loop is None:
            raise RuntimeError("ServiceAccountAssertions.fetch() was never awaited on a loop")
        future = asyncio.run_coroutine_threadsafe(self.fetch(), loop)
        return future.result(timeout=BRIDGE_TIMEOUT_SECONDS)
