"""Access tokens for Graph, one MSAL confidential client per tenant authority.

MSAL is synchronous (it uses requests), so every call runs in a worker thread. All the tenant
clients share one token cache and MSAL serves tokens from it until they near expiry, so a tenant
costs one token request per token lifetime. A per-tenant lock stops concurrent first calls from
each fetching a token. Failures become :class:`AuthenticationError` with the AADSTS code kept
and the credential's secret values scrubbed from the message; "try again later" answers and
unanswered requests become :class:`TransientError`, which the sender retries.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msal
import requests
from pydantic import SecretStr

from m365inventory.graph import errors
from m365inventory.graph.clouds import Cloud
from m365inventory.graph.credentials import Credential

# OAuth error codes that say "try again later" rather than "your request is wrong".
_TRANSIENT_ERRORS = frozenset({"temporarily_unavailable", "server_error"})
# Renew a delegated token this long before it expires (MSAL uses the same margin).
_EXPIRY_MARGIN = 300.0


class PinnedHttp:
    """The HTTP client MSAL uses: a requests session that always verifies against our CA.

    requests lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` override ``Session.verify``
    (psf/requests#3829), which would silently swap the simulator's CA for the system bundle;
    passing ``verify`` and ``timeout`` on every call pins them.
    """

    def __init__(self, *, verify: bool | str, timeout: float) -> None:
        self._session = requests.Session()
        self._verify = verify
        self._timeout = timeout

    def _call(self, method: str, url: str, kwargs: dict[str, Any]) -> Any:
        kwargs["verify"] = self._verify
        kwargs.setdefault("timeout", self._timeout)
        return self._session.request(method, url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self._call("POST", url, kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self._call("GET", url, kwargs)

    def close(self) -> None:
        self._session.close()


@dataclass(frozen=True)
class PartnerDelegation:
    """Delegated access for GDAP: the partner service account's refresh token."""

    refresh_token: SecretStr


class TokenProvider:
    """Gets (and caches) app-only or delegated Graph tokens for any tenant of one app."""

    def __init__(
        self,
        *,
        cloud: Cloud,
        client_id: str,
        credential: Credential,
        delegation: PartnerDelegation | None = None,
        cache: msal.TokenCache | None = None,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cloud = cloud
        self._client_id = client_id
        self._credential = credential
        self._cache = cache if cache is not None else msal.TokenCache()
        verify: bool | str = str(cloud.ca_bundle) if cloud.ca_bundle is not None else True
        self._http = PinnedHttp(verify=verify, timeout=timeout)
        self._apps: dict[str, Any] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._delegation = delegation
        self._refresh_token = delegation.refresh_token if delegation else SecretStr("")
        # Delegated tokens per tenant: (access token, expiry on self._clock). MSAL's cache needs
        # an account (from an id_token) to serve these silently; keeping them here does not.
        self._delegated: dict[str, tuple[str, float]] = {}
        self._clock = clock
        #: Tokens obtained from the identity provider (not from a cache), per tenant.
        self.issued: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"TokenProvider(cloud={self._cloud.name!r}, client_id={self._client_id!r})"

    def _secrets(self) -> tuple[str, ...]:
        values = self._credential.secret_values()
        if self._delegation is not None:
            values += (
                self._delegation.refresh_token.get_secret_value(),
                self._refresh_token.get_secret_value(),
            )
        return values

    def _app(self, tenant_id: str) -> Any:
        app = self._apps.get(tenant_id)
        if app is None:
            app = msal.ConfidentialClientApplication(
                self._client_id,
                client_credential=self._credential.msal_credential(),
                authority=self._cloud.authority(tenant_id),
                validate_authority=self._cloud.validate_authority,
                instance_discovery=self._cloud.validate_authority,
                token_cache=self._cache,
                http_client=self._http,
            )
            self._apps[tenant_id] = app
        return app

    async def token(self, tenant_id: str, *, delegated: bool = False) -> str:
        """A valid access token for ``tenant_id`` (app-only unless ``delegated``)."""
        lock = self._locks.setdefault(tenant_id, asyncio.Lock())
        async with lock:
            try:
                result = await asyncio.to_thread(self._acquire, tenant_id, delegated)
            except errors.AuthenticationError:
                raise
            except OSError as exc:  # requests' errors are OSErrors: no answer from the IdP
                raise errors.TransientError(
                    f"token request for tenant {tenant_id} got no answer ({type(exc).__name__})"
                ) from None
            except msal.exceptions.MsalServiceError as exc:
                # MSAL raises "HTTP Error: <status>" for a 5xx from the token endpoint (an
                # outage, not wrong credentials); other service errors are the credentials'.
                if not str(exc).startswith("HTTP Error: 5"):
                    raise errors.AuthenticationError(
                        f"token request for tenant {tenant_id} failed: "
                        f"{errors.redact(str(exc), self._secrets())[:300]}"
                    ) from None
                raise errors.TransientError(
                    f"token request for tenant {tenant_id} failed for now: {exc}"
                ) from None
            except Exception as exc:  # MSAL raises ValueError & co. on a bad setup
                text = errors.redact(f"{type(exc).__name__}: {exc}", self._secrets())
                raise errors.AuthenticationError(
                    f"token request for tenant {tenant_id} failed: {text[:300]}"
                ) from None
        if "access_token" not in result:
            if result.get("error") in _TRANSIENT_ERRORS:
                raise errors.TransientError(
                    f"token request for tenant {tenant_id} failed for now: {result.get('error')}"
                )
            raise errors.authentication_error(result, tenant_id=tenant_id, secrets=self._secrets())
        if result.get("token_source") == "identity_provider":
            self.issued[tenant_id] += 1
        return str(result["access_token"])

    def _acquire(self, tenant_id: str, delegated: bool) -> dict[str, Any]:
        app = self._app(tenant_id)
        scopes = [self._cloud.scope]
        if not delegated:
            return dict(app.acquire_token_for_client(scopes=scopes))
        if self._delegation is None:
            raise errors.AuthenticationError(
                f"delegated token for tenant {tenant_id} asked, but no partner refresh token set"
            )
        cached = self._delegated.get(tenant_id)
        if cached is not None and cached[1] - _EXPIRY_MARGIN > self._clock():
            return {"access_token": cached[0], "token_source": "cache"}
        refresh_token = self._refresh_token.get_secret_value()
        result = dict(app.acquire_token_by_refresh_token(refresh_token, scopes=scopes))
        if "access_token" in result:
            result.setdefault("token_source", "identity_provider")
            expires_at = self._clock() + float(result.get("expires_in", 0))
            self._delegated[tenant_id] = (str(result["access_token"]), expires_at)
            if result.get("refresh_token"):  # Entra rotates refresh tokens: keep the newest
                self._refresh_token = SecretStr(str(result["refresh_token"]))
        return result

    def close(self) -> None:
        self._http.close()
