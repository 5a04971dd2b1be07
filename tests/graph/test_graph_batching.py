"""``$batch``: chunking, reading answers back by id, per-request retries, nothing lost."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from m365inventory.graph import batching, errors
from m365inventory.graph.retrying import RetryPolicy

from graph_testkit import Rig

MakeRig = Callable[..., Rig]


def test_chunks_keep_order_and_cap_size() -> None:
    ids = [str(i) for i in range(45)]
    parts = batching.chunks(ids)
    assert [len(p) for p in parts] == [20, 20, 5]
    assert [i for p in parts for i in p] == ids
    assert batching.chunks([]) == []
    with pytest.raises(ValueError, match="positive"):
        batching.chunks(ids, size=0)


def test_batch_body_rejects_more_than_twenty() -> None:
    requests = [batching.BatchRequest(id=str(i), url=f"/users/{i}") for i in range(21)]
    with pytest.raises(ValueError, match="at most 20"):
        batching.batch_body(requests)


def test_parse_batch_maps_by_id_and_ignores_strangers() -> None:
    body = {
        "responses": [
            {"id": "b", "status": 200, "headers": {"Content-Type": "json"}, "body": {"v": 2}},
            {"id": "a", "status": 429, "headers": {"Retry-After": "3"}, "body": {}},
            {"id": "zzz", "status": 200, "body": {}},
            {"id": "c", "status": "oops"},
            "garbage",
        ]
    }
    parsed = batching.parse_batch(body, expected=["a", "b", "c"])
    assert set(parsed) == {"a", "b"}
    assert parsed["b"].body == {"v": 2}
    assert parsed["a"].headers == {"Retry-After": "3"}
    assert batching.parse_batch({"nope": 1}, expected=["a"]) == {}


def _batch_handler(
    decide: Callable[[str, int], dict[str, object] | None],
) -> tuple[Callable[[httpx.Request], httpx.Response], list[list[str]]]:
    """A $batch endpoint; ``decide(id, nth_time_seen)`` gives the sub-response (None = omit)."""
    rounds: list[list[str]] = []
    seen: dict[str, int] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("/$batch")
        reqs = json.loads(request.content)["requests"]
        assert len(reqs) <= 20
        rounds.append([r["id"] for r in reqs])
        responses = []
        for r in reqs:
            seen[r["id"]] = seen.get(r["id"], 0) + 1
            answer = decide(r["id"], seen[r["id"]])
            if answer is not None:
                responses.append({"id": r["id"], **answer})
        return httpx.Response(200, json={"responses": responses})

    return handler, rounds


async def test_per_request_429s_are_retried_with_their_retry_after(make_rig: MakeRig) -> None:
    ids = [f"d{i}" for i in range(45)]
    throttled = {"d3", "d21", "d44"}

    def decide(sub_id: str, nth: int) -> dict[str, object] | None:
        if sub_id in throttled and nth == 1:
            after = "9" if sub_id == "d21" else "4"
            return {"status": 429, "headers": {"Retry-After": after}, "body": {}}
        return {"status": 200, "body": {"id": sub_id, "ethernetMacAddress": f"mac-{sub_id}"}}

    handler, rounds = _batch_handler(decide)
    rig = make_rig(handler)
    result = await rig.client.device_ethernet_macs(ids)
    assert result.errors == {}
    assert result.values == {i: f"mac-{i}" for i in ids}
    assert [len(r) for r in rounds] == [20, 20, 5, 3]
    assert sorted(rounds[-1]) == sorted(throttled)
    assert rig.sleeps == [9.0]  # one wait per round: the longest Retry-After asked
    assert rig.counters.batched[("intune", "429")] == 3
    assert rig.counters.batched[("intune", "200")] == 45


async def test_every_id_gets_exactly_one_outcome(make_rig: MakeRig) -> None:
    ids = [f"k{i}" for i in range(25)]

    def decide(sub_id: str, nth: int) -> dict[str, object] | None:
        if sub_id == "k1":
            return {"status": 404, "body": {"error": {"code": "NotFound"}}}
        if sub_id == "k2":
            return {"status": 503, "headers": {"Retry-After": "1"}, "body": {}}
        if sub_id == "k3" and nth == 1:
            return None  # Graph left it out: retried, not dropped
        if sub_id == "k4":
            return {"status": 403, "body": {"error": {"code": "Forbidden"}}}
        return {"status": 200, "body": {"id": sub_id, "key": f"secret-{sub_id}"}}

    handler, rounds = _batch_handler(decide)
    rig = make_rig(handler, policy=RetryPolicy(max_attempts=3, rng=lambda: 0.0))
    result = await rig.client.bitlocker_keys(ids)
    assert set(result.values) | set(result.errors) == set(ids)
    assert not set(result.values) & set(result.errors)
    assert isinstance(result.errors["k1"], errors.PermanentError)
    assert isinstance(result.errors["k2"], errors.Throttled)
    missing = result.errors["k4"]
    assert isinstance(missing, errors.MissingPermission)
    assert missing.permissions == ("BitlockerKey.Read.All",)
    key = result.values["k3"].key
    assert key is not None
    assert key.get_secret_value() == "secret-k3"
    assert "secret-k3" not in repr(result.values["k3"])
    assert sum(r.count("k2") for r in rounds) == 3


async def test_failed_batch_post_becomes_the_error_of_each_id(make_rig: MakeRig) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": {"code": "BadRequest"}})

    rig = make_rig(handler)
    result = await rig.client.group_members(["g1", "g2"])
    assert result.values == {}
    assert set(result.errors) == {"g1", "g2"}
    with pytest.raises(errors.PermanentError):
        result.raise_first()


async def test_group_members_follow_next_link_inside_batch(make_rig: MakeRig) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/$batch"):
            return httpx.Response(
                200,
                json={
                    "responses": [
                        {
                            "id": "g1",
                            "status": 200,
                            "body": {
                                "value": [{"@odata.type": "#microsoft.graph.user", "id": "u1"}],
                                "@odata.nextLink": "https://graph.test/v1.0/groups/g1/members?s=2",
                            },
                        }
                    ]
                },
            )
        return httpx.Response(200, json={"value": [{"id": "u2", "displayName": "Two"}]})

    rig = make_rig(handler)
    result = await rig.client.group_members(["g1"])
    members = result.values["g1"]
    assert [m.id for m in members] == ["u1", "u2"]
    assert members[0].odata_type == "#microsoft.graph.user"
