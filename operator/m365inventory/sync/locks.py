"""One lock per namespace, shared by the scheduled sync and the decision handler.

Both write TenantMatches and the documentation their decisions cause; holding the lock while
one tenant is decided and synced keeps a sync from undoing a decision made meanwhile.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)


def namespace_lock(namespace: str) -> asyncio.Lock:
    """The lock of `namespace` (created on first use, in the running event loop)."""
    return _locks[namespace]
