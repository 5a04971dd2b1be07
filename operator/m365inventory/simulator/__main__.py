"""`python -m m365inventory.simulator`: run the simulator in the foreground."""

from __future__ import annotations

import argparse

from m365inventory.simulator.fixtures import load_world
from m365inventory.simulator.generator import generate_world
from m365inventory.simulator.server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m m365inventory.simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--state-dir", help="where the CA, TLS key and credentials.json go")
    parser.add_argument("--fixture", help="a YAML/JSON world file instead of a generated world")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tenants", type=int, default=3)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--large-tenant-users", type=int, default=0)
    parser.add_argument("--no-partner", action="store_true")
    args = parser.parse_args(argv)
    world = (
        load_world(args.fixture)
        if args.fixture
        else generate_world(
            seed=args.seed,
            tenants=args.tenants,
            users_per_tenant=args.users,
            groups_per_tenant=args.groups,
            devices_per_tenant=args.devices,
            partner=not args.no_partner,
            large_tenant_users=args.large_tenant_users,
        )
    )
    serve(world, host=args.host, port=args.port, state_dir=args.state_dir)


if __name__ == "__main__":
    main()
