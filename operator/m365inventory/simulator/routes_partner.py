"""GDAP endpoints a partner tenant answers: delegatedAdminCustomers and -Relationships.

Only a tenant holding relationships (the partner) lists anything; a customer tenant gets an
empty collection, as Graph gives a tenant that is not a partner.
"""

from __future__ import annotations

import base64
from typing import Any

from m365inventory.simulator import paging
from m365inventory.simulator.graph import Context, GraphResponse, Route
from m365inventory.simulator.odata import compile_filter, project


def customers(ctx: Context) -> GraphResponse:
    seen: dict[str, dict[str, Any]] = {}
    for relationship in ctx.tenant.relationships:
        customer = ctx.world.tenant(relationship.customer_tenant_id)
        name = customer.display_name if customer else relationship.customer_tenant_id
        seen.setdefault(
            relationship.customer_tenant_id,
            {
                "id": relationship.customer_tenant_id,
                "tenantId": relationship.customer_tenant_id,
                "displayName": name,
            },
        )
    keep = compile_filter(ctx.query.filter)
    items = [project(row, ctx.query.select, None) for row in seen.values() if keep(row)]
    return paging.collection(
        ctx, items=items, entity_set="tenantRelationships/delegatedAdminCustomers"
    )


def etag(version: str) -> str:
    """A weak ETag in Graph's form for GDAP objects, e.g. W/"JyIwMzAw…Jw==" (the list example of
    https://learn.microsoft.com/graph/api/tenantrelationship-list-delegatedadminrelationships
    carries one per relationship); it changes whenever the relationship does."""
    inner = base64.b64encode(f"'\"{version}\"'".encode()).decode()
    return f'W/"{inner}"'


def relationships(ctx: Context) -> GraphResponse:
    rows = []
    for rel in ctx.tenant.relationships:
        customer = ctx.world.tenant(rel.customer_tenant_id)
        rows.append(
            {
                "@odata.type": "#microsoft.graph.delegatedAdminRelationship",
                "@odata.etag": etag(f"{rel.id}:{rel.status}:{rel.last_modified_date_time}"),
                "id": rel.id,
                "displayName": rel.display_name,
                "duration": rel.duration,
                "status": rel.status,
                "autoExtendDuration": rel.auto_extend_duration,
                "createdDateTime": rel.created_date_time,
                "lastModifiedDateTime": rel.last_modified_date_time,
                "activatedDateTime": rel.activated_date_time,
                "endDateTime": rel.end_date_time,
                "customer": {
                    "tenantId": rel.customer_tenant_id,
                    "displayName": customer.display_name if customer else "",
                },
                "accessDetails": {
                    "unifiedRoles": [{"roleDefinitionId": role} for role in rel.role_definition_ids]
                },
            }
        )
    keep = compile_filter(ctx.query.filter)
    items = [project(row, ctx.query.select, None) for row in rows if keep(row)]
    return paging.collection(
        ctx, items=items, entity_set="tenantRelationships/delegatedAdminRelationships"
    )


ROUTES = [
    Route("GET", "/tenantRelationships/delegatedAdminCustomers", customers, workload="other"),
    Route(
        "GET", "/tenantRelationships/delegatedAdminRelationships", relationships, workload="other"
    ),
]
