"""Run the simulator in the foreground, as `m365-inventory simulate` does.

For trying the operator without a Microsoft tenant: a partner with customer tenants, over
HTTPS with its own CA. The client secrets go to a 0600 file, never to the terminal, so a
screen share or a CI log shows how to connect but not what to connect with. When it serves,
it prints "Ready." and waits for Ctrl-C or SIGTERM. `python -m m365inventory.simulator`
behaves the same; `m365-inventory simulate` is the documented way to start it.
"""

from __future__ import annotations

import json
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from m365inventory.simulator.fixtures import load_world
from m365inventory.simulator.generator import generate_world
from m365inventory.simulator.server import Simulator, credentials
from m365inventory.simulator.world import World

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8443
READY = "Ready. Ctrl-C stops the simulator."


@dataclass(frozen=True, slots=True)
class WorldShape:
    """How big a generated world is."""

    seed: int = 7
    tenants: int = 3
    users: int = 10
    groups: int = 2
    devices: int = 3
    partner: bool = True
    large_tenant_users: int = 0


def build_world(*, shape: WorldShape, fixture: Path | None) -> World:
    """A world from a fixture file, or a generated one (same shape, same world)."""
    if fixture is not None:
        return load_world(fixture)
    return generate_world(
        seed=shape.seed,
        tenants=shape.tenants,
        users_per_tenant=shape.users,
        groups_per_tenant=shape.groups,
        devices_per_tenant=shape.devices,
        partner=shape.partner,
        large_tenant_users=shape.large_tenant_users,
    )


def connection_file(sim: Simulator) -> dict[str, Any]:
    """Everything needed to connect, secrets included: for the 0600 credentials file."""
    return {"baseUrl": sim.base_url, "graphUrl": sim.graph_url, "caPath": sim.ca_path} | dict(
        credentials(sim.world)
    )


def summary_lines(sim: Simulator, *, credentials_path: Path) -> list[str]:
    """What to print: addresses, tenants and the app's client ID, but no secret."""
    info = credentials(sim.world)
    apps: list[Any] = list(info["apps"])  # type: ignore[call-overload]
    lines = [
        f"Simulator:    {sim.base_url}",
        f"Graph:        {sim.graph_url}",
        f"Authority:    {sim.base_url}/<tenant-id>  (spec.endpoints.authorityHost: {sim.base_url})",
        f"CA to trust:  {sim.ca_path}",
        f"Partner:      {info['partnerTenantId']}",
    ]
    lines += [f"Tenant:       {t.id}  {t.display_name}" for t in sim.world.tenants]
    if apps:
        lines.append(f"Client ID:    {apps[0]['clientId']}")
    lines.append(f"Secrets:      {credentials_path} (mode 0600; jq -r '.apps[0].clientSecret')")
    return lines


def write_connection_file(sim: Simulator, *, directory: Path) -> Path:
    """Write credentials.json with mode 0600 before any secret is in it."""
    path = directory / "credentials.json"
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(json.dumps(connection_file(sim), indent=2, ensure_ascii=False))
    return path


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def run(*, host: str, port: int, state_dir: Path, world: World) -> None:
    """Serve ``world`` until Ctrl-C or SIGTERM, after printing how to connect and "Ready."."""
    state_dir.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    _stop_on_signals(stop)
    with Simulator(world, host=host, port=port, state_dir=state_dir) as sim:
        path = write_connection_file(sim, directory=state_dir)
        for line in summary_lines(sim, credentials_path=path):
            print(line, flush=True)
        print(READY, flush=True)
        stop.wait()
