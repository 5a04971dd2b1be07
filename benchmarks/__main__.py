"""`python -m benchmarks` (`make bench`): run the bench at one or more scales.

Each scale gets its own control plane and operator process, prints one JSON line per
scenario as it finishes, then a table, and writes `benchmarks/results/<shape>.json`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from rich.console import Console

from benchmarks import report
from benchmarks.figures import Shape
from benchmarks.rig import REPO, Rig
from benchmarks.run import Plan, run

RESULTS = REPO / "benchmarks" / "results"


def _parser() -> argparse.ArgumentParser:
    defaults = Shape()
    plan = Plan(shape=defaults)
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--tenants", type=int, default=defaults.tenants)
    parser.add_argument("--users", type=int, default=defaults.users, help="in all tenants")
    parser.add_argument("--devices", type=int, default=defaults.devices, help="in all tenants")
    parser.add_argument("--groups", type=int, default=defaults.groups, help="in all tenants")
    parser.add_argument(
        "--scale",
        type=float,
        action="append",
        help="the default MSP times this (repeatable; overrides the four sizes)",
    )
    parser.add_argument("--decisions", type=int, default=plan.decisions)
    parser.add_argument("--match-devices", type=int, default=plan.match_devices)
    parser.add_argument("--match-tenants", type=int, default=plan.match_tenants)
    parser.add_argument("--storm-tenants", type=int, default=plan.storm_tenants)
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    shapes = (
        [Shape.scaled(factor) for factor in options.scale]
        if options.scale
        else [
            Shape(
                tenants=options.tenants,
                users=options.users,
                devices=options.devices,
                groups=options.groups,
            )
        ]
    )
    console = Console(stderr=True, width=200)
    for shape in shapes:
        plan = Plan(
            shape=shape,
            decisions=options.decisions,
            match_devices=options.match_devices,
            match_configurations=options.match_devices,
            match_tenants=options.match_tenants,
            match_organizations=options.match_tenants * 5,
            storm_tenants=options.storm_tenants,
        )
        with (
            tempfile.TemporaryDirectory(prefix="m365-bench-") as workdir,
            Rig.open(workdir=Path(workdir)) as rig,
        ):
            results = run(plan, rig=rig, emit=lambda r: print(report.json_line(r), flush=True))
        report.show(console, shape=shape, results=results)
        written = report.write(
            options.results / f"{shape.label}.json", shape=shape, results=results
        )
        console.print(f"results: {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
