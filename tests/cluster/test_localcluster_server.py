"""The local control plane serves a real, secured Kubernetes API of the expected version."""

from __future__ import annotations

import json
import ssl

import httpx
import pytest

from m365inventory.localcluster import LocalCluster
from m365inventory.localcluster.access import ClusterAccess

pytestmark = pytest.mark.cluster


def local_cluster(kube: ClusterAccess) -> LocalCluster:
    if kube.cluster is None:
        pytest.skip("needs the local control plane, not M365_TEST_KUBECONFIG")
    return kube.cluster


def test_readyz_reports_every_check_ok(kube: ClusterAccess) -> None:
    cluster = local_cluster(kube)
    with httpx.Client(verify=cluster.admin_ssl_context()) as client:
        response = client.get(f"{cluster.server_url}/readyz", params={"verbose": "1"})
    assert response.status_code == 200, response.text
    assert "[+]etcd ok" in response.text
    assert "[+]poststarthook/rbac/bootstrap-roles ok" in response.text
    assert response.text.rstrip().endswith("readyz check passed")


def test_kubectl_version_shows_server_v1_33_13(kube: ClusterAccess) -> None:
    result = kube.kubectl("version", "-o", "json")
    versions = json.loads(result.stdout)
    assert versions["serverVersion"]["gitVersion"] == "v1.33.13"
    assert kube.server_version == "v1.33.13"
    assert versions["clientVersion"]["minor"] == "33"


def test_serving_certificate_is_valid_for_localhost_and_ip(kube: ClusterAccess) -> None:
    cluster = local_cluster(kube)
    port = cluster.ports.apiserver
    with httpx.Client(verify=cluster.admin_ssl_context()) as client:
        for host in ("127.0.0.1", "localhost"):
            assert client.get(f"https://{host}:{port}/version").json()["gitVersion"] == ("v1.33.13")


def test_anonymous_requests_are_denied_by_rbac(kube: ClusterAccess) -> None:
    cluster = local_cluster(kube)
    with httpx.Client(verify=ssl.create_default_context(cafile=str(cluster.ca_path))) as client:
        response = client.get(f"{cluster.server_url}/api/v1/namespaces")
    assert response.status_code == 403
    status = response.json()
    assert status["reason"] == "Forbidden"
    assert 'User "system:anonymous" cannot list resource "namespaces"' in status["message"]


def test_every_component_writes_a_log(kube: ClusterAccess) -> None:
    cluster = local_cluster(kube)
    assert kube.logs_dir == cluster.logs_dir
    for component in cluster.components:
        assert component.is_running(), component.name
        assert component.log_path.parent == cluster.logs_dir
        text = component.log_path.read_text(encoding="utf-8")
        assert f"starting {component.name}" in text
    assert "Caches are synced" in cluster.controller_manager.log_path.read_text()
    assert "kube-apiserver" in cluster.describe_logs()


def test_server_side_apply_tracks_field_managers(kube: ClusterAccess, namespace: str) -> None:
    manifest = json.dumps(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "applied", "namespace": namespace},
            "data": {"owner": "alice"},
        }
    )
    kube.kubectl("apply", "--server-side", "--field-manager=alice", "-f", "-", input=manifest)
    conflict = kube.kubectl(
        "apply",
        "--server-side",
        "--field-manager=bob",
        "-f",
        "-",
        input=manifest.replace('"alice"}', '"bob"}'),
        check=False,
    )
    assert conflict.returncode != 0
    assert "conflict" in conflict.stderr.lower()
    assert 'conflict with "alice": .data.owner' in conflict.stderr

    stored = json.loads(
        kube.kubectl(
            "get", "configmap/applied", "-n", namespace, "-o", "json", "--show-managed-fields"
        ).stdout
    )
    assert stored["data"] == {"owner": "alice"}
    managers = {
        entry["manager"]: entry["operation"] for entry in stored["metadata"]["managedFields"]
    }
    assert managers == {"alice": "Apply"}
