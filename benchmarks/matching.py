"""Matching at scale, in process: devices against Configurations, tenants against
Organizations, timed with the operator's own pure matchers (`m365inventory.match`).

The inputs are deterministic and mixed the way an MSP's data is: most devices have a
Configuration with their serial, some only share a MAC, some only resemble one by name and
some have nothing; most tenants have an Organization of the same name, some share a domain
and some resemble none. Unmatched items go through the fuzzy name search, the costly part.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from m365inventory.match import devices as device_matching
from m365inventory.match import tenants as tenant_matching

REPEATS = 3
_WORDS = (
    "Alpine",
    "Beacon",
    "Cedar",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Maple",
    "Nimbus",
    "Orchid",
    "Pioneer",
    "Quartz",
    "Raven",
    "Summit",
    "Tidal",
    "Umber",
    "Vertex",
    "Willow",
    "Xenon",
    "Yarrow",
    "Zephyr",
    "Acme",
    "Blue",
    "North",
    "South",
    "East",
    "West",
    "Global",
    "United",
    "Prime",
    "Apex",
    "Metro",
    "Civic",
    "Coastal",
    "Valley",
)
_SUFFIXES = ("Ltd", "GmbH", "Inc", "LLC", "Partners", "Group", "Holdings", "Services", "")


def _mac(rng: random.Random) -> str:
    return ":".join(f"{rng.randrange(256):02X}" for _ in range(6))


def _serial(rng: random.Random) -> str:
    return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(10))


def device_inputs(
    *, devices: int, configurations: int, seed: int
) -> tuple[list[device_matching.IntuneDevice], list[device_matching.Configuration]]:
    """60% serial twins, 20% MAC twins, 10% name look-alikes, 10% without a Configuration;
    Configurations beyond the twins are unrelated machines."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable workload, not security
    found: list[device_matching.IntuneDevice] = []
    documented: list[device_matching.Configuration] = []
    for i in range(devices):
        name = f"{rng.choice(('DESKTOP', 'LAPTOP', 'WS', 'MBP'))}-{_serial(rng)[:7]}"
        serial, wifi, ethernet = _serial(rng), _mac(rng), _mac(rng)
        found.append(
            device_matching.IntuneDevice(
                id=f"device-{i}", name=name, serial=serial, wifi_mac=wifi, ethernet_mac=ethernet
            )
        )
        kind = i % 10
        if len(documented) >= configurations or kind == 9:
            continue
        if kind < 6:
            config = device_matching.Configuration(key=f"config-{i}", name=name, serial=serial)
        elif kind < 8:
            config = device_matching.Configuration(key=f"config-{i}", name=name, macs=(wifi,))
        else:
            config = device_matching.Configuration(key=f"config-{i}", name=f"{name.lower()} old")
        documented.append(config)
    while len(documented) < configurations:
        n = len(documented)
        documented.append(
            device_matching.Configuration(
                key=f"other-{n}", name=f"PC-{_serial(rng)}", serial=_serial(rng), macs=(_mac(rng),)
            )
        )
    return found, documented


def _company(rng: random.Random) -> str:
    return f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} {rng.choice(_SUFFIXES)}".strip()


def tenant_inputs(
    *, tenants: int, organizations: int, seed: int
) -> tuple[list[tenant_matching.Tenant], list[tenant_matching.Organization]]:
    """Half the tenants have an Organization of the same name, a fifth share a domain with
    one, the rest resemble none; the other Organizations are unrelated companies."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable workload, not security
    found: list[tenant_matching.Tenant] = []
    documented: list[tenant_matching.Organization] = []
    for i in range(tenants):
        name = f"{_company(rng)} {i}"
        domain = f"tenant{i}.example"
        found.append(
            tenant_matching.Tenant(
                id=f"tenant-{i}",
                display_name=name,
                verified_domains=(domain,),
                default_domain=domain,
            )
        )
        kind = i % 10
        if len(documented) >= organizations:
            continue
        if kind < 5:
            documented.append(tenant_matching.Organization(key=f"org-{i}", name=name))
        elif kind < 7:
            documented.append(
                tenant_matching.Organization(key=f"org-{i}", name=_company(rng), domains=(domain,))
            )
    while len(documented) < organizations:
        n = len(documented)
        documented.append(
            tenant_matching.Organization(key=f"other-{n}", name=f"{_company(rng)} x{n}")
        )
    return found, documented


def _timed(call: Callable[[], dict[str, Any]]) -> tuple[float, dict[str, Any]]:
    """The median of REPEATS runs of `call`, and its last result."""
    times: list[float] = []
    result: dict[str, Any] = {}
    for _ in range(REPEATS):
        began = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def matching(
    *, devices: int, configurations: int, tenants: int, organizations: int, seed: int
) -> dict[str, Any]:
    device_list, configs = device_inputs(devices=devices, configurations=configurations, seed=seed)
    tenant_list, orgs = tenant_inputs(tenants=tenants, organizations=organizations, seed=seed)
    device_seconds, by_device = _timed(
        lambda: device_matching.match_devices(devices=device_list, configurations=configs)
    )
    tenant_seconds, by_tenant = _timed(
        lambda: tenant_matching.match_tenants(tenants=tenant_list, organizations=orgs)
    )
    return {
        "scenario": "matching",
        "devices": devices,
        "configurations": configurations,
        "devices_seconds": round(device_seconds, 3),
        "devices_matched": sum(1 for r in by_device.values() if r.configuration),
        "devices_with_suggestions": sum(1 for r in by_device.values() if r.suggestions),
        "tenants": tenants,
        "organizations": organizations,
        "tenants_seconds": round(tenant_seconds, 3),
        "tenants_matched": sum(1 for r in by_tenant.values() if r.exact),
        "tenants_with_suggestions": sum(1 for r in by_tenant.values() if r.suggestions),
        "repeats": REPEATS,
    }
