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
from collections.abc import Callable
from datetime import datetime

from m365inventory.kube.store import Body
from m365inventory.sync import schedule
from m365inventory.sync.runner import Runner, utcnow

log = logging.getLogger(__name__)
Key = tuple[str, str]
MAX_SLEEP_SECONDS = 300.0
ERROR_BACKOFF_SECONDS = 5.0


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

    def observe(self, body: Body) -> None:
        """A connector was listed, added or modified: remember it and let its loop look."""
        meta = body["metadata"]
        key = (meta["namespace"], meta["name"])
        self._bodies[key] = _merge(events=body, ours=self._bodies.get(key))
        if key not in self._tasks or self._tasks[key].done():
            self._wake[key] = asyncio.Event()
            self._tasks[key] = asyncio.create_task(self._loop(key), name=f"sync {key[0]}/{key[1]}")
        self._wake[key].set()

    def connector(self, namespace: str, name: str) -> Body | None:
        """The latest known body of a connector (None if unknown or deleted)."""
        body = self._bodies.get((namespace, name))
        return copy.deepcopy(body) if body is not None else None

    def request(self, namespace: str, name: str) -> None:
        """Run the connector soon (a decision matched a tenant: sync its data now)."""
        key = (namespace, name)
        if key in self._bodies:
            self._requested.add(key)
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
        for namespace, name in list(self._tasks):
            await self.forget(namespace, name)
        await self.runner.close()

    def _keep(self, key: Key, body: Body) -> None:
        """Remember the status a run wrote, without losing events that arrived meanwhile."""
        known = self._bodies.get(key)
        self._bodies[key] = body if known is None else _merge(events=known, ours=body)

    async def _loop(self, key: Key) -> None:
        while key in self._bodies:
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
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("connector %s/%s: the sync loop hit an error", *key)
                await asyncio.sleep(ERROR_BACKOFF_SECONDS)
                continue
            timeout = MAX_SLEEP_SECONDS
            if decided.wake_at is not None:
                timeout = min(timeout, max(0.0, (decided.wake_at - now).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=timeout)
