"""JSON `$batch`: up to 20 requests, `dependsOn`, 424 for failed dependencies, shuffled answers.

Each inner request runs through the same `GraphService.handle` as a direct one (so it can be
throttled on its own, with its own Retry-After) and inherits the outer Authorization header.
"""

from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from m365inventory.simulator.errors import GraphError, graph_error
from m365inventory.simulator.graph import GraphRequest, GraphResponse, GraphService


def run_batch(service: GraphService, outer: GraphRequest, *, rng: random.Random) -> GraphResponse:
    try:
        payload = json.loads(outer.body or b"{}")
    except ValueError:
        raise GraphError(400, "BadRequest", "Invalid batch payload format.") from None
    requests = payload.get("requests") if isinstance(payload, dict) else None
    if not isinstance(requests, list) or not requests:
        raise GraphError(400, "BadRequest", "Invalid batch payload format.")
    limit = service.env.settings.batch_max_requests
    if len(requests) > limit:
        raise GraphError(400, "BadRequest", "Number of requests inside batch exceeds the limit.")
    ids = [str(r.get("id", "")) for r in requests]
    if len(set(ids)) != len(ids) or not all(ids):
        raise GraphError(400, "BadRequest", "Batch request ids must be unique and non-empty.")
    statuses: dict[str, int] = {}
    answers: list[dict[str, Any]] = []
    for item in requests:
        request_id = str(item["id"])
        depends = item.get("dependsOn") or []
        unknown = [d for d in depends if d not in ids]
        if unknown:
            raise GraphError(400, "BadRequest", f"Request {request_id} depends on unknown ids.")
        failed = [d for d in depends if d not in statuses or statuses[d] >= 400]
        if failed:
            statuses[request_id] = 424
            answers.append(
                {
                    "id": request_id,
                    "status": 424,
                    "headers": {"Content-Type": "application/json"},
                    "body": graph_error(
                        code="FailedDependency",
                        message="Failed dependency.",
                        request_id=request_id,
                        client_request_id=request_id,
                    ),
                }
            )
            continue
        inner = _inner_request(outer, item)
        response = service.handle(inner)
        statuses[request_id] = response.status
        answers.append(
            {
                "id": request_id,
                "status": response.status,
                "headers": {_title(k): v for k, v in response.headers.items()},
                "body": response.body if response.raw is None else None,
            }
        )
    rng.shuffle(answers)
    return GraphResponse(status=200, body={"responses": answers})


def _inner_request(outer: GraphRequest, item: dict[str, Any]) -> GraphRequest:
    url = str(item.get("url", ""))
    parts = urlsplit(url if url.startswith("/") else f"/{url}")
    headers = {str(k).lower(): str(v) for k, v in (item.get("headers") or {}).items()}
    if "authorization" in outer.headers:
        headers.setdefault("authorization", outer.headers["authorization"])
    body = item.get("body")
    return GraphRequest(
        method=str(item.get("method", "GET")).upper(),
        version=outer.version,
        path=parts.path.rstrip("/") or "/",
        params=dict(parse_qsl(parts.query, keep_blank_values=True)),
        headers=headers,
        body=json.dumps(body).encode() if body is not None else b"",
    )


def _title(name: str) -> str:
    if name.lower() in ("content-type", "retry-after", "location"):
        return "-".join(part.capitalize() for part in name.split("-"))
    return name
