"""Prometheus metrics of the operator: what the shipped alert rules and dashboards read.

Metric names live here as constants, in one place, so the alert rules, the docs and the tests
spell them the same way. :class:`Metrics` implements the sync layer's ``SyncObserver`` and
also listens to Graph requests (``GraphConnection.subscribe``) and Kubernetes writes
(``Store.subscribe``). Labels are bounded: namespace and connector at most, plus small fixed
vocabularies (result, service, status code, verb, kind, reason); never a user, device or tenant.

Gauges that describe a connector's state are also restored from the connector's own status
(``connector_seen``), so a restarted operator or a newly active peering replica reports the
truth before its first run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.metrics import MetricWrapperBase

from m365inventory.graph.events import RequestEvent
from m365inventory.graph.retrying import THROTTLE_STATUSES
from m365inventory.sync.rules import schedule

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from m365inventory.graph.client import GraphConnection
    from m365inventory.sync.rules.outcome import RunReport

log = logging.getLogger(__name__)
M = TypeVar("M", bound=MetricWrapperBase)

PREFIX = "m365_inventory"
SYNCS = f"{PREFIX}_syncs"  # exposed as ..._syncs_total
SYNC_DURATION = f"{PREFIX}_sync_duration_seconds"
SYNCS_IN_PROGRESS = f"{PREFIX}_syncs_in_progress"
LAST_SUCCESS = f"{PREFIX}_last_successful_sync_timestamp_seconds"
SYNC_INTERVAL = f"{PREFIX}_sync_interval_seconds"
UNMATCHED_TENANTS = f"{PREFIX}_unmatched_tenants"
UNMATCHED_DEVICES = f"{PREFIX}_unmatched_devices"
GRAPH_REQUESTS = f"{PREFIX}_graph_requests"  # ..._graph_requests_total
GRAPH_THROTTLED = f"{PREFIX}_graph_throttled_requests"  # ..._graph_throttled_requests_total
GRAPH_RETRIES = f"{PREFIX}_graph_retries"  # ..._graph_retries_total
TOKEN_FAILURES = f"{PREFIX}_token_failures"  # ..._token_failures_total
KUBERNETES_WRITES = f"{PREFIX}_kubernetes_writes"  # ..._kubernetes_writes_total
CONNECTOR_READY = f"{PREFIX}_connector_ready"
CONNECTOR_SUSPENDED = f"{PREFIX}_connector_suspended"
CREDENTIALS_VALID = f"{PREFIX}_connector_credentials_valid"
SECRET_EXPIRY = f"{PREFIX}_client_secret_expiry_timestamp_seconds"
LEADER = f"{PREFIX}_leader"
RECORDS_SKIPPED = f"{PREFIX}_graph_records_skipped"  # ..._graph_records_skipped_total
TENANTS_FAILING = f"{PREFIX}_connector_tenants_failing"
FEATURES_DEGRADED = f"{PREFIX}_features_degraded"

CONNECTOR_LABELS = ("namespace", "connector")
DEFAULT_INTERVAL = "1h"  # the CRD's default for spec.interval
DURATION_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
# Failure reasons (sync/failures.py) that mean no token could be had from the identity platform.
TOKEN_FAILURE_REASONS = frozenset({"AuthenticationFailed", "ConsentMissing"})
TOKEN_UNAVAILABLE = "TokenUnavailable"  # noqa: S105 - an error kind, not a secret
"""The Graph sender's error kind when the identity platform did not answer in time."""


class Metrics:
    """The operator's metrics in one registry; a SyncObserver for the runner."""

    def __init__(self, *, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        by_connector = CONNECTOR_LABELS
        self.syncs = Counter(SYNCS, "Sync runs by result.", [*by_connector, "result"], registry=r)
        self.sync_duration = Histogram(
            SYNC_DURATION,
            "Duration of sync runs.",
            by_connector,
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.in_progress = Gauge(
            SYNCS_IN_PROGRESS, "Sync runs now running.", by_connector, registry=r
        )
        self.last_success = Gauge(
            LAST_SUCCESS,
            "When the last successful sync finished (Unix time).",
            by_connector,
            registry=r,
        )
        self.interval = Gauge(
            SYNC_INTERVAL,
            "The connector's sync interval (spec.interval).",
            by_connector,
            registry=r,
        )
        self.unmatched_tenants = Gauge(
            UNMATCHED_TENANTS, "Tenants waiting for a match decision.", by_connector, registry=r
        )
        self.unmatched_devices = Gauge(
            UNMATCHED_DEVICES,
            "Intune devices waiting for a match decision.",
            by_connector,
            registry=r,
        )
        self.graph_requests = Counter(
            GRAPH_REQUESTS,
            "Microsoft Graph HTTP requests by throttling service and status code (or error kind).",
            [*by_connector, "service", "status"],
            registry=r,
        )
        self.graph_throttled = Counter(
            GRAPH_THROTTLED,
            "Graph answers (requests and $batch items) saying the app is throttled (429/503).",
            [*by_connector, "service"],
            registry=r,
        )
        self.graph_retries = Counter(
            GRAPH_RETRIES,
            "Graph requests and $batch items retried.",
            [*by_connector, "service"],
            registry=r,
        )
        self.token_failures = Counter(
            TOKEN_FAILURES,
            "Failures to get an access token from the Microsoft identity platform.",
            [*by_connector, "reason"],
            registry=r,
        )
        self.kubernetes_writes = Counter(
            KUBERNETES_WRITES, "Writes to the Kubernetes API.", ["verb", "kind"], registry=r
        )
        self.ready = Gauge(
            CONNECTOR_READY,
            "1 when the connector's Ready condition is True.",
            by_connector,
            registry=r,
        )
        self.suspended = Gauge(
            CONNECTOR_SUSPENDED, "1 when spec.suspend is true.", by_connector, registry=r
        )
        self.credentials_valid = Gauge(
            CREDENTIALS_VALID,
            "1 when the connector's CredentialsValid condition is True, 0 when False.",
            by_connector,
            registry=r,
        )
        self.secret_expiry = Gauge(
            SECRET_EXPIRY,
            "When the client secret expires (from Graph, else spec.credentials.clientSecret."
            "expiresAt; Unix time).",
            by_connector,
            registry=r,
        )
        self.records_skipped = Counter(
            RECORDS_SKIPPED,
            "Graph objects skipped because they did not validate (the rest of the tenant synced).",
            [*by_connector, "kind"],
            registry=r,
        )
        self.tenants_failing = Gauge(
            TENANTS_FAILING,
            "Tenants that failed in the connector's last run (Degraded while the others sync).",
            by_connector,
            registry=r,
        )
        self.features_degraded = Gauge(
            FEATURES_DEGRADED,
            "Tenants that synced without a feature in the connector's last run (a permission, "
            "a licence or consent missing for that feature only).",
            [*by_connector, "feature"],
            registry=r,
        )
        self._degraded_features: dict[tuple[str, str], set[str]] = {}
        self.leader = Gauge(
            LEADER,
            "1 while this replica holds the leader Lease (only the leader syncs and writes).",
            registry=r,
        )
        self._server: WSGIServer | None = None
        self._series: dict[tuple[str, str], set[tuple[MetricWrapperBase, tuple[str, ...]]]] = {}

    # ------------------------------------------------------------------ serving

    def serve(self, *, port: int, address: str = "0.0.0.0") -> int:  # noqa: S104 - in a pod
        """Serve ``/metrics`` on its own port in a background thread; return the bound port."""
        server, _thread = start_http_server(port, addr=address, registry=self.registry)
        self._server = server
        bound = int(server.server_address[1])
        log.info("serving metrics on %s:%d", address, bound)
        return bound

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # ------------------------------------------------------------------ SyncObserver

    def run_started(self, *, namespace: str, connector: str) -> None:
        self._at(self.in_progress, (namespace, connector)).inc()

    def run_ended(self, *, namespace: str, connector: str) -> None:
        self._at(self.in_progress, (namespace, connector)).dec()

    def run_finished(
        self,
        *,
        namespace: str,
        connector: str,
        report: RunReport,
        phase: str,
        ready: bool,
        credentials_valid: bool | None,
        duration_seconds: float,
        interval_seconds: float,
    ) -> None:
        key = (namespace, connector)
        failed = phase == "Error"
        result = "Failed" if failed else "PartiallySucceeded" if report.failed else "Succeeded"
        self._at(self.syncs, key, result).inc()
        self._at(self.sync_duration, key).observe(duration_seconds)
        self._at(self.interval, key).set(interval_seconds)
        self._at(self.ready, key).set(1 if ready else 0)
        self._at(self.tenants_failing, key).set(len(report.failed))
        counts: dict[str, int] = {}
        for features in report.degraded.values():
            for feature in features:
                counts[feature] = counts.get(feature, 0) + 1
        seen = self._degraded_features.setdefault(key, set()) | set(counts)
        self._degraded_features[key] = seen
        for feature in seen:
            self._at(self.features_degraded, key, feature).set(counts.get(feature, 0))
        for record in report.skipped:
            self._at(self.records_skipped, key, record.kind).inc()
        if credentials_valid is not None:
            self._at(self.credentials_valid, key).set(1 if credentials_valid else 0)
        if not failed:
            self._at(self.last_success, key).set_to_current_time()
            self._at(self.unmatched_tenants, key).set(report.unmatched)
            self._at(self.unmatched_devices, key).set(report.unmatched_devices)
        failures = [report.fatal] if report.fatal is not None else []
        failures += list(report.failed.values())
        for failure in failures:
            if failure.reason in TOKEN_FAILURE_REASONS:
                self._at(self.token_failures, key, failure.reason).inc()

    def connection_opened(
        self, *, namespace: str, connector: str, connection: GraphConnection
    ) -> None:
        def observe(event: RequestEvent) -> None:
            self.graph_request(namespace=namespace, connector=connector, event=event)

        connection.subscribe(observe)

    def connector_removed(self, *, namespace: str, connector: str) -> None:
        """Forget every series of a deleted connector (so no alert fires for it)."""
        for metric, labels in self._series.pop((namespace, connector), set()):
            metric.remove(*labels)

    # ------------------------------------------------------------------ other sources

    def graph_request(self, *, namespace: str, connector: str, event: RequestEvent) -> None:
        """Count one Graph answer (a subscriber of GraphConnection)."""
        key = (namespace, connector)
        if not event.batched:
            self._at(self.graph_requests, key, event.service, event.outcome).inc()
        if event.status in THROTTLE_STATUSES:
            self._at(self.graph_throttled, key, event.service).inc()
        if event.retry_in is not None:
            self._at(self.graph_retries, key, event.service).inc()
        if event.error == TOKEN_UNAVAILABLE:
            self._at(self.token_failures, key, TOKEN_UNAVAILABLE).inc()

    def leading(self, value: bool) -> None:
        """This replica started (True) or stopped (False) leading."""
        self.leader.set(1 if value else 0)

    def kubernetes_write(self, verb: str, kind: str) -> None:
        """Count one Kubernetes write (a subscriber of Store)."""
        self.kubernetes_writes.labels(verb, kind).inc()

    def connector_seen(self, body: Mapping[str, Any]) -> None:
        """Read a connector's spec and status into the gauges that describe its state."""
        meta = body.get("metadata") or {}
        key = (str(meta.get("namespace")), str(meta.get("name")))
        spec = body.get("spec") or {}
        status = body.get("status") or {}
        self._at(self.suspended, key).set(1 if spec.get("suspend") else 0)
        try:
            interval = schedule.parse_duration(str(spec.get("interval") or DEFAULT_INTERVAL))
        except ValueError:
            pass
        else:
            self._at(self.interval, key).set(interval.total_seconds())
        client_secret = (spec.get("credentials") or {}).get("clientSecret") or {}
        # Graph's answer (status) when the operator may read the app registration, else the
        # date a person wrote into spec.
        expires = _parse_time(status.get("clientSecretExpiresAt")) or _parse_time(
            client_secret.get("expiresAt")
        )
        if expires is not None:
            self._at(self.secret_expiry, key).set(expires)
        else:
            self._forget(self.secret_expiry, key)
        last_success = _parse_time(status.get("lastSuccessfulSyncTime"))
        if last_success is not None:
            self._at(self.last_success, key).set(last_success)
        summary = status.get("summary") or {}
        if isinstance(summary.get("unmatchedTenants"), int):
            self._at(self.unmatched_tenants, key).set(summary["unmatchedTenants"])
        if isinstance(summary.get("unmatchedDevices"), int):
            self._at(self.unmatched_devices, key).set(summary["unmatchedDevices"])
        for condition in status.get("conditions") or []:
            gauge = {"Ready": self.ready, "CredentialsValid": self.credentials_valid}.get(
                condition.get("type")
            )
            value = {"True": 1, "False": 0}.get(condition.get("status"))
            if gauge is not None and value is not None:
                self._at(gauge, key).set(value)

    def _at(self, metric: M, key: tuple[str, str], *extra: str) -> M:
        """The series of `metric` for the connector `key`, remembered for connector_removed."""
        labels = (*key, *extra)
        self._series.setdefault(key, set()).add((metric, labels))
        return metric.labels(*labels)

    def _forget(self, metric: MetricWrapperBase, key: tuple[str, str]) -> None:
        known = self._series.get(key, set())
        if (metric, key) in known:
            known.discard((metric, key))
            metric.remove(*key)


def _parse_time(value: Any) -> float | None:
    """Unix time of an RFC 3339 string (the API server's format), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
