"""Canonical forms: the examples people will recognise, and properties over any input."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from m365inventory.match import normalise

ANY_TEXT = st.one_of(st.none(), st.text(), st.text(alphabet=st.characters(), max_size=5000))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Contoso, Inc.", "contoso"),
        ("CONTOSO LTD", "contoso"),
        ("Contoso Pty. Ltd.", "contoso"),
        ("Fabrikam GmbH & Co. KG", "fabrikam"),
        ("Procter & Gamble Co", "procter and gamble"),
        ("Smith & Sons LLC", "smith and sons"),
        ("Société Générale S.A.", "societe generale"),
        ("Nestlé  S.A.", "nestle"),
        ("Müller-Lüdenscheidt AG", "muller ludenscheidt"),
        ("Ørsted A/S", "orsted"),
        ("Wide World Importers Corporation", "wide world importers"),
        ("The Company", "the"),
        ("Company", "company"),
        ("Coho Vineyard B.V.", "coho vineyard"),
        ("Adventure-Works, Limited", "adventure works"),
        ("  Tailspin\tToys \n Plc  ", "tailspin toys"),
        ("株式会社トヨタ", "株式会社トヨタ"),
        ("שלום", "שלום"),
        ("🙂🙂", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_organization_name(raw: str | None, expected: str) -> None:
    assert normalise.organization_name(raw) == expected


def test_legal_suffix_only_dropped_at_the_end() -> None:
    assert normalise.organization_name("Co Op Foods") == "co op foods"
    assert normalise.organization_name("Inc Magazine Ltd") == "inc magazine"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Contoso, Inc.", "contoso inc"),
        ("  CONTOSO   inc ", "contoso inc"),
        ("Müller GmbH", "müller gmbh"),
        ("Mu\u0308ller", "müller"),  # decomposed ü: the same letter
        ("S.A. O'Brien & Co", "sa obrien co"),
        ("株式会社 Contoso", "株式会社 contoso"),
        ("", ""),
        (None, ""),
    ],
)
def test_literal_name_folds_only_case_whitespace_and_punctuation(
    raw: str | None, expected: str
) -> None:
    assert normalise.literal_name(raw) == expected


@pytest.mark.parametrize(
    ("first", "second", "kind"),
    [
        ("Contoso, Inc.", "CONTOSO INC", "literal"),
        ("Contoso Inc", "Contoso GmbH", "legal-form"),
        ("Fabrikam GmbH & Co. KG", "Fabrikam", "legal-form"),
        ("Zoë Café", "Zoe Cafe", "transliteration"),
        ("Łódź Ørsted AG", "Lodz Orsted", "legal-form+transliteration"),
        ("Contoso", "Contoso Europe", None),
        ("Contoso", None, None),
        ("", "", None),
    ],
)
def test_name_equivalence_names_the_step_needed(
    first: str | None, second: str | None, kind: str | None
) -> None:
    assert normalise.name_equivalence(first, second) == kind
    assert normalise.name_equivalence(second, first) == kind


def test_sorted_words_makes_word_order_irrelevant() -> None:
    first = normalise.sorted_words(normalise.organization_name("Pharma Contoso"))
    second = normalise.sorted_words(normalise.organization_name("Contoso Pharma Ltd"))
    assert first == second == "contoso pharma"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SMTP:Ann.Lee@Contoso.com", "ann.lee@contoso.com"),
        ("smtp:ann@contoso.onmicrosoft.com", "ann@contoso.onmicrosoft.com"),
        ("  SMTP:ann@contoso.com  ", "ann@contoso.com"),
        ("Smtp:ann@contoso.com", "ann@contoso.com"),
        ("X500:/o=ExchangeLabs/ou=Exchange/cn=Recipients/cn=ann", None),
        ("SIP:ann@contoso.com", None),
        ("SPO:SPO_1234@SPO_5678", None),
        ("ann@contoso.com", None),
        ("SMTP:", None),
        ("SMTP:not-an-address", None),
        ("", None),
        (None, None),
    ],
)
def test_proxy_address(raw: str | None, expected: str | None) -> None:
    assert normalise.proxy_address(raw) == expected


def test_primary_proxy_address_is_the_upper_case_entry() -> None:
    values = ("smtp:old@contoso.com", "x500:/o=x", "SMTP:Ann@Contoso.com")
    assert normalise.primary_proxy_address(values) == "ann@contoso.com"
    assert normalise.primary_proxy_address(("smtp:old@contoso.com",)) is None
    assert normalise.primary_proxy_address(None) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Ann@Contoso.COM ", "ann@contoso.com"),
        (
            "Ann_Fabrikam.com#EXT#@Contoso.onmicrosoft.com",
            "ann_fabrikam.com#ext#@contoso.onmicrosoft.com",
        ),
        ("no-at-sign", None),
        ("@contoso.com", None),
        ("ann@", None),
        ("ann lee@contoso.com", None),
        ("", None),
        (None, None),
    ],
)
def test_email(raw: str | None, expected: str | None) -> None:
    assert normalise.email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "To Be Filled By O.E.M.",
        "To be filled by O.E.M.",
        "to be filled by o.e.m.",
        "0123456789",
        "Default string",
        "System Serial Number",
        "None",
        "N/A",
        "0",
        "00000000",
        "123456789",
        "Not Specified",
        "Chassis Serial Number",
        "INVALID",
        "",
        "   ",
        "XXXXXXXX",
        "--------",
        "ab",
        None,
    ],
)
def test_placeholder_serials_never_match(raw: str | None) -> None:
    assert normalise.is_placeholder_serial(raw)
    assert normalise.serial(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5CG1234XYZ", "5CG1234XYZ"),
        (" 5cg1234xyz ", "5CG1234XYZ"),
        ("PF 2A B3C4", "PF2AB3C4"),
        ("VMware-56 4d 2a", "VMWARE-564D2A"),
        ("C02XK0AAJG5H", "C02XK0AAJG5H"),
    ],
)
def test_real_serials(raw: str, expected: str) -> None:
    assert not normalise.is_placeholder_serial(raw)
    assert normalise.serial(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "aa:bb:cc:dd:ee:01",
        "AA-BB-CC-DD-EE-01",
        "aabb.ccdd.ee01",
        "AABBCCDDEE01",
        "aa bb cc dd ee 01",
        " aa:bb:cc:dd:ee:01\n",
    ],
)
def test_mac_notations(raw: str) -> None:
    assert normalise.mac(raw) == "aabbccddee01"


@pytest.mark.parametrize(
    "raw",
    [
        "00:00:00:00:00:00",
        "ff:ff:ff:ff:ff:ff",
        "FF-FF-FF-FF-FF-FF",
        "aa:bb:cc:dd:ee",
        "aa:bb:cc:dd:ee:ff:00",
        "gg:bb:cc:dd:ee:ff",
        "",
        None,
    ],
)
def test_invalid_or_meaningless_macs(raw: str | None) -> None:
    assert normalise.mac(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("LAPTOP-01.corp.local", "laptop 01"),
        ("Laptop-01", "laptop 01"),
        ("DESKTOP-ABC123", "desktop abc123"),
        ("  ann's mac.local ", "anns mac"),
        (".hidden", None),
        ("", None),
        (None, None),
    ],
)
def test_device_name(raw: str | None, expected: str | None) -> None:
    assert normalise.device_name(raw) == expected


def test_person_name_needs_both_parts() -> None:
    assert normalise.person_name(first="Zoë", last="O'Brien") == "zoe obrien"
    assert normalise.person_name(first="JOSÉ", last="García-López") == "jose garcia lopez"
    assert normalise.person_name(first="Ann", last=None) is None
    assert normalise.person_name(first="", last="Lee") is None
    assert normalise.person_name(first="🙂", last="Lee") is None


@given(value=ANY_TEXT)
def test_every_normaliser_accepts_anything(value: str | None) -> None:
    assert isinstance(normalise.fold(value), str)
    assert isinstance(normalise.organization_name(value), str)
    assert isinstance(normalise.literal_name(value), str)
    assert normalise.name_equivalence(value, value) in {None, "literal"}
    assert normalise.email(value) is None or "@" in str(normalise.email(value))
    assert normalise.proxy_address(value) is None or "@" in str(normalise.proxy_address(value))
    assert isinstance(normalise.is_placeholder_serial(value), bool)
    normalise.serial(value)
    normalise.device_name(value)
    normalise.person_name(first=value, last=value)
    result = normalise.mac(value)
    assert result is None or (len(result) == 12 and set(result) <= set("0123456789abcdef"))


@given(value=st.text())
def test_normalisation_is_idempotent(value: str) -> None:
    folded = normalise.fold(value)
    assert normalise.fold(folded) == folded
    org = normalise.organization_name(value)
    assert normalise.organization_name(org) == org
    serial = normalise.serial(value)
    assert serial is None or normalise.serial(serial) == serial
    mac = normalise.mac(value)
    assert mac is None or normalise.mac(mac) == mac


@given(value=st.text())
def test_fold_output_is_plain_words(value: str) -> None:
    folded = normalise.fold(value)
    assert folded == folded.strip()
    assert "  " not in folded
    assert all(char.isalnum() or char == " " for char in folded)


@given(octets=st.lists(st.integers(min_value=0, max_value=255), min_size=6, max_size=6))
def test_every_notation_of_a_mac_agrees(octets: list[int]) -> None:
    pairs = [f"{octet:02x}" for octet in octets]
    expected = "".join(pairs)
    notations = [
        ":".join(pairs),
        "-".join(pairs).upper(),
        ".".join(expected[start : start + 4] for start in range(0, 12, 4)),
        expected.upper(),
    ]
    results = {normalise.mac(notation) for notation in notations}
    if expected in {"000000000000", "ffffffffffff"}:
        assert results == {None}
    else:
        assert results == {expected}
