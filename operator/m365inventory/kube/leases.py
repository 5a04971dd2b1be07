"""Read and write one `coordination.k8s.io/v1` Lease (leader election's only I/O).

Writes carry the resourceVersion that was read, so two candidates racing for a free Lease
cannot both win: the API server answers the loser 409 Conflict (`LeaseConflict`).
"""

from __future__ import annotations

from typing import Any

from lightkube import ApiError, AsyncClient
from lightkube.models.coordination_v1 import LeaseSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.coordination_v1 import Lease

from m365inventory.model.leases import LeaseRecord


class LeaseConflict(Exception):
    """Someone else wrote the Lease since we read it (or created it first)."""


def _record(lease: Any) -> LeaseRecord:
    spec = lease.spec or LeaseSpec()
    return LeaseRecord(
        holder=spec.holderIdentity or None,
        lease_duration_seconds=int(spec.leaseDurationSeconds or 0),
        acquire_time=spec.acquireTime,
        renew_time=spec.renewTime,
        transitions=int(spec.leaseTransitions or 0),
        resource_version=lease.metadata.resourceVersion,
    )


def _spec(record: LeaseRecord) -> LeaseSpec:
    return LeaseSpec(
        holderIdentity=record.holder,
        leaseDurationSeconds=record.lease_duration_seconds,
        acquireTime=record.acquire_time,
        renewTime=record.renew_time,
        leaseTransitions=record.transitions,
    )


class Leases:
    """One Lease, by namespace and name."""

    def __init__(self, *, client: AsyncClient, namespace: str, name: str) -> None:
        self._client: Any = client
        self.namespace = namespace
        self.name = name

    async def read(self) -> LeaseRecord | None:
        """The Lease as it is now, or None when it does not exist."""
        try:
            lease = await self._client.get(Lease, self.name, namespace=self.namespace)
        except ApiError as error:
            if error.status.code == 404:
                return None
            raise
        return _record(lease)

    async def write(self, record: LeaseRecord) -> LeaseRecord:
        """Create the Lease (record.resource_version None) or replace the version we read."""
        lease = Lease(
            metadata=ObjectMeta(
                name=self.name,
                namespace=self.namespace,
                resourceVersion=record.resource_version,
            ),
            spec=_spec(record),
        )
        try:
            if record.resource_version is None:
                written = await self._client.create(lease, namespace=self.namespace)
            else:
                written = await self._client.replace(lease, namespace=self.namespace)
        except ApiError as error:
            if error.status.code == 409:
                raise LeaseConflict(self.name) from error
            raise
        return _record(written)
