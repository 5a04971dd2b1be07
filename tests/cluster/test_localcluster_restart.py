"""restart_apiserver keeps the same address, certificates, kubeconfig and stored data."""

from __future__ import annotations

import pytest

from m365inventory.localcluster.access import ClusterAccess

pytestmark = pytest.mark.cluster


def test_apiserver_restart_keeps_serving_with_the_same_kubeconfig(
    kube: ClusterAccess, namespace: str
) -> None:
    cluster = kube.cluster
    if cluster is None:
        pytest.skip("restarting needs the local control plane")
    kube.kubectl("create", "configmap", "before", "-n", namespace, "--from-literal=k=v")
    url, kubeconfig = cluster.server_url, cluster.kubeconfig_path
    old_pid = cluster.apiserver.pid
    kubeconfig_text = kubeconfig.read_text()

    cluster.restart_apiserver()

    assert cluster.apiserver.pid != old_pid
    assert (cluster.server_url, cluster.kubeconfig_path) == (url, kubeconfig)
    assert kubeconfig.read_text() == kubeconfig_text
    value = kube.kubectl(
        "get", "configmap/before", "-n", namespace, "-o", "jsonpath={.data.k}"
    ).stdout
    assert value == "v"
    kube.kubectl("create", "configmap", "after", "-n", namespace)
    log = cluster.apiserver.log_path.read_text()
    assert log.count("starting kube-apiserver") == 2
    assert cluster.controller_manager.is_running()
