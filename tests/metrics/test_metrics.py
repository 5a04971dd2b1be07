"""The operator's metrics: names, labels, what each source adds, and a real scrape over HTTP.

Run reports and request events are the metrics module's own boundary, so unit tests build them
directly; one test drives a real GraphConnection against the Graph simulator over HTTPS with a
scripted 429, and one scrapes the metrics endpoint over real HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from m365inventory import metrics
from m365inventory.graph import ClientSecret, GraphConnection, RequestEvent, clouds
from m365inventory.metrics import Metrics
from m365inventory.simulator import Simulator, generate_world
from m365inventory.sync.reconcile.failures import Failure
from m365inventory.sync.reconcile.observing import SyncObserver
from m365inventory.sync.rules.outcome import RunReport

NS, CONN = "team-a", "msp"
KEY = {"namespace": NS, "connector": CONN}


class Recorder:
    """The Graph client's injected sleep: returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def m() -> Metrics:
    return Metrics(registry=CollectorRegistry())


def value(m: Metrics, name: str, **labels: str) -> float | None:
    return m.registry.get_sample_value(name, labels)


def report(**fields: Any) -> RunReport:
    return RunReport(trigger="Schedule", started=datetime(2026, 1, 1, tzinfo=UTC), **fields)


def finish(m: Metrics, rep: RunReport, *, phase: str = "OK", ready: bool = True, **kw: Any) -> None:
    m.run_started(namespace=NS, connector=CONN)
    m.run_finished(
        namespace=NS,
        connector=CONN,
        report=rep,
        phase=phase,
        ready=ready,
        credentials_valid=kw.get("credentials_valid", True),
        duration_seconds=kw.get("duration", 12.0),
        interval_seconds=3600.0,
    )
    m.run_ended(namespace=NS, connector=CONN)


def test_a_run_that_raised_still_leaves_nothing_in_progress(m: Metrics) -> None:
    m.run_started(namespace=NS, connector=CONN)
    assert value(m, "m365_inventory_syncs_in_progress", **KEY) == 1
    m.run_ended(namespace=NS, connector=CONN)  # the runner's finally, with no run_finished
    assert value(m, "m365_inventory_syncs_in_progress", **KEY) == 0


def test_metrics_is_a_sync_observer(m: Metrics) -> None:
    observer: SyncObserver = m
    assert observer is m


def test_names_follow_prometheus_conventions(m: Metrics) -> None:
    finish(m, report(tenants=1, synced=1))
    m.kubernetes_write("apply", "Contact")
    families = {f.name: f for f in m.registry.collect()}
    assert families, "no metrics registered"
    for name, family in families.items():
        assert name.startswith("m365_inventory_"), name
        if family.type == "counter":
            assert all(s.name.endswith(("_total", "_created")) for s in family.samples), name
        if "timestamp" in name or "duration" in name or "interval" in name:
            assert name.endswith("_seconds"), name
    # Labels are bounded: never a user, a device or a tenant.
    labels = {label for f in families.values() for s in f.samples for label in s.labels}
    assert labels <= {
        "namespace",
        "connector",
        "result",
        "service",
        "status",
        "reason",
        "verb",
        "kind",
        "le",
    }


def test_successful_run(m: Metrics) -> None:
    finish(m, report(tenants=3, synced=2, unmatched=1, unmatched_devices=5), duration=42.0)
    assert value(m, "m365_inventory_syncs_total", **KEY, result="Succeeded") == 1
    assert value(m, "m365_inventory_sync_duration_seconds_count", **KEY) == 1
    assert value(m, "m365_inventory_sync_duration_seconds_sum", **KEY) == 42.0
    assert value(m, "m365_inventory_sync_duration_seconds_bucket", **KEY, le="30.0") == 0
    assert value(m, "m365_inventory_sync_duration_seconds_bucket", **KEY, le="60.0") == 1
    assert value(m, "m365_inventory_syncs_in_progress", **KEY) == 0
    assert value(m, "m365_inventory_unmatched_tenants", **KEY) == 1
    assert value(m, "m365_inventory_unmatched_devices", **KEY) == 5
    assert value(m, "m365_inventory_connector_ready", **KEY) == 1
    assert value(m, "m365_inventory_connector_credentials_valid", **KEY) == 1
    assert value(m, "m365_inventory_sync_interval_seconds", **KEY) == 3600

    # A success moves the last-success timestamp forward from what the status said before.
    old = {"lastSuccessfulSyncTime": "2020-01-01T00:00:00Z"}
    m.connector_seen({"metadata": {"namespace": NS, "name": CONN}, "status": old})
    finish(m, report(tenants=3, synced=3))
    last = value(m, "m365_inventory_last_successful_sync_timestamp_seconds", **KEY)
    assert last is not None
    assert last > datetime(2020, 1, 1, tzinfo=UTC).timestamp()


def test_failed_run_counts_token_failures_and_keeps_the_last_success(m: Metrics) -> None:
    m.connector_seen(
        {
            "metadata": {"namespace": NS, "name": CONN},
            "spec": {},
            "status": {"lastSuccessfulSyncTime": "2026-01-01T00:00:00Z"},
        }
    )
    fatal = Failure(
        "AuthenticationFailed", "AADSTS7000215: invalid secret", retryable=False, credentials=True
    )
    finish(m, report(fatal=fatal), phase="Error", ready=False, credentials_valid=False)
    assert value(m, "m365_inventory_syncs_total", **KEY, result="Failed") == 1
    assert value(m, "m365_inventory_syncs_total", **KEY, result="Succeeded") is None
    assert (
        value(m, "m365_inventory_token_failures_total", **KEY, reason="AuthenticationFailed") == 1
    )
    assert value(m, "m365_inventory_connector_ready", **KEY) == 0
    assert value(m, "m365_inventory_connector_credentials_valid", **KEY) == 0
    assert value(m, "m365_inventory_last_successful_sync_timestamp_seconds", **KEY) == (
        datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    )


def test_partial_run_counts_each_tenant_without_a_token(m: Metrics) -> None:
    consent = Failure("ConsentMissing", "AADSTS65001", retryable=False)
    throttled = Failure("Throttled", "slow down", retryable=True)
    finish(m, report(tenants=3, synced=1, failed={"t1": consent, "t2": throttled}))
    assert value(m, "m365_inventory_syncs_total", **KEY, result="PartiallySucceeded") == 1
    assert value(m, "m365_inventory_token_failures_total", **KEY, reason="ConsentMissing") == 1
    assert value(m, "m365_inventory_token_failures_total", **KEY, reason="Throttled") is None


def test_graph_events(m: Metrics) -> None:
    def event(**kw: Any) -> RequestEvent:
        base: dict[str, Any] = {
            "tenant_id": "t1",
            "service": "directory",
            "method": "GET",
            "path": "/users",
            "status": 200,
            "attempt": 1,
        }
        return RequestEvent(**{**base, **kw})

    for e in (
        event(),
        event(),
        event(status=429, retry_in=2.0),
        event(status=429, retry_in=1.0, batched=True, service="intune"),
        event(status=503, retry_in=None),
        event(status=None, error="TokenUnavailable", retry_in=1.0),
        event(status=404, batched=True),
    ):
        m.graph_request(namespace=NS, connector=CONN, event=e)
    requests = "m365_inventory_graph_requests_total"
    assert value(m, requests, **KEY, service="directory", status="200") == 2
    assert value(m, requests, **KEY, service="directory", status="429") == 1
    assert value(m, requests, **KEY, service="directory", status="503") == 1
    assert value(m, requests, **KEY, service="directory", status="TokenUnavailable") == 1
    assert value(m, requests, **KEY, service="intune", status="429") is None  # a batch item
    throttled = "m365_inventory_graph_throttled_requests_total"
    assert value(m, throttled, **KEY, service="directory") == 2
    assert value(m, throttled, **KEY, service="intune") == 1
    assert value(m, "m365_inventory_graph_retries_total", **KEY, service="directory") == 2
    assert value(m, "m365_inventory_graph_retries_total", **KEY, service="intune") == 1
    assert value(m, "m365_inventory_token_failures_total", **KEY, reason="TokenUnavailable") == 1


def test_kubernetes_writes(m: Metrics) -> None:
    for verb, kind in [("apply", "Contact"), ("apply", "Contact"), ("create", "Event")]:
        m.kubernetes_write(verb, kind)
    assert value(m, "m365_inventory_kubernetes_writes_total", verb="apply", kind="Contact") == 2
    assert value(m, "m365_inventory_kubernetes_writes_total", verb="create", kind="Event") == 1


def test_connector_seen_restores_state_from_the_object(m: Metrics) -> None:
    body = {
        "metadata": {"namespace": NS, "name": CONN},
        "spec": {
            "suspend": True,
            "interval": "30m",
            "credentials": {
                "clientSecret": {
                    "secretRef": {"name": "g", "key": "k"},
                    "expiresAt": "2027-03-01T00:00:00Z",
                }
            },
        },
        "status": {
            "lastSuccessfulSyncTime": "2026-11-01T10:00:00Z",
            "summary": {"unmatchedTenants": 4, "unmatchedDevices": 7},
            "conditions": [
                {"type": "Ready", "status": "False"},
                {"type": "CredentialsValid", "status": "True"},
                {"type": "Synced", "status": "Unknown"},
            ],
        },
    }
    m.connector_seen(body)
    assert value(m, "m365_inventory_connector_suspended", **KEY) == 1
    assert value(m, "m365_inventory_sync_interval_seconds", **KEY) == 1800
    assert value(m, "m365_inventory_client_secret_expiry_timestamp_seconds", **KEY) == (
        datetime(2027, 3, 1, tzinfo=UTC).timestamp()
    )
    assert value(m, "m365_inventory_last_successful_sync_timestamp_seconds", **KEY) == (
        datetime(2026, 11, 1, 10, tzinfo=UTC).timestamp()
    )
    assert value(m, "m365_inventory_unmatched_tenants", **KEY) == 4
    assert value(m, "m365_inventory_unmatched_devices", **KEY) == 7
    assert value(m, "m365_inventory_connector_ready", **KEY) == 0
    assert value(m, "m365_inventory_connector_credentials_valid", **KEY) == 1

    # The expiry field removed: its series goes (no stale alert on a forgotten date).
    body["spec"] = {"suspend": False}
    m.connector_seen(body)
    assert value(m, "m365_inventory_client_secret_expiry_timestamp_seconds", **KEY) is None
    assert value(m, "m365_inventory_connector_suspended", **KEY) == 0
    assert value(m, "m365_inventory_sync_interval_seconds", **KEY) == 3600  # the default


def test_removed_connector_leaves_no_series(m: Metrics) -> None:
    finish(m, report(tenants=1, synced=1, failed={"t": Failure("ConsentMissing", "x", False)}))
    m.graph_request(
        namespace=NS,
        connector=CONN,
        event=RequestEvent(
            tenant_id="t",
            service="directory",
            method="GET",
            path="/users",
            status=429,
            attempt=1,
            retry_in=1.0,
        ),
    )
    m.run_started(namespace=NS, connector="other")
    m.connector_removed(namespace=NS, connector=CONN)
    m.connector_removed(namespace=NS, connector="never-seen")
    left = [s for f in m.registry.collect() for s in f.samples if s.labels.get("connector") == CONN]
    assert left == []
    assert value(m, "m365_inventory_syncs_in_progress", namespace=NS, connector="other") == 1


def test_serves_metrics_over_http(m: Metrics) -> None:
    finish(m, report(tenants=1, synced=1))
    port = m.serve(port=0, address="127.0.0.1")
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    finally:
        m.close()
    assert response.status_code == 200
    names = {f.name for f in text_string_to_metric_families(response.text)}
    assert {
        "m365_inventory_syncs",
        "m365_inventory_sync_duration_seconds",
        "m365_inventory_connector_ready",
    } <= names
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    world = generate_world(
        seed=3, tenants=1, users_per_tenant=5, groups_per_tenant=1, devices_per_tenant=1
    )
    with Simulator(world) as running:
        yield running


async def test_counts_real_graph_requests_and_throttling(m: Metrics, sim: Simulator) -> None:
    app = sim.world.apps[0]
    tenant = sim.world.tenants[0].id
    sim.faults.script("GET /v1.0/users", status=429, retry_after=3)
    connection = GraphConnection(
        cloud=clouds.custom(
            authority_host=sim.base_url, graph_url=sim.graph_url, ca_bundle=Path(sim.ca_path)
        ),
        client_id=app.client_id,
        credential=ClientSecret(secret=app.secrets[0].value),
        sleep=Recorder(),
    )
    async with connection:
        m.connection_opened(namespace=NS, connector=CONN, connection=connection)
        users = await connection.tenant(tenant).users()
    assert users
    requests = "m365_inventory_graph_requests_total"
    assert value(m, requests, **KEY, service="directory", status="429") == 1
    assert value(m, requests, **KEY, service="directory", status="200") == (
        connection.counters.total(outcome="200")
    )
    assert (
        value(m, "m365_inventory_graph_throttled_requests_total", **KEY, service="directory") == 1
    )
    assert value(m, "m365_inventory_graph_retries_total", **KEY, service="directory") == 1


def test_metric_names_are_constants() -> None:
    registered = {f.name for f in Metrics(registry=CollectorRegistry()).registry.collect()}
    constants = {
        v
        for k, v in vars(metrics).items()
        if k.isupper() and isinstance(v, str) and v.startswith("m365_inventory_")
    }
    assert registered == constants


def test_degraded_features_are_counted_by_feature_and_cleared_when_back(m: Metrics) -> None:
    rep = report(tenants=3, synced=3)
    rep.degraded = {"t-1": {"mailboxes": "grant Reports.Read.All"}, "t-2": {"mailboxes": "x"}}
    finish(m, rep)
    assert value(m, "m365_inventory_features_degraded", **KEY, feature="mailboxes") == 2
    finish(m, report(tenants=3, synced=3))
    assert value(m, "m365_inventory_features_degraded", **KEY, feature="mailboxes") == 0


def test_failing_tenants_and_skipped_records_are_counted(m: Metrics) -> None:
    from m365inventory.sync.rules.failure import Failure
    from m365inventory.sync.rules.outcome import SkippedRecord

    rep = report(tenants=3, synced=2)
    rep.failed["t-9"] = Failure("ConsentMissing", "no consent", retryable=False)
    rep.skipped.append(SkippedRecord("t-1", "User", "u-1", ("accountEnabled",)))
    finish(m, rep, phase="Degraded")
    assert value(m, "m365_inventory_connector_tenants_failing", **KEY) == 1
    assert value(m, "m365_inventory_graph_records_skipped_total", **KEY, kind="User") == 1
