"""The one ``httpx.AsyncClient`` all Graph calls of an app share.

Keep-alive connections, a timeout on every phase (connect, read, write, pool), TLS verified
against the system/certifi roots or a given CA bundle (the simulator's test CA) and never
switched off. ``transport`` is the seam unit tests use (``httpx.MockTransport``).
"""

from __future__ import annotations

import ssl
from pathlib import Path

import certifi
import httpx

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=30.0, pool=30.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10)
USER_AGENT = "m365-inventory-operator"


def ssl_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """A verifying TLS context trusting ``ca_bundle`` if given, else the public roots."""
    return ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else certifi.where())


def http_client(
    *,
    ca_bundle: Path | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    limits: httpx.Limits = DEFAULT_LIMITS,
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        verify=ssl_context(ca_bundle),
        transport=transport,
        timeout=timeout,
        limits=limits,
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        follow_redirects=False,
    )
