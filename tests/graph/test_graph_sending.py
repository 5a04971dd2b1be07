"""The HTTP flow over MockTransport: retries, throttling, paging, delta, classification."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest

from m365inventory.graph import errors
from m365inventory.graph.delta import DeltaChanges, DeltaResync
from m365inventory.graph.retrying import RetryPolicy

from graph_testkit import BASE, Rig

MakeRig = Callable[..., Rig]


def _json(status: int, body: object, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


async def test_429_is_retried_after_its_retry_after(make_rig: MakeRig) -> None:
    answers = [
        _json(429, {"error": {"code": "TooManyRequests"}}, **{"Retry-After": "7"}),
        _json(200, {"value": [{"id": "d1", "isDefault": True}]}),
    ]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers.pop(0)

    rig = make_rig(handler)
    domains = await rig.client.domains()
    assert [d.id for d in domains] == ["d1"]
    assert len(seen) == 2
    assert rig.sleeps == [7.0]
    assert seen[0].headers["Authorization"] == "Bearer test-token"
    assert rig.counters.requests[("directory", "429")] == 1
    assert rig.counters.requests[("directory", "200")] == 1


async def test_persistent_throttling_gives_throttled_after_bounded_attempts(
    make_rig: MakeRig,
) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return _json(503, {"error": {"code": "ServiceUnavailable"}})

    rig = make_rig(handler, policy=RetryPolicy(max_attempts=4, rng=lambda: 1.0, base_delay=1.0))
    with pytest.raises(errors.Throttled):
        await rig.client.managed_devices()
    assert calls == 4
    assert rig.sleeps == [1.0, 2.0, 4.0]
    assert rig.counters.requests[("intune", "503")] == 4


async def test_client_errors_are_not_retried(make_rig: MakeRig) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return _json(403, {"error": {"code": "Authorization_RequestDenied"}})

    rig = make_rig(handler)
    with pytest.raises(errors.MissingPermission) as caught:
        await rig.client.subscribed_skus()
    assert calls == 1
    assert rig.sleeps == []
    assert "LicenseAssignment.Read.All" in str(caught.value)


async def test_connection_errors_are_retried(make_rig: MakeRig) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise httpx.ConnectError("connection reset", request=request)
        return _json(200, {"displayConcealedNames": False})

    rig = make_rig(handler)
    settings = await rig.client.report_settings()
    assert settings.display_concealed_names is False
    assert calls == 3
    assert len(rig.sleeps) == 2


async def test_connection_errors_exhausted_become_transient_error(make_rig: MakeRig) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    rig = make_rig(handler, policy=RetryPolicy(max_attempts=2, rng=lambda: 0.0))
    with pytest.raises(errors.TransientError, match="ReadTimeout"):
        await rig.client.domains()


async def test_transient_token_failures_are_retried(make_rig: MakeRig) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return _json(200, {"value": [{"id": "d1"}]})

    rig = make_rig(handler)
    rig.token_failures = 2
    assert [d.id for d in await rig.client.domains()] == ["d1"]
    assert rig.tokens_asked == 3
    assert calls == 1
    assert len(rig.sleeps) == 2


async def test_authentication_errors_are_not_retried(make_rig: MakeRig) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _json(401, {"error": {"code": "InvalidAuthenticationToken"}})

    rig = make_rig(handler)
    with pytest.raises(errors.AuthenticationError):
        await rig.client.organization()
    assert rig.counters.total(outcome="401") == 1
    assert rig.sleeps == []


async def test_token_is_never_sent_to_another_host(make_rig: MakeRig) -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return _json(200, {"value": [{"id": "u1"}], "@odata.nextLink": "https://evil.test/users"})

    rig = make_rig(handler)
    with pytest.raises(errors.PermanentError, match="another host"):
        await rig.client.users()
    assert [url.host for url in seen] == ["graph.test"]


async def test_high_throttle_percentage_eases_off(make_rig: MakeRig) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _json(200, {"value": []}, **{"x-ms-throttle-limit-percentage": "0.9"})

    rig = make_rig(handler, policy=RetryPolicy(ease_delay=0.5))
    await rig.client.domains()
    assert rig.sleeps == [pytest.approx(0.55)]


async def test_paging_follows_next_links_with_select(make_rig: MakeRig) -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        page = int(request.url.params.get("page", "1"))
        body: dict[str, object] = {
            "value": [
                {"id": f"u{page}-{i}", "userPrincipalName": f"u{page}{i}@x"} for i in range(2)
            ]
        }
        if page < 3:
            body["@odata.nextLink"] = f"{BASE}/users?page={page + 1}&$skiptoken=t{page}"
        return _json(200, body)

    rig = make_rig(handler)
    users = await rig.client.users()
    assert [u.id for u in users] == ["u1-0", "u1-1", "u2-0", "u2-1", "u3-0", "u3-1"]
    assert len(seen) == 3
    first = seen[0].params
    assert "userPrincipalName" in first["$select"].split(",")
    assert "signInActivity" not in first["$select"]
    assert first["$top"] == "999"


async def test_delta_collects_changes_and_removals(make_rig: MakeRig) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "deltatoken" in str(request.url):
            return _json(
                200,
                {
                    "value": [
                        {"id": "u1", "jobTitle": "CTO"},
                        {"id": "u2", "@removed": {"reason": "changed"}},
                    ],
                    "@odata.deltaLink": f"{BASE}/users/delta?$deltatoken=second",
                },
            )
        if "skiptoken" in str(request.url):
            return _json(
                200,
                {"value": [{"id": "u2"}], "@odata.deltaLink": f"{BASE}/users/delta?$deltatoken=a"},
            )
        return _json(
            200,
            {"value": [{"id": "u1"}], "@odata.nextLink": f"{BASE}/users/delta?$skiptoken=s"},
        )

    rig = make_rig(handler)
    first = await rig.client.users_delta()
    assert isinstance(first, DeltaChanges)
    assert first.initial
    assert first.pages == 2
    assert [u.id for u in first.changes] == ["u1", "u2"]
    second = await rig.client.users_delta(delta_link=first.delta_link)
    assert isinstance(second, DeltaChanges)
    assert not second.initial
    assert [(u.id, u.job_title) for u in second.changes] == [("u1", "CTO")]
    assert second.removed == {"u2": "changed"}
    assert second.delta_link.endswith("deltatoken=second")


async def test_delta_410_is_a_resync_result(make_rig: MakeRig) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _json(410, {"error": {"code": "resyncRequired", "message": "gone"}})

    rig = make_rig(handler)
    result = await rig.client.groups_delta(delta_link=f"{BASE}/groups/delta?$deltatoken=old")
    assert isinstance(result, DeltaResync)
    assert result.code == "resyncRequired"
    assert rig.counters.total() == 1


async def test_concurrency_is_bounded_per_service(make_rig: MakeRig) -> None:
    in_flight = 0
    peak = 0
    release = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await release.wait()
        in_flight -= 1
        return _json(200, {"value": []})

    rig = make_rig(handler, directory=2)
    tasks = [asyncio.create_task(rig.client.domains()) for _ in range(5)]
    for _ in range(20):
        await asyncio.sleep(0)
    assert peak == 2
    release.set()
    await asyncio.gather(*tasks)
    assert rig.counters.total(outcome="200") == 5


async def test_mailbox_usage_follows_redirect_without_token(make_rig: MakeRig) -> None:
    csv_text = (
        "\ufeffReport Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,"
        "Created Date,Last Activity Date,Item Count,Storage Used (Byte),Issue Warning Quota (Byte),"
        "Prohibit Send Quota (Byte),Prohibit Send/Receive Quota (Byte),Deleted Item Count,"
        "Deleted Item Size (Byte),Deleted Item Quota (Byte),Has Archive,Recipient Type,"
        "Report Period\n"
        "2026-11-20,ada@contoso.com,Ada,False,,2024-01-01,2026-11-19,120,5000,,,,0,0,,False,User,7\n"
        "2026-11-20,0A1B2C3D4E5F60718293A4B5C6D7E8F9,,False,,,,3,10,,,,0,0,,True,Shared,7\n"
    )
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "graph.test":
            return httpx.Response(302, headers={"Location": "https://reports.test/dl?sig=abc"})
        return httpx.Response(200, text=csv_text, headers={"Content-Type": "application/csv"})

    rig = make_rig(handler)
    rows = await rig.client.mailbox_usage()
    assert [r.user_principal_name for r in rows] == [
        "ada@contoso.com",
        "0A1B2C3D4E5F60718293A4B5C6D7E8F9",
    ]
    assert rows[0].storage_used_bytes == 5000
    assert rows[0].has_archive is False
    assert [r.concealed for r in rows] == [False, True]
    assert "Authorization" in seen[0].headers
    assert "Authorization" not in seen[1].headers


async def test_batch_body_is_posted_as_json(make_rig: MakeRig) -> None:
    posted: list[object] = []

    def handler(request: httpx.Request) -> httpx.Response:
        posted.append(json.loads(request.content))
        reqs = json.loads(request.content)["requests"]
        return _json(
            200,
            {
                "responses": [
                    {"id": r["id"], "status": 200, "body": {"ethernetMacAddress": "AABBCC"}}
                    for r in reqs
                ]
            },
        )

    rig = make_rig(handler)
    result = await rig.client.device_ethernet_macs(["d1", "d2", "d1"])
    assert result.values == {"d1": "AABBCC", "d2": "AABBCC"}
    assert posted == [
        {
            "requests": [
                {
                    "id": "d1",
                    "method": "GET",
                    "url": "/deviceManagement/managedDevices/d1?$select=id,ethernetMacAddress",
                },
                {
                    "id": "d2",
                    "method": "GET",
                    "url": "/deviceManagement/managedDevices/d2?$select=id,ethernetMacAddress",
                },
            ]
        }
    ]
