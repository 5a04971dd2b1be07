"""How results leave the bench: a JSON line per scenario, a readable table, a results file."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks import figures
from benchmarks.figures import Shape

CHECKOUT = Path(__file__).resolve().parents[1]
COLUMNS: tuple[tuple[str, str], ...] = (
    ("wall s", "wall_seconds"),
    ("Graph req", "graph_requests"),
    ("minimum", "minimum_graph_requests"),
    ("req/min", "requests_vs_minimum"),
    ("429s", "throttled_429"),
    ("writes", "writes"),
    ("created", "objects_created"),
    ("CPU s", "cpu_seconds"),
    ("peak RSS MB", "peak_rss_mb"),
)


def json_line(result: Mapping[str, Any]) -> str:
    return json.dumps(result, sort_keys=True, separators=(",", ":"))


def by_scenario(results: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {str(r["scenario"]): r for r in results}


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _notes(result: Mapping[str, Any]) -> str:
    scenario = result["scenario"]
    if scenario == "unchanged_resync":
        return f"wall/cold {result.get('wall_vs_cold')}"
    if scenario == "change_1pct":
        return (
            f"changed {result.get('changed_objects')} "
            f"(users {result.get('changed_users')}, devices {result.get('changed_devices')}); "
            f"writes/changed {result.get('writes_vs_changed')}"
        )
    if scenario == "decisions":
        return (
            f"{result['decisions']} decisions: p50 {result['p50_seconds']} s, "
            f"p95 {result['p95_seconds']} s (kubectl p50 {result['kubectl_p50_seconds']} s)"
        )
    if scenario == "matching":
        return (
            f"{result['devices']}x{result['configurations']} devices {result['devices_seconds']} s;"
            f" {result['tenants']}x{result['organizations']} tenants {result['tenants_seconds']} s"
        )
    if scenario == "throttling_storm":
        return (
            f"completed {result.get('completed')}, floor {result.get('floor_seconds')} s, "
            f"wall/floor {result.get('wall_vs_floor')}"
        )
    return ""


def table(*, shape: Shape, results: Sequence[Mapping[str, Any]]) -> Table:
    view = Table(title=f"m365-inventory bench: {shape.label}")
    view.add_column("scenario")
    for title, _ in COLUMNS:
        view.add_column(title, justify="right")
    view.add_column("notes")
    for result in results:
        view.add_row(
            str(result["scenario"]),
            *(_cell(result.get(key)) for _, key in COLUMNS),
            _notes(result),
        )
    return view


def targets_table(verdicts: Mapping[str, bool | None]) -> Table:
    view = Table(title="targets")
    view.add_column("target")
    view.add_column("bound")
    view.add_column("met")
    for name, met in verdicts.items():
        view.add_row(name, figures.TARGETS[name], "-" if met is None else "yes" if met else "NO")
    return view


def _commit() -> str | None:
    """The checkout's commit, with "+dirty" when the tree has changes (the operator runs
    from the tree, so they are part of what was measured). Results files are left out: a
    run at several scales writes one before it measures the next."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=CHECKOUT,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ".",
                ":(exclude)benchmarks/results",
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=CHECKOUT,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}+dirty" if dirty else head


def document(*, shape: Shape, results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The results file: the run's shape, the machine, every scenario and the verdicts."""
    return {
        "shape": shape.as_json(),
        "label": shape.label,
        "finished": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "commit": _commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
        },
        "scenarios": list(results),
        "targets": figures.verdicts(by_scenario(results)),
    }


def write(path: Path, *, shape: Shape, results: Sequence[Mapping[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document(shape=shape, results=results), indent=2) + "\n")
    return path


def show(console: Console, *, shape: Shape, results: Sequence[Mapping[str, Any]]) -> None:
    console.print(table(shape=shape, results=results))
    console.print(targets_table(figures.verdicts(by_scenario(results))))
