"""What the handlers share for the operator's lifetime, kept in kopf's memo."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lightkube import AsyncClient

from m365inventory.kube.store import Store
from m365inventory.metrics import Metrics
from m365inventory.sync.engine.election import LeaderElector
from m365inventory.sync.engine.workqueue import WorkQueue
from m365inventory.sync.scheduler import Scheduler
from m365inventory.sync.workspace import Namespaces


@dataclass
class Runtime:
    """The Kubernetes client, the store over it, the connectors' scheduler, the decisions'
    queue, the leader elector that turns both on and off, the metrics."""

    client: AsyncClient
    store: Store
    scheduler: Scheduler
    namespaces: Namespaces
    decisions: WorkQueue
    elector: LeaderElector
    metrics: Metrics


def runtime_of(memo: Any) -> Runtime:
    """The Runtime the startup handler put in kopf's memo."""
    runtime = getattr(memo, "runtime", None)
    if not isinstance(runtime, Runtime):
        raise RuntimeError("the operator's runtime is not initialised (startup did not run)")
    return runtime
