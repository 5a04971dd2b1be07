"""`python -m m365inventory.simulator`: the same as `m365-inventory simulate`.

`m365-inventory simulate` is the documented entry point; this one stays for scripts that
cannot rely on the console script. Both print the addresses and the client ID (never a
secret: secrets go to credentials.json, mode 0600), then "Ready.", and serve until Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from m365inventory.simulator import foreground
from m365inventory.simulator.fixtures import FixtureError


def main(argv: list[str] | None = None) -> int:
    """Parse the options of `m365-inventory simulate` and serve; 2 for a bad fixture."""
    shape = foreground.WorldShape()
    parser = argparse.ArgumentParser(prog="python -m m365inventory.simulator", description=__doc__)
    parser.add_argument("--host", default=foreground.DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=foreground.DEFAULT_PORT)
    parser.add_argument("--state-dir", type=Path, help="CA, TLS key, credentials.json (0600)")
    parser.add_argument("--fixture", type=Path, help="a YAML/JSON world file")
    parser.add_argument("--seed", type=int, default=shape.seed)
    parser.add_argument("--tenants", type=int, default=shape.tenants)
    parser.add_argument("--users", type=int, default=shape.users)
    parser.add_argument("--groups", type=int, default=shape.groups)
    parser.add_argument("--devices", type=int, default=shape.devices)
    parser.add_argument("--large-tenant-users", type=int, default=shape.large_tenant_users)
    parser.add_argument("--no-partner", action="store_true")
    args = parser.parse_args(argv)
    shape = foreground.WorldShape(
        seed=args.seed,
        tenants=args.tenants,
        users=args.users,
        groups=args.groups,
        devices=args.devices,
        partner=not args.no_partner,
        large_tenant_users=args.large_tenant_users,
    )
    try:
        world = foreground.build_world(shape=shape, fixture=args.fixture)
    except FixtureError as error:
        print(error, file=sys.stderr)
        return 2
    state_dir = args.state_dir or Path(tempfile.mkdtemp(prefix="m365-simulator-"))
    foreground.run(host=args.host, port=args.port, state_dir=state_dir, world=world)
    return 0


if __name__ == "__main__":
    sys.exit(main())
