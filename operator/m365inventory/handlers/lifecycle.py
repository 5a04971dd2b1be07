"""Operator start-up and shut-down: kopf settings, clients, leader election, the engine."""

from __future__ import annotations

import logging
from typing import Any

import kopf
from lightkube import AsyncClient, KubeConfig

from m365inventory.handlers.runtime import Runtime, runtime_of
from m365inventory.kube.leases import Leases
from m365inventory.kube.store import Store
from m365inventory.metrics import Metrics
from m365inventory.model import resources
from m365inventory.sync.engine.applying import DecisionApplier
from m365inventory.sync.engine.election import ElectionSettings, LeaderElector
from m365inventory.sync.engine.workqueue import WorkQueue
from m365inventory.sync.runner import Runner, utcnow
from m365inventory.sync.scheduler import Scheduler
from m365inventory.sync.workspace import Namespaces

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
    election: ElectionSettings = memo.election
    client = AsyncClient(config=KubeConfig.from_env(), field_manager=resources.FIELD_MANAGER)
    elector: LeaderElector | None = None

    def leading() -> bool:
        return elector is not None and elector.leading

    store = Store(client=client, fence=leading)
    metrics = Metrics()
    store.subscribe(metrics.kubernetes_write)
    port = getattr(memo, "metrics_port", None)
    if port is not None:
        metrics.serve(port=port)
    namespaces = Namespaces(store=store, clock=utcnow)
    scheduler = Scheduler(runner=Runner(store=store, observer=metrics, namespaces=namespaces))
    decisions = WorkQueue(work=DecisionApplier(namespaces=namespaces, connectors=scheduler))

    async def started() -> None:
        metrics.leading(True)
        scheduler.activate()
        decisions.activate()

    async def stopped() -> None:
        metrics.leading(False)
        await decisions.deactivate()
        await scheduler.deactivate()

    elector = LeaderElector(
        leases=Leases(client=client, namespace=election.namespace, name=election.name),
        identity=election.identity,
        timings=election.timings,
        on_started=started,
        on_stopped=stopped,
    )
    memo.runtime = Runtime(
        client=client,
        store=store,
        scheduler=scheduler,
        namespaces=namespaces,
        decisions=decisions,
        elector=elector,
        metrics=metrics,
    )
    elector.start()


@kopf.on.cleanup()
async def stop(memo: Any, **_: Any) -> None:
    runtime = runtime_of(memo)
    await runtime.elector.stop()
    await runtime.scheduler.stop()
    await runtime.client.close()
    runtime.metrics.close()
