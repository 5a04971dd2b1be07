"""The ASGI application: identity endpoints, Graph under /graph, report downloads, admin API.

HTTP concerns live here (parsing, latency, cutting a connection mid-body); what to answer is
decided by `identity.TokenService`, `graph.GraphService` and `admin`.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import time
from urllib.parse import parse_qsl, unquote, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from m365inventory.simulator import admin, identity
from m365inventory.simulator.batch import run_batch
from m365inventory.simulator.errors import GraphError, IdentityError, graph_error
from m365inventory.simulator.faults import TOKEN_ENDPOINT
from m365inventory.simulator.graph import Environment, GraphRequest, GraphResponse, GraphService

_BATCH_ENDPOINT = "POST /{version}/$batch"


class ConnectionCut(Exception):
    """Raised after half a body was sent, so the server drops the connection (a fault)."""


class QuietCuts(logging.Filter):
    """Drops uvicorn's traceback for a deliberate ConnectionCut (it is a fault, not a bug)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, ConnectionCut)


class _CutResponse(Response):
    """Promises the full Content-Length, sends half the body, then breaks the connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        half = self.body[: max(1, len(self.body) // 2)]
        await send({"type": "http.response.body", "body": half, "more_body": True})
        raise ConnectionCut("fault injection: connection cut mid-body")


def build_app(env: Environment) -> Starlette:
    service = GraphService(env)
    batch_rng = random.Random(env.faults.seed)

    async def openid_configuration(request: Request) -> Response:
        name = request.path_params["tenant"]
        tenant = env.world.tenant(name)
        if tenant is None:
            failure = identity.unknown_tenant(name, discovery=True)
            return JSONResponse(failure.body(), status_code=failure.status)
        return JSONResponse(identity.openid_configuration(base_url=env.base_url, tenant=tenant))

    async def instance_discovery(request: Request) -> Response:
        endpoint = request.query_params.get("authorization_endpoint", "")
        tenant = (urlsplit(endpoint).path.strip("/").split("/") or ["common"])[0] or "common"
        discovery = f"{env.base_url}/{tenant}/v2.0/.well-known/openid-configuration"
        return JSONResponse(
            {
                "tenant_discovery_endpoint": discovery,
                "api-version": "1.1",
                "metadata": [],
            }
        )

    async def jwks(request: Request) -> Response:
        return JSONResponse(env.tokens.key.jwks())

    async def token(request: Request) -> Response:
        tenant = request.path_params["tenant"]
        form = dict(
            parse_qsl((await request.body()).decode(errors="replace"), keep_blank_values=True)
        )
        _basic_auth(request.headers.get("authorization", ""), form)
        status, body, headers = (
            200,
            {},
            {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"},
        )
        fault = env.faults.decide(endpoint=TOKEN_ENDPOINT)
        try:
            if fault is not None and fault.status is not None:
                if fault.retry_after:
                    headers["Retry-After"] = str(fault.retry_after)
                raise IdentityError(
                    fault.status,
                    "temporarily_unavailable",
                    90033,
                    "A transient error has occurred. Please try again.",
                )
            with env.world.lock:
                env.tokens.lifetime = env.settings.token_lifetime_seconds
                body = env.tokens.issue(
                    identity.TokenRequest(
                        tenant=tenant,
                        token_endpoint=f"{env.base_url}/{tenant}/oauth2/v2.0/token",
                        form=form,
                    )
                )
        except IdentityError as failure:
            status, body = failure.status, failure.body()
        env.counters.record(endpoint=TOKEN_ENDPOINT, status=status)
        return JSONResponse(body, status_code=status, headers=headers)

    async def graph(request: Request) -> Response:
        version = request.path_params["version"]
        path = "/" + request.path_params["path"].strip("/")
        inner = GraphRequest(
            method=request.method,
            version=version,
            path=unquote(path),
            params=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.body(),
        )
        if env.faults.latency_ms:
            await asyncio.sleep(env.faults.latency_ms / 1000)
        if path == "/$batch" and request.method == "POST":
            response = _batch(inner)
        else:
            response = service.handle(inner)
        return _to_http(response)

    def _batch(inner: GraphRequest) -> GraphResponse:
        try:
            response = run_batch(service, inner, rng=batch_rng)
        except GraphError as failure:
            response = GraphResponse(
                status=failure.status,
                body=graph_error(
                    code=failure.code, message=failure.message, request_id="", client_request_id=""
                ),
            )
        response.headers.setdefault("content-type", "application/json")
        env.counters.record(
            endpoint=_BATCH_ENDPOINT.replace("{version}", inner.version), status=response.status
        )
        return response

    async def download(request: Request) -> Response:
        entry = env.downloads.get(request.path_params["token"])
        endpoint = "GET /_reports/download/{token}"
        if entry is None or entry[0] < time.monotonic():
            env.counters.record(endpoint=endpoint, status=404)
            return Response(
                "The report link has expired.", status_code=404, media_type="text/plain"
            )
        env.counters.record(endpoint=endpoint, status=200)
        return Response(entry[1], media_type="application/octet-stream")

    methods = ["GET", "POST", "PATCH", "PUT", "DELETE"]
    routes = [
        Route("/common/discovery/instance", instance_discovery),
        Route("/{tenant}/v2.0/.well-known/openid-configuration", openid_configuration),
        Route("/{tenant}/discovery/v2.0/keys", jwks),
        Route("/{tenant}/oauth2/v2.0/token", token, methods=["POST"]),
        Route("/_reports/download/{token}", download),
        *admin.routes(env),
        Route("/graph/{version:str}/{path:path}", graph, methods=methods),
    ]
    return Starlette(routes=routes)


def _to_http(response: GraphResponse) -> Response:
    headers = dict(response.headers)
    media_type = headers.pop("content-type", None)
    cls = _CutResponse if response.reset else Response
    return cls(
        response.content(), status_code=response.status, headers=headers, media_type=media_type
    )


def _basic_auth(header: str, form: dict[str, str]) -> None:
    """client_secret_basic: credentials in an Authorization: Basic header."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return
    try:
        client_id, _, secret = base64.b64decode(value).decode().partition(":")
    except ValueError:
        return
    form.setdefault("client_id", unquote(client_id))
    form.setdefault("client_secret", unquote(secret))
