"""Malformed, oversized and unexpectedly null Graph payloads (property-based).

Whatever Graph sends, a user either fails model validation cleanly or yields Contact facts and
a Contact spec that the CRD schema accepts: a fact the API server would refuse (a 10,000
character display name, a 200 character phone number) would fail that tenant on every run.
The pydantic models the CRDs are generated from carry the same limits, so validating against
them here is validating against the schema.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from m365inventory.model import graph as g
from m365inventory.model.inventory import ContactMicrosoft, ContactSpec
from m365inventory.model.matches import TenantFacts
from m365inventory.sync.rules import facts

NOW = datetime(2026, 11, 22, tzinfo=UTC)
HOSTILE = [
    "",
    " ",
    "x" * 10_000,
    "😀" * 3000,
    "\u202eevil\u202c",  # right-to-left override
    "مرحبا بالعالم",
    "key: value\n- item\n'quoted' \"double\" {a: [b]} &anchor *alias !!python/object",
    "\x00\x07\x1b[31m",
    "a@b@c",
    "@",
    "SMTP:",
    "smtp:" + "y" * 400 + "@example.com",
]


def text() -> st.SearchStrategy[str]:
    long = st.builds(lambda c, n: c * n, st.characters(), st.integers(0, 12_000))
    return st.one_of(st.text(max_size=40), st.sampled_from(HOSTILE), long)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def texts() -> st.SearchStrategy[Any]:
    return maybe(st.lists(maybe(text()), max_size=70))


users = st.fixed_dictionaries(
    {"id": st.one_of(st.uuids().map(str), text())},
    optional={
        "displayName": maybe(text()),
        "givenName": maybe(text()),
        "surname": maybe(text()),
        "userPrincipalName": maybe(text()),
        "mail": maybe(text()),
        "proxyAddresses": texts(),
        "otherMails": texts(),
        "jobTitle": maybe(text()),
        "mobilePhone": maybe(text()),
        "businessPhones": texts(),
        "officeLocation": maybe(text()),
        "accountEnabled": maybe(st.booleans()),
        "assignedLicenses": maybe(st.lists(st.fixed_dictionaries({"skuId": text()}), max_size=3)),
        "lastPasswordChangeDateTime": maybe(st.datetimes().map(datetime.isoformat)),
        "signInActivity": maybe(
            st.fixed_dictionaries(
                {"lastSignInDateTime": maybe(st.datetimes(timezones=st.just(UTC)))}
            )
        ),
        "unexpected": st.one_of(st.none(), text(), st.integers()),
    },
)


def _user(payload: dict[str, Any]) -> g.User | None:
    try:
        return g.User.model_validate(payload)
    except ValidationError:
        return None  # a clean, typed rejection: the client reports it, nothing is written


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=users, entra=st.booleans())
@example(payload={"id": "u1", "displayName": "x" * 10_000}, entra=False)
@example(
    payload={"id": "u1", "mobilePhone": "+1 " * 100, "businessPhones": ["9" * 100]}, entra=False
)
@example(payload={"id": "u1", "mail": "a" * 400 + "@example.com"}, entra=False)
@example(payload={"id": "u1", "proxyAddresses": None, "otherMails": [None]}, entra=True)
def test_contact_facts_and_spec_always_fit_the_schema(payload: dict[str, Any], entra: bool) -> None:
    user = _user(payload)
    if user is None:
        return
    microsoft = facts.contact_facts(
        user=user, tenant_id="t1", skus={}, entra_fields=entra, matched_by="Created", now=NOW
    )
    ContactMicrosoft.model_validate(microsoft)
    spec = facts.contact_spec(user=user, organization="contoso")
    ContactSpec.model_validate(spec)
    # The CRD's CEL rule: has(firstName) || has(lastName) || size(emails) > 0.
    assert "firstName" in spec or "lastName" in spec or spec.get("emails")


organizations = st.fixed_dictionaries(
    {"id": st.uuids().map(str)},
    optional={
        "displayName": maybe(text()),
        "verifiedDomains": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {"name": text()}, optional={"isDefault": maybe(st.booleans())}
                ),
                max_size=150,
            )
        ),
        "street": maybe(text()),
        "businessPhones": texts(),
    },
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=organizations, discovered_name=maybe(text()))
def test_tenant_facts_always_fit_the_schema(
    payload: dict[str, Any], discovered_name: str | None
) -> None:
    try:
        organization = g.Organization.model_validate(payload)
    except ValidationError:
        return
    TenantFacts.model_validate(
        facts.tenant_facts(
            tenant_id=organization.id, display_name=discovered_name, organization=organization
        )
    )


@pytest.mark.parametrize("value", HOSTILE)
def test_user_aliases_are_addresses(value: str) -> None:
    user = g.User.model_validate(
        {"id": "u", "proxyAddresses": [value, f"SMTP:{value}"], "otherMails": [value]}
    )
    for alias in facts.user_aliases(user):
        assert "@" in alias
        assert alias == alias.strip().lower()
