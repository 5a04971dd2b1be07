"""A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) on loopback.

Tests and the demo need a server that behaves like production (RBAC, ServiceAccount tokens,
garbage collection, namespace finalization) without Docker, so this starts the real binaries
built by ``make controlplane`` on free ports, with a generated PKI, and tears them down again.
"""

from __future__ import annotations

import shutil
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx

from m365inventory.localcluster.binaries import Binaries, find_binaries
from m365inventory.localcluster.certificates import (
    FRONT_PROXY_CLIENT_NAME,
    ClusterCertificates,
    generate_certificates,
)
from m365inventory.localcluster.kubeconfigs import write_kubeconfig
from m365inventory.localcluster.ports import free_ports
from m365inventory.localcluster.processes import ComponentProcess
from m365inventory.localcluster.readiness import (
    ComponentExitedError,
    ControlPlaneError,
    describe_logs,
    wait_until_healthy,
)

SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local"
SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24"
PORT_ATTEMPTS = 3
CONTROLLERS = (
    # Fills the aggregated ClusterRoles (admin, edit, view); they are empty without it.
    "clusterrole-aggregation-controller",
    "garbage-collector-controller",
    "namespace-controller",
    "serviceaccount-controller",
    "serviceaccount-token-controller",
)


AUDIT_POLICY = """\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
    verbs: ["create", "update", "patch", "delete", "deletecollection"]
    resources:
      - group: "m365.inventory.dev"
      - group: "coordination.k8s.io"
        resources: ["leases"]
  - level: None
"""


@dataclass(frozen=True, slots=True)
class Ports:
    """The loopback ports the components listen on."""

    etcd_client: int
    etcd_peer: int
    apiserver: int
    controller_manager: int


class LocalCluster:
    """A running local control plane; use :meth:`start` and close it with ``with``."""

    def __init__(
        self,
        *,
        workdir: Path,
        binaries: Binaries,
        ports: Ports,
        certificates: ClusterCertificates,
    ) -> None:
        self.workdir = workdir
        self.binaries = binaries
        self.ports = ports
        self.certificates = certificates
        self.logs_dir = workdir / "logs"
        self.kubeconfig_path = workdir / "admin.kubeconfig"
        self._controller_manager_kubeconfig = workdir / "controller-manager.kubeconfig"
        self.etcd = ComponentProcess(
            name="etcd", argv=self._etcd_argv(), log_path=self.logs_dir / "etcd.log"
        )
        self.apiserver = ComponentProcess(
            name="kube-apiserver",
            argv=self._apiserver_argv(),
            log_path=self.logs_dir / "kube-apiserver.log",
        )
        self.controller_manager = ComponentProcess(
            name="kube-controller-manager",
            argv=self._controller_manager_argv(),
            log_path=self.logs_dir / "kube-controller-manager.log",
        )

    def __repr__(self) -> str:
        return f"<LocalCluster {self.server_url} workdir={self.workdir}>"

    @classmethod
    def start(
        cls,
        *,
        workdir: Path,
        binaries: Binaries | None = None,
        timeout: float = 60.0,
    ) -> LocalCluster:
        """Generate certificates, start all components and wait until they are healthy.

        ``workdir`` must be empty or absent; it receives certificates, etcd data, kubeconfigs
        and ``logs/``. On failure everything started is stopped and the logs are kept.
        """
        workdir.mkdir(parents=True, exist_ok=True)
        if any(workdir.iterdir()):
            raise ControlPlaneError(f"workdir {workdir} is not empty")
        chosen = binaries if binaries is not None else find_binaries()
        for attempt in range(1, PORT_ATTEMPTS + 1):
            try:
                return cls._start_once(workdir=workdir, binaries=chosen, timeout=timeout)
            except ComponentExitedError as error:
                # Another process took a port between choosing it and binding it.
                if "address already in use" not in str(error) or attempt == PORT_ATTEMPTS:
                    raise
                for entry in workdir.iterdir():
                    if entry.is_dir():
                        shutil.rmtree(entry)
                    else:
                        entry.unlink()
        raise AssertionError("unreachable")

    @classmethod
    def _start_once(cls, *, workdir: Path, binaries: Binaries, timeout: float) -> LocalCluster:
        etcd_client, etcd_peer, apiserver, controller_manager = free_ports(count=4)
        cluster = cls(
            workdir=workdir,
            binaries=binaries,
            ports=Ports(
                etcd_client=etcd_client,
                etcd_peer=etcd_peer,
                apiserver=apiserver,
                controller_manager=controller_manager,
            ),
            certificates=generate_certificates(directory=workdir / "pki"),
        )
        try:
            cluster._start_components(timeout=timeout)
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def __enter__(self) -> LocalCluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def server_url(self) -> str:
        return f"https://127.0.0.1:{self.ports.apiserver}"

    @property
    def ca_path(self) -> Path:
        return self.certificates.ca_path

    @property
    def components(self) -> tuple[ComponentProcess, ...]:
        """The components in start order."""
        return (self.etcd, self.apiserver, self.controller_manager)

    def describe_logs(self, *, lines: int = 30) -> str:
        """Tails of every component log, for error messages and failed tests."""
        return describe_logs(self.components, lines=lines)

    def admin_ssl_context(self) -> ssl.SSLContext:
        """A TLS context trusting the cluster CA and presenting the admin client certificate."""
        context = ssl.create_default_context(cafile=str(self.ca_path))
        context.load_cert_chain(
            certfile=str(self.certificates.admin.cert_path),
            keyfile=str(self.certificates.admin.key_path),
        )
        return context

    def restart_apiserver(self, *, timeout: float = 60.0, grace_period: float = 10.0) -> None:
        """Stop and start kube-apiserver on the same port with the same certificates."""
        self.apiserver.stop(grace_period=grace_period)
        self.apiserver.start()
        self._wait_for_apiserver(timeout=timeout)

    def stop(self, *, grace_period: float = 10.0) -> None:
        """Stop every component in reverse start order; safe to call more than once."""
        for component in reversed(self.components):
            component.stop(grace_period=grace_period)

    def cleanup(self) -> None:
        """Stop the components and delete the working directory (logs included)."""
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def write_kubeconfig(
        self,
        *,
        path: Path,
        user: str,
        token: str | None = None,
        namespace: str | None = None,
    ) -> Path:
        """Write a kubeconfig for another identity: a bearer token, or the admin certificate."""
        if token is not None:
            return write_kubeconfig(
                path=path,
                server_url=self.server_url,
                ca_path=self.ca_path,
                user=user,
                token=token,
                namespace=namespace,
            )
        return write_kubeconfig(
            path=path,
            server_url=self.server_url,
            ca_path=self.ca_path,
            user=user,
            client_cert_path=self.certificates.admin.cert_path,
            client_key_path=self.certificates.admin.key_path,
            namespace=namespace,
        )

    def request_service_account_token(
        self,
        *,
        namespace: str,
        name: str,
        expiration_seconds: int = 3600,
        audiences: tuple[str, ...] = (),
    ) -> str:
        """Issue a bound ServiceAccount token through the TokenRequest API."""
        spec: dict[str, object] = {"expirationSeconds": expiration_seconds}
        if audiences:
            spec["audiences"] = list(audiences)
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec}
        url = f"{self.server_url}/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token"
        with httpx.Client(verify=self.admin_ssl_context(), timeout=30.0) as client:
            response = client.post(url, json=body)
        if response.status_code != 201:
            raise ControlPlaneError(
                f"TokenRequest for {namespace}/{name} failed: HTTP {response.status_code}: "
                f"{response.text[:500]}"
            )
        token = response.json()["status"]["token"]
        if not isinstance(token, str):
            raise ControlPlaneError(f"TokenRequest for {namespace}/{name} returned no token")
        return token

    def _start_components(self, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        self.etcd.start()
        wait_until_healthy(
            url=f"http://127.0.0.1:{self.ports.etcd_client}/health",
            components=[self.etcd],
            timeout=timeout,
            expected_body='"health":"true"',
        )
        self.apiserver.start()
        self._wait_for_apiserver(timeout=max(1.0, deadline - time.monotonic()))
        self.write_kubeconfig(path=self.kubeconfig_path, user="admin")
        write_kubeconfig(
            path=self._controller_manager_kubeconfig,
            server_url=self.server_url,
            ca_path=self.ca_path,
            user="system:kube-controller-manager",
            client_cert_path=self.certificates.controller_manager.cert_path,
            client_key_path=self.certificates.controller_manager.key_path,
        )
        self.controller_manager.start()
        wait_until_healthy(
            url=f"https://127.0.0.1:{self.ports.controller_manager}/healthz",
            components=self.components,
            timeout=max(1.0, deadline - time.monotonic()),
            ssl_context=ssl.create_default_context(cafile=str(self.ca_path)),
        )

    def _wait_for_apiserver(self, *, timeout: float) -> None:
        wait_until_healthy(
            url=f"{self.server_url}/readyz",
            components=[self.etcd, self.apiserver],
            timeout=timeout,
            ssl_context=self.admin_ssl_context(),
        )

    def _etcd_argv(self) -> list[str]:
        client = f"http://127.0.0.1:{self.ports.etcd_client}"
        peer = f"http://127.0.0.1:{self.ports.etcd_peer}"
        return [
            str(self.binaries.etcd),
            "--name=local",
            f"--data-dir={self.workdir / 'etcd-data'}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=local={peer}",
            "--initial-cluster-state=new",
            # Throwaway data: durability costs seconds per test run and buys nothing.
            "--unsafe-no-fsync=true",
            "--log-level=warn",
        ]

    @property
    def audit_log_path(self) -> Path:
        """The API server's audit log: every write to the project's API group and to Leases,
        with who made it and when (tests read it to prove who wrote)."""
        return self.logs_dir / "audit.log"

    def _audit_policy(self) -> Path:
        path = self.workdir / "audit-policy.yaml"
        path.write_text(AUDIT_POLICY)
        return path

    def _apiserver_argv(self) -> list[str]:
        certs = self.certificates
        return [
            str(self.binaries.kube_apiserver),
            f"--etcd-servers=http://127.0.0.1:{self.ports.etcd_client}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={self.ports.apiserver}",
            f"--cert-dir={self.workdir / 'apiserver-cert-dir'}",
            f"--tls-cert-file={certs.apiserver.cert_path}",
            f"--tls-private-key-file={certs.apiserver.key_path}",
            f"--client-ca-file={certs.ca_path}",
            "--authorization-mode=Node,RBAC",
            # The `kubernetes` Service may not point at a loopback address; nothing here
            # runs in pods, so the Service is left without endpoints.
            "--endpoint-reconciler-type=none",
            f"--requestheader-client-ca-file={certs.front_proxy_ca_path}",
            f"--requestheader-allowed-names={FRONT_PROXY_CLIENT_NAME}",
            "--requestheader-username-headers=X-Remote-User",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            f"--proxy-client-cert-file={certs.front_proxy_client.cert_path}",
            f"--proxy-client-key-file={certs.front_proxy_client.key_path}",
            f"--service-account-issuer={SERVICE_ACCOUNT_ISSUER}",
            f"--service-account-key-file={certs.service_account_public_key_path}",
            f"--service-account-signing-key-file={certs.service_account_private_key_path}",
            f"--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}",
            "--allow-privileged=true",
            "--profiling=false",
            f"--audit-policy-file={self._audit_policy()}",
            f"--audit-log-path={self.audit_log_path}",
            "--audit-log-format=json",
        ]

    def _controller_manager_argv(self) -> list[str]:
        certs = self.certificates
        kubeconfig = self._controller_manager_kubeconfig
        return [
            str(self.binaries.kube_controller_manager),
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            f"--controllers={','.join(CONTROLLERS)}",
            "--leader-elect=false",
            "--use-service-account-credentials=false",
            "--bind-address=127.0.0.1",
            f"--secure-port={self.ports.controller_manager}",
            f"--tls-cert-file={certs.controller_manager_serving.cert_path}",
            f"--tls-private-key-file={certs.controller_manager_serving.key_path}",
            f"--service-account-private-key-file={certs.service_account_private_key_path}",
            f"--root-ca-file={certs.ca_path}",
            "--profiling=false",
        ]
