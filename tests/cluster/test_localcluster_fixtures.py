"""The shared fixtures do what tests elsewhere rely on: namespaces, CRDs, existing clusters."""

from __future__ import annotations

import json

import pytest

from m365inventory.localcluster.access import ClusterAccess
from m365inventory.localcluster.pytest_plugin import TEST_NAMESPACE_LABEL
from m365inventory.model import resources


def test_kube_fixture_marks_its_tests(request: pytest.FixtureRequest, kube: ClusterAccess) -> None:
    assert request.node.get_closest_marker("cluster") is not None


def test_namespace_fixture_gives_a_fresh_labelled_namespace(
    kube: ClusterAccess, namespace: str
) -> None:
    document = json.loads(kube.kubectl("get", "namespace", namespace, "-o", "json").stdout)
    assert document["status"]["phase"] == "Active"
    assert document["metadata"]["labels"][TEST_NAMESPACE_LABEL] == "true"
    assert kube.kubectl("get", "configmaps", "-n", namespace, "-o", "name").stdout == ""


def test_crds_fixture_installs_established_crds(kube: ClusterAccess, crds: list[str]) -> None:
    assert sorted(crds) == sorted(
        f"customresourcedefinition.apiextensions.k8s.io/{kind.crd_name}"
        for kind in resources.ALL_KINDS
    )
    for name in crds:
        assert name.startswith("customresourcedefinition.apiextensions.k8s.io/")
        conditions = json.loads(kube.kubectl("get", name, "-o", "json").stdout)["status"][
            "conditions"
        ]
        established = [c for c in conditions if c["type"] == "Established"]
        assert len(established) == 1
        assert established[0]["status"] == "True"


def test_existing_kubeconfig_is_used_as_is(kube: ClusterAccess) -> None:
    as_existing = ClusterAccess.existing(kubeconfig_path=kube.kubeconfig_path)
    assert as_existing.cluster is None
    assert as_existing.server_url == kube.server_url
    assert as_existing.server_version == kube.server_version
    assert as_existing.kubectl("get", "namespace", "default", "-o", "name").stdout.strip() == (
        "namespace/default"
    )
