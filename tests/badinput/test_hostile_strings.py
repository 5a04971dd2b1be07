"""Hostile strings from Microsoft (YAML syntax, label-unsafe characters, 10,000 characters,
emoji, right-to-left text, control characters) become valid Kubernetes names and labels, and
never crash normalisation or matching (property-based).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from m365inventory.match import contacts as cm
from m365inventory.match import devices as dm
from m365inventory.match import normalise
from m365inventory.match import tenants as tm
from m365inventory.model import graph as g
from m365inventory.model.matches import DeviceFacts
from m365inventory.sync.reconcile import devices
from m365inventory.sync.rules import naming

DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
HOSTILE = [
    "x" * 10_000,
    "😀🏳️‍🌈" * 500,
    "\u202eevil.exe\u202c",
    "שלום עולם",
    "مرحبا",
    "key: value\n- [a, {b: c}]\n&x *x !!python/object:os.system",
    "../../etc/passwd",
    "a/b=c,d!=e",
    "\x00\x07\x1b[31m",
    "-.-",
    "",
]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def text() -> st.SearchStrategy[str]:
    long = st.builds(lambda c, n: c * n, st.characters(), st.integers(0, 12_000))
    return st.one_of(st.text(max_size=60), st.sampled_from(HOSTILE), long)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def _valid_name(name: str) -> bool:
    return len(name) <= naming.MAX_NAME and DNS_SUBDOMAIN.fullmatch(name) is not None


@SETTINGS
@given(display=maybe(text()), other=text(), organization=st.sampled_from(["contoso", "a" * 253]))
@example(display="x" * 10_000, other="y", organization="contoso")
def test_names_are_valid_stable_and_unique_per_id(
    display: str | None, other: str, organization: str
) -> None:
    first = naming.contact_name(organization=organization, display_name=display, user_id="u-1")
    again = naming.contact_name(organization=organization, display_name=display, user_id="u-1")
    second = naming.contact_name(organization=organization, display_name=display, user_id="u-2")
    config = naming.configuration_name(
        organization=organization, device_name=display, device_id=other
    )
    org = naming.organization_name(display, tenant_id=other)
    for name in (first, second, config, org):
        assert _valid_name(name), name
    assert first == again
    assert first != second


@SETTINGS
@given(value=maybe(text()))
@example(value="\ud800")  # a lone surrogate: strict UTF-8 cannot hash it
def test_label_values_are_valid_and_stable(value: str | None) -> None:
    label = naming.label_value(value)
    assert len(label) <= naming.MAX_LABEL
    assert LABEL_VALUE.fullmatch(label)
    assert label == naming.label_value(value)
    if value and LABEL_VALUE.fullmatch(value) and len(value) <= naming.MAX_LABEL:
        assert label == value  # valid values are kept as they are


@SETTINGS
@given(value=maybe(text()))
def test_normalisation_never_raises_and_is_idempotent(value: str | None) -> None:
    folded = normalise.fold(value)
    assert normalise.fold(folded) == folded
    assert (
        normalise.organization_name(value)
        == normalise.organization_name(normalise.organization_name(value))
        or normalise.organization_name(value) == ""
    )
    mac = normalise.mac(value)
    assert mac is None or re.fullmatch(r"[0-9a-f]{12}", mac)
    email = normalise.email(value)
    assert email is None or ("@" in email and email == email.lower())
    normalise.serial(value)
    normalise.device_name(value)
    normalise.proxy_address(value)


users = st.lists(
    st.builds(
        cm.MicrosoftUser,
        id=st.uuids().map(str),
        user_principal_name=maybe(text()),
        mail=maybe(text()),
        other_mails=st.lists(text(), max_size=3).map(tuple),
        proxy_addresses=st.lists(text().map(lambda t: f"smtp:{t}"), max_size=3).map(tuple),
        given_name=maybe(text()),
        surname=maybe(text()),
    ),
    max_size=8,
    unique_by=lambda u: u.id,
)
contacts = st.lists(
    st.builds(
        cm.Contact,
        key=st.uuids().map(str),
        first_name=maybe(text()),
        last_name=maybe(text()),
        emails=st.lists(text(), max_size=3).map(tuple),
    ),
    max_size=8,
    unique_by=lambda c: c.key,
)


@SETTINGS
@given(users=users, contacts=contacts)
def test_contact_matching_decides_every_user_once_and_binds_a_contact_once(
    users: list[cm.MicrosoftUser], contacts: list[cm.Contact]
) -> None:
    outcomes = cm.match_contacts(users=users, contacts=contacts)
    assert list(outcomes) == [u.id for u in users]
    bound = [o.contact for o in outcomes.values() if isinstance(o, cm.Matched)]
    assert len(bound) == len(set(bound))
    assert set(bound) <= {c.key for c in contacts}


@SETTINGS
@given(
    tenants=st.lists(
        st.builds(
            tm.Tenant,
            id=st.uuids().map(str),
            display_name=maybe(text()),
            verified_domains=st.lists(text(), max_size=3).map(tuple),
        ),
        max_size=5,
        unique_by=lambda t: t.id,
    ),
    names=st.lists(text(), max_size=6),
)
def test_tenant_matching_never_raises(tenants: list[tm.Tenant], names: list[str]) -> None:
    organizations = [tm.Organization(key=f"org-{n}", name=name) for n, name in enumerate(names)]
    results = tm.match_tenants(tenants=tenants, organizations=organizations)
    keys = {o.key for o in organizations}
    for result in results.values():
        assert result.exact is None or result.exact in keys
        assert all(0 <= s.score <= 100 and s.key in keys for s in result.suggestions)


@SETTINGS
@given(
    found=st.lists(
        st.builds(
            dm.IntuneDevice,
            id=st.uuids().map(str),
            name=maybe(text()),
            serial=maybe(text()),
            wifi_mac=maybe(text()),
            ethernet_mac=maybe(text()),
        ),
        max_size=5,
        unique_by=lambda d: d.id,
    ),
    names=st.lists(st.tuples(text(), maybe(text())), max_size=6),
)
def test_device_matching_never_raises(
    found: list[dm.IntuneDevice], names: list[tuple[str, str | None]]
) -> None:
    configurations = [
        dm.Configuration(key=f"cfg-{n}", name=name, serial=serial)
        for n, (name, serial) in enumerate(names)
    ]
    results = dm.match_devices(devices=found, configurations=configurations)
    bound = [r.configuration for r in results.values() if r.configuration]
    assert len(bound) == len(set(bound))


managed_devices = st.fixed_dictionaries(
    {"id": st.uuids().map(str)},
    optional={
        "deviceName": maybe(text()),
        "serialNumber": maybe(text()),
        "wiFiMacAddress": maybe(text()),
        "userPrincipalName": maybe(text()),
        "operatingSystem": maybe(text()),
        "manufacturer": maybe(text()),
        "model": maybe(text()),
        "complianceState": maybe(text()),
        "lastSyncDateTime": maybe(
            st.one_of(st.datetimes().map(datetime.isoformat), st.just("0001-01-01T00:00:00Z"))
        ),
    },
)


@SETTINGS
@given(payload=managed_devices, ethernet=maybe(text()))
@example(payload={"id": "d", "lastSyncDateTime": "0001-01-01T00:00:00Z"}, ethernet=None)
def test_device_facts_always_fit_the_schema(payload: dict[str, Any], ethernet: str | None) -> None:
    try:
        device = g.ManagedDevice.model_validate(payload)
        # The Ethernet MAC is read per device as a ManagedDevice too ($batch, $select).
        read = g.ManagedDevice.model_validate({"id": device.id, "ethernetMacAddress": ethernet})
    except ValidationError:
        return  # e.g. a lone surrogate: refused by the model, never written
    facts = devices.device_facts(device, tenant_id="t", ethernet_mac=read.ethernet_mac_address)
    DeviceFacts.model_validate(facts)
    if device.last_sync_date_time and device.last_sync_date_time.year == 1:
        assert "lastCheckIn" not in facts  # Intune's "never"
