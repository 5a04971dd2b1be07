"""Microsoft misbehaving: 429 storms, 5xx bursts, connections cut mid-page, no token endpoint.

Each test syncs the seeded MSP through the fault, checks that status says what failed, then
lets the connector recover and compares everything with a fault-free run of the same world.
Faults are seeded (`sim.faults.reseed`), so a failure reproduces.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from convergence import (
    CONNECTOR,
    SYNC,
    assert_converged,
    assert_no_duplicates,
    assert_nothing_deleted,
    assert_status_tells_the_truth,
    baseline,
    prepare,
    settle,
    snapshot,
)
from private_plane import OperatorControl
from pydantic import SecretStr

from m365inventory.simulator.faults import TOKEN_ENDPOINT
from m365inventory.simulator.world import AppSecret

from e2e_harness import Scenario

pytestmark = pytest.mark.cluster
SEED = 20261122


def test_429_storm_and_5xx_burst(scenario: Scenario, clean_namespace: str) -> None:
    expected = baseline(scenario, clean_namespace)
    faults = scenario.sim.faults
    faults.reseed(SEED)
    faults.update({"rate_429": 0.5, "rate_5xx": 0.25, "retry_after_seconds": 0})
    # A burst of 5xx on the first requests, and one users listing throttled past every retry
    # (tenants sync one after the other: the first matched tenant gets all seven).
    faults.script("*", status=503, count=3)
    faults.script("GET /v1.0/users", status=429, retry_after=0, count=7)
    prepare(scenario)
    scenario.connector(CONNECTOR, sync=SYNC)
    stormy = scenario.wait_synced(CONNECTOR)
    throttled = scenario.sim.counters.total(status=429)
    failed_5xx = sum(scenario.sim.counters.total(status=s) for s in (500, 502, 503, 504))
    assert throttled >= 8
    assert failed_5xx >= 3
    assert_status_tells_the_truth(scenario, stormy)
    assert stormy["summary"]["tenantsFailed"] >= 1, stormy["summary"]
    assert {e["reason"] for e in stormy["summary"]["errors"]} == {"Throttled"}
    assert_no_duplicates(scenario)

    faults.clear()
    recovered = settle(scenario)
    assert recovered["phase"] == "OK"
    assert_status_tells_the_truth(scenario, recovered)
    assert_converged(scenario, expected)


def test_connections_cut_in_the_middle_of_pages(scenario: Scenario, clean_namespace: str) -> None:
    expected = baseline(scenario, clean_namespace)
    sim = scenario.sim
    sim.settings.page_size["GET /v1.0/users"] = 4
    sim.settings.page_size["GET /v1.0/deviceManagement/managedDevices"] = 1
    sim.faults.reseed(SEED + 1)
    sim.faults.update({"reset_rate": 0.2})
    # The second page of the first users listing is cut off twice, whatever the dice say.
    sim.faults.script("GET /v1.0/users", status=200, count=1)
    sim.faults.script("GET /v1.0/users", reset=True, count=2)
    prepare(scenario)
    scenario.connector(CONNECTOR, sync=SYNC)
    cut = scenario.wait_synced(CONNECTOR)
    assert_status_tells_the_truth(scenario, cut)
    assert_no_duplicates(scenario)

    sim.faults.clear()
    recovered = settle(scenario)
    assert recovered["phase"] == "OK"
    assert_converged(scenario, expected)


def test_token_endpoint_down_costs_nothing(
    scenario: Scenario, clean_namespace: str, operators: OperatorControl
) -> None:
    expected = baseline(scenario, clean_namespace)
    prepare(scenario)
    scenario.connector(CONNECTOR, sync=SYNC)
    assert scenario.wait_synced(CONNECTOR)["phase"] == "OK"
    before = snapshot(scenario)
    assert before == expected

    scenario.sim.faults.update({"token_endpoint_down": True})
    operators.kill()  # a fresh process has no cached token: it must ask the endpoint
    scenario.operator = operators.ensure()
    down = settle(scenario)
    assert down["phase"] == "Error"
    ready = next(c for c in down["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "ProgressingWithRetry")
    assert "TokenUnavailable" in ready["message"]
    credentials = next(c for c in down["conditions"] if c["type"] == "CredentialsValid")
    assert credentials["status"] == "True"  # an outage is not a wrong secret
    assert down["nextSyncTime"] > down["lastSyncTime"]
    assert "lastSuccessfulSyncTime" in down  # the last success is not forgotten
    assert_nothing_deleted(scenario, before)
    assert snapshot(scenario) == expected  # not even a status flipped to "lost"

    scenario.sim.faults.clear()
    recovered = settle(scenario)
    assert recovered["phase"] == "OK"
    assert_converged(scenario, expected)


def test_client_secret_rotated_in_the_middle_of_a_run(
    scenario: Scenario, clean_namespace: str
) -> None:
    expected = baseline(scenario, clean_namespace)
    sim = scenario.sim
    app = sim.world.apps[0]
    old = app.secrets[0].value.get_secret_value()
    # Tokens that expire within the run, and a run slow enough to rotate in.
    sim.settings.token_lifetime_seconds = 2
    sim.faults.update({"latency_ms": 30})
    prepare(scenario)
    scenario.connector(CONNECTOR, sync=SYNC)
    deadline = time.monotonic() + 30
    while scenario.connector_status(CONNECTOR).get("phase") != "Syncing":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)
    # Rotate as an admin does: a new secret in Entra ID, the Kubernetes Secret updated, the old
    # secret deleted in Entra ID, all while the run goes on.
    new = f"rotated-{SEED}-Zq8~secret-value"
    token_requests = sim.counters.get(TOKEN_ENDPOINT)
    app.secrets = [*app.secrets, AppSecret(value=SecretStr(new))]
    scenario.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "graph"},
            "stringData": {"clientSecret": new},
        }
    )
    app.secrets = [s for s in app.secrets if s.value.get_secret_value() != old]
    during = scenario.wait_synced(CONNECTOR)
    assert sim.counters.get(TOKEN_ENDPOINT) > token_requests, during  # asked again mid-run
    assert_status_tells_the_truth(scenario, during)
    assert_no_duplicates(scenario)
    if during["summary"]["tenantsFailed"]:
        # Refused with the old secret while the Secret already holds the new one: retry soon,
        # not after the 1h interval.
        assert {e["reason"] for e in during["summary"]["errors"]} == {"AuthenticationFailed"}
        waited = datetime.fromisoformat(during["nextSyncTime"]) - datetime.fromisoformat(
            during["lastSyncTime"]
        )
        assert waited <= timedelta(minutes=1), during

    sim.faults.clear()
    recovered = settle(scenario)
    assert recovered["phase"] == "OK", recovered
    valid = next(c for c in recovered["conditions"] if c["type"] == "CredentialsValid")
    assert valid["status"] == "True"
    assert_converged(scenario, expected)
    everything = scenario.kubectl("get", "microsoftconnector,tenantmatch,events", "-o", "yaml")
    for secret in (old, new):
        assert secret not in everything
        assert secret not in scenario.operator.log_text()
