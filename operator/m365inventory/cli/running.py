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
    allow_custom_cloud: bool = False,
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
    asyncio.run(
        kopf.operator(
            clusterwide=not namespaces,
            namespaces=list(namespaces),
            standalone=peering is None,
            peering_name=peering,
            priority=peering_priority(peering=peering, priority=priority),
            liveness_endpoint=liveness,
            # The startup handler (handlers/lifecycle.py) serves the metrics on this port.
            # allow_custom_cloud reaches sync/credentials.resolve through the Runner.
            memo=kopf.Memo(metrics_port=metrics_port, allow_custom_cloud=allow_custom_cloud),
        )
    )


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
