"""Operator start-up and shut-down: kopf settings, clients, leader election, the engine."""

from __future__ import annotations

import logging
from typing import Any

import kopf
from lightkube import AsyncClient, KubeConfig

from m365inventory.handlers.runtime import Runtime, runtime_of
from m365inventory.metrics import Metrics
from m365inventory.model import resources
from m365inventory.sync.engine.core import Engine

# A silent watch stall is kopf's best-known failure ("the blind operator",
# https://github.com/nolar/kopf/issues/585 and #232): without a server timeout, a watch
# connection broken by a load balancer or an API server restart can hang forever. Ask the
# server to end each watch after 5 minutes and give up on the client side shortly after.
WATCH_SERVER_TIMEOUT = 300
WATCH_CLIENT_TIMEOUT = 330
WATCH_CONNECT_TIMEOUT = 30


def configure(settings: kopf.OperatorSettings) -> None:
    """kopf settings for this operator (pure: tested without a cluster)."""
    settings.watching.server_timeout = WATCH_SERVER_TIMEOUT
    settings.watching.client_timeout = WATCH_CLIENT_TIMEOUT
    settings.watching.connect_timeout = WATCH_CONNECT_TIMEOUT
    # The handlers are event handlers: kopf needs no finalizers, diff-bases or progress
    # records on the objects. Should a state-keeping handler be added, keep its records in
    # annotations under our group, never in status (kopf's status writes are pruned by
    # structural schemas: "Patching failed with inconsistencies").
    settings.persistence.finalizer = f"{resources.GROUP}/finalizer"
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=resources.GROUP)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=resources.GROUP, key="last-handled-configuration"
    )
    # Our own Events carry reasons; kopf's per-log-line Events would only be noise.
    settings.posting.level = logging.ERROR
    settings.posting.reporting_component = "m365-inventory-operator"


@kopf.on.startup()
async def start(settings: kopf.OperatorSettings, memo: Any, **_: Any) -> None:
    configure(settings)
    client = AsyncClient(config=KubeConfig.from_env(), field_manager=resources.FIELD_MANAGER)
    metrics = Metrics()
    engine = Engine(
        client=client,
        election=memo.election,
        observer=metrics,
        field_manager=resources.FIELD_MANAGER,
        allow_custom_cloud=bool(getattr(memo, "allow_custom_cloud", False)),
    )
    engine.store.subscribe(metrics.kubernetes_write)
    port = getattr(memo, "metrics_port", None)
    if port is not None:
        metrics.serve(port=port)
    memo.runtime = Runtime(client=client, engine=engine, metrics=metrics)
    engine.start()


@kopf.on.cleanup()
async def stop(memo: Any, **_: Any) -> None:
    runtime = runtime_of(memo)
    await runtime.engine.stop()
    await runtime.client.close()
    runtime.metrics.close()
