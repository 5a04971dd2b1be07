"""Timing of the batch matchers at the sizes docs/matching.md promises (not a test).

Run: ``.venv/bin/python tests/match/bench_match.py``. Data is synthetic but shaped like the
real thing: company names of one to four words with legal suffixes, Windows default device
names ("DESKTOP-1A2B3C4"), serials and MACs. Timings are wall-clock on whatever machine runs
this, so they belong in the docs, never in an assertion.
"""

import random
import string
import time
from collections.abc import Callable
from typing import TypeVar

from m365inventory.match import contacts, devices, tenants

T = TypeVar("T")
SUFFIXES = ["", "", " Ltd", " Inc.", " GmbH", " LLC", " S.A.", " Pty Ltd"]


def timed(label: str, run: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = run()
    print(f"{label}: {time.perf_counter() - start:.3f} s")
    return result


def company_names(rng: random.Random, count: int) -> list[str]:
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(3000)]
    return [
        " ".join(rng.choices(words, k=rng.randint(1, 4))).title() + rng.choice(SUFFIXES)
        for _ in range(count)
    ]


def bench_tenants(rng: random.Random) -> None:
    names = company_names(rng, 5000)
    organizations = [
        tenants.Organization(key=f"org-{n}", name=name, domains=(f"d{n}.example",))
        for n, name in enumerate(names)
    ]
    batch = [
        tenants.Tenant(
            id=f"t{n}",
            display_name=rng.choice(names) if n % 2 else company_names(rng, 1)[0],
            default_domain=f"d{rng.randrange(5000)}.example",
        )
        for n in range(1000)
    ]
    results = timed(
        "tenants 1,000 x 5,000 organizations",
        lambda: tenants.match_tenants(tenants=batch, organizations=organizations),
    )
    automatic = sum(1 for result in results.values() if result.exact)
    print(f"  automatic: {automatic}, with suggestions: {len(results) - automatic}")


def bench_devices(rng: random.Random, *, count: int, exact_share: float) -> None:
    alphabet = string.ascii_uppercase + string.digits
    fleet = [
        devices.IntuneDevice(
            id=f"d{n}",
            name="DESKTOP-" + "".join(rng.choices(alphabet, k=7)),
            serial=f"SN{n:09d}",
            wifi_mac=f"02{n:010x}",
        )
        for n in range(count)
    ]
    configurations = []
    for n, device in enumerate(fleet):
        if n < count * exact_share:
            serial = device.serial if n % 2 else None
            macs = () if n % 2 else (f"02:{n:010x}",)
            name = device.name or ""
        else:
            serial, macs = f"OTHER{n:09d}", ()
            name = "DESKTOP-" + "".join(rng.choices(alphabet, k=7))
        configurations.append(
            devices.Configuration(key=f"c{n}", name=name, serial=serial, macs=macs)
        )
    results = timed(
        f"devices {count:,} x {count:,} configurations, {exact_share:.0%} exact",
        lambda: devices.match_devices(devices=fleet, configurations=configurations),
    )
    rules = [result.rule for result in results.values()]
    print(
        f"  serial: {rules.count('serial')}, mac: {rules.count('mac')}, none: {rules.count(None)}"
    )


def bench_contacts(rng: random.Random) -> None:
    users = [
        contacts.MicrosoftUser(
            id=f"u{n}",
            user_principal_name=f"user{n}@contoso.onmicrosoft.com",
            mail=f"user{n}@contoso.com",
            given_name=rng.choice(["Ann", "Bob", "Chen", "Dana"]),
            surname=f"S{rng.randrange(2000)}",
        )
        for n in range(20000)
    ]
    known = [
        contacts.Contact(key=f"c{n}", emails=(f"user{n}@contoso.com",)) for n in range(0, 20000, 2)
    ]
    timed(
        "contacts 20,000 users x 10,000 contacts",
        lambda: contacts.match_contacts(users=users, contacts=known),
    )


def main() -> None:
    rng = random.Random(20261122)
    bench_tenants(rng)
    bench_devices(rng, count=10000, exact_share=0.9)
    bench_devices(rng, count=10000, exact_share=1.0)
    bench_devices(rng, count=10000, exact_share=0.0)
    bench_contacts(rng)


if __name__ == "__main__":
    main()
