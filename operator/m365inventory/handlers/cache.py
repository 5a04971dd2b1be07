"""Watch events of the documentation kinds feed the namespaces' shared workspaces, so syncs
and decisions read the cluster as it is now without listing it again."""

from __future__ import annotations

from typing import Any

import kopf

from m365inventory.handlers.runtime import runtime_of
from m365inventory.model import resources

CACHED_KINDS = (
    resources.ORGANIZATION,
    resources.CONTACT,
    resources.CONFIGURATION,
    resources.TENANT_MATCH,
    resources.DEVICE_MATCH,
)


def _register(kind: resources.Kind) -> None:
    @kopf.on.event(resources.GROUP, resources.VERSION, kind.plural, id=f"cache-{kind.singular}")
    async def observe(event: Any, body: kopf.Body, memo: Any, **_: Any) -> None:
        deleted = event.get("type") == "DELETED"
        runtime_of(memo).engine.namespaces.observe(kind, dict(body), deleted=deleted)


for _kind in CACHED_KINDS:
    _register(_kind)
