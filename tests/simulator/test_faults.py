"""Fault injection: scripted answers, seeded random failures, cut connections, latency knob."""

from __future__ import annotations

import logging

import httpx
import msal
import pytest
from simhelpers import GraphFactory

from m365inventory.simulator import Simulator


def test_scripted_faults_hit_the_next_n_requests(sim: Simulator, graph: GraphFactory) -> None:
    sim.faults.script("GET /v1.0/users", status=503, count=2, retry_after=3)
    client = graph()
    first, second, third = (client.get("/users") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (503, 503, 200)
    assert first.headers["Retry-After"] == "3"
    assert first.json()["error"]["code"] == "ServiceUnavailable"
    assert client.get("/organization").status_code == 200
    assert sim.counters.get("GET /v1.0/users", 503) == 2
    assert sim.faults.scripted == []


def test_random_faults_are_reproducible_with_a_seed(sim: Simulator, graph: GraphFactory) -> None:
    client = graph()

    def run() -> list[int]:
        sim.faults.reseed(42)
        sim.faults.rate_5xx = 0.3
        sim.faults.rate_429 = 0.2
        return [client.get("/organization").status_code for _ in range(30)]

    first, second = run(), run()
    assert first == second
    assert {500, 502, 503, 504} & set(first)
    assert 429 in first
    assert 200 in first


def test_injected_429_carries_retry_after(sim: Simulator, graph: GraphFactory) -> None:
    sim.faults.script("*", status=429, retry_after=2)
    response = graph().get("/groups")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"


def test_connection_cut_mid_body(sim: Simulator, graph: GraphFactory) -> None:
    sim.faults.script("GET /v1.0/users", reset=True)
    client = graph()
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/users")
    assert client.get("/users").status_code == 200


def test_random_cuts(sim: Simulator, graph: GraphFactory) -> None:
    sim.faults.reseed(3)
    sim.faults.reset_rate = 0.5
    client = graph()
    outcomes = []
    for _ in range(10):
        try:
            outcomes.append(client.get("/domains").status_code)
        except httpx.RemoteProtocolError:
            outcomes.append(-1)
    assert -1 in outcomes
    assert 200 in outcomes


def test_latency_setting_still_answers(sim: Simulator, graph: GraphFactory) -> None:
    sim.faults.latency_ms = 20
    assert graph().get("/organization").status_code == 200


def test_token_endpoint_scripted_down(sim: Simulator, graph: GraphFactory) -> None:
    from m365inventory.simulator.faults import TOKEN_ENDPOINT

    sim.faults.script(TOKEN_ENDPOINT, status=503, count=1)
    with pytest.raises(msal.exceptions.MsalServiceError, match="503"):
        graph()
    assert graph().get("/organization").status_code == 200
    assert sim.counters.get(TOKEN_ENDPOINT, 503) == 1


def test_connection_cut_is_not_logged_as_a_bug(
    sim: Simulator, graph: GraphFactory, caplog: pytest.LogCaptureFixture
) -> None:
    uvicorn_log = logging.getLogger("uvicorn.error")  # it does not propagate to the root logger
    uvicorn_log.addHandler(caplog.handler)
    try:
        sim.faults.script("GET /v1.0/domains", reset=True)
        with pytest.raises(httpx.RemoteProtocolError):
            graph().get("/domains")
        assert graph().get("/domains").status_code == 200  # the server thread has logged by now
    finally:
        uvicorn_log.removeHandler(caplog.handler)
    assert [r for r in caplog.records if r.exc_info] == []
