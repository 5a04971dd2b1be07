"""`m365-inventory run`: start kopf with the operator's handlers and leader election."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import kopf

from m365inventory.sync.engine.election import ElectionSettings
from m365inventory.sync.rules.leadership import Timings

DEFAULT_LEASE_NAME = "m365-inventory-operator"
SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


def run(
    *,
    namespaces: Sequence[str],
    election: ElectionSettings,
    liveness: str | None,
    metrics_port: int | None = None,
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
    logging.getLogger("kopf.objects").addFilter(quiet_successes)
    for handler in logging.getLogger().handlers:
        handler.addFilter(QuietRetries())
    asyncio.run(
        kopf.operator(
            clusterwide=not namespaces,
            namespaces=list(namespaces),
            # Who writes is decided by the Lease (handlers/lifecycle.py), not by kopf's
            # peering: peering pauses kopf's own handlers only, not the tasks we start.
            standalone=True,
            liveness_endpoint=liveness,
            # The startup handler (handlers/lifecycle.py) serves the metrics on this port.
            # allow_custom_cloud reaches sync/credentials.resolve through the Runner.
            memo=kopf.Memo(
                metrics_port=metrics_port, election=election, allow_custom_cloud=allow_custom_cloud
            ),
        )
    )


def quiet_successes(record: logging.LogRecord) -> bool:
    """Drop kopf's "Handler '…' succeeded." lines: every watch event of every object passes
    through an event handler (the caches), and a cold sync makes tens of thousands."""
    return not (record.levelno <= logging.INFO and str(record.msg).endswith("succeeded."))


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


def election_settings(
    *,
    namespaces: Sequence[str],
    lease_namespace: str | None,
    lease_name: str | None,
    identity: str | None,
    lease_duration: float,
    renew_deadline: float,
    retry_period: float,
) -> ElectionSettings:
    """The Lease and identity from flags, the pod's environment, or defaults."""
    return ElectionSettings(
        namespace=lease_namespace or _own_namespace(),
        name=lease_name or default_lease_name(namespaces),
        identity=identity
        or f"{os.environ.get('POD_NAME') or socket.gethostname()}_{uuid.uuid4().hex[:8]}",
        timings=Timings(
            lease_duration=timedelta(seconds=lease_duration),
            renew_deadline=timedelta(seconds=renew_deadline),
            retry_period=timedelta(seconds=retry_period),
        ),
    )


def default_lease_name(namespaces: Sequence[str]) -> str:
    """One Lease per watched scope: operators watching different namespaces never wait for
    each other, replicas of one scope elect one writer."""
    if not namespaces:
        return DEFAULT_LEASE_NAME
    digest = hashlib.sha256(",".join(sorted(set(namespaces))).encode()).hexdigest()[:10]
    return f"{DEFAULT_LEASE_NAME}-{digest}"


def _own_namespace() -> str:
    if os.environ.get("POD_NAMESPACE"):
        return os.environ["POD_NAMESPACE"]
    try:
        return SERVICE_ACCOUNT_NAMESPACE.read_text().strip() or "default"
    except OSError:
        return "default"
