"""Test kit for the Graph client: a client over ``httpx.MockTransport`` (our own seam)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx

from m365inventory.graph import errors, events, retrying, sending
from m365inventory.graph.client import GraphClient

BASE = "https://graph.test/v1.0"
Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class Rig:
    """A GraphClient wired to a handler, recording the sleeps it asked for."""

    client: GraphClient
    counters: events.RequestCounters
    sleeps: list[float] = field(default_factory=list)
    tokens_asked: int = 0
    #: How many token requests fail transiently before tokens are handed out.
    token_failures: int = 0


async def make_rig_factory() -> AsyncIterator[Callable[..., Rig]]:
    clients: list[httpx.AsyncClient] = []

    def build(
        handler: Handler, *, policy: retrying.RetryPolicy | None = None, **limits: int
    ) -> Rig:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        clients.append(http)
        counters = events.RequestCounters()
        rig: Rig

        async def sleep(seconds: float) -> None:
            rig.sleeps.append(seconds)

        async def token() -> str:
            rig.tokens_asked += 1
            if rig.tokens_asked <= rig.token_failures:
                raise errors.TransientError("token endpoint unavailable")
            return "test-token"

        sender = sending.Sender(
            tenant_id="tenant-1",
            http=http,
            base_url=BASE,
            token=token,
            policy=policy or retrying.RetryPolicy(rng=lambda: 0.5),
            sleep=sleep,
            counters=counters,
            limits=limits or sending.DEFAULT_LIMITS,
        )
        rig = Rig(client=GraphClient(sender=sender), counters=counters)
        return rig

    yield build
    for http in clients:
        await http.aclose()
