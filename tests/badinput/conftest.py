"""Bad-input fixtures: the session cluster for schema tests; a private control plane and
operator for the end-to-end sync of hostile names (see tests/faults/private_plane.py)."""

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
def hostile_kube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterAccess]:
    yield from start_private_plane(tmp_path_factory)


@pytest.fixture(scope="package")
def hostile_operator(
    hostile_kube: ClusterAccess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OperatorControl]:
    control = OperatorControl(kube=hostile_kube, workdir=tmp_path_factory.mktemp("operator"))
    yield control
    control.stop()


@pytest.fixture
def hostile(
    hostile_kube: ClusterAccess, hostile_operator: OperatorControl, request: pytest.FixtureRequest
) -> Iterator[Scenario]:
    world = generate_world(
        seed=3, tenants=2, users_per_tenant=10, groups_per_tenant=1, devices_per_tenant=2
    )
    name = make_namespace(hostile_kube, request.node.name)
    with Simulator(world) as sim:
        yield Scenario(
            kube=hostile_kube, namespace=name, sim=sim, operator=hostile_operator.ensure()
        )
    hostile_kube.kubectl("delete", "namespace", name, "--wait=false", check=False)
