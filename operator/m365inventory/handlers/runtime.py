"""What the handlers share for the operator's lifetime, kept in kopf's memo."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lightkube import AsyncClient

from m365inventory.metrics import Metrics
from m365inventory.sync.engine.core import Engine


@dataclass
class Runtime:
    """The Kubernetes client, the engine (Lease, scheduler, decisions, workspaces), metrics."""

    client: AsyncClient
    engine: Engine
    metrics: Metrics


def runtime_of(memo: Any) -> Runtime:
    """The Runtime the startup handler put in kopf's memo."""
    runtime = getattr(memo, "runtime", None)
    if not isinstance(runtime, Runtime):
        raise RuntimeError("the operator's runtime is not initialised (startup did not run)")
    return runtime
