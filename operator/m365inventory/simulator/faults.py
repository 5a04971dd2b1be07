"""Fault injection: seeded random failures and one-shot scripted ones, settable per test.

Random faults draw from one `random.Random(seed)`, so a test that sets a seed sees the same
sequence of failures for the same sequence of requests. Scripted faults ("the next N requests
to endpoint X answer Y") are consumed in order and are exact.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from pydantic import BaseModel, Field, PrivateAttr

ANY_GRAPH = "*"
TOKEN_ENDPOINT = "POST /{tenant}/oauth2/v2.0/token"


class ScriptedFault(BaseModel):
    #: An endpoint template as counted ("GET /v1.0/users"), TOKEN_ENDPOINT, or "*" for any
    #: Graph request.
    endpoint: str
    count: int = 1
    status: int = 503
    retry_after: int | None = None
    #: Cut the connection in the middle of the body instead of answering `status`.
    reset: bool = False


@dataclass(frozen=True)
class Fault:
    """What to do instead of (or to) the real answer."""

    status: int | None = None
    retry_after: int | None = None
    reset: bool = False


class Faults(BaseModel):
    seed: int = 0
    rate_429: float = 0.0
    rate_5xx: float = 0.0
    #: Probability of cutting a Graph response mid-body.
    reset_rate: float = 0.0
    latency_ms: int = 0
    token_endpoint_down: bool = False
    retry_after_seconds: int = 1
    scripted: list[ScriptedFault] = Field(default_factory=list)
    _rng: random.Random = PrivateAttr(default_factory=lambda: random.Random(0))
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def model_post_init(self, context: object, /) -> None:
        self._rng = random.Random(self.seed)

    def reseed(self, seed: int) -> None:
        with self._lock:
            self.seed = seed
            self._rng = random.Random(seed)

    def script(
        self,
        endpoint: str,
        *,
        status: int = 503,
        count: int = 1,
        retry_after: int | None = None,
        reset: bool = False,
    ) -> None:
        """Make the next `count` requests to `endpoint` answer `status` (or be cut off)."""
        with self._lock:
            self.scripted.append(
                ScriptedFault(
                    endpoint=endpoint,
                    status=status,
                    count=count,
                    retry_after=retry_after,
                    reset=reset,
                )
            )

    def clear(self) -> None:
        with self._lock:
            self.rate_429 = self.rate_5xx = self.reset_rate = 0.0
            self.latency_ms = 0
            self.token_endpoint_down = False
            self.scripted.clear()

    def update(self, changes: dict[str, object]) -> None:
        fresh = Faults.model_validate(self.model_dump() | changes)
        with self._lock:
            for name in type(self).model_fields:
                setattr(self, name, getattr(fresh, name))
        if "seed" in changes:
            self.reseed(fresh.seed)

    def decide(self, *, endpoint: str) -> Fault | None:
        """The fault for this request, if any; consumes scripted faults and random draws."""
        with self._lock:
            is_token = endpoint == TOKEN_ENDPOINT
            for scripted in self.scripted:
                if scripted.endpoint == endpoint or (
                    scripted.endpoint == ANY_GRAPH and not is_token
                ):
                    scripted.count -= 1
                    if scripted.count <= 0:
                        self.scripted.remove(scripted)
                    return Fault(
                        status=None if scripted.reset else scripted.status,
                        retry_after=scripted.retry_after,
                        reset=scripted.reset,
                    )
            if is_token:
                return Fault(status=503) if self.token_endpoint_down else None
            if self.rate_429 and self._rng.random() < self.rate_429:
                return Fault(status=429, retry_after=self.retry_after_seconds)
            if self.rate_5xx and self._rng.random() < self.rate_5xx:
                return Fault(status=self._rng.choice([500, 502, 503, 504]))
            if self.reset_rate and self._rng.random() < self.reset_rate:
                return Fault(reset=True)
            return None
