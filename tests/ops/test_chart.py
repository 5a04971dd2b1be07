"""The Helm chart: lint, what it renders for each scope, its values schema, and a server-side
dry run of every rendered manifest against the real control plane."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from ops_tools import CHART, find, helm, render, render_text, run

from m365inventory.localcluster.access import ClusterAccess
from m365inventory.model import resources

FIXTURES = Path(__file__).parent / "fixtures"
EVERYTHING: dict[str, Any] = {
    "prometheusRule": {"enabled": True},
    "metrics": {"serviceMonitor": {"enabled": True}},
    "networkPolicy": {"enabled": True},
}
KINDS = {
    "microsoftconnectors",
    "tenantmatches",
    "devicematches",
    "organizations",
    "contacts",
    "configurations",
}


def rules_of(role: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(apiGroup, resource, verb) triples a Role or ClusterRole grants."""
    return [
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    ]


def test_helm_lint_passes() -> None:
    for values in ([], ["--set", "watch.scope=Namespaces", "--set", "watch.namespaces={a,b}"]):
        result = run(helm(), "lint", CHART, "--strict", "--kube-version", "1.33.0", *values)
        assert "1 chart(s) linted, 0 chart(s) failed" in result.stdout


def test_deployment_is_locked_down() -> None:
    (deployment,) = find(render(), "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert container["resources"]["requests"]
    assert container["resources"]["limits"]["memory"]
    assert container["livenessProbe"]["httpGet"]["port"] == "probes"
    assert container["readinessProbe"]["httpGet"]["port"] == "probes"
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    assert deployment["spec"]["replicas"] == 2
    assert container["args"][:3] == [
        "run",
        "--metrics-port=8080",
        "--liveness=http://0.0.0.0:8081/healthz",
    ]
    assert "--lease-name=inv-m365-inventory-operator" in container["args"]
    assert "--lease-namespace=m365-system" in container["args"] or any(
        a.startswith("--lease-namespace=") for a in container["args"]
    )
    env = {e["name"]: e.get("valueFrom") for e in container["env"]}
    assert env["POD_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert not any(a.startswith("--namespace") for a in container["args"])


def test_cluster_scope_rbac_is_least_privilege() -> None:
    docs = render()
    (operator_role,) = find(docs, "ClusterRole", "inv-m365-inventory-operator")
    (discovery,) = find(docs, "ClusterRole", "inv-m365-inventory-operator-discovery")
    granted = rules_of(operator_role) + rules_of(discovery)
    assert not [g for g in granted if "*" in g], "no wildcards"
    # Secrets: read the ones connectors name, never list, watch or write them by default.
    assert [g for g in granted if g[1] == "secrets"] == [("", "secrets", "get")]
    assert ("", "serviceaccounts/token", "create") in granted
    assert ("", "namespaces", "delete") not in granted
    assert not [g for g in granted if g[0] == "rbac.authorization.k8s.io"]
    assert {r for g, r, _ in granted if g == resources.GROUP} >= KINDS
    assert not [g for g in granted if g[0] == "coordination.k8s.io"], "no cluster-wide Leases"
    (election,) = find(docs, "Role")
    assert rules_of(election) == [
        ("coordination.k8s.io", "leases", "create"),
        ("coordination.k8s.io", "leases", "get"),
        ("coordination.k8s.io", "leases", "update"),
    ]
    assert election["rules"][1]["resourceNames"] == ["inv-m365-inventory-operator"]
    (binding,) = find(docs, "RoleBinding")
    assert binding["metadata"]["namespace"] == election["metadata"]["namespace"]


def test_namespaces_scope_grants_only_the_listed_namespaces() -> None:
    docs = render(values={"watch": {"scope": "Namespaces", "namespaces": ["team-a", "team-b"]}})
    roles = [r for r in find(docs, "Role") if not r["metadata"]["name"].endswith("-election")]
    assert sorted(r["metadata"]["namespace"] for r in roles) == ["team-a", "team-b"]
    bindings = [
        b for b in find(docs, "RoleBinding") if not b["metadata"]["name"].endswith("-election")
    ]
    assert sorted(b["metadata"]["namespace"] for b in bindings) == ["team-a", "team-b"]
    for role in roles:
        assert [g for g in rules_of(role) if g[1] == "secrets"] == [("", "secrets", "get")]
        assert ("", "serviceaccounts/token", "create") in rules_of(role)
    (cluster_role,) = find(docs, "ClusterRole")
    # Cluster-wide, only reads of CRDs and namespace names (kopf's discovery).
    assert rules_of(cluster_role) == [
        (group, resource, verb)
        for group, resource in [
            ("apiextensions.k8s.io", "customresourcedefinitions"),
            ("", "namespaces"),
        ]
        for verb in ("get", "list", "watch")
    ]
    assert not [g for g in rules_of(roles[0]) if g[0] == "coordination.k8s.io"]
    (deployment,) = find(docs, "Deployment")
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert [a for a in args if a.startswith("--namespace")] == [
        "--namespace=team-a",
        "--namespace=team-b",
    ]


def _secret_verbs(role: dict[str, Any]) -> set[str]:
    return {verb for _, resource, verb in rules_of(role) if resource == "secrets"}


def test_bitlocker_keys_grant_secret_writes_only_where_asked() -> None:
    # Cluster scope, enabled: create and patch everywhere; never list, watch or delete.
    docs = render(values={"bitlockerKeys": {"enabled": True}})
    (role,) = find(docs, "ClusterRole", "inv-m365-inventory-operator")
    assert _secret_verbs(role) == {"get", "create", "patch"}
    # Cluster scope, per namespace: a Role in each listed namespace, nothing cluster-wide.
    docs = render(values={"bitlockerKeys": {"namespaces": ["team-a"]}})
    (role,) = find(docs, "ClusterRole", "inv-m365-inventory-operator")
    assert _secret_verbs(role) == {"get"}
    (writer,) = find(docs, "Role", "inv-m365-inventory-operator-secret-writer")
    assert writer["metadata"]["namespace"] == "team-a"
    assert _secret_verbs(writer) == {"create", "patch"}
    # Namespaces scope: only the listed watched namespace may be written.
    docs = render(
        values={
            "watch": {"scope": "Namespaces", "namespaces": ["team-a", "team-b"]},
            "bitlockerKeys": {"namespaces": ["team-a"]},
        }
    )
    verbs = {
        r["metadata"]["namespace"]: _secret_verbs(r)
        for r in find(docs, "Role", "inv-m365-inventory-operator")
    }
    assert verbs == {"team-a": {"get", "create", "patch"}, "team-b": {"get"}}
    # And TokenRequest can be turned off where no connector uses workload identity.
    docs = render(values={"rbac": {"serviceAccountTokens": False}})
    (role,) = find(docs, "ClusterRole", "inv-m365-inventory-operator")
    assert not [g for g in rules_of(role) if g[1] == "serviceaccounts/token"]


def test_custom_clouds_need_the_chart_value() -> None:
    def args(**values: Any) -> list[str]:
        (deployment,) = find(render(values=values or None), "Deployment")
        return list(deployment["spec"]["template"]["spec"]["containers"][0]["args"])

    assert "--allow-custom-cloud" not in args()
    assert "--allow-custom-cloud" in args(allowCustomCloud=True)


def test_optional_objects_render_only_when_enabled() -> None:
    plain = {d["kind"] for d in render()}
    assert plain == {
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",  # leader election, in the release namespace
        "RoleBinding",
        "Service",
        "Deployment",
    }
    full = {d["kind"] for d in render(values=EVERYTHING)}
    assert full == plain | {"ServiceMonitor", "PrometheusRule", "NetworkPolicy"}
    single = render(values={"replicaCount": 1})
    (deployment,) = find(single, "Deployment")
    assert deployment["spec"]["replicas"] == 1


def test_chart_ships_the_crds_and_nothing_of_kopf_peering() -> None:
    docs = render(include_crds=True)
    names = {d["metadata"]["name"] for d in find(docs, "CustomResourceDefinition")}
    assert {f"{kind}.{resources.GROUP}" for kind in KINDS} == names


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"leaderElection": {"leaseDuration": 0}}, "exclusiveMinimum"),
        ({"watch": {"scope": "Namespaces", "namespaces": []}}, "minItems"),
        ({"watch": {"scope": "Everywhere"}}, "value must be one of"),
        ({"metrics": {"port": 0}}, "minimum"),
        ({"replicas": 2}, "additional properties 'replicas' not allowed"),
        ({"bitlockerKeys": {"namespaces": ["Team A"]}}, "does not match"),
        ({"allowCustomCloud": "yes"}, "got string, want boolean"),
    ],
)
def test_values_schema_rejects_mistakes(values: dict[str, Any], message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        render_text(values=values)


@pytest.mark.cluster
@pytest.mark.parametrize("scope", ["Cluster", "Namespaces"])
def test_rendered_manifests_pass_a_server_side_dry_run(
    ops_cluster: ClusterAccess, scope: str
) -> None:
    kube = ops_cluster
    suffix = uuid.uuid4().hex[:6]
    home, watched = f"m365-system-{suffix}", f"team-{suffix}"
    for name in (home, watched):
        kube.kubectl("create", "namespace", name)
    values = {**EVERYTHING, "watch": {"scope": scope, "namespaces": [watched]}}
    text = render_text(namespace=home, values=values, include_crds=True)
    docs = [d for d in yaml.safe_load_all(text) if d]
    crds = [d for d in docs if d["kind"] == "CustomResourceDefinition"]
    # CRDs first, for real (as helm does), with the monitoring stand-ins; then the rest dry.
    kube.kubectl(
        "apply", "--server-side", "--force-conflicts", "-f", "-", input=yaml.safe_dump_all(crds)
    )
    kube.kubectl("apply", "--server-side", "-f", str(FIXTURES / "monitoring-crds.yaml"))
    kube.kubectl("wait", "--for=condition=established", "--timeout=60s", "crd", "--all")
    rest = [d for d in docs if d["kind"] != "CustomResourceDefinition"]
    applied = kube.kubectl(
        "apply", "--dry-run=server", "-o", "name", "-f", "-", input=yaml.safe_dump_all(rest)
    )
    assert len(applied.stdout.split()) == len(rest)
    kinds = {d["kind"] for d in rest}
    assert {"Deployment", "PrometheusRule", "ServiceMonitor", "NetworkPolicy"} <= kinds


def test_the_replicas_example_renders_three_replicas_electing_one_writer() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "helm" / "values-replicas.yaml"
    docs = render(values=yaml.safe_load(example.read_text()))
    (deployment,) = find(docs, "Deployment")
    assert deployment["spec"]["replicas"] == 3
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert {"--lease-duration=15", "--renew-deadline=10", "--retry-period=2"} <= set(args)
