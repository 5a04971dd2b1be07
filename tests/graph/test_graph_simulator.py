"""The Graph client against the Graph simulator: real HTTPS, real MSAL, real token endpoint.

Every assertion is about counts and data (requests made, items received), never about time.
Retry waits go through a recording sleep, so the throttling tests do not actually wait.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from pydantic import SecretStr

from m365inventory.graph import (
    AuthenticationError,
    Certificate,
    ClientAssertion,
    ClientSecret,
    Credential,
    DeltaChanges,
    DeltaResync,
    GraphConnection,
    MissingPermission,
    PartnerDelegation,
    RequestEvent,
    RetryPolicy,
    clouds,
    errors,
)
from m365inventory.simulator import Simulator, World, generate_world
from m365inventory.simulator.certs import make_app_credential
from m365inventory.simulator.world import AppCertificate
from m365inventory.sync.reconcile import failures

TOKEN = "POST /{tenant}/oauth2/v2.0/token"


@pytest.fixture
def world() -> World:
    return generate_world(
        seed=11, tenants=3, users_per_tenant=40, groups_per_tenant=5, devices_per_tenant=20
    )


@pytest.fixture
def sim(world: World) -> Iterator[Simulator]:
    with Simulator(world) as running:
        yield running


class Recorder:
    """The injected sleep: records each delay asked for and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def connect(
    sim: Simulator,
    credential: Credential | None = None,
    *,
    client_id: str | None = None,
    sleep: Recorder | None = None,
    policy: RetryPolicy | None = None,
    delegation: PartnerDelegation | None = None,
) -> GraphConnection:
    app = sim.world.apps[0]
    return GraphConnection(
        cloud=clouds.custom(
            authority_host=sim.base_url, graph_url=sim.graph_url, ca_bundle=Path(sim.ca_path)
        ),
        client_id=client_id or app.client_id,
        credential=credential or ClientSecret(secret=app.secrets[0].value),
        delegation=delegation,
        sleep=sleep or Recorder(),
        policy=policy,
    )


def customers(world: World) -> list[str]:
    partner = world.partner_tenant
    return [t.id for t in world.tenants if partner is None or t.id != partner.id]


async def test_secret_one_token_request_per_tenant(sim: Simulator) -> None:
    tenants = customers(sim.world)
    async with connect(sim) as graph:
        for tenant_id in tenants:
            client = graph.tenant(tenant_id)
            org = await client.organization()
            assert org.id == tenant_id
            assert await client.domains()
            assert len(await client.users()) == len(sim.world.require_tenant(tenant_id).users)
            assert await client.groups()
            assert await client.subscribed_skus()
        assert sim.counters.get(TOKEN) == len(tenants)
        assert dict(graph.tokens.issued) == dict.fromkeys(tenants, 1)


async def test_certificate_credential(sim: Simulator) -> None:
    cert = make_app_credential()
    sim.world.apps[0].certificates.append(AppCertificate(certificate_pem=cert.certificate_pem))
    credential = Certificate(
        private_key_pem=SecretStr(cert.private_key_pem), certificate_pem=cert.certificate_pem
    )
    assert credential.thumbprint == cert.thumbprint
    tenant_id = customers(sim.world)[0]
    async with connect(sim, credential) as graph:
        assert (await graph.tenant(tenant_id).organization()).id == tenant_id
    assert sim.counters.get(TOKEN, 200) == 1


def _assertion(*, key_pem: str, thumbprint_hex: str, client_id: str, audience: str) -> str:
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    now = int(time.time())
    x5t = jwt.utils.base64url_encode(bytes.fromhex(thumbprint_hex)).decode()
    return jwt.encode(
        {
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "jti": str(uuid.uuid4()),
            "nbf": now,
            "exp": now + 600,
        },
        key,  # type: ignore[arg-type]
        algorithm="RS256",
        headers={"x5t": x5t},
    )


async def test_assertion_provider_is_asked_on_every_token_request(sim: Simulator) -> None:
    cert = make_app_credential()
    app = sim.world.apps[0]
    app.certificates.append(AppCertificate(certificate_pem=cert.certificate_pem))
    first, second = customers(sim.world)[:2]
    current = ["not-yet"]

    def write_for(tenant_id: str) -> None:
        current[0] = _assertion(
            key_pem=cert.private_key_pem,
            thumbprint_hex=cert.thumbprint,
            client_id=app.client_id,
            audience=f"{sim.authority_url(tenant_id)}/oauth2/v2.0/token",
        )

    async with connect(sim, ClientAssertion(provider=lambda: current[0])) as graph:
        write_for(first)
        assert (await graph.tenant(first).organization()).id == first
        current[0] = "not-a-jwt"
        with pytest.raises(AuthenticationError) as caught:
            await graph.tenant(second).organization()
        assert caught.value.aadsts == 50027
        write_for(second)
        assert (await graph.tenant(second).organization()).id == second
    assert sim.counters.get(TOKEN, 200) == 2


async def test_paging_over_many_pages(sim: Simulator) -> None:
    tenant_id = customers(sim.world)[0]
    expected = {u.id for u in sim.world.require_tenant(tenant_id).users}
    sim.settings.page_size["GET /v1.0/users"] = 7
    async with connect(sim) as graph:
        users = await graph.tenant(tenant_id).users()
    assert len(users) == len(expected)
    assert {u.id for u in users} == expected
    pages = sim.counters.get("GET /v1.0/users", 200)
    assert pages == -(-len(expected) // 7)
    assert pages >= 3


async def test_delta_after_mutations_returns_only_the_changes(sim: Simulator) -> None:
    world = sim.world
    tenant_id = customers(world)[0]
    sim.settings.page_size["GET /v1.0/users/delta"] = 10
    async with connect(sim) as graph:
        client = graph.tenant(tenant_id)
        initial = await client.users_delta()
        assert isinstance(initial, DeltaChanges)
        assert initial.initial
        assert len(initial.changes) == len(world.require_tenant(tenant_id).users)
        assert initial.pages >= 3

        users = world.require_tenant(tenant_id).users
        changed, deleted = users[0], users[1]
        world.update_user(tenant_id, changed.id, {"jobTitle": "Chief Inventory Officer"})
        world.delete_user(tenant_id, deleted.id)
        added = world.add_user(
            tenant_id,
            {
                "id": str(uuid.uuid4()),
                "displayName": "New Person",
                "userPrincipalName": f"new.person@{world.require_tenant(tenant_id).default_domain}",
            },
        )

        after = await client.users_delta(delta_link=initial.delta_link)
        assert isinstance(after, DeltaChanges)
        assert not after.initial
        assert {u.id for u in after.changes} == {changed.id, added.id}
        titles = {u.id: u.job_title for u in after.changes}
        assert titles[changed.id] == "Chief Inventory Officer"
        assert set(after.removed) == {deleted.id}

        quiet = await client.users_delta(delta_link=after.delta_link)
        assert isinstance(quiet, DeltaChanges)
        assert quiet.changes == []
        assert quiet.removed == {}


async def test_expired_delta_link_signals_resync_and_recovers(sim: Simulator) -> None:
    tenant_id = customers(sim.world)[1]
    async with connect(sim) as graph:
        client = graph.tenant(tenant_id)
        first = await client.groups_delta()
        assert isinstance(first, DeltaChanges)
        sim.world.expire_delta_tokens(tenant_id)
        gone = await client.groups_delta(delta_link=first.delta_link)
        assert isinstance(gone, DeltaResync)
        assert sim.counters.get("GET /v1.0/groups/delta", 410) == 1
        full = await client.groups_delta()
        assert isinstance(full, DeltaChanges)
        assert full.initial
        assert {g.id for g in full.changes} == {
            g.id for g in sim.world.require_tenant(tenant_id).groups
        }


async def test_batch_retries_per_request_429s_and_loses_nothing(sim: Simulator) -> None:
    tenant_id = customers(sim.world)[0]
    devices = sim.world.require_tenant(tenant_id).devices
    sim.faults.script(
        "GET /v1.0/deviceManagement/managedDevices/{id}", status=429, count=5, retry_after=3
    )
    sleep = Recorder()
    async with connect(sim, sleep=sleep) as graph:
        result = await graph.tenant(tenant_id).device_ethernet_macs([d.id for d in devices])
    assert result.errors == {}
    assert result.values == {d.id: d.ethernet_mac_address or None for d in devices}
    endpoint = "GET /v1.0/deviceManagement/managedDevices/{id}"
    assert sim.counters.get(endpoint, 429) == 5
    assert sim.counters.get(endpoint, 200) == len(devices)
    assert sim.counters.get("POST /v1.0/$batch") == -(-len(devices) // 20) + 1
    assert sleep.delays == [3.0]


async def test_throttling_storm_completes_with_zero_lost_items(sim: Simulator) -> None:
    world = sim.world
    tenant_id = customers(world)[2]
    tenant = world.require_tenant(tenant_id)
    sim.settings.page_size["GET /v1.0/users"] = 10
    sim.faults.update({"seed": 5, "rate_429": 0.3, "rate_5xx": 0.1, "retry_after_seconds": 2})
    sleep = Recorder()
    policy = RetryPolicy(max_attempts=12, rng=lambda: 0.5)
    async with connect(sim, sleep=sleep, policy=policy) as graph:
        client = graph.tenant(tenant_id)
        users = await client.users()
        devices = await client.managed_devices()
        groups = await client.groups()
        members = await client.group_members([g.id for g in groups])
        key_ids = await client.bitlocker_key_ids()
        keys = await client.bitlocker_keys([k.id for k in key_ids])
    assert {u.id for u in users} == {u.id for u in tenant.users}
    assert {d.id for d in devices} == {d.id for d in tenant.devices}
    assert members.errors == {}
    assert {gid: {m.id for m in ms} for gid, ms in members.values.items()} == {
        g.id: set(g.members) for g in tenant.groups
    }
    assert keys.errors == {}
    assert {kid: k.key.get_secret_value() if k.key else None for kid, k in keys.values.items()} == {
        k.id: k.key.get_secret_value() for k in tenant.recovery_keys
    }
    throttled = sim.counters.total(status=429)
    assert throttled > 0
    assert sim.counters.total(status=500) + sim.counters.total(status=503) > 0
    assert 2.0 in sleep.delays
    assert (
        graph.counters.total(outcome="429")
        + sum(n for (_, out), n in graph.counters.batched.items() if out == "429")
        == throttled
    )


async def test_missing_permission_names_the_permission(sim: Simulator) -> None:
    tenant_id = customers(sim.world)[0]
    grants = sim.world.apps[0].grants[tenant_id]
    grants.remove("DeviceManagementManagedDevices.Read.All")
    async with connect(sim) as graph:
        with pytest.raises(MissingPermission) as caught:
            await graph.tenant(tenant_id).managed_devices()
    assert "DeviceManagementManagedDevices.Read.All" in str(caught.value)
    assert caught.value.status == 403
    assert sim.counters.get("GET /v1.0/deviceManagement/managedDevices", 403) == 1


async def test_bad_secret_is_a_clear_error_without_the_secret(sim: Simulator) -> None:
    wrong = "sim~this-is-not-the-right-secret-value"
    tenant_id = customers(sim.world)[0]
    async with connect(sim, ClientSecret(secret=SecretStr(wrong))) as graph:
        with pytest.raises(AuthenticationError) as caught:
            await graph.tenant(tenant_id).organization()
    error = caught.value
    assert error.aadsts == 7000215
    assert "Value" in str(error)
    for text in (str(error), repr(error), str(error.__cause__), str(error.__context__)):
        assert wrong not in text
    assert not [
        ep for ep in sim.counters.snapshot() if ep[0].startswith(("GET /v1.0", "POST /v1.0"))
    ]


async def test_unknown_app_is_a_clear_error(sim: Simulator) -> None:
    tenant_id = customers(sim.world)[0]
    async with connect(sim, client_id=str(uuid.uuid4())) as graph:
        with pytest.raises(AuthenticationError) as caught:
            await graph.tenant(tenant_id).organization()
    assert caught.value.aadsts == 700016
    assert "No application" in str(caught.value)


async def test_partner_gdap_delegated_access(sim: Simulator) -> None:
    world = sim.world
    partner = world.partner_tenant
    assert partner is not None
    grant = world.refresh_grants[0]
    delegation = PartnerDelegation(refresh_token=grant.refresh_token)
    async with connect(sim, delegation=delegation) as graph:
        home = graph.tenant(partner.id)
        found = await home.delegated_admin_customers()
        relationships = await home.delegated_admin_relationships()
        assert {c.tenant_id for c in found} == set(customers(world))
        assert any(r.status == "expired" for r in relationships)
        customer = customers(world)[0]
        delegated = graph.tenant(customer, delegated=True)
        assert (await delegated.organization()).id == customer
        assert await delegated.users()
    assert graph.tokens.issued[customer] == 1


async def test_reports_intune_and_bitlocker_shapes(sim: Simulator) -> None:
    world = sim.world
    tenant_id = customers(world)[0]
    tenant = world.require_tenant(tenant_id)
    async with connect(sim) as graph:
        client = graph.tenant(tenant_id)
        settings = await client.report_settings()
        rows = await client.mailbox_usage()
        devices = await client.managed_devices()
        key_ids = await client.bitlocker_key_ids()
        wanted = [k.id for k in key_ids][:3]
        keys = await client.bitlocker_keys(wanted)
    assert settings.display_concealed_names == tenant.display_concealed_names
    assert rows
    assert all(r.concealed for r in rows) == tenant.display_concealed_names
    assert all(d.ethernet_mac_address is None for d in devices)
    assert {d.serial_number for d in devices} == {d.serial_number for d in tenant.devices}
    assert all(k.key is None for k in key_ids)
    assert set(keys.values) == set(wanted)
    assert sim.counters.get(
        "GET /v1.0/informationProtection/bitlocker/recoveryKeys/{id}?$select=key", 200
    ) == len(wanted)


async def test_a_new_token_is_requested_only_when_the_old_one_runs_out(sim: Simulator) -> None:
    tenant_id = customers(sim.world)[0]
    async with connect(sim) as graph:
        client = graph.tenant(tenant_id)
        for _ in range(3):
            await client.organization()
        assert sim.counters.get(TOKEN) == 1
        # Tokens that live less than MSAL's five-minute renewal margin are never reused.
        sim.settings.token_lifetime_seconds = 120
        other = graph.tenant(customers(sim.world)[1])
        for _ in range(3):
            await other.organization()
    assert sim.counters.get(TOKEN) == 1 + 3


async def test_near_the_throttle_limit_the_client_eases_off(sim: Simulator) -> None:
    tenant_id = customers(sim.world)[0]
    sim.settings.throttle.identity_units_per_10s = 20
    sleep = Recorder()
    async with connect(sim, sleep=sleep, policy=RetryPolicy(ease_delay=0.5)) as graph:
        client = graph.tenant(tenant_id)
        for _ in range(18):
            await client.organization()
    assert sim.counters.get("GET /v1.0/organization", 429) == 0
    assert sim.counters.get("GET /v1.0/organization", 200) == 18
    eased = [d for d in sleep.delays if d >= 0.5]
    assert len(eased) >= 3


async def test_app_not_consented_in_tenant_is_a_clear_error(sim: Simulator) -> None:
    """Entra answers AADSTS700016 for an unconsented customer, as for a wrong client ID; once
    the same app signed in to another tenant, the client reads it as missing consent."""
    signed_in, tenant_id = customers(sim.world)[0], customers(sim.world)[1]
    del sim.world.apps[0].grants[tenant_id]
    async with connect(sim) as graph:
        await graph.tenant(signed_in).organization()
        with pytest.raises(AuthenticationError) as caught:
            await graph.tenant(tenant_id).users()
    assert caught.value.aadsts == 700016
    assert caught.value.consent_missing
    assert caught.value.hint is not None
    assert "consent" in caught.value.hint
    assert failures.classify(caught.value).reason == "ConsentMissing"
    assert not failures.classify(caught.value).credentials


async def test_app_not_found_in_the_first_tenant_is_a_wrong_client_id(sim: Simulator) -> None:
    tenant_id = customers(sim.world)[1]
    del sim.world.apps[0].grants[tenant_id]
    async with connect(sim) as graph:
        with pytest.raises(AuthenticationError) as caught:
            await graph.tenant(tenant_id).users()
    assert caught.value.aadsts == 700016
    assert not caught.value.consent_missing
    failure = failures.classify(caught.value)
    assert (failure.reason, failure.credentials) == ("AuthenticationFailed", True)


async def test_tenant_without_intune_is_not_applicable(sim: Simulator) -> None:
    tenant_id = customers(sim.world)[0]
    sim.world.require_tenant(tenant_id).intune_licensed = False
    async with connect(sim) as graph:
        with pytest.raises(errors.NotApplicable):
            await graph.tenant(tenant_id).managed_devices()
        assert await graph.tenant(tenant_id).users()
    assert failures.classify(errors.NotApplicable("x")).reason == "NotApplicable"


async def test_metrics_hook_sees_every_answer(sim: Simulator) -> None:
    tenant_id = customers(sim.world)[0]
    seen: list[RequestEvent] = []
    sim.faults.script("GET /v1.0/domains", status=503, count=1, retry_after=1)
    async with connect(sim) as graph:
        graph.subscribe(seen.append)
        client = graph.tenant(tenant_id)
        await client.domains()
        await client.managed_devices()
    assert [(e.service, e.path, e.status, e.attempt) for e in seen] == [
        ("directory", "/domains", 503, 1),
        ("directory", "/domains", 200, 2),
        ("intune", "/deviceManagement/managedDevices", 200, 1),
    ]
    assert seen[0].retry_in == 1.0
    assert {e.tenant_id for e in seen} == {tenant_id}
    assert graph.counters.requests[("directory", "503")] == 1


async def test_group_members_of_every_type_parse(sim: Simulator) -> None:
    tenant_id = customers(sim.world)[0]
    tenant = sim.world.require_tenant(tenant_id)
    parent, child = tenant.groups[0], tenant.groups[1]
    sim.world.add_group_member(tenant_id, parent.id, child.id)
    async with connect(sim) as graph:
        members = await graph.tenant(tenant_id).group_members([parent.id])
    assert members.errors == {}
    listed = {m.id: m for m in members.values[parent.id]}
    assert set(listed) == set(parent.members)
    assert listed[child.id].odata_type == "#microsoft.graph.group"
    assert listed[child.id].display_name == child.display_name
