"""`python -m benchmarks.plot`: how cost grows with scale, from `benchmarks/results/*.json`.

Three panels against the MSP's size (users + devices): wall seconds, Graph requests (with the
floor) and Kubernetes writes, each for the cold sync, the unchanged resync and the 1% change.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

RESULTS = Path(__file__).resolve().parent / "results"
SYNCS = (
    ("cold_sync", "cold sync"),
    ("unchanged_resync", "unchanged"),
    ("change_1pct", "1% change"),
)
PANELS = (
    ("wall_seconds", "wall seconds"),
    ("graph_requests", "Graph requests"),
    ("writes", "Kubernetes writes"),
)


def load(directory: Path) -> list[dict[str, Any]]:
    """Every results document, smallest MSP first."""
    documents = [json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))]
    return sorted(documents, key=lambda d: d["shape"]["users"] + d["shape"]["devices"])


def _scenario(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next((s for s in document["scenarios"] if s["scenario"] == name), {})


def plot(documents: list[dict[str, Any]], *, out: Path) -> Path:
    sizes = [d["shape"]["users"] + d["shape"]["devices"] for d in documents]
    figure, axes = plt.subplots(1, len(PANELS), figsize=(15, 4.5))
    for axis, (key, title) in zip(axes, PANELS, strict=True):
        for name, label in SYNCS:
            values = [_scenario(d, name).get(key) for d in documents]
            axis.plot(sizes, [v or 0 for v in values], marker="o", label=label)
        if key == "graph_requests":
            floor = [_scenario(d, "cold_sync").get("minimum_graph_requests") for d in documents]
            axis.plot(sizes, [v or 0 for v in floor], linestyle="--", label="cold floor")
        axis.set_title(title)
        axis.set_xlabel("users + devices")
        axis.set_xscale("log")
        axis.set_xticks(sizes, labels=[f"{n:,}" for n in sizes], minor=False)
        axis.set_xticks([], minor=True)
        # symlog so that the unchanged resync's zero writes stay on the chart.
        axis.set_yscale("symlog", linthresh=1)
        axis.set_ylim(bottom=0)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    tenants = ", ".join(str(d["shape"]["tenants"]) for d in documents)
    figure.suptitle(f"m365-inventory bench: cost against scale (tenants: {tenants})")
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.plot", description=__doc__)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--out", type=Path, default=RESULTS / "scaling.png")
    options = parser.parse_args(argv)
    documents = load(options.results)
    if not documents:
        print(f"no results in {options.results}", file=sys.stderr)
        return 1
    print(plot(documents, out=options.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
