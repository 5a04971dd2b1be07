"""kube-controller-manager runs the controllers the operator relies on.

Namespace deletion needs the namespace controller; ownerReference cascades need the garbage
collector; a ``default`` ServiceAccount per namespace needs the serviceaccount controller.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from m365inventory.localcluster.access import ClusterAccess

pytestmark = pytest.mark.cluster


def configmap(*, name: str, namespace: str, owner_uid: str | None = None) -> str:
    metadata: dict[str, object] = {"name": name, "namespace": namespace}
    if owner_uid is not None:
        metadata["ownerReferences"] = [
            {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner_uid}
        ]
    return json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata})


def test_namespace_deletion_completes(kube: ClusterAccess) -> None:
    name = f"t-delete-{uuid.uuid4().hex[:6]}"
    kube.kubectl("create", "namespace", name)
    kube.kubectl("create", "configmap", "content", "-n", name, "--from-literal=a=b")

    kube.kubectl("delete", "namespace", name, "--wait=false")
    kube.kubectl("wait", "--for=delete", f"namespace/{name}", "--timeout=60s")

    gone = kube.kubectl("get", "namespace", name, check=False)
    assert gone.returncode == 1
    assert "NotFound" in gone.stderr


def test_deleting_an_owner_deletes_its_dependents(kube: ClusterAccess, namespace: str) -> None:
    kube.kubectl("create", "-f", "-", input=configmap(name="owner", namespace=namespace))
    owner_uid = kube.kubectl(
        "get", "configmap/owner", "-n", namespace, "-o", "jsonpath={.metadata.uid}"
    ).stdout
    dependent = configmap(name="dependent", namespace=namespace, owner_uid=owner_uid)
    kube.kubectl("create", "-f", "-", input=dependent)
    kube.kubectl("create", "-f", "-", input=configmap(name="bystander", namespace=namespace))

    kube.kubectl("delete", "configmap/owner", "-n", namespace, "--cascade=background")
    kube.kubectl("wait", "--for=delete", "configmap/dependent", "-n", namespace, "--timeout=60s")

    remaining = kube.kubectl("get", "configmaps", "-n", namespace, "-o", "name").stdout.split()
    assert "configmap/bystander" in remaining
    assert "configmap/dependent" not in remaining
    assert "configmap/owner" not in remaining


def test_new_namespaces_get_a_default_service_account(kube: ClusterAccess, namespace: str) -> None:
    # `kubectl wait` refuses objects that do not exist yet, so poll a bounded number of times.
    for _ in range(120):
        found = kube.kubectl("get", "serviceaccount/default", "-n", namespace, check=False)
        if found.returncode == 0:
            break
        assert "NotFound" in found.stderr
        time.sleep(0.25)
    else:
        pytest.fail(f"no default ServiceAccount in {namespace}")
