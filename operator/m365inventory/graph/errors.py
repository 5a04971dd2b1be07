"""Typed errors of the Graph client, and the pure functions that classify failures into them.

The sync layer turns these into connector conditions and Events, so each carries what a person
needs to act (the AADSTS code and a hint, the missing permission) and never a secret or a token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from m365inventory.graph import permissions


class GraphError(Exception):
    """Base of everything the Graph client raises."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        endpoint: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.endpoint = endpoint
        self.request_id = request_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status}, code={self.code!r})"


class AuthenticationError(GraphError):
    """The token could not be obtained (bad secret, unknown app, no consent in the tenant)."""

    def __init__(
        self,
        message: str,
        *,
        aadsts: int | None = None,
        hint: str | None = None,
        error: str | None = None,
        status: int | None = None,
        endpoint: str | None = None,
        consent_missing: bool = False,
    ) -> None:
        super().__init__(message, status=status, code=error, endpoint=endpoint)
        self.aadsts = aadsts
        self.hint = hint
        self.consent_missing = consent_missing
        """The app's client ID is valid (it signed in elsewhere) but has no service principal
        in this tenant: a customer administrator must consent; the credentials are fine."""


class MissingPermission(GraphError):
    """Graph answered 403: the app lacks an application permission (or admin consent for it)."""

    def __init__(self, message: str, *, permissions: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.permissions = permissions


class Throttled(GraphError):
    """Graph kept throttling (429/503) after every allowed retry."""


class TransientError(GraphError):
    """A failure that may pass by itself (5xx, connection reset, timeout) after retries ran out."""


class PermanentError(GraphError):
    """A failure that retrying cannot fix (4xx other than 429/408, malformed answers)."""


class NotApplicable(PermanentError):
    """Graph answered 400 "Request not applicable to target tenant.": the tenant lacks the
    service (e.g. no Intune licence for deviceManagement). Retrying cannot help; the feature
    does not exist there."""


class ResyncRequired(PermanentError):
    """A delta link expired or was invalidated (410 Gone): the caller must run a full sync."""


# Codes Graph uses in a delta answer when the stored state token can no longer be used.
RESYNC_CODES = frozenset(
    {"resyncrequired", "syncstatenotfound", "syncstateinvalid", "invaliddeltatoken"}
)

_AADSTS_HINTS: Mapping[int, str] = {
    7000215: "The client secret is wrong: use the secret's Value, not its ID.",
    7000222: "The client secret has expired: create a new one and update the Secret.",
    700016: "No application with this client ID exists in the tenant (wrong clientId or tenant).",
    700027: "The certificate assertion was rejected: upload this certificate to the app.",
    700024: "The client assertion is outside its validity window (clock skew or stale token).",
    700211: "No federated identity credential matches the assertion's issuer.",
    700213: "No federated identity credential matches the assertion's subject.",
    70021: "No federated credential of the app names this issuer, subject "
    "(system:serviceaccount:<namespace>:<serviceAccountName>) and audience exactly.",
    50166: "Entra ID could not read the issuer's OIDC discovery document or keys.",
    90002: "The tenant does not exist (wrong tenantId or cloud).",
    900023: "The tenant ID is not a valid tenant identifier.",
    65001: "The app has no admin consent in this tenant: grant admin consent.",
    7000229: "The app has no service principal in this tenant: grant admin consent there.",
    500011: "The app is not consented in this tenant (no service principal): grant consent.",
    7000112: "The application is disabled.",
    50034: "The user account does not exist in the tenant.",
    70000: "The refresh token is invalid or was revoked: re-authorize the partner account.",
    70008: "The refresh token has expired: re-authorize the partner account.",
    50173: "The refresh token was revoked (password change): re-authorize the partner account.",
}

_AADSTS = re.compile(r"AADSTS(\d+)")

#: Graph's answer to an Intune request in a tenant without an Intune licence (reported by
#: Microsoft Q&A and microsoftgraph/msgraph-beta-sdk-go#198; not on the reference pages).
NOT_APPLICABLE_MESSAGE = "Request not applicable to target tenant."


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of any non-empty secret in ``text`` with ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def authentication_error(
    result: Mapping[str, Any], *, tenant_id: str, secrets: Iterable[str] = ()
) -> AuthenticationError:
    """Build an AuthenticationError from an MSAL error result (``error``, ``error_codes`` …)."""
    error = str(result.get("error") or "unknown_error")
    description = str(result.get("error_description") or "")
    codes = result.get("error_codes") or []
    aadsts: int | None = None
    if codes:
        aadsts = int(codes[0])
    else:
        found = _AADSTS.search(description)
        if found:
            aadsts = int(found.group(1))
    # Microsoft's first line is the useful part; trace and correlation ids follow it.
    first_line = redact(description.splitlines()[0] if description else "", secrets)
    hint = _AADSTS_HINTS.get(aadsts) if aadsts is not None else None
    code_text = f"AADSTS{aadsts}" if aadsts is not None else error
    message = f"token request for tenant {tenant_id} failed: {code_text}"
    if hint:
        message += f" - {hint}"
    if first_line:
        message += f" ({first_line[:300]})"
    return AuthenticationError(message, aadsts=aadsts, hint=hint, error=error)


#: AADSTS700016 means "no application with this client ID in this directory". Entra answers it
#: both for a wrong client ID and for a multi-tenant app nobody consented to in that tenant
#: (https://learn.microsoft.com/entra/identity-platform/reference-error-codes); which one it is
#: shows only when the same client ID signed in to another tenant.
APP_NOT_FOUND = 700016


def consent_missing(error: AuthenticationError, *, tenant_id: str) -> AuthenticationError:
    """The same AADSTS700016 failure, read as "no consent in this customer tenant" because the
    app signed in elsewhere (so the client ID and credentials are right)."""
    hint = (
        "The app has no service principal in this customer tenant (nobody consented): an "
        f"administrator of tenant {tenant_id} must grant admin consent to the multi-tenant app."
    )
    return AuthenticationError(
        f"token request for tenant {tenant_id} failed: AADSTS{APP_NOT_FOUND} - {hint}",
        aadsts=error.aadsts,
        hint=hint,
        error=error.code,
        status=error.status,
        endpoint=error.endpoint,
        consent_missing=True,
    )


def _error_parts(body: Any) -> tuple[str | None, str]:
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping):
            return (str(error.get("code")) if error.get("code") else None), str(
                error.get("message") or ""
            )
    return None, ""


def classify(
    *,
    status: int,
    body: Any,
    method: str,
    path: str,
    request_id: str | None = None,
) -> GraphError:
    """Map a failed Graph answer (after retries, if any) to the error the caller should see.

    ``path`` is the request path relative to the Graph version root (``/users``); the permission
    table is looked up by it because Graph's 403 body does not name the permission missing.
    """
    code, text = _error_parts(body)
    where = f"{method} {path}"
    detail = f"{status} {code}: {text[:300]}" if code else f"{status}"
    kwargs: dict[str, Any] = {
        "status": status,
        "code": code,
        "endpoint": path,
        "request_id": request_id,
    }
    if status == 410 or (code is not None and code.lower() in RESYNC_CODES):
        return ResyncRequired(f"{where}: delta state expired, full resync needed", **kwargs)
    if status == 401:
        return AuthenticationError(
            f"{where}: Graph rejected the access token ({detail})",
            error=code,
            status=status,
            endpoint=path,
        )
    if status == 403:
        needed = permissions.required_for(method=method, path=path)
        names = " or ".join(needed) if needed else "an application permission"
        return MissingPermission(
            f"{where}: access denied; the app needs the Microsoft Graph application permission "
            f"{names} with admin consent ({detail})",
            permissions=needed,
            **kwargs,
        )
    if status == 400 and text.strip().lower() == NOT_APPLICABLE_MESSAGE.lower():
        return NotApplicable(f"{where}: the tenant does not have this service ({detail})", **kwargs)
    if status in (429, 503):
        return Throttled(f"{where}: still throttled after retries ({detail})", **kwargs)
    if status >= 500 or status == 408:
        return TransientError(f"{where}: server error after retries ({detail})", **kwargs)
    return PermanentError(f"{where}: request failed ({detail})", **kwargs)
