"""The bench at a tiny scale, so it cannot rot: every scenario runs end to end against the
real operator process, and its counts are checked. Never its timings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from m365inventory.localcluster.access import ClusterAccess

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks import figures, report
from benchmarks.figures import Shape
from benchmarks.rig import Rig
from benchmarks.run import Plan, run

SHAPE = Shape(tenants=2, users=20, devices=10, groups=4)
SCENARIOS = [
    "cold_sync",
    "unchanged_resync",
    "change_1pct",
    "decisions",
    "matching",
    "throttling_storm",
]


def test_bench_runs_every_scenario_at_a_tiny_scale(
    kube: ClusterAccess, crds: list[str], tmp_path: Path
) -> None:
    plan = Plan(
        shape=SHAPE,
        decisions=4,
        match_devices=200,
        match_configurations=200,
        match_tenants=40,
        match_organizations=200,
        storm_tenants=1,
        storm_windows=2,
        timeout_seconds=120,
    )
    lines: list[str] = []
    with Rig.open(workdir=tmp_path, kube=kube) as rig:
        results = run(plan, rig=rig, emit=lambda r: lines.append(report.json_line(r)))

    assert [json.loads(line)["scenario"] for line in lines] == SCENARIOS
    got = report.by_scenario(results)

    cold = got["cold_sync"]
    assert cold["phase"] == "OK"
    assert cold["tenants_synced"] == SHAPE.tenants
    assert cold["objects_by_kind"]["tenantmatches"] == SHAPE.tenants
    assert cold["objects_by_kind"]["devicematches"] == SHAPE.devices
    assert cold["objects_by_kind"]["contacts"] > 0
    assert cold["writes"] >= cold["objects_created"]
    assert cold["graph_requests"] >= cold["minimum_graph_requests"] > 0
    assert cold["peak_rss_mb"] > 0

    unchanged = got["unchanged_resync"]
    assert unchanged["phase"] == "OK"
    assert unchanged["writes"] == 0
    assert unchanged["objects_created"] == 0

    changed = got["change_1pct"]
    assert changed["changed_users"] == 1
    assert changed["changed_devices"] == 1
    assert 1 <= changed["writes"] <= changed["changed_objects"] * 1.1

    decided = got["decisions"]
    assert decided["decisions"] == 4
    assert decided["p50_seconds"] <= decided["p95_seconds"]

    matched = got["matching"]
    # 60% serial and 20% MAC twins match automatically; the look-alikes get suggestions.
    assert matched["devices_matched"] == 160
    assert matched["devices_with_suggestions"] >= 20
    assert matched["tenants_matched"] == 20

    storm = got["throttling_storm"]
    assert storm["completed"] is True
    assert storm["retries"] > 0
    assert storm["floor_seconds"] > 0

    document = report.document(shape=SHAPE, results=results)
    assert set(document["targets"]) == set(figures.TARGETS)
    assert document["targets"]["unchanged_resync.documentation_writes"] is True
