"""The bench's verdicts (pure): what counts as meeting each target."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks import figures


def test_peak_rss_is_the_highest_of_every_operator_scenario() -> None:
    results = {
        "cold_sync": {"peak_rss_mb": 188.6},
        "unchanged_resync": {"peak_rss_mb": 237.7},
        "change_1pct": {"peak_rss_mb": 301.0},
        "matching": {"peak_rss_mb": 900.0},  # in the bench's own process, not the operator
    }
    assert figures.peak_rss_mb(results) == 301.0
    assert figures.verdicts(results)["operator.peak_rss_mb"] is False
    del results["change_1pct"]
    assert figures.verdicts(results)["operator.peak_rss_mb"] is True


def test_unmeasured_targets_are_neither_met_nor_missed() -> None:
    verdicts = figures.verdicts({})
    assert set(verdicts) == set(figures.TARGETS)
    assert all(met is None for met in verdicts.values())


def test_resync_wall_target_is_a_twentieth_of_the_cold_sync() -> None:
    verdicts = figures.verdicts(
        {"unchanged_resync": {"wall_vs_cold": 0.05, "writes": 0}, "cold_sync": {}}
    )
    assert verdicts["unchanged_resync.wall_vs_cold"] is True
    assert verdicts["unchanged_resync.documentation_writes"] is True
    verdicts = figures.verdicts({"unchanged_resync": {"wall_vs_cold": 0.0501, "writes": 1}})
    assert verdicts["unchanged_resync.wall_vs_cold"] is False
    assert verdicts["unchanged_resync.documentation_writes"] is False


def test_graph_floor_counts_pages_batches_and_the_app_registration_read() -> None:
    tenants = [
        figures.TenantSize(users=1000, groups=40, devices=30, macs_to_read=30),
        figures.TenantSize(users=0, groups=0, devices=0, macs_to_read=0),
    ]
    page_size = {"customers": 100, "users": 999, "groups": 999, "devices": 999}
    floor = figures.minimum_graph_requests(tenants=tenants, page_size=page_size, batch_size=20)
    # customers + relationships; per tenant organization + SKUs; users 2 pages, groups 1,
    # 2 member batches, devices 1, 2 MAC batches; the empty tenant still lists each once.
    assert floor == 2 + (2 + 2 + 1 + 2 + 1 + 2) + (2 + 1 + 1 + 0 + 1 + 0)
    with_secret = figures.minimum_graph_requests(
        tenants=tenants, page_size=page_size, batch_size=20, secret_expiry=True
    )
    assert with_secret == floor + 1


def test_sign_in_activity_pages_users_at_120() -> None:
    """Graph pages users with signInActivity 120 at a time, whatever $top asks."""
    sizes = {"customers": 100, "users": 999, "groups": 999, "devices": 999}
    plain = figures.TenantSize(users=500, groups=0, devices=0, macs_to_read=0)
    with_p1 = figures.TenantSize(
        users=500, groups=0, devices=0, macs_to_read=0, sign_in_activity=True
    )
    one = figures.minimum_graph_requests(tenants=[plain], page_size=sizes, batch_size=20)
    five = figures.minimum_graph_requests(tenants=[with_p1], page_size=sizes, batch_size=20)
    assert five - one == 4  # ceil(500 / 120) = 5 pages against 1
