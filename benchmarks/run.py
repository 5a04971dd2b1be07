"""One bench run at one scale: set up the rig, run the six scenarios in order, emit results.

Three namespaces, each with its own simulator and connector, are watched by one operator
process: the synthetic MSP (cold sync, unchanged resync, 1% change), an MSP of unmatched
tenants for decisions, and a small MSP under a throttling storm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks import decisions, matching, storm, syncs
from benchmarks.connectors import Reader
from benchmarks.figures import Shape
from benchmarks.rig import Rig
from m365inventory.simulator import Simulator, generate_world

Emit = Callable[[dict[str, Any]], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """What to run; the defaults are the issue's."""

    shape: Shape
    decisions: int = 100
    match_devices: int = 10_000
    match_configurations: int = 10_000
    match_tenants: int = 1_000
    match_organizations: int = 5_000
    storm_tenants: int = 3
    storm_windows: int = storm.WINDOWS
    timeout_seconds: float = 4 * 3600
    seed: int = 7


def run(plan: Plan, *, rig: Rig, emit: Emit) -> list[dict[str, Any]]:
    """Run every scenario of `plan` on `rig`; `emit` each result as it is ready."""
    shape = plan.shape
    main_ns = rig.namespace("bench-sync")
    decisions_ns = rig.namespace("bench-decisions")
    storm_ns = rig.namespace("bench-storm")
    world = generate_world(
        seed=plan.seed,
        tenants=shape.tenants,
        users_per_tenant=shape.users_per_tenant,
        devices_per_tenant=shape.devices_per_tenant,
        groups_per_tenant=shape.groups_per_tenant,
    )
    sim = rig.start(Simulator(world))
    decisions_sim = rig.start(decisions.make_simulator(tenants=plan.decisions, seed=plan.seed + 1))
    storm_shape = storm.storm_world_shape(shape, tenants=plan.storm_tenants)
    storm_sim, limit = storm.make_simulator(
        storm_shape, seed=plan.seed + 2, windows=plan.storm_windows
    )
    rig.start(storm_sim)
    operator = rig.start_operator(namespaces=[main_ns, decisions_ns, storm_ns])
    reader = Reader(kubeconfig=str(rig.kube.kubeconfig_path))
    measurer = syncs.Measurer(reader=reader, pid=operator.process.pid, timeout=plan.timeout_seconds)
    results: list[dict[str, Any]] = []

    def record(result: dict[str, Any]) -> dict[str, Any]:
        results.append(result)
        emit(result)
        return result

    main = rig.scenario(namespace=main_ns, sim=sim)
    main.apply(*syncs.organizations(world))
    cold = record(syncs.cold_sync(measurer, main, shape=shape))
    record(syncs.unchanged_resync(measurer, main, shape=shape, cold=cold))
    record(syncs.changed_resync(measurer, main, shape=shape, seed=plan.seed))
    record(
        decisions.decision_latency(
            rig.scenario(namespace=decisions_ns, sim=decisions_sim),
            reader=reader,
            count=plan.decisions,
            timeout=plan.timeout_seconds,
        )
    )
    record(
        matching.matching(
            devices=plan.match_devices,
            configurations=plan.match_configurations,
            tenants=plan.match_tenants,
            organizations=plan.match_organizations,
            seed=plan.seed,
        )
    )
    record(
        storm.throttling_storm(
            measurer,
            rig.scenario(namespace=storm_ns, sim=storm_sim),
            shape=storm_shape,
            limit=limit,
        )
    )
    return results
