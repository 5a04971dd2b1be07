"""The generator (deterministic, hard cases planted), fixtures, mutations and secret hygiene."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pydantic
import pytest

from m365inventory.simulator import (
    FixtureError,
    dump_world,
    generate_world,
    load_world,
    write_world,
)
from m365inventory.simulator.generator import PLACEHOLDER_SERIALS

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "simulator" / "world.yaml"


def test_generation_is_deterministic() -> None:
    assert dump_world(generate_world(seed=3)) == dump_world(generate_world(seed=3))
    assert dump_world(generate_world(seed=3)) != dump_world(generate_world(seed=4))


def test_hard_cases_are_present() -> None:
    world = generate_world(seed=1, tenants=3, users_per_tenant=40, devices_per_tenant=20)
    customer = world.tenants[1]
    serials = Counter(d.serial_number for d in customer.devices)
    assert any(n > 1 for s, n in serials.items() if s not in PLACEHOLDER_SERIALS)
    assert set(PLACEHOLDER_SERIALS) & set(serials)
    macs = [d.wi_fi_mac_address for d in customer.devices]
    assert any(re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", m) for m in macs)
    assert any(re.fullmatch(r"([0-9A-F]{2}-){5}[0-9A-F]{2}", m) for m in macs)
    assert any(re.fullmatch(r"[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}", m) for m in macs)
    assert any(re.fullmatch(r"[0-9A-F]{12}", m) for m in macs)
    names = Counter((u.given_name, u.surname) for u in customer.users if u.given_name)
    assert names[("John", "Smith")] == 2
    aliases = Counter(u.mail_nickname for u in customer.users)
    assert aliases["mary.major"] == 2  # differ only by UPN
    wilbers = [u for u in customer.users if u.surname == "Wilber"]
    assert len({u.mail_nickname for u in wilbers}) == 2  # differ only by alias
    assert any(u.mailbox and u.mailbox.recipient_type == "Shared" for u in customer.users)
    assert any(not u.assigned_licenses and u.user_type == "Member" for u in customer.users)
    assert any(u.user_type == "Guest" for u in customer.users)
    assert any(not (u.display_name or "").isascii() for u in customer.users)
    assert any(not d.user_id for d in customer.devices)
    assert {t.has_entra_id_p1 for t in world.tenants[1:]} == {True, False}
    assert any(t.display_concealed_names for t in world.tenants)
    partner = world.partner_tenant
    assert partner is not None
    assert {r.status for r in partner.relationships} == {"active", "expired"}


def test_large_tenant() -> None:
    world = generate_world(
        seed=2, tenants=1, users_per_tenant=12, devices_per_tenant=2, large_tenant_users=2100
    )
    assert max(len(t.users) for t in world.tenants) == 2100
    big = max(world.tenants, key=lambda t: len(t.users))
    assert len({u.id for u in big.users}) == 2100


def test_example_fixture_loads() -> None:
    world = load_world(EXAMPLE)
    assert world.tenants
    assert world.apps
    assert world.apps[0].grants


def test_fixture_round_trip(tmp_path: Path) -> None:
    world = generate_world(seed=5, tenants=1, users_per_tenant=14, devices_per_tenant=4)
    for name in ("w.yaml", "w.json"):
        write_world(world, tmp_path / name)
        assert dump_world(load_world(tmp_path / name)) == dump_world(world)


def test_bad_fixture_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("tenants:\n  - id: t1\n    displayName: X\n    users:\n      - id: u1\n")
    with pytest.raises(FixtureError, match="userPrincipalName") as raised:
        load_world(path)
    assert raised.value.problems == (
        f"{path}:5: tenants[0].users[0].userPrincipalName: Field required",
    )


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("w.yaml", "tenants:\n  - id: t1\n    displayName: [\n", ":4: "),
        ("w.json", '{"tenants": [\n  {"id": "t1",\n   "displayNme": "X"}]}', ":3: tenants[0]."),
        ("w.json", '{"tenants": [\n  {"id": "t1",,\n', ":2: "),
    ],
)
def test_fixture_problems_name_the_line(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(FixtureError) as raised:
        load_world(path)
    problems = raised.value.problems
    assert any(problem.startswith(f"{path}{expected}") for problem in problems), problems


def test_mutations_bump_delta_state_and_validate() -> None:
    world = generate_world(
        seed=1, tenants=1, users_per_tenant=14, devices_per_tenant=3, partner=False
    )
    tenant = world.tenants[0]
    before = world.seq
    world.update_user(tenant.id, tenant.users[0].id, {"displayName": "X"})
    assert world.seq > before
    assert tenant.users[0].seq == world.seq
    with pytest.raises(pydantic.ValidationError):
        world.update_user(tenant.id, tenant.users[0].id, {"accountEnabled": "not-a-bool"})
    with pytest.raises(KeyError):
        world.update_user(tenant.id, tenant.users[0].id, {"noSuchProperty": 1})
    world.update_device(tenant.id, tenant.devices[0].id, {"serialNumber": "NEW"})
    assert tenant.devices[0].serial_number == "NEW"
    world.rename_tenant(tenant.id, "New Name")
    assert tenant.display_name == "New Name"


def test_secrets_stay_out_of_reprs() -> None:
    world = generate_world(seed=1, tenants=1, users_per_tenant=14, devices_per_tenant=4)
    text = repr(world) + str(world)
    assert world.apps[0].secrets[0].value.get_secret_value() not in text
    assert world.refresh_grants[0].refresh_token.get_secret_value() not in text
    key = next(t for t in world.tenants if t.recovery_keys).recovery_keys[0].key.get_secret_value()
    assert key not in text


def test_request_objects_keep_credentials_out_of_reprs() -> None:
    from m365inventory.simulator.graph import GraphRequest
    from m365inventory.simulator.identity import TokenRequest

    graph_request = GraphRequest(
        method="GET",
        version="v1.0",
        path="/users",
        params={},
        headers={"authorization": "Bearer s3cr3t"},
    )
    token_request = TokenRequest(tenant="t", token_endpoint="e", form={"client_secret": "s3cr3t"})
    assert "s3cr3t" not in repr(graph_request) + repr(token_request)
