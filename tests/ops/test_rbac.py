"""RBAC proven, not assumed: the operator runs as the chart's ServiceAccount, with exactly the
chart's Roles, through a full sync and a decision; then everything outside its job is denied.

Two profiles per scope: the default, which may only read (get) Secrets, and the BitLocker
profile (`bitlockerKeys.enabled` in Cluster scope, `bitlockerKeys.namespaces` in Namespaces
scope), which may also create and patch them where the chart says, and nothing more.

The ServiceAccount, Roles and bindings come from `helm template`; the
Deployment cannot run (the test control plane has no nodes), so its container args are run as
a local process with the ServiceAccount's token.
"""

from __future__ import annotations

import json
import socket
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from ops_tools import find, render_text
from prometheus_client.parser import text_string_to_metric_families

from m365inventory.localcluster.access import ClusterAccess
from m365inventory.localcluster.kubectl import Kubectl
from m365inventory.simulator import Simulator

from e2e_harness import OperatorProcess, Scenario, launch_operator

pytestmark = pytest.mark.cluster


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Installed:
    """The chart's RBAC applied for real, the operator running as its ServiceAccount."""

    kube: ClusterAccess
    scope: str
    lease: str
    home: str
    watched: str
    other: str
    user: str
    as_operator: Kubectl
    operator: OperatorProcess
    metrics_url: str

    def can_i(self, *args: str) -> str:
        result = self.kube.kubectl("auth", "can-i", *args, f"--as={self.user}", check=False)
        return result.stdout.strip()

    def scrape(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        with urllib.request.urlopen(self.metrics_url, timeout=10) as response:  # noqa: S310
            text = response.read().decode()
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }


def install(
    kube: ClusterAccess, tmp_path: Path, *, scope: str, bitlocker: bool = True
) -> Iterator[Installed]:
    assert kube.cluster is not None
    suffix = uuid.uuid4().hex[:6]
    release = f"rbac-{suffix}"
    home, watched, other = f"m365-system-{suffix}", f"team-{suffix}", f"other-{suffix}"
    for name in (home, watched, other):
        kube.kubectl("create", "namespace", name)
    kube.kubectl(
        "create", "secret", "generic", "not-yours", "-n", other, "--from-literal=password=hunter2"
    )
    values: dict[str, object] = {
        "replicaCount": 1,
        "watch": {"scope": scope, "namespaces": [watched]},
    }
    if bitlocker:
        values["bitlockerKeys"] = (
            {"enabled": True} if scope == "Cluster" else {"namespaces": [watched]}
        )
    docs = [
        d
        for d in yaml.safe_load_all(
            render_text(release=release, namespace=home, values=values, include_crds=True)
        )
        if d
    ]
    crds = [d for d in docs if d["kind"] == "CustomResourceDefinition"]
    kube.kubectl(
        "apply", "--server-side", "--force-conflicts", "-f", "-", input=yaml.safe_dump_all(crds)
    )
    kube.kubectl("wait", "--for=condition=established", "--timeout=60s", "crd", "--all")
    objects = [d for d in docs if d["kind"] not in {"CustomResourceDefinition", "Deployment"}]
    kube.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(objects))

    (deployment,) = find(docs, "Deployment")
    sa = deployment["spec"]["template"]["spec"]["serviceAccountName"]
    token = kube.cluster.request_service_account_token(namespace=home, name=sa)
    kubeconfig = kube.cluster.write_kubeconfig(
        path=tmp_path / "operator.kubeconfig", user=sa, token=token
    )
    metrics_port, probe_port = free_port(), free_port()
    args = [
        f"--metrics-port={metrics_port}"
        if a.startswith("--metrics-port=")
        else f"--liveness=http://127.0.0.1:{probe_port}/healthz"
        if a.startswith("--liveness=")
        else a
        for a in deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    ]
    operator = launch_operator(
        args=args,
        kubeconfig=kubeconfig,
        log_path=tmp_path / "operator.log",
        health_url=f"http://127.0.0.1:{probe_port}/healthz",
    )
    try:
        yield Installed(
            kube=kube,
            scope=scope,
            lease=next(a.split("=", 1)[1] for a in args if a.startswith("--lease-name=")),
            home=home,
            watched=watched,
            other=other,
            user=f"system:serviceaccount:{home}:{sa}",
            as_operator=Kubectl(kubeconfig=kubeconfig),
            operator=operator,
            metrics_url=f"http://127.0.0.1:{metrics_port}/metrics",
        )
    finally:
        operator.stop()
        kube.kubectl(
            "delete",
            "clusterrole,clusterrolebinding",
            "-l",
            f"app.kubernetes.io/instance={release}",
            "--ignore-not-found",
            check=False,
        )
        for name in (home, watched, other):
            kube.kubectl("delete", "namespace", name, "--wait=false", check=False)


@pytest.fixture(params=["Namespaces", "Cluster"])
def installed(
    request: pytest.FixtureRequest, ops_cluster: ClusterAccess, tmp_path: Path
) -> Iterator[Installed]:
    """The BitLocker profile: the operator's whole job, keys included."""
    yield from install(ops_cluster, tmp_path, scope=request.param, bitlocker=True)


@pytest.fixture(params=["Namespaces", "Cluster"])
def installed_default(
    request: pytest.FixtureRequest, ops_cluster: ClusterAccess, tmp_path: Path
) -> Iterator[Installed]:
    """The chart's defaults: Secrets are read-only."""
    yield from install(ops_cluster, tmp_path, scope=request.param, bitlocker=False)


def test_the_default_profile_cannot_write_secrets(installed_default: Installed) -> None:
    op = installed_default
    ns, other = op.watched, op.other
    op.kube.kubectl(
        "create", "secret", "generic", "graph", "-n", ns, "--from-literal=clientSecret=x"
    )
    can = op.can_i
    assert can("get", "secrets", "-n", ns) == "yes"
    for namespace in (ns, other, op.home):
        for verb in ("create", "patch", "update", "delete", "list", "watch"):
            assert can(verb, "secrets", "-n", namespace) == "no", (verb, namespace)
    # The core's own needs: TokenRequest where connectors live, the Lease at home.
    assert can("create", "serviceaccounts", "--subresource=token", "-n", ns) == "yes"
    assert can("create", "leases", "-n", op.home) == "yes"
    for verb in ("get", "update"):
        assert can(verb, f"lease/{op.lease}", "-n", op.home) == "yes", verb
        assert can(verb, "lease/someone-elses", "-n", op.home) == "no", verb
    for verb in ("list", "watch", "delete"):
        assert can(verb, "leases", "-n", op.home) == "no", verb
    assert can("create", "leases", "-n", ns) == "no"
    # Tried for real, not only asked.
    for args in (
        ("create", "secret", "generic", "planted", "-n", ns, "--from-literal=k=v"),
        ("patch", "secret", "graph", "-n", ns, "-p", '{"stringData":{"clientSecret":"y"}}'),
    ):
        result = op.as_operator(*args, check=False)
        assert result.returncode != 0, args
        assert "forbidden" in result.stderr.lower(), (args, result.stderr)
    stored = json.loads(op.kube.kubectl("get", "secret", "graph", "-n", ns, "-o", "json").stdout)
    assert stored["data"]["clientSecret"] == "eA=="  # base64 of the untouched "x"


def test_operator_syncs_as_its_service_account_and_nothing_more(
    installed: Installed, simulator: Simulator
) -> None:
    op = installed
    scenario = Scenario(kube=op.kube, namespace=op.watched, sim=simulator, operator=op.operator)

    # The operator's whole job: a sync, a decision that creates an Organization, a match to
    # an existing one and its revert.
    # Intune devices and BitLocker keys too: a device matched by serial number gets its
    # recovery keys in a Secret the operator writes.
    scenario.organization("contoso", "Contoso Ltd")
    scenario.organization("other", "Some Other Company")
    contoso = scenario.customer("Contoso Ltd")
    device = simulator.world.require_tenant(contoso).devices[0]
    assert device.serial_number
    scenario.kubectl(
        "apply",
        "-f",
        "-",
        input=json.dumps(
            {
                "apiVersion": "m365.inventory.dev/v1alpha1",
                "kind": "Configuration",
                "metadata": {"name": "laptop"},
                "spec": {
                    "organization": "contoso",
                    "displayName": "laptop",
                    "serialNumber": device.serial_number,
                },
            }
        ),
    )
    scenario.connector(
        "msp", sync={"contacts": True, "groups": True, "intuneDevices": True, "bitlockerKeys": True}
    )
    status = scenario.wait_synced("msp")
    assert status["phase"] == "OK", status
    assert status["summary"]["tenants"] == 3
    assert not status["summary"]["errors"]
    assert scenario.get("secret", f"bitlocker-msp-{device.id}") is not None
    assert scenario.list("devicematches")
    fabrikam = scenario.customer("Fabrikam Ltd")
    northwind = scenario.customer("Northwind Traders Ltd")
    scenario.decide("msp", northwind, {"decision": "CreateOrganization"})
    scenario.wait(
        "create",
        lambda: scenario.match_state("msp", northwind) == ("Matched", "northwind-traders-ltd"),
    )
    scenario.decide("msp", fabrikam, {"decision": "MatchTo", "organizationName": "other"})
    scenario.wait("match", lambda: scenario.match_state("msp", fabrikam) == ("Matched", "other"))
    scenario.decide("msp", fabrikam, None)
    scenario.wait("revert", lambda: scenario.match_state("msp", fabrikam) == ("Unmatched", None))
    events = json.loads(scenario.kubectl("get", "events", "-o", "json"))["items"]
    assert any(e["reason"] == "SyncStarted" for e in events)

    # It did all that itself (its own metrics say so), with no permission refused.
    samples = op.scrape()
    key = frozenset({("namespace", op.watched), ("connector", "msp"), ("result", "Succeeded")})
    assert samples[("m365_inventory_syncs_total", key)] >= 1
    writes = {
        dict(labels)["kind"]: value
        for (name, labels), value in samples.items()
        if name == "m365_inventory_kubernetes_writes_total"
    }
    assert writes.get("TenantMatch", 0) >= 3
    assert writes.get("Organization", 0) >= 1
    assert writes.get("Secret", 0) >= 1
    log = op.operator.log_text()
    assert "forbidden" not in log.lower(), op.operator.log_tail(80)
    assert " 403" not in log, op.operator.log_tail(80)
    # It leads through the Lease the chart grants it, in its own namespace only.
    lease = json.loads(
        op.kube.kubectl("get", "lease", op.lease, "-n", op.home, "-o", "json").stdout
    )
    assert lease["spec"]["holderIdentity"], lease
    assert op.can_i("update", f"lease/{op.lease}", "-n", op.home) == "yes"
    assert op.can_i("update", "lease/someone-else", "-n", op.home) == "no"
    assert op.can_i("create", "leases", "-n", op.watched) == "no"

    # Everything outside its job is refused: asked (can-i) and tried for real.
    can = op.can_i
    ns, other = op.watched, op.other
    assert can("get", "secrets", "-n", ns) == "yes"
    # The BitLocker profile writes key Secrets (server-side apply: create, patch) …
    assert can("create", "secrets", "-n", ns) == "yes"
    assert can("patch", "secrets", "-n", ns) == "yes"
    # … and still never lists, watches, replaces or deletes them.
    assert can("list", "secrets", "-n", ns) == "no"
    assert can("watch", "secrets", "-n", ns) == "no"
    assert can("update", "secrets", "-n", ns) == "no"
    assert can("delete", "secrets", "-n", ns) == "no"
    # Cluster scope grants it cluster-wide (documented); Namespaces scope only where listed.
    expected = "yes" if op.scope == "Cluster" else "no"
    assert can("create", "secrets", "-n", other) == expected
    assert can("delete", "namespaces") == "no"
    assert can("create", "namespaces") == "no"
    assert can("create", "rolebindings", "-n", ns) == "no"
    assert can("create", "clusterrolebindings") == "no"
    assert can("escalate", "clusterroles") == "no"
    assert can("patch", "clusterroles") == "no"
    assert can("list", "pods", "-n", ns) == "no"
    assert can("create", "pods/exec", "-n", ns) == "no"
    assert can("delete", "customresourcedefinitions") == "no"
    assert can("impersonate", "serviceaccounts") == "no"
    assert can("delete", "microsoftconnectors", "-n", ns) == "no"
    # TokenRequest: wherever connectors may live (the whole cluster in Cluster scope).
    assert can("create", "serviceaccounts", "--subresource=token", "-n", ns) == "yes"
    assert can("create", "serviceaccounts", "--subresource=token", "-n", op.home) == expected

    as_op = op.as_operator
    denied = [
        ("get", "secrets", "-n", ns),  # a list
        ("delete", "namespace", other),
        (
            "create",
            "rolebinding",
            "grab",
            "--clusterrole=admin",
            f"--serviceaccount={op.home}:x",
            "-n",
            ns,
        ),
        (
            "create",
            "clusterrolebinding",
            "grab",
            "--clusterrole=cluster-admin",
            f"--serviceaccount={op.home}:x",
        ),
        ("get", "pods", "-n", ns),
    ]
    if op.scope == "Namespaces":
        # Other namespaces are out of reach entirely.
        assert can("get", "secrets", "-n", other) == "no"
        assert can("get", "microsoftconnectors", "-n", other) == "no"
        denied.append(("get", "secret", "not-yours", "-n", other))
    for args in denied:
        result = as_op(*args, check=False)
        assert result.returncode != 0, args
        assert "forbidden" in result.stderr.lower(), (args, result.stderr)
    assert op.kube.kubectl("get", "namespace", other, "-o", "name").stdout.strip()
