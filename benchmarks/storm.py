"""The throttling storm: a cold sync against a simulator whose app-wide budget is tiny.

Graph's budgets are fixed windows; the simulator charges every request that passes (a 429
is not charged) to the app's window of 20 s. A sync that needs R charged requests under a
limit L per window cannot finish before (R - 1) // L windows have passed: that is the floor
the Retry-After values impose, and the bench reports the wall time against it.
"""

from __future__ import annotations

import math
from typing import Any

from benchmarks import figures
from benchmarks.figures import Shape
from benchmarks.syncs import Measurer, minimum_requests, organizations
from m365inventory.simulator import Settings, Simulator, generate_world

from e2e_harness import Scenario

WINDOW_SECONDS = 20.0
WINDOWS = 3
"""How many windows the storm should need: enough to prove waiting, few enough to be quick."""
STORM_SYNC: dict[str, Any] = {"contacts": True, "groups": True, "intuneDevices": True}


def storm_world_shape(shape: Shape, *, tenants: int) -> Shape:
    """`tenants` customers of the same size as the bench's."""
    count = min(tenants, shape.tenants)
    return Shape(
        tenants=count,
        users=shape.users_per_tenant * count,
        devices=shape.devices_per_tenant * count,
        groups=shape.groups_per_tenant * count,
    )


def storm_limit(sim: Simulator, *, windows: int = WINDOWS) -> int:
    """An app budget per window that makes the cold sync need about `windows` windows."""
    expected = minimum_requests(sim, macs_known=False)
    partner = sim.world.partner_tenant
    for tenant in sim.world.tenants:
        if tenant is not partner:
            # $batch sub-requests are charged one by one.
            expected += len(tenant.groups) + len(tenant.devices)
    return max(2, math.ceil(expected / windows))


def make_simulator(shape: Shape, *, seed: int, windows: int = WINDOWS) -> tuple[Simulator, int]:
    """A simulator for the storm (not started) and its app budget per window."""
    world = generate_world(
        seed=seed,
        tenants=shape.tenants,
        users_per_tenant=shape.users_per_tenant,
        devices_per_tenant=shape.devices_per_tenant,
        groups_per_tenant=shape.groups_per_tenant,
    )
    sim = Simulator(world, settings=Settings())
    limit = storm_limit(sim, windows=windows)
    sim.settings.update({"throttle": {"app_requests_per_20s": limit}})
    return sim, limit


def throttling_storm(m: Measurer, sc: Scenario, *, shape: Shape, limit: int) -> dict[str, Any]:
    sc.apply(*organizations(sc.sim.world))
    result = m.cold(sc, sync=STORM_SYNC)
    charged = result["graph_answers"] - result["throttled_429"]
    floor = figures.throttle_floor_seconds(
        requests=charged, limit=limit, window_seconds=WINDOW_SECONDS
    )
    result.update(
        scenario="throttling_storm",
        shape=shape.as_json(),
        app_limit_per_20s=limit,
        charged_requests=charged,
        retries=result["throttled_429"],
        completed=result["phase"] == "OK" and result["tenants_failed"] == 0,
        floor_seconds=floor,
        wall_vs_floor=figures.ratio(result["wall_seconds"], floor),
    )
    return result
