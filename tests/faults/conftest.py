"""Fault-test fixtures: a private control plane, an operator we may kill, a seeded MSP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from private_plane import OperatorControl, make_namespace, start_private_plane

from m365inventory.localcluster.access import ClusterAccess
from m365inventory.simulator import Simulator, generate_world

from e2e_harness import Scenario


@pytest.fixture(scope="package")
def fault_kube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterAccess]:
    yield from start_private_plane(tmp_path_factory)


@pytest.fixture(scope="package")
def operators(
    fault_kube: ClusterAccess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OperatorControl]:
    control = OperatorControl(kube=fault_kube, workdir=tmp_path_factory.mktemp("fault-operator"))
    yield control
    control.stop()


@pytest.fixture
def namespace(fault_kube: ClusterAccess, request: pytest.FixtureRequest) -> Iterator[str]:
    name = make_namespace(fault_kube, request.node.name)
    yield name
    fault_kube.kubectl("delete", "namespace", name, "--wait=false", check=False)


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    """A seeded MSP: a partner and three customers with twelve users and three devices."""
    world = generate_world(
        seed=11, tenants=3, users_per_tenant=12, groups_per_tenant=1, devices_per_tenant=3
    )
    with Simulator(world) as sim:
        yield sim


@pytest.fixture
def scenario(
    fault_kube: ClusterAccess, namespace: str, simulator: Simulator, operators: OperatorControl
) -> Scenario:
    return Scenario(
        kube=fault_kube, namespace=namespace, sim=simulator, operator=operators.ensure()
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    control = getattr(item, "funcargs", {}).get("operators")
    if report.failed and isinstance(control, OperatorControl) and control.current is not None:
        report.sections.append(("operator log (tail)", control.current.log_tail(80)))
    return report


@pytest.fixture
def clean_namespace(fault_kube: ClusterAccess, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second namespace for the fault-free run the faulty one is compared with."""
    name = make_namespace(fault_kube, f"clean-{request.node.name}")
    yield name
    fault_kube.kubectl("delete", "namespace", name, "--wait=false", check=False)
