"""Deterministic, valid Kubernetes names and label values from Microsoft data (pure).

Names are derived from stable Microsoft IDs, never from display names alone, so that a run
killed after a create and re-run later finds the same object instead of making a duplicate,
and so that a decision committed in Git before discovery lands on the right object. Display
names only contribute a readable, sanitised prefix: any string (emoji, right-to-left text,
10,000 characters, YAML syntax) yields a valid name. Letters of every script are
transliterated (anyascii) before anything is dropped, so "Ünïcødé" reads `unicode`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from anyascii import anyascii

MAX_NAME = 253
MAX_LABEL = 63
_NOT_NAME = re.compile(r"[^a-z0-9]+")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def _letters_and_digits(char: str) -> str:
    """Letters, digits and their marks stay; emoji and symbols become spaces, so that
    transliteration spells words, not ":rocket:"."""
    return char if unicodedata.category(char)[0] in "LNM" else " "


def slug(text: str | None, *, max_length: int = 40) -> str:
    """A lowercase DNS-label-safe rendering of `text` (may be empty).

    Letters and digits of every script are transliterated to ASCII first with anyascii
    ("Ünïcødé" → `unicode`, "Straße" → `strasse`, "Дмитрий" → `dmitriy`), then what is not
    an ASCII letter or digit (emoji, symbols, punctuation, spaces) becomes a hyphen.
    The same text always gives the same slug.
    """
    if not text:
        return ""
    composed = unicodedata.normalize("NFC", text[:1000])
    ascii_only = anyascii("".join(_letters_and_digits(char) for char in composed)).lower()
    return _NOT_NAME.sub("-", ascii_only).strip("-")[:max_length].strip("-")


def legacy_slug(text: str | None, *, max_length: int = 40) -> str:
    """The slug of versions before transliteration: accents dropped, every other non-ASCII
    letter lost ("Ünïcødé" → `unicde`). Only to recognise objects created under those names."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKD", text[:1000])
    ascii_only = folded.encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_NAME.sub("-", ascii_only).strip("-")[:max_length].strip("-")


def digest(*parts: str, length: int = 10) -> str:
    """A short stable hash of the parts (not for security: for unique, stable names). Any
    Python string hashes, even one holding a lone surrogate, which strict UTF-8 refuses."""
    joined = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(joined).hexdigest()[:length]


def tenant_match_name(*, connector: str, tenant_id: str) -> str:
    """`<connector>-<tenant id>`: documented, so people can write decisions before discovery."""
    return f"{connector}-{tenant_id.lower()}"[:MAX_NAME]


def device_match_name(*, connector: str, device_id: str) -> str:
    """`<connector>-<Intune device id>`."""
    return f"{connector}-{device_id.lower()}"[:MAX_NAME]


def organization_name(display_name: str | None, *, tenant_id: str, legacy: bool = False) -> str:
    """A name for an Organization created from a tenant: readable, unique per tenant.

    ``legacy``: the name versions before transliteration gave (see :func:`legacy_slug`)."""
    readable = (legacy_slug if legacy else slug)(display_name)
    return readable if readable else f"tenant-{digest(tenant_id, length=8)}"


def contact_name(*, organization: str, display_name: str | None, user_id: str) -> str:
    """`<organization>-<name>-<hash of user id>` for a Contact the operator creates."""
    readable = slug(display_name, max_length=40)
    prefix = f"{organization[:150]}-{readable}" if readable else organization[:150]
    return f"{prefix}-{digest(user_id, length=8)}"


def configuration_name(*, organization: str, device_name: str | None, device_id: str) -> str:
    """`<organization>-<device name>-<hash of device id>` for a created Configuration."""
    readable = slug(device_name, max_length=40)
    prefix = f"{organization[:150]}-{readable}" if readable else organization[:150]
    return f"{prefix}-{digest(device_id, length=8)}"


def label_value(text: str | None) -> str:
    """`text` if it is a valid label value, else a sanitised, hashed stand-in."""
    if text is None:
        return ""
    if len(text) <= MAX_LABEL and _LABEL_VALUE.match(text):
        return text
    readable = slug(text, max_length=MAX_LABEL - 11)
    return f"{readable}-{digest(text, length=10)}" if readable else digest(text, length=10)
