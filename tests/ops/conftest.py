"""Fixtures for the operations tests: a private control plane, tools, the e2e harness.

The RBAC end-to-end test runs the operator as the chart's ServiceAccount and must be the only
operator serving its connector, so tests/ops start their own control plane instead of
sharing the session's (where the e2e suite's cluster-admin operator watches every namespace).
"""

from __future__ import annotations

import sys
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from m365inventory.localcluster.access import ClusterAccess
from m365inventory.localcluster.binaries import find_binaries
from m365inventory.localcluster.cluster import LocalCluster
from m365inventory.simulator import Simulator, generate_world

# The operator-driving harness of the end-to-end suite, reused rather than copied.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))


@pytest.fixture(scope="session")
def ops_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterAccess]:
    """A control plane of the operations tests' own, reached as cluster admin."""
    workdir = tmp_path_factory.mktemp("ops-cluster")
    with LocalCluster.start(workdir=workdir, binaries=find_binaries()) as cluster:
        yield ClusterAccess.local(cluster=cluster)


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    """A simulated MSP: a partner tenant with three customers, ten users each."""
    world = generate_world(
        seed=7, tenants=3, users_per_tenant=10, groups_per_tenant=2, devices_per_tenant=3
    )
    with Simulator(world) as sim:
        yield sim


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test that ran an operator shows the tail of its log."""
    report: pytest.TestReport = yield
    installed = getattr(item, "funcargs", {}).get("installed")
    operator = getattr(installed, "operator", None)
    if report.failed and operator is not None:
        report.sections.append(("operator log (tail)", operator.log_tail(80)))
    return report
