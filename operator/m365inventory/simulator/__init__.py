"""A faithful Microsoft Graph + identity platform simulator for tests, demos and benchmarks.

It stands in for Microsoft, so it imports nothing from the rest of `m365inventory`.
See docs/simulator.md.
"""

from m365inventory.simulator.certs import AppCredential, make_app_credential
from m365inventory.simulator.faults import Faults, ScriptedFault
from m365inventory.simulator.fixtures import FixtureError, dump_world, load_world, write_world
from m365inventory.simulator.generator import generate_world
from m365inventory.simulator.permissions import REQUIRED_PERMISSIONS
from m365inventory.simulator.server import Simulator, credentials
from m365inventory.simulator.settings import Settings, ThrottleLimits
from m365inventory.simulator.world import World

__all__ = [
    "REQUIRED_PERMISSIONS",
    "AppCredential",
    "Faults",
    "FixtureError",
    "ScriptedFault",
    "Settings",
    "Simulator",
    "ThrottleLimits",
    "World",
    "credentials",
    "dump_world",
    "generate_world",
    "load_world",
    "make_app_credential",
    "write_world",
]
