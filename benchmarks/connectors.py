"""Watch a connector and its objects from the bench with one lightkube client.

The harness polls with kubectl, which costs a process start per look; at bench scale that
competes with the operator for the two cores, so the bench reads the API server directly.
"""

from __future__ import annotations

import time
from typing import Any

from lightkube import Client, KubeConfig
from lightkube.core.exceptions import ApiError

from m365inventory.kube.kinds import resource_of
from m365inventory.model import resources

POLL_SECONDS = 0.2


class Reader:
    """Reads of the bench's namespaces (cluster admin, from the kubeconfig)."""

    def __init__(self, *, kubeconfig: str) -> None:
        self.client = Client(config=KubeConfig.from_file(kubeconfig), field_manager="bench")

    def get(self, kind: resources.Kind, name: str, *, namespace: str) -> dict[str, Any] | None:
        try:
            obj = self.client.get(resource_of(kind), name, namespace=namespace)
        except ApiError as error:
            if error.status.code == 404:
                return None
            raise
        return dict(obj.to_dict())  # type: ignore[no-untyped-call]

    def list(self, kind: resources.Kind, *, namespace: str) -> list[dict[str, Any]]:
        return [
            dict(obj.to_dict())  # type: ignore[no-untyped-call]
            for obj in self.client.list(resource_of(kind), namespace=namespace)
        ]

    def count(self, kind: resources.Kind, *, namespace: str) -> int:
        return sum(
            1 for _ in self.client.list(resource_of(kind), namespace=namespace, chunk_size=500)
        )

    def wait_synced(self, name: str, *, namespace: str, timeout: float) -> dict[str, Any]:
        """The connector's status once a run for its current generation has finished."""

        def done(body: dict[str, Any]) -> bool:
            status = body.get("status") or {}
            return bool(
                status.get("phase") in {"OK", "Error"}
                and status.get("lastSyncTime")
                and status.get("observedGeneration") == body["metadata"].get("generation")
            )

        return self._wait(name, namespace=namespace, timeout=timeout, done=done)

    def wait_answered(
        self, name: str, *, namespace: str, token: str, timeout: float
    ) -> dict[str, Any]:
        """The connector's status once the run asked for with requestedAt=`token` finished."""

        def done(body: dict[str, Any]) -> bool:
            status = body.get("status") or {}
            return status.get("lastHandledRequestedAt") == token and status.get("phase") in {
                "OK",
                "Error",
            }

        return self._wait(name, namespace=namespace, timeout=timeout, done=done)

    def _wait(self, name: str, *, namespace: str, timeout: float, done: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.get(resources.CONNECTOR, name, namespace=namespace)
            if body is not None and done(body):
                return dict(body.get("status") or {})
            time.sleep(POLL_SECONDS)
        raise TimeoutError(f"connector {namespace}/{name} did not finish within {timeout:.0f} s")
