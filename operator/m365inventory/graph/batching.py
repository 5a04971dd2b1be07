"""JSON ``$batch``: many per-object GETs in requests of at most 20, nothing lost.

Pure parts build the batch bodies and read the answers back by sub-request id; :func:`run`
sends them and retries, per sub-request, the ones that answered 429/503/5xx (honouring that
sub-answer's ``Retry-After``) or did not answer at all. Every input id ends with exactly one
outcome: its sub-response, or a classified :class:`GraphError`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from m365inventory.graph import calls, errors, events, retrying
from m365inventory.graph.sending import Sender

MAX_BATCH = 20
T = TypeVar("T")


@dataclass(frozen=True)
class BatchRequest:
    """One GET inside a batch; ``id`` is the caller's key (an object id) and must be unique."""

    id: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SubResponse:
    id: str
    status: int
    headers: Mapping[str, str]
    body: Any


def chunks(items: Sequence[T], size: int = MAX_BATCH) -> list[list[T]]:
    """``items`` in order, cut into lists of at most ``size``."""
    if size < 1:
        raise ValueError("chunk size must be positive")
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def batch_body(requests: Sequence[BatchRequest]) -> dict[str, Any]:
    if len(requests) > MAX_BATCH:
        raise ValueError(f"a $batch holds at most {MAX_BATCH} requests, got {len(requests)}")
    body: list[dict[str, Any]] = []
    for request in requests:
        entry: dict[str, Any] = {"id": request.id, "method": "GET", "url": request.url}
        if request.headers:
            entry["headers"] = dict(request.headers)
        body.append(entry)
    return {"requests": body}


def parse_batch(body: Any, *, expected: Iterable[str]) -> dict[str, SubResponse]:
    """Sub-responses by id, keeping only ids that were asked (unknown or malformed are dropped,
    and the caller treats an expected id absent from the result as unanswered)."""
    wanted = set(expected)
    found: dict[str, SubResponse] = {}
    responses = body.get("responses") if isinstance(body, Mapping) else None
    if not isinstance(responses, list):
        return found
    for entry in responses:
        if not isinstance(entry, Mapping):
            continue
        sub_id = str(entry.get("id"))
        status = entry.get("status")
        if sub_id not in wanted or not isinstance(status, int):
            continue
        headers = entry.get("headers") or {}
        found[sub_id] = SubResponse(
            id=sub_id,
            status=status,
            headers={str(k): str(v) for k, v in headers.items()}
            if isinstance(headers, Mapping)
            else {},
            body=entry.get("body"),
        )
    return found


Outcome = SubResponse | errors.GraphError


async def run(sender: Sender, requests: Sequence[BatchRequest]) -> dict[str, Outcome]:
    """Send ``requests`` through ``$batch``; one outcome per request id, in no particular order."""
    ids = [request.id for request in requests]
    if len(set(ids)) != len(ids):
        raise ValueError("batch request ids must be unique")
    by_id = {request.id: request for request in requests}
    outcomes: dict[str, Outcome] = {}
    attempts: dict[str, int] = dict.fromkeys(ids, 0)
    pending = list(ids)
    while pending:
        for sub_id in pending:
            attempts[sub_id] += 1
        groups = chunks([by_id[sub_id] for sub_id in pending])
        answers = await asyncio.gather(*(_send_chunk(sender, group) for group in groups))
        retry: list[str] = []
        delays: list[float] = []
        for group, answer in zip(groups, answers, strict=True):
            for request in group:
                decision = _settle(
                    sender, request=request, answer=answer, attempt=attempts[request.id]
                )
                if isinstance(decision, float):
                    retry.append(request.id)
                    delays.append(decision)
                else:
                    outcomes[request.id] = decision
        pending = retry
        if pending:
            await sender.pause(max(delays))
    return outcomes


async def _send_chunk(
    sender: Sender, group: list[BatchRequest]
) -> dict[str, SubResponse] | errors.GraphError:
    service = calls.service_of(group[0].url)
    call = calls.GraphCall(method="POST", path="/$batch", json=batch_body(group), service=service)
    try:
        body = await sender.json(call)
    except errors.AuthenticationError:
        raise
    except errors.GraphError as exc:
        return exc
    return parse_batch(body, expected=[request.id for request in group])


def _settle(
    sender: Sender,
    *,
    request: BatchRequest,
    answer: dict[str, SubResponse] | errors.GraphError,
    attempt: int,
) -> Outcome | float:
    """The final outcome for ``request``, or the delay before retrying it."""
    if isinstance(answer, errors.GraphError):
        return answer  # the $batch POST itself failed after its own retries
    service = calls.service_of(request.url)
    sub = answer.get(request.id)
    status = sub.status if sub is not None else None
    retry_after = (
        retrying.parse_retry_after(retrying.header(sub.headers, "Retry-After"))
        if sub is not None
        else None
    )
    if sub is not None and status is not None and status < 400:
        sender.counters.observe(_event(sender, service, request, status, attempt))
        return sub
    delay = sender.policy.next_delay(attempt=attempt, status=status, retry_after=retry_after)
    sender.counters.observe(
        _event(
            sender,
            service,
            request,
            status,
            attempt,
            retry_in=delay,
            error=None if sub is not None else "missing",
        )
    )
    if delay is not None:
        return delay
    if sub is None:
        return errors.TransientError(
            f"GET {request.url}: no answer in $batch after {attempt} attempts",
            endpoint=request.url,
        )
    return errors.classify(
        status=sub.status,
        body=sub.body,
        method="GET",
        path=request.url,
        request_id=retrying.header(sub.headers, "request-id"),
    )


def _event(
    sender: Sender,
    service: str,
    request: BatchRequest,
    status: int | None,
    attempt: int,
    *,
    retry_in: float | None = None,
    error: str | None = None,
) -> events.RequestEvent:
    return events.RequestEvent(
        tenant_id=sender.tenant_id,
        service=service,
        method="GET",
        path=request.url.split("?", 1)[0],
        status=status,
        attempt=attempt,
        retry_in=retry_in,
        batched=True,
        error=error,
    )
