"""`m365-inventory run`: start kopf with the operator's handlers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import kopf


def run(
    *,
    namespaces: Sequence[str],
    peering: str | None,
    liveness: str | None,
    metrics_port: int | None = None,
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
    asyncio.run(
        kopf.operator(
            clusterwide=not namespaces,
            namespaces=list(namespaces),
            standalone=peering is None,
            peering_name=peering,
            liveness_endpoint=liveness,
            # The startup handler (handlers/lifecycle.py) serves the metrics on this port.
            memo=kopf.Memo(metrics_port=metrics_port),
        )
    )
