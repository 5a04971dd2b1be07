"""Which tenants a connector documents: its own, or a partner's GDAP customers."""

from __future__ import annotations

from dataclasses import dataclass

from m365inventory.graph.client import GraphConnection
from m365inventory.model.connector import ConnectorMode, MicrosoftConnectorSpec

ACTIVE = "active"


@dataclass(frozen=True, slots=True)
class Discovered:
    """A tenant to document, with the name Microsoft gave it (if known before signing in)."""

    tenant_id: str
    display_name: str | None


async def discover(
    connection: GraphConnection, *, spec: MicrosoftConnectorSpec
) -> list[Discovered]:
    """The tenants of this run. Raises the Graph client's errors (the run reports them)."""
    home = connection.tenant(spec.tenant_id)
    if spec.mode == ConnectorMode.SINGLE_TENANT:
        return [Discovered(spec.tenant_id.lower(), None)]
    customers = await home.delegated_admin_customers()
    relationships = await home.delegated_admin_relationships()
    active = {
        r.customer.tenant_id.lower()
        for r in relationships
        if r.customer is not None and (r.status or "").lower() == ACTIVE
    }
    allowed = (
        {t.lower() for t in spec.partner.tenant_allow_list}
        if spec.partner is not None and spec.partner.tenant_allow_list
        else None
    )
    found: dict[str, Discovered] = {}
    for customer in customers:
        tenant_id = customer.tenant_id.lower()
        if tenant_id not in active or (allowed is not None and tenant_id not in allowed):
            continue
        found.setdefault(tenant_id, Discovered(tenant_id, customer.display_name))
    return sorted(found.values(), key=lambda d: d.tenant_id)
