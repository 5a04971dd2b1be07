"""The operator's own world failing: SIGKILL at seeded points of syncs, kube-apiserver restarts.

Kills land at seeded delays after a sync was asked for, while the operator creates Contacts,
DeviceMatches, Configurations and Organizations; between kills Microsoft changes (new users,
a renamed user, a new device) so that every run has writes to interrupt, and people commit
decisions while the operator is dead. After the last restart the namespace must equal a
fault-free run of the final world. Re-run a failure with the same SEED to reproduce it.
"""

from __future__ import annotations

import random
import time
from typing import Any

import pytest
from convergence import (
    CONNECTOR,
    SYNC,
    annotate_request,
    assert_converged,
    assert_no_duplicates,
    assert_status_tells_the_truth,
    baseline,
    decisions,
    prepare,
    settle,
)
from private_plane import OperatorControl, wait_for_server

from e2e_harness import Scenario

pytestmark = pytest.mark.cluster
SEED = 8
KILLS = 20


def _new_user(rng: random.Random, tenant: Any, n: int) -> dict[str, Any]:
    domain = tenant.domains[0].id
    given = rng.choice(["Ada", "Grace", "Linus", "Barbara", "Ken", "Radia"])
    alias = f"{given.lower()}.k{n}"
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "displayName": f"{given} Kill{n}",
        "givenName": given,
        "surname": f"Kill{n}",
        "userPrincipalName": f"{alias}@{domain}",
        "mail": f"{alias}@{domain}",
        "accountEnabled": True,
    }


def _change_microsoft(scenario: Scenario, rng: random.Random, n: int) -> None:
    """One seeded change in a matched tenant, so that the next run writes something."""
    world = scenario.sim.world
    tenant = world.tenants[rng.choice([1, 2])]
    choice = rng.random()
    if choice < 0.6:
        world.add_user(str(tenant.id), _new_user(rng, tenant, n))
    else:
        user = rng.choice(tenant.users)
        world.update_user(str(tenant.id), user.id, {"jobTitle": f"Title {n}"})


def _wait_for_process_to_sync(scenario: Scenario, *, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if scenario.connector_status(CONNECTOR).get("phase") == "Syncing":
            return
        time.sleep(0.05)


def test_sigkill_at_twenty_seeded_points(
    scenario: Scenario, clean_namespace: str, operators: OperatorControl
) -> None:
    rng = random.Random(SEED)
    # A run must outlast the 0-2 s kill delays even on an idle machine: 75 ms per Graph request.
    scenario.sim.faults.update({"latency_ms": 75})
    committed = decisions(scenario)
    device_decisions = {k: v for k, v in committed.items() if k[0] == "devicematch"}
    prepare(scenario)
    # The device decisions arrive later, while the operator is dead (see kill 5).
    for kind, name in device_decisions:
        scenario.kubectl("delete", kind, name)
    scenario.connector(CONNECTOR, sync=SYNC)
    points: list[tuple[int, float, str]] = []
    for kill in range(1, KILLS + 1):
        scenario.operator = operators.ensure()
        if kill > 1:
            _change_microsoft(scenario, rng, kill)
            annotate_request(scenario)
        _wait_for_process_to_sync(scenario)
        delay = round(rng.uniform(0.0, 2.0), 2)
        time.sleep(delay)
        operators.kill()
        phase = scenario.connector_status(CONNECTOR).get("phase") or "-"
        points.append((kill, delay, phase))
        assert_no_duplicates(scenario)
        if kill == 5:
            scenario.apply(
                *(
                    {
                        "apiVersion": "m365.inventory.dev/v1alpha1",
                        "kind": "DeviceMatch",
                        "metadata": {"name": name},
                        "spec": spec,
                    }
                    for (_, name), spec in device_decisions.items()
                )
            )
    killed_mid_run = [p for p in points if p[2] == "Syncing"]
    print("kill points (n, delay s, phase at kill):", points)
    assert len(killed_mid_run) >= KILLS // 2, points

    scenario.operator = operators.ensure()
    scenario.sim.faults.clear()
    final = settle(scenario)
    assert final["phase"] == "OK"
    assert_status_tells_the_truth(scenario, final)
    assert_converged(scenario, baseline(scenario, clean_namespace))


def test_apiserver_restart_during_a_sync(
    scenario: Scenario, clean_namespace: str, operators: OperatorControl
) -> None:
    rng = random.Random(SEED + 1)
    prepare(scenario)
    scenario.connector(CONNECTOR, sync=SYNC)
    assert scenario.wait_synced(CONNECTOR)["phase"] == "OK"

    for n in range(3):
        _change_microsoft(scenario, rng, 100 + n)
    scenario.sim.faults.update({"latency_ms": 40})
    token = annotate_request(scenario)
    _wait_for_process_to_sync(scenario)
    time.sleep(rng.uniform(0.2, 1.0))
    cluster = scenario.kube.cluster
    assert cluster is not None
    cluster.restart_apiserver()
    wait_for_server(scenario.kube)

    def answered() -> dict[str, Any] | None:
        status = scenario.connector_status(CONNECTOR)
        done = status.get("lastHandledRequestedAt") == token and status.get("phase") != "Syncing"
        return status if done else None

    scenario.wait("the interrupted request to be answered", answered, timeout=90)
    assert operators.current is not None
    assert operators.current.process.poll() is None, "the operator died with the API server"
    scenario.sim.faults.clear()
    # The watch came back: a new request is seen and answered.
    after = settle(scenario)
    assert after["phase"] == "OK"
    assert_status_tells_the_truth(scenario, after)
    assert_converged(scenario, baseline(scenario, clean_namespace))
