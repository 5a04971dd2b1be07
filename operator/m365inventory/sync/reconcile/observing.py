"""What the sync layer tells observers (metrics), without knowing who listens.

The metrics module implements `SyncObserver`; the sync layer only calls it, so it never
imports prometheus_client (layers only point downwards).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from m365inventory.graph.client import GraphConnection
    from m365inventory.sync.rules.outcome import RunReport


class SyncObserver(Protocol):
    """Receives facts about runs and connections."""

    def run_started(self, *, namespace: str, connector: str) -> None: ...

    def run_ended(self, *, namespace: str, connector: str) -> None:
        """Called once for every run_started, however the run ended."""

    def run_finished(
        self,
        *,
        namespace: str,
        connector: str,
        report: RunReport,
        phase: str,
        ready: bool,
        credentials_valid: bool | None,
        duration_seconds: float,
        interval_seconds: float,
    ) -> None: ...

    def connection_opened(
        self, *, namespace: str, connector: str, connection: GraphConnection
    ) -> None: ...

    def connector_removed(self, *, namespace: str, connector: str) -> None: ...

    def leading(self, value: bool) -> None:
        """This replica started (True) or stopped (False) holding the leader Lease."""


class NoObserver:
    """The default: nobody listens."""

    def run_started(self, *, namespace: str, connector: str) -> None:
        return None

    def run_ended(self, *, namespace: str, connector: str) -> None:
        return None

    def run_finished(
        self,
        *,
        namespace: str,
        connector: str,
        report: RunReport,
        phase: str,
        ready: bool,
        credentials_valid: bool | None,
        duration_seconds: float,
        interval_seconds: float,
    ) -> None:
        return None

    def connection_opened(
        self, *, namespace: str, connector: str, connection: GraphConnection
    ) -> None:
        return None

    def connector_removed(self, *, namespace: str, connector: str) -> None:
        return None

    def leading(self, value: bool) -> None:
        return None
