"""The Microsoft identity platform half: discovery documents, the token endpoint, JWTs.

Access tokens are RS256 JWTs signed by a key the simulator makes at start-up, shaped like
Entra ID's v1 Graph tokens (`aud`, `iss`, `tid`, `appid`, `roles` or `scp`, `exp`). Graph
handlers verify them with `verify_access_token`. Secrets and assertions are compared, never
logged or echoed.
"""

from __future__ import annotations

import hmac
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from m365inventory.simulator.certs import certificate_thumbprints
from m365inventory.simulator.errors import IdentityError
from m365inventory.simulator.world import App, Tenant, World

GRAPH_AUDIENCE = "https://graph.microsoft.com"
_GRAPH_RESOURCES = (GRAPH_AUDIENCE, "00000003-0000-0000-c000-000000000000")
_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass
class SigningKey:
    private_key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    kid: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r})"

    def jwks(self) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {"keys": [public | {"kid": self.kid, "use": "sig", "alg": "RS256"}]}


def openid_configuration(*, base_url: str, tenant: Tenant) -> dict[str, Any]:
    root = f"{base_url}/{tenant.id}"
    return {
        "token_endpoint": f"{root}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{base_url}/{tenant.id}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{root}/v2.0",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{base_url}/oidc/userinfo",
        "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "ver"],
        "kerberos_endpoint": f"{root}/kerberos",
        "tenant_region_scope": "NA",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }


def unknown_tenant(tenant: str, *, discovery: bool = False) -> IdentityError:
    return IdentityError(
        400,
        "invalid_tenant" if discovery else "invalid_request",
        90002,
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
        "signing into the correct cloud. Check with your subscription administrator, this may "
        "happen if there are no active subscriptions for the tenant.",
    )


@dataclass(frozen=True)
class TokenRequest:
    """The parsed form of a POST to /{tenant}/oauth2/v2.0/token."""

    tenant: str
    token_endpoint: str
    #: Kept out of the repr: it holds the client secret, assertion or refresh token.
    form: dict[str, str] = field(repr=False)


class TokenService:
    def __init__(self, *, world: World, key: SigningKey, lifetime: int) -> None:
        self.world = world
        self.key = key
        self.lifetime = lifetime

    # ---- issuing -----------------------------------------------------------------------
    def issue(self, request: TokenRequest) -> dict[str, Any]:
        """Answer a token request or raise IdentityError in Entra ID's shape."""
        tenant = self.world.tenant(request.tenant)
        if tenant is None:
            raise unknown_tenant(request.tenant)
        grant = request.form.get("grant_type", "")
        if grant == "client_credentials":
            return self._client_credentials(tenant, request)
        if grant == "refresh_token":
            return self._refresh(tenant, request)
        if not grant:
            raise IdentityError(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            )
        raise IdentityError(
            400,
            "unsupported_grant_type",
            70003,
            f"The app requested an unsupported grant type '{grant}'.",
        )

    def _client_credentials(self, tenant: Tenant, request: TokenRequest) -> dict[str, Any]:
        scope = request.form.get("scope", "")
        if not scope:
            raise IdentityError(
                400,
                "invalid_request",
                90014,
                "The required field 'scope' is missing from the credential.",
            )
        _require_graph_default_scope(scope)
        app = self._authenticate_client(tenant, request)
        roles = app.grants[tenant.id]
        claims: dict[str, Any] = {"appid": app.client_id, "azp": app.client_id, "idtyp": "app"}
        if roles:
            claims["roles"] = sorted(roles)
        claims["oid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sp/{tenant.id}/{app.client_id}"))
        claims["sub"] = claims["oid"]
        return self._token_response(tenant=tenant, claims=claims)

    def _refresh(self, tenant: Tenant, request: TokenRequest) -> dict[str, Any]:
        app = self._client(tenant, request.form.get("client_id", ""), check_principal=False)
        if "client_secret" in request.form or "client_assertion" in request.form:
            self._check_credential(app, tenant, request)
        presented = request.form.get("refresh_token", "")
        grant = next(
            (
                g
                for g in self.world.refresh_grants
                if hmac.compare_digest(g.refresh_token.get_secret_value(), presented)
            ),
            None,
        )
        if grant is None or grant.client_id != app.client_id:
            raise IdentityError(
                400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."
            )
        if grant.revoked:
            raise IdentityError(
                400,
                "invalid_grant",
                50173,
                "The provided grant has expired due to it being "
                "revoked, a fresh auth token is needed. The user might have changed or reset "
                "their password.",
            )
        if tenant.id != grant.home_tenant_id and not self._gdap_active(
            grant.home_tenant_id, tenant
        ):
            raise IdentityError(
                400,
                "invalid_grant",
                50020,
                f"User account '{grant.user_principal_name}' from "
                f"identity provider 'https://sts.windows.net/{grant.home_tenant_id}/' does not "
                f"exist in tenant '{tenant.display_name}' and cannot access the application "
                f"'{app.client_id}'({app.display_name}) in that tenant.",
            )
        if tenant.id not in app.grants:
            raise IdentityError(
                400,
                "invalid_grant",
                65001,
                "The user or administrator has not consented to use "
                f"the application with ID '{app.client_id}' named '{app.display_name}'. Send an "
                "interactive authorization request for this user and resource.",
            )
        scopes = sorted(app.delegated_scopes)
        claims: dict[str, Any] = {
            "appid": app.client_id,
            "azp": app.client_id,
            "scp": " ".join(scopes),
            "oid": grant.user_id,
            "sub": grant.user_id,
            "upn": grant.user_principal_name,
            "idp": f"https://sts.windows.net/{grant.home_tenant_id}/",
        }
        response = self._token_response(tenant=tenant, claims=claims)
        response["scope"] = " ".join(f"{GRAPH_AUDIENCE}/{s}" for s in scopes)
        response["refresh_token"] = grant.refresh_token.get_secret_value()
        return response

    def _gdap_active(self, partner_id: str, customer: Tenant) -> bool:
        partner = self.world.tenant(partner_id)
        return partner is not None and any(
            r.customer_tenant_id == customer.id and r.status == "active"
            for r in partner.relationships
        )

    # ---- client authentication ---------------------------------------------------------
    def _client(self, tenant: Tenant, client_id: str, *, check_principal: bool) -> App:
        app = self.world.app(client_id)
        if app is None:
            raise IdentityError(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' "
                f"was not found in the directory '{tenant.display_name}'. This can happen if the "
                "application has not been installed by the administrator of the tenant or "
                "consented to by any user in the tenant. You may have sent your authentication "
                "request to the wrong tenant.",
            )
        if check_principal and tenant.id not in app.grants:
            raise no_service_principal(client_id=client_id, tenant=tenant)
        return app

    def _authenticate_client(self, tenant: Tenant, request: TokenRequest) -> App:
        app = self._client(tenant, request.form.get("client_id", ""), check_principal=False)
        self._check_credential(app, tenant, request)
        return self._client(tenant, app.client_id, check_principal=True)

    def _check_credential(self, app: App, tenant: Tenant, request: TokenRequest) -> None:
        if "client_assertion" in request.form:
            self._check_assertion(app, request)
            return
        secret = request.form.get("client_secret")
        if secret is None:
            raise IdentityError(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following "
                "parameter: 'client_assertion' or 'client_secret'.",
            )
        for known in app.secrets:
            if hmac.compare_digest(known.value.get_secret_value().encode(), secret.encode()):
                if known.expires_date_time < time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()):
                    raise IdentityError(
                        401,
                        "invalid_client",
                        7000222,
                        f"The provided client secret keys for app "
                        f"'{app.client_id}' are expired. Visit the Azure portal to create new "
                        "keys for your app.",
                    )
                return
        raise IdentityError(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret "
            f"being sent in the request is the client secret value, not the client secret ID, "
            f"for a secret added to app '{app.client_id}'.",
        )

    def _check_assertion(self, app: App, request: TokenRequest) -> None:
        if request.form.get("client_assertion_type") != _ASSERTION_TYPE:
            raise IdentityError(
                400,
                "invalid_request",
                50027,
                "Invalid JWT token. client_assertion_type is invalid.",
            )
        assertion = request.form["client_assertion"]
        try:
            header = jwt.get_unverified_header(assertion)
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise IdentityError(
                400, "invalid_request", 50027, "JWT token is invalid or malformed."
            ) from None
        if unverified.get("iss") != app.client_id:
            # Not the app's own signed assertion: a token from an external issuer, accepted
            # only through one of the app's federated identity credentials.
            check_federated_assertion(self.world, app, assertion=assertion, header=header)
            return
        certificate = self._find_certificate(app, header)
        if certificate is None:
            raise IdentityError(
                401,
                "invalid_client",
                700027,
                "Client assertion failed signature validation. "
                "The certificate with identifier used to sign the client assertion is not "
                f"registered on application. [Reason - The key was not found., Thumbprint of "
                f"key used by client: '{header.get('x5t', header.get('x5t#S256', ''))}']",
            )
        try:
            claims = jwt.decode(
                assertion,
                key=_public_key(certificate),
                algorithms=["RS256", "PS256"],
                audience=request.token_endpoint,
                options={"require": ["exp", "aud", "iss", "sub"]},
                leeway=300,
            )
        except jwt.ExpiredSignatureError:
            raise IdentityError(
                401,
                "invalid_client",
                700024,
                "Client assertion is not within its valid time range.",
            ) from None
        except jwt.InvalidAudienceError:
            raise IdentityError(
                401,
                "invalid_client",
                700212,
                "No matching federated identity record found for presented assertion audience.",
            ) from None
        except jwt.PyJWTError:
            raise IdentityError(
                401, "invalid_client", 700027, "Client assertion failed signature validation."
            ) from None
        if claims.get("iss") != app.client_id or claims.get("sub") != app.client_id:
            raise IdentityError(
                401,
                "invalid_client",
                700023,
                "Client assertion audience claim does not match Realm issuer."
                if claims.get("iss") != app.client_id
                else "Client assertion subject does not match the client id.",
            )

    @staticmethod
    def _find_certificate(app: App, header: dict[str, Any]) -> str | None:
        for cert in app.certificates:
            sha1, sha256 = certificate_thumbprints(cert.certificate_pem)
            # MSAL pads the base64url thumbprints; Entra ID accepts either form.
            x5t = str(header.get("x5t", "")).rstrip("=")
            x5t_s256 = str(header.get("x5t#S256", "")).rstrip("=")
            if x5t == sha1 or x5t_s256 == sha256:
                return cert.certificate_pem
        return None

    # ---- tokens ------------------------------------------------------------------------
    def _token_response(self, *, tenant: Tenant, claims: dict[str, Any]) -> dict[str, Any]:
        now = int(time.time())
        payload = {
            "aud": GRAPH_AUDIENCE,
            "iss": f"https://sts.windows.net/{tenant.id}/",
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime,
            "tid": tenant.id,
            "ver": "1.0",
            "uti": uuid.uuid4().hex[:22],
        } | claims
        token = jwt.encode(
            payload, self.key.private_key, algorithm="RS256", headers={"kid": self.key.kid}
        )
        return {
            "token_type": "Bearer",
            "expires_in": self.lifetime,
            "ext_expires_in": self.lifetime,
            "access_token": token,
        }

    def verify_access_token(self, token: str) -> dict[str, Any]:
        """Claims of a token this simulator issued; raises jwt.PyJWTError otherwise."""
        return jwt.decode(
            token,
            key=self.key.private_key.public_key(),
            algorithms=["RS256"],
            audience=list(_GRAPH_RESOURCES),
            options={"require": ["exp", "tid"]},
        )


def _require_graph_default_scope(scope: str) -> None:
    parts = scope.split()
    if len(parts) != 1 or not parts[0].endswith("/.default"):
        raise IdentityError(
            400,
            "invalid_scope",
            1002012,
            f"The provided value for scope {scope} is not valid. "
            "Client credential flows must have a scope value with /.default suffixed to the "
            "resource identifier (application ID URI).",
        )
    resource = parts[0].removesuffix("/.default")
    if resource not in _GRAPH_RESOURCES:
        raise IdentityError(
            400,
            "invalid_resource",
            500011,
            f"The resource principal named {resource} was not "
            "found in the tenant. This can happen if the application has not been installed "
            "by the administrator of the tenant.",
        )


def _public_key(certificate_pem: str) -> Any:
    from cryptography import x509

    return x509.load_pem_x509_certificate(certificate_pem.encode()).public_key()


def no_service_principal(*, client_id: str, tenant: Tenant) -> IdentityError:
    """What Entra ID answers a client-credentials request in a tenant where the multi-tenant
    app has no service principal (nobody consented there): AADSTS700016, `unauthorized_client`
    ("This can happen if the application has not been installed by the administrator of the
    tenant or consented to by any user in the tenant";
    https://learn.microsoft.com/entra/identity-platform/reference-error-codes, and
    https://learn.microsoft.com/entra/identity/enterprise-apps/create-service-principal-cross-tenant:
    "check whether the enterprise application is already in your tenant by attempting to sign
    in"). The message is the one an unknown client id gets: Entra cannot tell them apart.
    """
    return IdentityError(
        400,
        "unauthorized_client",
        700016,
        f"Application with identifier '{client_id}' was not found in the directory "
        f"'{tenant.display_name}'. This can happen if the application has not been installed by "
        "the administrator of the tenant or consented to by any user in the tenant. You may have "
        "sent your authentication request to the wrong tenant.",
    )


# ---- workload identity federation ------------------------------------------------------------
# A client assertion issued by someone other than the app (a Kubernetes ServiceAccount token)
# is accepted only when a federated identity credential of the app names its issuer, subject and
# audience exactly, and its signature verifies against the issuer's published keys. The error
# shapes are Entra ID's, e.g. (https://github.com/Azure/azure-workload-identity/issues/616):
#   invalid_request AADSTS70021: No matching federated identity record found for presented
#   assertion. Assertion Issuer: '…'. Assertion Subject: '…'. Assertion Audience: '…'.
# Model: https://learn.microsoft.com/entra/workload-id/workload-identity-federation

_FEDERATED_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]


def _no_matching_federated_record(claims: dict[str, Any]) -> IdentityError:
    audience = claims.get("aud")
    shown = ",".join(audience) if isinstance(audience, list) else str(audience or "")
    return IdentityError(
        400,
        "invalid_request",
        70021,
        "No matching federated identity record found for presented assertion. Assertion "
        f"Issuer: '{claims.get('iss', '')}'. Assertion Subject: '{claims.get('sub', '')}'. "
        f"Assertion Audience: '{shown}'. "
        "https://docs.microsoft.com/en-us/azure/active-directory/develop/"
        "workload-identity-federation",
    )


def _issuer_signing_key(world: World, *, issuer: str, header: dict[str, Any]) -> Any:
    """The public key the issuer published under the token's ``kid``; refuse otherwise."""
    jwks = world.issuer_keys(issuer)
    if jwks is None:
        raise IdentityError(
            400,
            "invalid_request",
            50166,
            f"Request to External OIDC endpoint failed. Issuer '{issuer}' could not be reached "
            "to read its signing keys.",
        )
    kid = header.get("kid")
    for candidate in jwt.PyJWKSet.from_dict(jwks).keys:
        if kid is None or candidate.key_id == kid:
            return candidate.key
    raise IdentityError(
        401,
        "invalid_client",
        700027,
        "Client assertion failed signature validation. [Reason - The key was not found., "
        f"Key ID: '{kid or ''}']",
    )


def check_federated_assertion(
    world: World, app: App, *, assertion: str, header: dict[str, Any]
) -> dict[str, Any]:
    """Verify a federated assertion for ``app`` like Entra ID; return its claims or raise."""
    if header.get("alg") not in _FEDERATED_ALGORITHMS:  # "none" and HMAC are never accepted
        raise IdentityError(
            401, "invalid_client", 700027, "Client assertion failed signature validation."
        )
    unverified = jwt.decode(assertion, options={"verify_signature": False})
    issuer = str(unverified.get("iss", ""))
    if not any(f.issuer == issuer for f in app.federated_credentials):
        raise _no_matching_federated_record(unverified)
    key = _issuer_signing_key(world, issuer=issuer, header=header)
    try:
        claims = jwt.decode(
            assertion,
            key=key,
            algorithms=_FEDERATED_ALGORITHMS,
            issuer=issuer,
            options={"require": ["exp", "iss", "sub", "aud"], "verify_aud": False},
            leeway=60,
        )
    except jwt.ExpiredSignatureError:
        raise IdentityError(
            400,
            "invalid_client",
            700024,
            "Client assertion is not within its valid time range.",
        ) from None
    except jwt.PyJWTError:
        raise IdentityError(
            401, "invalid_client", 700027, "Client assertion failed signature validation."
        ) from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    for record in app.federated_credentials:
        if (
            record.issuer == issuer
            and record.subject == claims["sub"]
            and any(a in record.audiences for a in audiences)
        ):
            return claims
    raise _no_matching_federated_record(claims)
