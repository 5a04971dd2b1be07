"""Access tokens for Graph, one MSAL confidential client per tenant authority.

MSAL is synchronous (it uses requests), so every call runs in a worker thread. All the tenant
clients share one token cache and MSAL serves tokens from it until they near expiry, so a tenant
costs one token request per token lifetime. A per-tenant lock stops concurrent first calls from
each fetching a token. Failures become :class:`AuthenticationError` with the AADSTS code kept
and the credential's secret values scrubbed from the message.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Any

import msal
from pydantic import SecretStr

from m365inventory.graph import errors
from m365inventory.graph.clouds import Cloud
from m365inventory.graph.credentials import Credential


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
    ) -> None:
        self._cloud = cloud
        self._client_id = client_id
        self._credential = credential
        self._delegation = delegation
        self._cache = cache if cache is not None else msal.TokenCache()
        self._timeout = timeout
        self._apps: dict[str, Any] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        #: Tokens obtained from the identity provider (not from the cache), per tenant.
        self.issued: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"TokenProvider(cloud={self._cloud.name!r}, client_id={self._client_id!r})"

    def _secrets(self) -> tuple[str, ...]:
        values = self._credential.secret_values()
        if self._delegation is not None:
            values += (self._delegation.refresh_token.get_secret_value(),)
        return values

    def _app(self, tenant_id: str) -> Any:
        app = self._apps.get(tenant_id)
        if app is None:
            verify: bool | str = True
            if self._cloud.ca_bundle is not None:
                verify = str(self._cloud.ca_bundle)
            app = msal.ConfidentialClientApplication(
                self._client_id,
                client_credential=self._credential.msal_credential(),
                authority=self._cloud.authority(tenant_id),
                validate_authority=self._cloud.validate_authority,
                instance_discovery=self._cloud.validate_authority,
                token_cache=self._cache,
                verify=verify,
                timeout=self._timeout,
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
            except Exception as exc:  # MSAL raises ValueError & requests errors on bad setup
                text = errors.redact(f"{type(exc).__name__}: {exc}", self._secrets())
                raise errors.AuthenticationError(
                    f"token request for tenant {tenant_id} failed: {text[:300]}"
                ) from None
        if "access_token" not in result:
            raise errors.authentication_error(result, tenant_id=tenant_id, secrets=self._secrets())
        if result.get("token_source") == "identity_provider":
            self.issued[tenant_id] += 1
        return str(result["access_token"])

    def _acquire(self, tenant_id: str, delegated: bool) -> dict[str, Any]:
        app = self._app(tenant_id)
        scopes = [self._cloud.scope]
        if not delegated:
            result: dict[str, Any] = app.acquire_token_for_client(scopes=scopes)
            return result
        if self._delegation is None:
            raise errors.AuthenticationError(
                f"delegated token for tenant {tenant_id} asked, but no partner refresh token set"
            )
        for account in app.get_accounts():
            cached = app.acquire_token_silent(scopes, account=account)
            if cached and "access_token" in cached:
                cached.setdefault("token_source", "cache")
                return dict(cached)
        result = app.acquire_token_by_refresh_token(
            self._delegation.refresh_token.get_secret_value(), scopes=scopes
        )
        return dict(result)
