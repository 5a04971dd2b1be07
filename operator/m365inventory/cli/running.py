"""`m365-inventory run`: start kopf with the operator's handlers."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Sequence

import kopf


def run(
    *,
    namespaces: Sequence[str],
    peering: str | None,
    liveness: str | None,
    metrics_port: int | None = None,
    priority: int | None = None,
    verbose: bool,
) -> None:
    """Run until interrupted; watch `namespaces`, or the whole cluster when empty."""
    import m365inventory.handlers  # noqa: F401 - registers the handlers

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Graph and Kubernetes clients log request URLs at INFO; they carry no secrets, but they
    # are noise at the operator's default level.
    for noisy in ("httpx", "httpx2", "httpcore", "msal", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(QuietRetries())
    asyncio.run(
        kopf.operator(
            clusterwide=not namespaces,
            namespaces=list(namespaces),
            standalone=peering is None,
            peering_name=peering,
            priority=peering_priority(peering=peering, priority=priority),
            liveness_endpoint=liveness,
            # The startup handler (handlers/lifecycle.py) serves the metrics on this port.
            memo=kopf.Memo(metrics_port=metrics_port),
        )
    )


class QuietRetries(logging.Filter):
    """Lower kopf's "Request attempt #n failed; will retry" from ERROR: nothing to act on.

    kopf (``kopf/_cogs/clients/api.py``) logs every retried Kubernetes request at ERROR. Right
    after an API server starts, its custom resource storage answers 429 "storage is
    (re)initializing" for a few seconds; kopf retries with backoff and carries on. Such a
    429 (the server asking to come back later) becomes DEBUG; other retried failures
    (connection refused, 5xx) a WARNING, since they matter only if they last. kopf's
    "failed; escalating" (retries exhausted) stays ERROR.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("kopf") or record.levelno != logging.ERROR:
            return True
        message = record.getMessage()
        if not message.startswith("Request attempt") or "will retry" not in message:
            return True
        asked_to_wait = "APITooManyRequestsError" in message
        record.levelno = logging.DEBUG if asked_to_wait else logging.WARNING
        record.levelname = logging.getLevelName(record.levelno)
        return logging.getLogger(record.name).isEnabledFor(record.levelno)


PRIORITY_RANGE = 1_000_000


def peering_priority(*, peering: str | None, priority: int | None) -> int | None:
    """The kopf peering priority: the one given, or a random one when peering.

    kopf pauses operators that see a peer of higher priority, and freezes all of them when two
    share one (https://docs.kopf.dev/en/latest/peering/). Replicas of one Deployment cannot be
    given distinct numbers, so each draws its own; the highest is active, the others stand by.
    """
    if priority is not None or peering is None:
        return priority
    return 1 + secrets.randbelow(PRIORITY_RANGE)
