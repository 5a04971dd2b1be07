"""Drive the operator the way a person does: kubectl apply, patch, annotate, get."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from m365inventory.localcluster.access import ClusterAccess
from m365inventory.simulator import Simulator, credentials

T = TypeVar("T")
WAIT_SECONDS = 60.0


@dataclass
class OperatorProcess:
    """The operator running as its own process, with its log kept for inspection."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Scenario:
    """One test's namespace, simulator and helpers."""

    kube: ClusterAccess
    namespace: str
    sim: Simulator
    operator: OperatorProcess

    # ------------------------------------------------------------------ Microsoft side

    @property
    def creds(self) -> dict[str, Any]:
        return credentials(self.sim.world)

    @property
    def partner_id(self) -> str:
        return str(self.creds["partnerTenantId"])

    def customer(self, display_name: str) -> str:
        """The tenant ID of the customer called `display_name`."""
        for tenant in self.sim.world.tenants:
            if tenant.display_name == display_name:
                return str(tenant.id)
        raise KeyError(display_name)

    # ------------------------------------------------------------------ Kubernetes side

    def kubectl(self, *args: str, input: str | None = None, check: bool = True) -> str:
        return self.kube.kubectl("-n", self.namespace, *args, input=input, check=check).stdout

    def apply(self, *documents: dict[str, Any]) -> None:
        """kubectl apply, sent as JSON: YAML would turn strings such as 0123456789 into numbers."""
        listed = {"apiVersion": "v1", "kind": "List", "items": list(documents)}
        self.kubectl("apply", "-f", "-", input=json.dumps(listed))

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        out = self.kube.kubectl(
            "-n", self.namespace, "get", kind, name, "-o", "json", "--ignore-not-found"
        ).stdout
        return json.loads(out) if out.strip() else None

    def list(self, kind: str, *, selector: str | None = None) -> list[dict[str, Any]]:
        args = ["get", kind, "-o", "json"]
        if selector:
            args += ["-l", selector]
        return list(json.loads(self.kubectl(*args))["items"])

    def patch(self, kind: str, name: str, patch: dict[str, Any]) -> None:
        self.kubectl("patch", kind, name, "--type", "merge", "-p", json.dumps(patch))

    def wait(self, what: str, probe: Callable[[], T | None], *, timeout: float = WAIT_SECONDS) -> T:
        """Poll `probe` until it returns something truthy; fail with `what` and the log."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            try:
                last = probe()
            except (KeyError, IndexError, TypeError):
                last = None
            if last:
                return last
            time.sleep(0.25)
        raise AssertionError(f"timed out waiting for {what}; last={last!r}")

    def connector_status(self, name: str) -> dict[str, Any]:
        body = self.get("microsoftconnector", name) or {}
        return dict(body.get("status") or {})

    def wait_synced(self, name: str, *, timeout: float = WAIT_SECONDS) -> dict[str, Any]:
        """Wait until the connector finished a run for its current spec; return its status."""

        def done() -> dict[str, Any] | None:
            body = self.get("microsoftconnector", name) or {}
            status = body.get("status") or {}
            finished = status.get("phase") in {"OK", "Degraded", "Error"} and status.get(
                "lastSyncTime"
            )
            current = status.get("observedGeneration") == body["metadata"]["generation"]
            return status if finished and current else None

        return self.wait(f"connector {name} to finish a sync", done, timeout=timeout)

    def request_sync(self, name: str, *, timeout: float = WAIT_SECONDS) -> dict[str, Any]:
        """Annotate requestedAt (as a person would) and wait for the run that answers it."""
        self._requests = getattr(self, "_requests", 0) + 1
        token = f"test-{time.time_ns()}-{self._requests}"
        self.kubectl(
            "annotate",
            "microsoftconnector",
            name,
            "--overwrite",
            f"m365.inventory.dev/requestedAt={token}",
        )

        def answered() -> dict[str, Any] | None:
            status = self.connector_status(name)
            if status.get("lastHandledRequestedAt") == token and status.get("phase") != "Syncing":
                return status
            return None

        return self.wait(
            f"connector {name} to answer requestedAt={token}", answered, timeout=timeout
        )

    # ------------------------------------------------------------------ connectors

    def connector(
        self,
        name: str = "msp",
        *,
        mode: str = "Partner",
        tenant_id: str | None = None,
        secret: str | None = None,
        secret_name: str = "graph",
        sync: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
        create_secret: bool = True,
    ) -> dict[str, Any]:
        """Apply the Secrets and a connector pointing at this test's simulator."""
        app = self.creds["apps"][0]
        documents: list[dict[str, Any]] = [
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "simulator-ca"},
                "stringData": {"ca.crt": Path(self.sim.ca_path).read_text()},
            }
        ]
        if create_secret:
            documents.append(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {"name": secret_name},
                    "stringData": {"clientSecret": secret or app["clientSecret"]},
                }
            )
        spec: dict[str, Any] = {
            "tenantId": tenant_id or self.partner_id,
            "clientId": app["clientId"],
            "mode": mode,
            "cloud": "Custom",
            "endpoints": {
                "authorityHost": self.sim.base_url,
                "graphBaseUrl": self.sim.graph_url,
                "caBundleSecretRef": {"name": "simulator-ca", "key": "ca.crt"},
            },
            "credentials": {
                "clientSecret": {"secretRef": {"name": secret_name, "key": "clientSecret"}}
            },
            "sync": sync or {"contacts": True, "groups": True, "entraFields": True},
            **(extra or {}),
        }
        connector = {
            "apiVersion": "m365.inventory.dev/v1alpha1",
            "kind": "MicrosoftConnector",
            "metadata": {"name": name},
            "spec": spec,
        }
        documents.append(connector)
        self.apply(*documents)
        return connector

    def organization(self, name: str, display_name: str, **spec: Any) -> None:
        self.apply(
            {
                "apiVersion": "m365.inventory.dev/v1alpha1",
                "kind": "Organization",
                "metadata": {"name": name},
                "spec": {"displayName": display_name, **spec},
            }
        )

    def contact(self, name: str, organization: str, **spec: Any) -> None:
        self.apply(
            {
                "apiVersion": "m365.inventory.dev/v1alpha1",
                "kind": "Contact",
                "metadata": {"name": name},
                "spec": {"organization": organization, **spec},
            }
        )

    def tenant_match(self, connector: str, tenant_id: str) -> dict[str, Any] | None:
        return self.get("tenantmatch", f"{connector}-{tenant_id}")

    def decide(self, connector: str, tenant_id: str, spec: dict[str, Any] | None) -> None:
        """Set (or, with None, remove) the decision on a TenantMatch with kubectl patch."""
        name = f"{connector}-{tenant_id}"
        if spec is None:
            self.kubectl(
                "patch",
                "tenantmatch",
                name,
                "--type",
                "json",
                "-p",
                json.dumps([{"op": "remove", "path": "/spec"}]),
            )
        else:
            self.kubectl(
                "patch",
                "tenantmatch",
                name,
                "--type",
                "json",
                "-p",
                json.dumps([{"op": "add", "path": "/spec", "value": spec}]),
            )

    def match_state(self, connector: str, tenant_id: str) -> tuple[str | None, str | None]:
        status = (self.tenant_match(connector, tenant_id) or {}).get("status") or {}
        return status.get("state"), status.get("organization")


def launch_operator(
    *,
    args: list[str],
    kubeconfig: Path,
    log_path: Path,
    health_url: str,
    timeout: float = 60.0,
    allow_custom_cloud: bool = True,
) -> OperatorProcess:
    """Start `m365-inventory <args>` with `kubeconfig`; return once `health_url` answers.

    The tests' connectors point at the Graph simulator (`cloud: Custom`), which the operator
    refuses unless started with `--allow-custom-cloud`: it is added unless `allow_custom_cloud`
    is False (the security tests that prove the refusal)."""
    executable = shutil.which("m365-inventory", path=str(Path(sys.executable).parent))
    assert executable is not None
    if allow_custom_cloud and "--allow-custom-cloud" not in args:
        args = [*args, "--allow-custom-cloud"]
    env = {**os.environ, "KUBECONFIG": str(kubeconfig), "PYTHONUNBUFFERED": "1"}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [executable, *args], stdout=log, stderr=subprocess.STDOUT, env=env
        )
    handle = OperatorProcess(process=process, log_path=log_path)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(health_url, timeout=2):  # noqa: S310 - a local URL
                return handle
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                handle.stop()
                raise AssertionError(f"operator did not start:\n{handle.log_tail()}") from None
            time.sleep(0.2)
