"""Names and labels from hostile strings (pure, property-based)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from m365inventory.sync.rules import naming

DNS = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
GUID = "6513270e-269e-4d37-b2a7-4de452e6b438"


@given(st.text(max_size=300), st.text(min_size=1, max_size=50))
def test_contact_names_are_valid_and_stable(display: str, user_id: str) -> None:
    name = naming.contact_name(organization="contoso", display_name=display, user_id=user_id)
    assert DNS.match(name)
    assert len(name) <= 253
    assert name == naming.contact_name(
        organization="contoso", display_name=display, user_id=user_id
    )


@given(st.text(max_size=300))
def test_organization_names_are_valid(display: str) -> None:
    name = naming.organization_name(display, tenant_id=GUID)
    assert DNS.match(name)
    assert len(name) <= 253


@given(st.text(max_size=400))
def test_label_values_are_valid(text: str) -> None:
    value = naming.label_value(text)
    assert LABEL.match(value)
    assert len(value) <= 63


def test_hostile_examples() -> None:
    assert naming.slug("Zoë Ålander") == "zoe-alander"
    assert naming.slug("🚀🚀") == ""
    assert naming.slug("מיכל כהן") == "mykhl-khhn"
    assert naming.organization_name("🚀", tenant_id=GUID).startswith("tenant-")
    assert naming.slug("key: value\n- [x]") == "key-value-x"
    long = naming.contact_name(organization="o", display_name="a" * 10_000, user_id="u")
    assert len(long) < 100


def test_match_names_are_documented_and_deterministic() -> None:
    assert naming.tenant_match_name(connector="msp", tenant_id=GUID.upper()) == f"msp-{GUID}"
    assert naming.label_value(GUID) == GUID


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ünïcødé", "unicode"),
        ("Søren Ørsted", "soren-orsted"),
        ("Straße", "strasse"),
        ("Æbleø Łódź", "aebleo-lodz"),
        ("Þórður", "thordur"),
        ("Дмитрий Иванов", "dmitriy-ivanov"),
        ("Zoë Ålander", "zoe-alander"),
        ("Zoe\u0308", "zoe"),  # a decomposed ë is the same letter
        ("Café 🚀 Bar", "cafe-bar"),  # emoji separate words, never ":rocket:"
        ("\uff21\uff22\uff23", "abc"),  # full-width letters
    ],
)
def test_letters_are_transliterated_before_anything_is_dropped(text: str, expected: str) -> None:
    assert naming.slug(text) == expected


def test_created_names_read_the_transliteration() -> None:
    assert naming.organization_name("Ünïcødé GmbH", tenant_id=GUID) == "unicode-gmbh"
    assert naming.contact_name(organization="o", display_name="Jørgen Weiß", user_id="u") == (
        f"o-jorgen-weiss-{naming.digest('u', length=8)}"
    )
    assert naming.organization_name("Ünïcødé GmbH", tenant_id=GUID, legacy=True) == "unicde-gmbh"


def test_ascii_names_are_unchanged_by_transliteration() -> None:
    for text in ("Contoso Ltd", "key: value\n- [x]", "A" * 300, "Zoe Alander 2"):
        assert naming.slug(text) == naming.legacy_slug(text)


@given(st.text(max_size=300))
def test_slugs_are_dns_labels_and_deterministic(text: str) -> None:
    value = naming.slug(text)
    assert value == "" or DNS.match(value)
    assert len(value) <= 40
    assert value == naming.slug(text)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=300))
def test_only_names_with_non_ascii_change(text: str) -> None:
    assert naming.slug(text) == naming.legacy_slug(text)
