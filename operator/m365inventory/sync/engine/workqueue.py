"""A work queue per namespace: the kopf handlers add keys, one worker per namespace applies
them in order (controller-runtime's workqueue: deduplicated, retried with backoff).

It carries people's decisions (a TenantMatch or DeviceMatch whose spec changed). Keys wait
while this replica does not lead and are worked off when it starts leading, so a decision
made during a failover is applied by the new leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)
FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Key:
    """One object to reconcile."""

    namespace: str
    kind: str
    name: str


Work = Callable[[Key], Awaitable[None]]


class WorkQueue:
    """Deduplicated keys per namespace, one worker task per namespace while active."""

    def __init__(self, *, work: Work) -> None:
        self._work = work
        self._pending: dict[str, dict[Key, None]] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._failures: dict[Key, int] = {}
        self._retries: dict[Key, asyncio.TimerHandle] = {}
        self._active = False

    def add(self, key: Key) -> None:
        """Reconcile `key` (again) soon; a key already waiting is not added twice."""
        self._pending.setdefault(key.namespace, {})[key] = None
        self._wake.setdefault(key.namespace, asyncio.Event()).set()
        if self._active:
            self._ensure_worker(key.namespace)

    def pending(self) -> int:
        return sum(len(keys) for keys in self._pending.values())

    def activate(self) -> None:
        """Start working (this replica leads)."""
        self._active = True
        for namespace, keys in self._pending.items():
            if keys:
                self._ensure_worker(namespace)

    async def deactivate(self) -> None:
        """Stop every worker (this replica stopped leading); the keys stay for later."""
        self._active = False
        for handle in self._retries.values():
            handle.cancel()
        self._retries.clear()
        workers, self._workers = list(self._workers.values()), {}
        for task in workers:
            task.cancel()
        for task in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _ensure_worker(self, namespace: str) -> None:
        task = self._workers.get(namespace)
        if task is None or task.done():
            self._workers[namespace] = asyncio.create_task(
                self._run(namespace), name=f"decisions {namespace}"
            )

    async def _run(self, namespace: str) -> None:
        keys = self._pending.setdefault(namespace, {})
        wake = self._wake.setdefault(namespace, asyncio.Event())
        while self._active:
            if not keys:
                wake.clear()
                await wake.wait()
                continue
            key = next(iter(keys))
            del keys[key]
            try:
                await self._work(key)
            except asyncio.CancelledError:
                keys[key] = None  # not done: the next leader (or this one, later) does it
                raise
            except Exception:
                log.exception("%s %s/%s: could not apply; retrying", key.kind, *_where(key))
                self._retry_later(key)
            else:
                self._failures.pop(key, None)

    def _retry_later(self, key: Key) -> None:
        failures = self._failures[key] = self._failures.get(key, 0) + 1
        delay = min(FIRST_RETRY_SECONDS * 2 ** (failures - 1), MAX_RETRY_SECONDS)
        self._retries[key] = asyncio.get_running_loop().call_later(delay, self._retry, key)

    def _retry(self, key: Key) -> None:
        self._retries.pop(key, None)
        self.add(key)


def _where(key: Key) -> tuple[str, str]:
    return key.namespace, key.name
