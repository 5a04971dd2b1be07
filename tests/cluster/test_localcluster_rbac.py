"""RBAC is enforced, for impersonated users and for real ServiceAccount tokens alike."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from m365inventory.localcluster.access import ClusterAccess
from m365inventory.localcluster.kubectl import Kubectl

pytestmark = pytest.mark.cluster


def test_service_account_without_roles_cannot_list_secrets(
    kube: ClusterAccess, namespace: str
) -> None:
    kube.kubectl("create", "serviceaccount", "nobody", "-n", namespace)
    user = f"system:serviceaccount:{namespace}:nobody"

    can_i = kube.kubectl(
        "auth", "can-i", "list", "secrets", "-n", namespace, f"--as={user}", check=False
    )
    assert (can_i.returncode, can_i.stdout.strip()) == (1, "no")

    listing = kube.kubectl("get", "secrets", "-n", namespace, f"--as={user}", check=False)
    assert listing.returncode == 1
    assert "Forbidden" in listing.stderr
    assert f'User "{user}" cannot list resource "secrets"' in listing.stderr


def test_role_binding_grants_exactly_what_it_says(kube: ClusterAccess, namespace: str) -> None:
    kube.kubectl("create", "serviceaccount", "reader", "-n", namespace)
    kube.kubectl(
        "create", "role", "secret-reader", "--verb=list", "--resource=secrets", "-n", namespace
    )
    kube.kubectl(
        "create",
        "rolebinding",
        "reader",
        "--role=secret-reader",
        f"--serviceaccount={namespace}:reader",
        "-n",
        namespace,
    )
    user = f"system:serviceaccount:{namespace}:reader"

    def can_i(*args: str) -> str:
        return kube.kubectl("auth", "can-i", *args, f"--as={user}", check=False).stdout.strip()

    assert can_i("list", "secrets", "-n", namespace) == "yes"
    assert can_i("delete", "secrets", "-n", namespace) == "no"
    assert can_i("list", "secrets", "-n", "default") == "no"


def test_real_service_account_token_is_authenticated_and_authorized(
    kube: ClusterAccess, namespace: str, tmp_path: Path
) -> None:
    if kube.cluster is None:
        pytest.skip("issuing tokens uses the local control plane's admin certificate")
    kube.kubectl("create", "serviceaccount", "operator", "-n", namespace)
    token = kube.cluster.request_service_account_token(namespace=namespace, name="operator")
    kubeconfig = kube.cluster.write_kubeconfig(
        path=tmp_path / "operator.kubeconfig", user="operator", token=token, namespace=namespace
    )
    assert kubeconfig.stat().st_mode & 0o077 == 0
    as_operator = Kubectl(kubeconfig=kubeconfig)

    who = as_operator("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
    assert who.stdout == f"system:serviceaccount:{namespace}:operator"

    denied = as_operator("get", "secrets", check=False)
    assert denied.returncode == 1
    assert "Forbidden" in denied.stderr

    kube.kubectl(
        "create",
        "rolebinding",
        "operator-view",
        "--clusterrole=view",
        f"--serviceaccount={namespace}:operator",
        "-n",
        namespace,
    )
    kube.kubectl("create", "configmap", "visible", "-n", namespace)
    # The authorizer learns of new bindings through a watch: allow it a bounded number of tries.
    for _ in range(50):
        listed = as_operator("get", "configmaps", "-o", "name", check=False)
        if listed.returncode == 0:
            break
        assert "Forbidden" in listed.stderr
        time.sleep(0.2)
    assert "configmap/visible" in listed.stdout.split(), listed.stderr


def test_forged_token_is_rejected(kube: ClusterAccess, tmp_path: Path) -> None:
    if kube.cluster is None:
        pytest.skip("needs the local control plane")
    kubeconfig = kube.cluster.write_kubeconfig(
        path=tmp_path / "forged.kubeconfig", user="forged", token="not-a-real-token"
    )
    result = Kubectl(kubeconfig=kubeconfig)("get", "namespaces", check=False)
    assert result.returncode == 1
    assert "Unauthorized" in result.stderr or "provide credentials" in result.stderr
    assert "not-a-real-token" not in result.stderr
