"""Security-test fixtures: a private control plane and an operator run with debug logging.

The leak test reads every log line of an operator started with `--verbose`, so these tests get
a control plane and operator of their own (see tests/faults/private_plane.py).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "faults"))

from private_plane import OperatorControl, make_namespace, start_private_plane

from m365inventory.localcluster.access import ClusterAccess
from m365inventory.simulator import Simulator, generate_world

from e2e_harness import Scenario


@pytest.fixture(scope="package")
def security_kube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterAccess]:
    yield from start_private_plane(tmp_path_factory)


@pytest.fixture(scope="package")
def verbose_operator(
    security_kube: ClusterAccess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OperatorControl]:
    """`m365-inventory run --verbose`: debug logging, the most a log can say."""
    control = OperatorControl(
        kube=security_kube, workdir=tmp_path_factory.mktemp("verbose-operator"), verbose=True
    )
    yield control
    control.stop()


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    world = generate_world(
        seed=5, tenants=2, users_per_tenant=12, groups_per_tenant=1, devices_per_tenant=4
    )
    with Simulator(world) as sim:
        yield sim


@pytest.fixture
def team(
    security_kube: ClusterAccess,
    simulator: Simulator,
    verbose_operator: OperatorControl,
    request: pytest.FixtureRequest,
) -> Iterator[Scenario]:
    """One MSP team's namespace."""
    name = make_namespace(security_kube, f"a-{request.node.name}")
    yield Scenario(
        kube=security_kube, namespace=name, sim=simulator, operator=verbose_operator.ensure()
    )
    security_kube.kubectl("delete", "namespace", name, "--wait=false", check=False)


@pytest.fixture
def other_team(
    security_kube: ClusterAccess,
    simulator: Simulator,
    verbose_operator: OperatorControl,
    request: pytest.FixtureRequest,
) -> Iterator[Scenario]:
    """Another team's namespace, on the same operator."""
    name = make_namespace(security_kube, f"b-{request.node.name}")
    yield Scenario(
        kube=security_kube, namespace=name, sim=simulator, operator=verbose_operator.ensure()
    )
    security_kube.kubectl("delete", "namespace", name, "--wait=false", check=False)
