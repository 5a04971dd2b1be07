"""Graph calls as plain data, and the pure helpers that place them (URL, service, path).

A :class:`GraphCall` is built by the client, sent by :mod:`sending`, and can be inspected by
tests without any I/O. ``path`` is relative to the Graph version root (``/users``) or an
absolute URL (an ``@odata.nextLink``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

DIRECTORY = "directory"
INTUNE = "intune"
REPORTS = "reports"
SERVICES = (DIRECTORY, INTUNE, REPORTS)


@dataclass(frozen=True)
class GraphCall:
    method: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    service: str | None = None
    authorize: bool = True


def service_of(path: str) -> str:
    """The throttling service a relative path belongs to (Graph limits each separately)."""
    bare = path.split("?", 1)[0].lstrip("/").lower()
    if bare.startswith("devicemanagement"):
        return INTUNE
    if bare.startswith(("reports", "admin/reportsettings")):
        return REPORTS
    return DIRECTORY


def url_of(base_url: str, path: str) -> str:
    if path.startswith(("https://", "http://")):
        return path
    return f"{base_url.rstrip('/')}/{path.lstrip('/')}"


def same_origin(base_url: str, url: str) -> bool:
    """True if ``url`` is on the scheme, host and port of ``base_url`` (where tokens may go)."""
    base, other = urlsplit(base_url), urlsplit(url)
    return (base.scheme, base.netloc.lower()) == (other.scheme, other.netloc.lower())


def relative_path(base_url: str, url: str) -> str:
    """``url`` relative to the version root, with its query (for permissions and services)."""
    if not url.startswith(("https://", "http://")):
        return url if url.startswith("/") else f"/{url}"
    base_path = urlsplit(base_url).path.rstrip("/")
    parts = urlsplit(url)
    path = parts.path
    if base_path and path.startswith(base_path):
        path = path[len(base_path) :]
    return f"{path}?{parts.query}" if parts.query else path


def select_param(fields: tuple[str, ...]) -> dict[str, str]:
    return {"$select": ",".join(fields)}
