"""The Graph request pipeline, independent of HTTP: route → fault → auth → throttle → handle.

`GraphService.handle` takes a `GraphRequest` and returns a `GraphResponse`; the Starlette app
and `$batch` both call it, so a batched request is throttled, faulted, authorised and counted
exactly like a direct one.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt

from m365inventory.simulator import errors, permissions, strictness
from m365inventory.simulator.counters import Counters
from m365inventory.simulator.errors import GraphError
from m365inventory.simulator.faults import Faults
from m365inventory.simulator.identity import TokenService
from m365inventory.simulator.odata import Query
from m365inventory.simulator.settings import Settings
from m365inventory.simulator.throttling import Throttler
from m365inventory.simulator.world import Tenant, World

_log = logging.getLogger(__name__)

JSON_CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;"
    "charset=utf-8"
)


@dataclass(frozen=True)
class GraphRequest:
    method: str
    version: str
    #: Path below the version root, e.g. "/users/abc".
    path: str
    params: dict[str, str]
    #: Lower-cased header names. Kept out of the repr: it holds the bearer token.
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(default=b"", repr=False)


@dataclass
class GraphResponse:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    #: Raw bytes instead of JSON (report downloads).
    raw: bytes | None = None
    #: Cut the connection in the middle of the body.
    reset: bool = False

    def content(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return json.dumps(self.body, ensure_ascii=False).encode()


@dataclass
class Context:
    """Everything a route handler may use while answering one request."""

    world: World
    tenant: Tenant
    claims: dict[str, Any]
    request: GraphRequest
    query: Query
    params: dict[str, str]
    endpoint: str
    graph_url: str
    settings: Settings
    env: Environment

    @property
    def root(self) -> str:
        return f"{self.graph_url.rsplit('/', 1)[0]}/{self.request.version}"


Handler = Callable[[Context], GraphResponse]


@dataclass(frozen=True)
class Route:
    method: str
    #: Path template below the version root, e.g. "/users/{id}".
    template: str
    handler: Handler
    workload: str = "identity"
    #: Base identity resource units (Graph's throttling-limits table; unlisted paths cost 1).
    cost: int = 1

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        found = _compiled(self.template).fullmatch(path)
        return found.groupdict() if found else None


def _compiled(template: str) -> re.Pattern[str]:
    pattern = re.escape(template)
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", pattern)
    return re.compile(pattern)


@dataclass
class Environment:
    """The simulator's shared machinery handed to every request."""

    world: World
    tokens: TokenService
    settings: Settings
    faults: Faults
    counters: Counters
    throttler: Throttler
    base_url: str
    routes: list[Route]
    #: Short-lived report downloads: token -> (expires at, CSV bytes).
    downloads: dict[str, tuple[float, bytes]] = field(default_factory=dict)


class GraphService:
    def __init__(self, env: Environment) -> None:
        self.env = env

    def handle(self, request: GraphRequest) -> GraphResponse:
        request_id = str(uuid.uuid4())
        client_request_id = request.headers.get("client-request-id", request_id)
        route, params = self._route(request)
        endpoint = self._endpoint(request, route)
        try:
            response = self._answer(request, route, params, endpoint)
        except Exception as unexpected:
            if not isinstance(unexpected, GraphError):
                _log.exception("simulator bug answering %s %s", request.method, request.path)
            failure = (
                unexpected
                if isinstance(unexpected, GraphError)
                else GraphError(500, "InternalServerError", "An internal server error occurred.")
            )
            response = GraphResponse(
                status=failure.status,
                body=errors.graph_error(
                    code=failure.code,
                    message=failure.message,
                    request_id=request_id,
                    client_request_id=client_request_id,
                ),
                headers=dict(failure.headers),
            )
        response.headers.update(
            {
                "request-id": request_id,
                "client-request-id": client_request_id,
                "x-ms-ags-diagnostic": json.dumps(
                    {"ServerInfo": {"DataCenter": "Simulator", "Slice": "E", "Ring": "1"}}
                ),
            }
        )
        if response.raw is None and response.body is not None:
            response.headers.setdefault("content-type", JSON_CONTENT_TYPE)
        self.env.counters.record(endpoint=endpoint, status=response.status)
        return response

    # ---- steps -------------------------------------------------------------------------
    def _route(self, request: GraphRequest) -> tuple[Route | None, dict[str, str]]:
        for route in self.env.routes:
            params = route.match(request.method, request.path)
            if params is not None:
                return route, params
        return None, {}

    def _endpoint(self, request: GraphRequest, route: Route | None) -> str:
        template = route.template if route else "/{unknown}"
        endpoint = f"{request.method} /{request.version}{template}"
        if route and route.template.endswith("recoveryKeys/{id}") and _selects(request, "key"):
            endpoint += "?$select=key"
        return endpoint

    def _answer(
        self, request: GraphRequest, route: Route | None, params: dict[str, str], endpoint: str
    ) -> GraphResponse:
        env = self.env
        fault = env.faults.decide(endpoint=endpoint)
        if fault is not None and fault.status is not None:
            raise _fault_error(fault.status, fault.retry_after, env, request)
        if route is None and any(r.match(r.method, request.path) is not None for r in env.routes):
            raise GraphError(
                405,
                "Request_BadRequest",
                "Specified HTTP method is not allowed for the request target.",
            )
        if route is None:
            # Graph answers an unknown segment with 400, not 404.
            raise GraphError(
                400,
                "BadRequest",
                f"Resource not found for the segment '{_unknown_segment(request.path)}'.",
            )
        claims = self._authenticate(request)
        with env.world.lock:
            tenant = env.world.tenant(claims["tid"])
            if tenant is None:
                raise GraphError(
                    401,
                    "InvalidAuthenticationToken",
                    "Access token validation failure. Invalid audience.",
                )
            users = len(tenant.users)
        cost = _resource_units(route, request)
        verdict = env.throttler.check(
            limits=env.settings.throttle,
            app_id=str(claims.get("appid", "")),
            tenant_id=tenant.id,
            tenant_users=users,
            workload=route.workload,
            cost=cost,
        )
        if not verdict.allowed:
            headers = {
                "x-ms-throttle-scope": verdict.scope,
                "x-ms-throttle-information": "ResourceUnitLimitExceeded"
                if route.workload == "identity"
                else "RequestLimitExceeded",
            }
            if not env.settings.throttle.omit_retry_after:
                headers["Retry-After"] = str(verdict.retry_after)
            raise GraphError(
                429,
                "TooManyRequests",
                "Too many requests. Please retry after the time given in Retry-After.",
                headers=headers,
            )
        permission_key = (
            endpoint.split(" ", 1)[0]
            + " "
            + endpoint.split(" ", 1)[1].replace(f"/{request.version}", "", 1)
        )
        granted = set(claims.get("roles", [])) | set(str(claims.get("scp", "")).split())
        if not permissions.allowed(template=permission_key, granted=granted):
            denial = permissions.denial_for(permission_key)
            raise GraphError(403, denial.code, denial.message)
        query = Query.parse(request.params, headers=request.headers)
        strictness.check(
            template=route.template,
            query=query,
            params=request.params,
            headers=request.headers,
            path_params=params,
        )
        with env.world.lock:
            context = Context(
                world=env.world,
                tenant=tenant,
                claims=claims,
                request=request,
                query=query,
                params=params,
                endpoint=endpoint,
                graph_url=f"{env.base_url}/graph/{request.version}",
                settings=env.settings,
                env=env,
            )
            response = route.handler(context)
        if route.workload == "identity":
            response.headers["x-ms-resource-unit"] = str(cost)
        if verdict.usage >= 0.8:
            response.headers["x-ms-throttle-limit-percentage"] = f"{min(verdict.usage, 1.8):.1f}"
        response.reset = bool(fault and fault.reset)
        return response

    def _authenticate(self, request: GraphRequest) -> dict[str, Any]:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if not header or scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("Access token is empty.")
        try:
            return self.env.tokens.verify_access_token(token.strip())
        except jwt.ExpiredSignatureError:
            raise _unauthorized("Lifetime validation failed, the token is expired.") from None
        except jwt.InvalidAudienceError:
            raise _unauthorized("Access token validation failure. Invalid audience.") from None
        except jwt.DecodeError:
            raise _unauthorized(
                "IDX14100: JWT is not well formed, there are no dots (.). The token needs to be "
                "in JWS or JWE Compact Serialization Format."
                if token.count(".") != 2
                else "Invalid signature."
            ) from None
        except jwt.PyJWTError:
            raise _unauthorized("Access token validation failure.") from None


def _unknown_segment(path: str) -> str:
    """The first segment Graph would not recognise (ids after a collection are fine)."""
    parts = [p for p in path.split("/") if p]
    previous = ""
    for part in parts:
        if part not in _KNOWN_SEGMENTS and previous not in _COLLECTIONS:
            return part
        previous = part
    return parts[-1] if parts else ""


_COLLECTIONS = {"users", "groups", "domains", "managedDevices", "recoveryKeys", "subscribedSkus"}
_KNOWN_SEGMENTS = _COLLECTIONS | {
    "organization",
    "deviceManagement",
    "informationProtection",
    "bitlocker",
    "reports",
    "admin",
    "reportSettings",
    "tenantRelationships",
    "delegatedAdminCustomers",
    "delegatedAdminRelationships",
    "members",
    "delta",
}


def _resource_units(route: Route, request: GraphRequest) -> int:
    """Identity cost as Graph documents it: base cost, $select -1, $expand +1, $top<20 -1."""
    cost = route.cost
    if "$select" in request.params:
        cost -= 1
    if "$expand" in request.params:
        cost += 1
    top = request.params.get("$top", "")
    if top.isdigit() and int(top) < 20:
        cost -= 1
    return max(cost, 1)


def _unauthorized(message: str) -> GraphError:
    return GraphError(
        401,
        "InvalidAuthenticationToken",
        message,
        headers={
            "WWW-Authenticate": 'Bearer realm="", authorization_uri='
            '"https://login.microsoftonline.com/common/oauth2/authorize", '
            'client_id="00000003-0000-0000-c000-000000000000"'
        },
    )


def _fault_error(
    status: int, retry_after: int | None, env: Environment, request: GraphRequest
) -> GraphError:
    code, message = errors.generic(status)
    headers: dict[str, str] = {}
    if status == 429:
        if not env.settings.throttle.omit_retry_after:
            headers["Retry-After"] = str(retry_after or env.faults.retry_after_seconds)
        headers["x-ms-throttle-information"] = "ResourceUnitLimitExceeded"
    elif status in (503, 504) and retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    elif status == 410:
        headers["Location"] = f"{env.base_url}/graph/{request.version}{request.path}"
    return GraphError(status, code, message, headers=headers)


def _selects(request: GraphRequest, name: str) -> bool:
    select = request.params.get("$select", "")
    return name.lower() in {s.strip().lower() for s in select.split(",")}
