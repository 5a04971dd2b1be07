"""The local-cluster helpers that need no running server: lookup, naming, files, redaction."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from m365inventory.localcluster import BinariesNotFoundError, find_binaries, find_kubectl
from m365inventory.localcluster.kubeconfigs import write_kubeconfig
from m365inventory.localcluster.kubectl import Kubectl, KubectlError, redact
from m365inventory.localcluster.pytest_plugin import crd_files, unique_namespace_name

RFC1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
ENV = ("M365_ETCD", "M365_KUBE_APISERVER", "M365_KUBE_CONTROLLER_MANAGER", "M365_CACHE_DIR")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_missing_binaries_say_how_to_build_them(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("M365_CACHE_DIR", str(tmp_path))
    with pytest.raises(BinariesNotFoundError) as caught:
        find_binaries()
    message = str(caught.value)
    assert "make controlplane" in message
    assert str(tmp_path / "etcd-v3.5.35" / "etcd") in message
    assert "M365_KUBE_APISERVER" in message


def test_binaries_come_from_the_cache_dir_or_env_overrides(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    etcd = executable(cache / "etcd-v3.5.35" / "etcd")
    apiserver = executable(cache / "k8s-v1.33.13" / "kube-apiserver")
    executable(cache / "k8s-v1.33.13" / "kube-controller-manager")
    other_manager = executable(tmp_path / "elsewhere" / "kcm")
    clean_env.setenv("M365_CACHE_DIR", str(cache))
    clean_env.setenv("M365_KUBE_CONTROLLER_MANAGER", str(other_manager))

    found = find_binaries()

    assert (found.etcd, found.kube_apiserver, found.kube_controller_manager) == (
        etcd,
        apiserver,
        other_manager,
    )


def test_non_executable_binary_counts_as_missing(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for path in ("etcd-v3.5.35/etcd", "k8s-v1.33.13/kube-apiserver"):
        executable(tmp_path / path)
    (tmp_path / "k8s-v1.33.13" / "kube-controller-manager").write_text("not executable")
    clean_env.setenv("M365_CACHE_DIR", str(tmp_path))
    with pytest.raises(BinariesNotFoundError, match="kube-controller-manager"):
        find_binaries()


def test_kubectl_override_and_its_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = executable(tmp_path / "my-kubectl")
    monkeypatch.setenv("M365_KUBECTL", str(fake))
    assert find_kubectl() == fake
    monkeypatch.setenv("M365_KUBECTL", str(tmp_path / "absent"))
    with pytest.raises(BinariesNotFoundError, match="M365_KUBECTL"):
        find_kubectl()


def test_kubectl_errors_show_stderr_but_not_tokens(tmp_path: Path) -> None:
    fake = tmp_path / "kubectl"
    fake.write_text("#!/bin/sh\necho 'the server says no' >&2\nexit 7\n")
    fake.chmod(0o755)
    kubectl = Kubectl(kubeconfig=tmp_path / "config", executable=fake)

    with pytest.raises(KubectlError) as caught:
        kubectl("get", "pods", "--token", "s3cr3t-value", "--token=other-s3cr3t")
    message = str(caught.value)
    assert "exited with 7" in message
    assert "the server says no" in message
    assert "s3cr3t" not in message
    assert caught.value.returncode == 7
    assert kubectl("version", check=False).returncode == 7


def test_redact_hides_only_credential_values() -> None:
    assert redact(["get", "--token", "abc", "--password=pw", "-n", "ns"]) == [
        "get",
        "--token",
        "***",
        "--password=***",
        "-n",
        "ns",
    ]


@given(st.text(max_size=300))
def test_namespace_names_are_valid_and_unique(test_name: str) -> None:
    first, second = unique_namespace_name(test_name), unique_namespace_name(test_name)
    assert first != second
    for name in (first, second):
        assert len(name) <= 63
        assert RFC1123_LABEL.match(name), name


def test_namespace_name_keeps_the_test_name() -> None:
    name = unique_namespace_name("test_apply[Partner-mode]")
    assert re.fullmatch(r"t-apply-partner-mode-[0-9a-f]{6}", name)


def test_kubeconfig_for_a_token_is_private(tmp_path: Path) -> None:
    path = write_kubeconfig(
        path=tmp_path / "sa.kubeconfig",
        server_url="https://127.0.0.1:6443",
        ca_path=tmp_path / "ca.crt",
        user="operator",
        token="tok",
        namespace="team-a",
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = yaml.safe_load(path.read_text())
    assert document["users"] == [{"name": "operator", "user": {"token": "tok"}}]
    context = document["contexts"][0]["context"]
    assert context == {"cluster": "m365-local", "user": "operator", "namespace": "team-a"}
    assert document["clusters"][0]["cluster"]["certificate-authority"] == str(tmp_path / "ca.crt")


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"token": "t", "client_cert_path": Path("c"), "client_key_path": Path("k")},
        {"client_cert_path": Path("c")},
    ],
)
def test_kubeconfig_needs_exactly_one_credential(
    tmp_path: Path, credentials: dict[str, object]
) -> None:
    with pytest.raises(ValueError, match="either"):
        write_kubeconfig(
            path=tmp_path / "k",
            server_url="https://x",
            ca_path=tmp_path / "ca",
            user="u",
            **credentials,  # type: ignore[arg-type]
        )


def test_crd_files_skips_other_yaml(tmp_path: Path) -> None:
    assert crd_files(tmp_path / "absent") == []
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition"}
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(crd))
    (tmp_path / "kustomization.yaml").write_text("kind: Kustomization\nresources: []\n")
    (tmp_path / "b.yml").write_text("---\n" + yaml.safe_dump(crd))
    (tmp_path / "notes.txt").write_text("kind: CustomResourceDefinition")
    assert crd_files(tmp_path) == [tmp_path / "a.yaml", tmp_path / "b.yml"]
