"""One asyncio loop per connector: sync when `schedule.plan` says so, sleep otherwise.

The kopf handlers feed it every watch event of a connector (`observe`) and ask it for an early
run after a decision (`request`). Nothing is persisted here: the schedule lives in the
connector's status (`nextSyncTime`, `observedGeneration`, `lastHandledRequestedAt`), so a
restarted operator picks up exactly where the last one stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import random
from collections.abc import Callable
from datetime import datetime

from m365inventory.kube.store import Body, WriteFenced
from m365inventory.sync.reconcile.connector import Runner, utcnow
from m365inventory.sync.rules import schedule

log = logging.getLogger(__name__)
Key = tuple[str, str]
MAX_SLEEP_SECONDS = 300.0
FIRST_ERROR_BACKOFF_SECONDS = 5.0
MAX_ERROR_BACKOFF_SECONDS = 600.0


def _version(body: Body) -> int:
    try:
        return int(body["metadata"].get("resourceVersion") or 0)
    except (TypeError, ValueError):
        return 0


def _merge(*, events: Body, ours: Body | None) -> Body:
    """The connector as best known: metadata and spec from the watch (only people change
    them), status from whichever is newer, the watch or the operator's own last write.

    A run writes status while events keep arriving; taking whole bodies by resourceVersion
    would drop an annotation (a sync request) that arrived between two of our writes.
    """
    merged = copy.deepcopy(events)
    if ours is not None and _version(ours) > _version(events):
        merged["status"] = copy.deepcopy(ours.get("status") or {})
        merged["metadata"]["resourceVersion"] = ours["metadata"].get("resourceVersion")
    return merged


class Scheduler:
    """Keeps one sync loop per connector and at most `concurrency` syncs at a time."""

    def __init__(
        self,
        *,
        runner: Runner,
        concurrency: int = 4,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.runner = runner
        self._clock = clock
        self._slots = asyncio.Semaphore(concurrency)
        self._bodies: dict[Key, Body] = {}
        self._wake: dict[Key, asyncio.Event] = {}
        self._tasks: dict[Key, asyncio.Task[None]] = {}
        self._requested: set[Key] = set()
        self._active = False
        self._errors: dict[Key, int] = {}
        self._rng = random.Random()  # noqa: S311 - jitter, not security

    def observe(self, body: Body) -> None:
        """A connector was listed, added or modified: remember it and let its loop look."""
        meta = body["metadata"]
        key = (meta["namespace"], meta["name"])
        self._bodies[key] = _merge(events=body, ours=self._bodies.get(key))
        if self._active:
            self._ensure_loop(key)

    def _ensure_loop(self, key: Key) -> None:
        if key not in self._tasks or self._tasks[key].done():
            self._wake[key] = asyncio.Event()
            self._tasks[key] = asyncio.create_task(self._loop(key), name=f"sync {key[0]}/{key[1]}")
        self._wake[key].set()

    def activate(self) -> None:
        """This replica leads: run a loop for every connector known from the watch."""
        self._active = True
        for key in list(self._bodies):
            self._ensure_loop(key)

    async def deactivate(self) -> None:
        """This replica stopped leading: cancel every loop and the run inside it (its writes
        are fenced already); the watch keeps the bodies current for the next activation."""
        self._active = False
        tasks, self._tasks = list(self._tasks.values()), {}
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def connector(self, namespace: str, name: str) -> Body | None:
        """The latest known body of a connector (None if unknown or deleted)."""
        body = self._bodies.get((namespace, name))
        return copy.deepcopy(body) if body is not None else None

    def request(self, namespace: str, name: str) -> None:
        """Run the connector soon (a decision matched a tenant: sync its data now)."""
        key = (namespace, name)
        if key in self._bodies:
            self._requested.add(key)
            if key in self._wake:
                self._wake[key].set()

    async def forget(self, namespace: str, name: str) -> None:
        """The connector was deleted: stop its loop."""
        key = (namespace, name)
        task = self._tasks.pop(key, None)
        self._bodies.pop(key, None)
        self._wake.pop(key, None)
        self._requested.discard(key)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.runner.forget(namespace, name)

    async def stop(self) -> None:
        """Stop every loop (operator shutdown)."""
        await self.deactivate()
        await self.runner.close()

    def _keep(self, key: Key, body: Body) -> None:
        """Remember the status a run wrote, without losing events that arrived meanwhile."""
        known = self._bodies.get(key)
        self._bodies[key] = body if known is None else _merge(events=known, ours=body)

    async def _loop(self, key: Key) -> None:
        while key in self._bodies and self._active:
            wake = self._wake[key]
            wake.clear()
            body = copy.deepcopy(self._bodies[key])
            now = self._clock()
            decided = schedule.plan(body=body, now=now, decision_pending=key in self._requested)
            try:
                if decided.suspend:
                    await self.runner.mark_suspended(body)
                    self._keep(key, body)
                elif decided.run is not None:
                    self._requested.discard(key)
                    async with self._slots:
                        await self.runner.run(body, trigger=decided.run)
                    self._keep(key, body)
                    self._errors.pop(key, None)
                    continue
                elif decided.check_secret and await self.runner.credentials_changed(body):
                    async with self._slots:
                        await self.runner.run(body, trigger="SecretChanged")
                    self._keep(key, body)
                    continue
                self._errors.pop(key, None)
            except asyncio.CancelledError:
                raise
            except WriteFenced:
                return  # this replica stopped leading: the engine cancels or restarts loops
            except Exception:
                log.exception("connector %s/%s: the sync loop hit an error", *key)
                await asyncio.sleep(self._error_backoff(key, body))
                continue
            timeout = MAX_SLEEP_SECONDS
            if decided.wake_at is not None:
                timeout = min(timeout, max(0.0, (decided.wake_at - now).total_seconds()))
            # asyncio.timeout, not wait_for, which can swallow a cancellation on Python 3.11.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await wake.wait()

    def _error_backoff(self, key: Key, body: Body) -> float:
        """Seconds to wait after the loop failed (a status write refused, the API server
        away): 5 s, 10 s, 20 s … with jitter, at most the interval, so a persistent error
        never repeats a Graph sync every few seconds."""
        failures = self._errors[key] = self._errors.get(key, 0) + 1
        try:
            interval = schedule.parse_duration(str((body.get("spec") or {}).get("interval")))
            cap = min(MAX_ERROR_BACKOFF_SECONDS, interval.total_seconds())
        except ValueError:
            cap = MAX_ERROR_BACKOFF_SECONDS
        delay = min(FIRST_ERROR_BACKOFF_SECONDS * 2 ** min(failures - 1, 20), cap)
        return float(delay * self._rng.uniform(0.9, 1.1))

    def errors(self, namespace: str, name: str) -> int:
        """Consecutive loop errors of a connector (tests, metrics)."""
        return self._errors.get((namespace, name), 0)
