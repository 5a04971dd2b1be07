"""The engine assembled: one Lease decides whether this replica works; when it does, the
scheduler runs the connectors and the work queue applies decisions, both over the shared
workspaces the watch keeps current. controller-runtime's manager, in small."""

from __future__ import annotations

from lightkube import AsyncClient

from m365inventory.kube.leases import Leases
from m365inventory.kube.store import Store
from m365inventory.sync.engine.applying import DecisionApplier
from m365inventory.sync.engine.election import ElectionSettings, LeaderElector
from m365inventory.sync.engine.scheduler import Scheduler
from m365inventory.sync.engine.workqueue import Key, WorkQueue
from m365inventory.sync.reconcile.connector import Runner, utcnow
from m365inventory.sync.reconcile.observing import SyncObserver
from m365inventory.sync.state.workspace import Namespaces


class Engine:
    """Everything that syncs and decides, started and stopped by the Lease."""

    def __init__(
        self,
        *,
        client: AsyncClient,
        election: ElectionSettings,
        observer: SyncObserver,
        field_manager: str,
        allow_custom_cloud: bool = False,
    ) -> None:
        self.store = Store(client=client, field_manager=field_manager, fence=self._leading)
        self.namespaces = Namespaces(store=self.store, clock=utcnow)
        self.scheduler = Scheduler(
            runner=Runner(
                store=self.store,
                observer=observer,
                namespaces=self.namespaces,
                allow_custom_cloud=allow_custom_cloud,
            )
        )
        self.decisions = WorkQueue(
            work=DecisionApplier(namespaces=self.namespaces, connectors=self.scheduler)
        )
        self._observer = observer
        self.elector = LeaderElector(
            leases=Leases(client=client, namespace=election.namespace, name=election.name),
            identity=election.identity,
            timings=election.timings,
            on_started=self._started,
            on_stopped=self._stopped,
        )

    def _leading(self) -> bool:
        return self.elector.leading

    def decide(self, *, namespace: str, kind: str, name: str) -> None:
        """A TenantMatch or DeviceMatch's decision changed: apply it (when leading)."""
        self.decisions.add(Key(namespace=namespace, kind=kind, name=name))

    def start(self) -> None:
        self.elector.start()

    async def stop(self) -> None:
        """Stop leading (freeing the Lease for a standby), then every loop."""
        await self.elector.stop()
        await self.scheduler.stop()

    async def _started(self) -> None:
        self._observer.leading(True)
        self.scheduler.activate()
        self.decisions.activate()

    async def _stopped(self) -> None:
        self._observer.leading(False)
        await self.decisions.deactivate()
        await self.scheduler.deactivate()
