"""Pytest fixtures for tests that need a real Kubernetes API server.

Enabled from ``tests/conftest.py`` with ``pytest_plugins``. ``kube`` starts one local control
plane per session (or uses the cluster named by ``M365_TEST_KUBECONFIG``), ``namespace``
gives each test a fresh namespace, ``crds`` installs the project's CRDs once. Tests that use
``kube`` are marked ``cluster`` automatically, and a failing one shows the component logs.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
import yaml

from m365inventory.localcluster.access import ClusterAccess
from m365inventory.localcluster.binaries import find_binaries
from m365inventory.localcluster.cluster import LocalCluster

EXISTING_KUBECONFIG_ENV = "M365_TEST_KUBECONFIG"
TEST_NAMESPACE_LABEL = "m365.inventory.dev/test-namespace"
FIELD_MANAGER = "m365-inventory-tests"


@pytest.fixture(scope="session")
def kube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterAccess]:
    """The Kubernetes server for this session, reached as cluster admin."""
    existing = os.environ.get(EXISTING_KUBECONFIG_ENV)
    if existing:
        path = Path(existing)
        if not path.is_file():
            pytest.fail(f"{EXISTING_KUBECONFIG_ENV}={existing} is not a file", pytrace=False)
        yield ClusterAccess.existing(kubeconfig_path=path)
        return
    workdir = tmp_path_factory.mktemp("localcluster")
    with LocalCluster.start(workdir=workdir, binaries=find_binaries()) as cluster:
        yield ClusterAccess.local(cluster=cluster)


@pytest.fixture
def namespace(kube: ClusterAccess, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh namespace named after the test; deleted afterwards without waiting."""
    name = unique_namespace_name(request.node.name)
    manifest = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {TEST_NAMESPACE_LABEL: "true"}},
    }
    kube.kubectl("create", "-f", "-", input=yaml.safe_dump(manifest))
    yield name
    kube.kubectl("delete", "namespace", name, "--wait=false", "--ignore-not-found", check=False)


@pytest.fixture(scope="session")
def crds(kube: ClusterAccess, pytestconfig: pytest.Config) -> list[str]:
    """Install the CRDs in ``<rootdir>/crds`` and wait until they are Established.

    Returns the names of the installed CRDs (empty when the directory holds none).
    """
    files = crd_files(pytestconfig.rootpath / "crds")
    if not files:
        return []
    file_args = [arg for path in files for arg in ("-f", str(path))]
    applied = kube.kubectl(
        "apply",
        "--server-side",
        "--force-conflicts",
        f"--field-manager={FIELD_MANAGER}",
        "-o",
        "name",
        *file_args,
    )
    names = applied.stdout.split()
    kube.kubectl("wait", "--for=condition=established", "--timeout=60s", *names)
    return names


def crd_files(directory: Path) -> list[Path]:
    """YAML files in ``directory`` (not recursive) that define CustomResourceDefinitions."""
    if not directory.is_dir():
        return []
    found = []
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        documents = yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if any(
            isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition"
            for doc in documents
        ):
            found.append(path)
    return found


def unique_namespace_name(test_name: str) -> str:
    """A valid, unique namespace name (RFC 1123 label) derived from a test name."""
    suffix = uuid.uuid4().hex[:6]
    slug = re.sub(r"[^a-z0-9]+", "-", test_name.lower()).strip("-")
    slug = slug.removeprefix("test-")[: 63 - len("t--") - len(suffix)].strip("-")
    return f"t-{slug}-{suffix}" if slug else f"t-{suffix}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "kube" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.cluster)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    if report.failed:
        funcargs = getattr(item, "funcargs", {})
        access = funcargs.get("kube")
        if isinstance(access, ClusterAccess) and access.cluster is not None:
            report.sections.append(
                ("local control plane logs", access.cluster.describe_logs(lines=40))
            )
    return report
