"""Sending one Graph call: token, concurrency slot, retries, throttling, classification.

This is the only module that performs Graph HTTP requests. Each tenant gets its own
:class:`Sender` (Graph throttles per app per tenant) with one semaphore per service; the
``httpx.AsyncClient`` underneath is shared. Waits go through an injected ``sleep`` so tests can
record the delays asked for instead of spending them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from m365inventory.graph import calls, errors, events, retrying

Sleep = Callable[[float], Awaitable[None]]
TokenSource = Callable[[], Awaitable[str]]

DEFAULT_LIMITS: Mapping[str, int] = {calls.DIRECTORY: 4, calls.INTUNE: 2, calls.REPORTS: 1}


def body_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class Sender:
    """Sends calls for one tenant, retrying what can pass and classifying what cannot."""

    def __init__(
        self,
        *,
        tenant_id: str,
        http: httpx.AsyncClient,
        base_url: str,
        token: TokenSource,
        policy: retrying.RetryPolicy,
        sleep: Sleep = asyncio.sleep,
        counters: events.RequestCounters,
        limits: Mapping[str, int] = DEFAULT_LIMITS,
    ) -> None:
        self.tenant_id = tenant_id
        self.base_url = base_url
        self.policy = policy
        self.counters = counters
        self._http = http
        self._token = token
        self._sleep = sleep
        self._slots = {service: asyncio.Semaphore(limit) for service, limit in limits.items()}

    async def pause(self, seconds: float) -> None:
        """Wait (through the injected sleep), recording the delay asked for."""
        if seconds > 0:
            self.counters.sleeps.append(seconds)
            await self._sleep(seconds)

    def _slot(self, service: str) -> asyncio.Semaphore:
        return self._slots.setdefault(service, asyncio.Semaphore(1))

    async def send(self, call: calls.GraphCall) -> httpx.Response:
        """The successful (< 400) answer to ``call``, after any retries; else a GraphError."""
        url = calls.url_of(self.base_url, call.path)
        path = calls.relative_path(self.base_url, url)
        service = call.service or calls.service_of(path)
        if call.authorize and not calls.same_origin(self.base_url, url):
            raise errors.PermanentError(
                f"{call.method} {url.split('?', 1)[0]}: refusing to send the Graph token to "
                "another host"
            )
        attempt = 0
        while True:
            attempt += 1
            response: httpx.Response | None = None
            failure: str | None = None
            headers = dict(call.headers)
            if call.authorize:
                try:
                    headers["Authorization"] = f"Bearer {await self._token()}"
                except errors.TransientError:
                    failure = "TokenUnavailable"
            if failure is None:
                async with self._slot(service):
                    try:
                        response = await self._http.request(
                            call.method,
                            url,
                            params=call.params or None,
                            json=call.json,
                            headers=headers,
                        )
                    except httpx.TransportError as exc:
                        failure = type(exc).__name__
            status = response.status_code if response is not None else None
            if response is not None and status is not None and status < 400:
                self.counters.observe(self._event(call, service, path, status, attempt))
                await self.pause(self.policy.easing(response.headers))
                return response
            retry_after = (
                retrying.parse_retry_after(response.headers.get("Retry-After"))
                if response is not None
                else None
            )
            delay = self.policy.next_delay(attempt=attempt, status=status, retry_after=retry_after)
            self.counters.observe(
                self._event(call, service, path, status, attempt, retry_in=delay, error=failure)
            )
            if delay is None:
                raise self._failure(call, path, response, failure, attempt)
            await self.pause(delay)

    async def json(self, call: calls.GraphCall) -> Any:
        return body_of(await self.send(call))

    def _event(
        self,
        call: calls.GraphCall,
        service: str,
        path: str,
        status: int | None,
        attempt: int,
        *,
        retry_in: float | None = None,
        error: str | None = None,
    ) -> events.RequestEvent:
        return events.RequestEvent(
            tenant_id=self.tenant_id,
            service=service,
            method=call.method,
            path=path.split("?", 1)[0],
            status=status,
            attempt=attempt,
            retry_in=retry_in,
            error=error,
        )

    def _failure(
        self,
        call: calls.GraphCall,
        path: str,
        response: httpx.Response | None,
        failure: str | None,
        attempt: int,
    ) -> errors.GraphError:
        if response is None:
            return errors.TransientError(
                f"{call.method} {path.split('?', 1)[0]}: no answer after {attempt} attempts "
                f"({failure})",
                endpoint=path,
            )
        return errors.classify(
            status=response.status_code,
            body=body_of(response),
            method=call.method,
            path=path,
            request_id=response.headers.get("request-id"),
        )
