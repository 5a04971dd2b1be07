"""Canonical forms of the identifiers that matching compares.

Microsoft and the documentation spell the same thing differently ("Contoso, Inc." and
"contoso"; "SMTP:Ann@Contoso.com" and "ann@contoso.com"; "AA-BB-CC-DD-EE-FF" and
"aabb.ccdd.eeff"). Every comparison in ``match`` goes through these functions, which accept any
input (``None``, empty, huge, emoji, right-to-left, non-Latin) and never raise: a value that
cannot identify anything normalises to ``None`` (or ``""`` for free text) and so never matches.
"""

import re
import unicodedata
from typing import Literal

LEGAL_SUFFIXES: frozenset[str] = frozenset(
    {
        "ab", "ag", "aps", "as", "asa", "bhd", "bv", "bvba", "co", "company", "corp",
        "corporation", "cv", "eg", "ev", "gbr", "gk", "gmbh", "inc", "incorporated", "kft", "kg",
        "kk", "lc", "limited", "llc", "llp", "lp", "ltd", "ltda", "mbh", "nv", "oy", "oyj",
        "plc", "pllc", "pte", "pty", "pvt", "sa", "sal", "sarl", "sas", "sdn", "se", "sl",
        "spa", "sro", "srl", "ug", "ulc", "zrt",
    }
)  # fmt: skip
"""Tokens dropped from the end of organization names ("Contoso Pty Ltd" → "contoso")."""

PLACEHOLDER_SERIALS: frozenset[str] = frozenset(
    {
        "TOBEFILLEDBYOEM", "TOBEFILLEDBYOEMTOBEFILLEDBYOEM", "OEM", "DEFAULTSTRING",
        "DEFAULT", "SYSTEMSERIALNUMBER", "CHASSISSERIALNUMBER", "BASEBOARDSERIALNUMBER",
        "SERIALNUMBER", "SERIAL", "NONE", "NULL", "NIL", "NA", "NOTAPPLICABLE",
        "NOTAVAILABLE", "NOTSPECIFIED", "NOTSET", "UNKNOWN", "INVALID", "EMPTY", "TBD", "TBA",
        "0123456789", "123456789", "1234567890", "12345678", "1234567", "123456", "012345",
        "01234567", "012345678", "ABCDEFGHIJ", "XXXXXXXXXXXX", "SN", "SN12345678",
        "INSYDECORP", "SYSTEMPRODUCTNAME", "PARALLELS", "WINDOWS",
    }
)  # fmt: skip
"""Serials that firmware or imaging fill in when the real one is unknown, compacted
(upper case, letters and digits only)."""

_SLASHED_INITIALS = re.compile(r"\b(\w)/(\w)\b")  # "A/S", "I/S" are written as one word
_MIN_SERIAL_LENGTH = 3
_MAC_SEPARATORS = re.compile(r"[\s:\-.]+")
_MAC_HEX = re.compile(r"[0-9a-f]{12}")
_NEVER_MACS = frozenset({"000000000000", "ffffffffffff"})
_JOINERS = str.maketrans({".": None, "'": None, "\u2019": None, "`": None})
# Latin letters that NFKD does not decompose into a base letter and a combining mark.
_UNDECOMPOSABLE = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "\u0131": "i"}
)
_SMTP_PREFIX = "smtp:"


def fold(text: str | None) -> str:
    """Case-fold ``text``, strip accents and reduce punctuation and whitespace to single spaces.

    Letters and digits of every script survive ("Ünïcødé" → "unicode", "株式会社" stays);
    dots and apostrophes join ("S.A." → "sa", "O'Brien" → "obrien"); everything else that is
    not a letter or a digit (emoji, symbols, punctuation, direction marks) separates words.
    """
    if not isinstance(text, str) or not text:
        return ""
    # Compatibility caseless form (Unicode 3.13): some capitals fold only once decomposed.
    compatible = unicodedata.normalize("NFKD", text).casefold()
    decomposed = unicodedata.normalize("NFKD", compatible)
    kept: list[str] = []
    for char in decomposed.translate(_JOINERS).translate(_UNDECOMPOSABLE):
        if unicodedata.combining(char):
            continue
        kept.append(char if char.isalnum() else " ")
    return " ".join("".join(kept).split())


def literal_name(text: str | None) -> str:
    """``text`` with only case, whitespace and punctuation folded: the key of an automatic
    tenant → Organization match.

    Letters keep their accents and every word stays ("Müller GmbH" → "müller gmbh",
    "Contoso, Inc." → "contoso inc"); dots and apostrophes join as in :func:`fold`; other
    punctuation, symbols and emoji separate words. Composed and decomposed spellings of one
    letter are equal (NFC), look-alike compatibility forms are not folded.
    """
    if not isinstance(text, str) or not text:
        return ""
    composed = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    kept = [char if char.isalnum() else " " for char in composed.translate(_JOINERS)]
    return " ".join("".join(kept).split())


def _without_legal_form(text: str) -> str:
    words = text.split()
    while len(words) > 1 and (words[-1] in LEGAL_SUFFIXES or words[-1] == "and"):
        words.pop()
    return " ".join(words)


def _legal_form_ready(name: str) -> str:
    return _SLASHED_INITIALS.sub(r"\1\2", name).replace("&", " and ")


def organization_name(name: str | None) -> str:
    """The comparable form of an organization or tenant name: folded, "&" read as "and",
    trailing legal suffixes (and a dangling "and") removed, keeping at least one word.

    Equal forms are strong evidence for a suggestion, never an automatic match: "X Inc" and
    "X GmbH" are often two customers (see :func:`name_equivalence`)."""
    if not isinstance(name, str):
        return ""
    return _without_legal_form(fold(_legal_form_ready(name)))


NameEquivalence = Literal["literal", "transliteration", "legal-form", "legal-form+transliteration"]


def name_equivalence(first: str | None, second: str | None) -> NameEquivalence | None:
    """How two organization names are the same name, or ``None`` if they are not.

    ``literal``: equal after case, whitespace and punctuation folding (:func:`literal_name`);
    ``transliteration``: equal once accents are dropped and letters such as ø, æ, ł spelled in
    ASCII (:func:`fold`); ``legal-form``: equal once "&" is read as "and" and trailing legal
    forms are dropped, letters kept; ``legal-form+transliteration``: both steps are needed.
    Only ``literal`` is safe to match without a person.
    """
    if not isinstance(first, str) or not isinstance(second, str):
        return None
    if not literal_name(first) or not literal_name(second):
        return None  # no letter or digit at all ("&", "…"): not a name to compare
    steps: tuple[tuple[NameEquivalence, str, str], ...] = (
        ("literal", literal_name(first), literal_name(second)),
        ("transliteration", fold(first), fold(second)),
        (
            "legal-form",
            _without_legal_form(literal_name(_legal_form_ready(first))),
            _without_legal_form(literal_name(_legal_form_ready(second))),
        ),
        ("legal-form+transliteration", organization_name(first), organization_name(second)),
    )
    for kind, mine, theirs in steps:
        if mine and mine == theirs:
            return kind
    return None


def sorted_words(text: str) -> str:
    """The words of already-normalised ``text`` in sorted order, so that a plain edit-distance
    ratio over two such keys equals rapidfuzz's ``token_sort_ratio`` of the originals."""
    return " ".join(sorted(text.split()))


def person_name(*, first: str | None, last: str | None) -> str | None:
    """The "first last" form, folded, or ``None`` unless both parts have letters or digits."""
    first_folded, last_folded = fold(first), fold(last)
    if not first_folded or not last_folded:
        return None
    return f"{first_folded} {last_folded}"


def email(value: str | None) -> str | None:
    """A lower-cased, stripped address, or ``None`` unless it looks like ``local@domain``."""
    if not isinstance(value, str):
        return None
    address = value.strip().lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or any(char.isspace() for char in address):
        return None
    return address


def proxy_address(value: str | None) -> str | None:
    """The bare address of an SMTP ``proxyAddresses`` entry ("SMTP:" primary or "smtp:"
    secondary); ``None`` for other types (x500:, sip:, spo: …) and untyped entries."""
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    if stripped[: len(_SMTP_PREFIX)].lower() != _SMTP_PREFIX:
        return None
    return email(stripped[len(_SMTP_PREFIX) :])


def primary_proxy_address(values: tuple[str, ...] | None) -> str | None:
    """The address of the upper-case "SMTP:" entry, the user's primary address, if any."""
    for value in values or ():
        if isinstance(value, str) and value.strip().startswith("SMTP:"):
            return proxy_address(value)
    return None


def _compact_serial(value: str) -> str:
    return "".join(char for char in value.upper() if char.isalnum())


def is_placeholder_serial(value: str | None) -> bool:
    """Whether ``value`` is a filler such as "To Be Filled By O.E.M.", "0", "Default string",
    an all-same-character string or empty: such serials identify nothing and never match."""
    if not isinstance(value, str):
        return True
    compact = _compact_serial(value)
    return (
        len(compact) < _MIN_SERIAL_LENGTH
        or compact in PLACEHOLDER_SERIALS
        or len(set(compact)) == 1
    )


def serial(value: str | None) -> str | None:
    """Upper case without whitespace, or ``None`` for placeholders."""
    if not isinstance(value, str) or is_placeholder_serial(value):
        return None
    return "".join(value.upper().split())


def mac(value: str | None) -> str | None:
    """Twelve lower-case hex digits from any common notation, or ``None`` when invalid,
    all-zero or broadcast."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    digits = _MAC_SEPARATORS.sub("", value).lower()
    if not _MAC_HEX.fullmatch(digits) or digits in _NEVER_MACS:
        return None
    return digits


def device_name(value: str | None) -> str | None:
    """The folded host part of a device name ("LAPTOP-01.corp.local" → "laptop 01"),
    or ``None`` if nothing is left."""
    if not isinstance(value, str):
        return None
    host = value.strip().split(".", 1)[0]
    return fold(host) or None
