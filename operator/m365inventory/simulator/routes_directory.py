"""Directory endpoints: organization, domains, users (+delta), groups (+delta, members), SKUs,
and the tenant's own application registrations (with their password credentials' metadata).

Shapes follow the Graph v1.0 resource pages: users come back with Graph's default property
set unless `$select` names others; `signInActivity` needs AuditLog.Read.All and a tenant with
Entra ID P1, and otherwise fails the way Graph fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from m365inventory.simulator import paging, schema
from m365inventory.simulator.errors import GraphError
from m365inventory.simulator.graph import Context, GraphResponse, Route
from m365inventory.simulator.odata import compile_filter, project, search_predicate
from m365inventory.simulator.world import App, Group, Sku, Tenant, User

USER_DEFAULT_SELECT = (
    "businessPhones",
    "displayName",
    "givenName",
    "id",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
)
GROUP_DEFAULT_SELECT: tuple[str, ...] | None = None


def organization(ctx: Context) -> GraphResponse:
    tenant = ctx.tenant
    org = {
        "id": tenant.id,
        "deletedDateTime": None,
        "businessPhones": tenant.business_phones,
        "city": tenant.city,
        "country": tenant.country,
        "countryLetterCode": tenant.country_letter_code,
        "createdDateTime": tenant.created_date_time,
        "displayName": tenant.display_name,
        "marketingNotificationEmails": [],
        "onPremisesLastSyncDateTime": None,
        "onPremisesSyncEnabled": None,
        "postalCode": tenant.postal_code,
        "preferredLanguage": "en",
        "securityComplianceNotificationMails": [],
        "securityComplianceNotificationPhones": [],
        "state": tenant.state,
        "street": tenant.street,
        "technicalNotificationMails": tenant.technical_notification_mails,
        "tenantType": "AAD",
        "assignedPlans": [],
        "privacyProfile": None,
        "provisionedPlans": [],
        "verifiedDomains": [
            {
                "capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": d.is_default,
                "isInitial": d.is_initial,
                "name": d.id,
                "type": d.authentication_type,
            }
            for d in tenant.domains
            if d.is_verified
        ],
    }
    items = [project(org, ctx.query.select, None)]
    return paging.collection(ctx, items=items, entity_set="organization")


def domains(ctx: Context) -> GraphResponse:
    return _listing(
        ctx,
        ctx.tenant.domains,
        render=lambda d: d.graph() | {"state": None, "availabilityStatus": None},
        default=None,
        entity_set="domains",
    )


def render_user(user: User, select: tuple[str, ...] | None) -> dict[str, Any]:
    return project(user.graph(), select, USER_DEFAULT_SELECT)


#: "When you specify $select=signInActivity or $filter=signInActivity while listing users, the
#: maximum page size for $top is 120. Requests with $top set higher than 120 return pages with
#: up to 120 users." (https://learn.microsoft.com/graph/api/user-list, Optional query parameters)
SIGN_IN_ACTIVITY_PAGE_MAX = 120


def users(ctx: Context) -> GraphResponse:
    _check_sign_in_activity(ctx)
    sign_in = any(s.lower() == "signinactivity" for s in ctx.query.select or ())
    return _listing(
        ctx,
        ctx.tenant.users,
        render=User.graph,
        default=USER_DEFAULT_SELECT,
        entity_set="users",
        cap=SIGN_IN_ACTIVITY_PAGE_MAX if sign_in else None,
    )


def user(ctx: Context) -> GraphResponse:
    _check_sign_in_activity(ctx)
    found = ctx.tenant.user(ctx.params["id"])
    if found is None:
        raise _missing(ctx.params["id"])
    body = render_user(found, ctx.query.select)
    return GraphResponse(
        status=200, body={"@odata.context": paging.context_url(ctx, "users/$entity")} | body
    )


def users_delta(ctx: Context) -> GraphResponse:
    return paging.delta(
        ctx,
        kind="user",
        entities=ctx.tenant.users,
        render=lambda user, select, _window: render_user(user, select),
        entity_set="users",
    )


def render_group(group: Group, select: tuple[str, ...] | None) -> dict[str, Any]:
    return project(group.graph(), select, GROUP_DEFAULT_SELECT)


def _render_group_delta(tenant: Tenant) -> Any:
    """`members@delta` as Graph sends it (https://learn.microsoft.com/graph/api/group-delta):
    every member in the first round; afterwards only the members added since the last round,
    and the removed ones with `@removed: {"reason": "deleted"}`."""

    def render(
        group: Group, select: tuple[str, ...] | None, window: tuple[int, int]
    ) -> dict[str, Any]:
        row = render_group(group, select)
        if select is None or "members" in {s.lower() for s in select}:
            base, upto = window
            changes = (
                [(member, True) for member in group.members]
                if base < 0
                else group.member_changes(since=base, upto=upto)
            )
            groups = {g.id for g in tenant.groups}
            row["members@delta"] = [
                {
                    "@odata.type": "#microsoft.graph.group"
                    if member in groups
                    else "#microsoft.graph.user",
                    "id": member,
                }
                | ({} if added else {"@removed": {"reason": "deleted"}})
                for member, added in changes
            ]
        return row

    return render


def groups(ctx: Context) -> GraphResponse:
    return _listing(
        ctx,
        ctx.tenant.groups,
        render=Group.graph,
        default=GROUP_DEFAULT_SELECT,
        entity_set="groups",
    )


def group(ctx: Context) -> GraphResponse:
    found = ctx.tenant.group(ctx.params["id"])
    if found is None:
        raise _missing(ctx.params["id"])
    body = render_group(found, ctx.query.select)
    return GraphResponse(
        status=200, body={"@odata.context": paging.context_url(ctx, "groups/$entity")} | body
    )


def groups_delta(ctx: Context) -> GraphResponse:
    return paging.delta(
        ctx,
        kind="group",
        entities=ctx.tenant.groups,
        render=_render_group_delta(ctx.tenant),
        entity_set="groups",
    )


def group_members(ctx: Context) -> GraphResponse:
    found = ctx.tenant.group(ctx.params["id"])
    if found is None:
        raise _missing(ctx.params["id"])
    members = [m for m in map(_directory_object(ctx.tenant), found.members) if m is not None]
    select = ctx.query.select
    if ctx.query.filter or ctx.query.search:
        keep, hit = compile_filter(ctx.query.filter), search_predicate(ctx.query.search)
        rows = [_member_row(m, select) for m in members]
        rows = [row for row in rows if keep(row) and hit(row)]
        return paging.collection(ctx, items=rows, entity_set="directoryObjects")
    return paging.collection(
        ctx,
        items=members,
        entity_set="directoryObjects",
        render=lambda member: _member_row(member, select),
    )


def _directory_object(tenant: Tenant) -> Callable[[str], User | Group | None]:
    """A member id -> the user or group it names (members of every type the world holds)."""
    objects: dict[str, User | Group] = {u.id: u for u in tenant.users}
    objects.update({g.id: g for g in tenant.groups})
    return objects.get


def _member_row(member: User | Group, select: tuple[str, ...] | None) -> dict[str, Any]:
    """A member as its own type: `@odata.type` says which, and a `$select`ed property that
    type does not have is left out (Graph answers a directoryObject collection that way:
    https://learn.microsoft.com/graph/api/group-list-members, "members of every type")."""
    if isinstance(member, User):
        row = project({"@odata.type": "#microsoft.graph.user"} | member.graph(), select, None)
        known = schema.USER
    else:
        row = project({"@odata.type": "#microsoft.graph.group"} | member.graph(), select, None)
        known = schema.GROUP
    if select is None and isinstance(member, User):
        row = project(row, None, USER_DEFAULT_SELECT)
    return {k: v for k, v in row.items() if k.startswith("@") or k in known}


def subscribed_skus(ctx: Context) -> GraphResponse:
    tenant = ctx.tenant

    def render(sku: Sku) -> dict[str, Any]:
        consumed = sum(
            1 for u in tenant.users for lic in u.assigned_licenses if lic.sku_id == sku.sku_id
        )
        return {
            "accountName": tenant.display_name,
            "accountId": tenant.id,
            "appliesTo": sku.applies_to,
            "capabilityStatus": sku.capability_status,
            "consumedUnits": consumed,
            "id": f"{tenant.id}_{sku.sku_id}",
            "skuId": sku.sku_id,
            "skuPartNumber": sku.sku_part_number,
            "subscriptionIds": [],
            "prepaidUnits": {
                "enabled": sku.enabled_units,
                "suspended": sku.suspended_units,
                "warning": sku.warning_units,
                "lockedOut": sku.locked_out_units,
            },
            "servicePlans": [plan.graph() for plan in sku.service_plans],
        }

    return _listing(ctx, tenant.skus, render=render, default=None, entity_set="subscribedSkus")


def render_application(app: App) -> dict[str, Any]:
    """An application object: the secret's value never, only its first characters (`hint`)."""
    object_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"app:{app.client_id}"))
    return {
        "id": object_id,
        "appId": app.client_id,
        "displayName": app.display_name,
        "passwordCredentials": [
            {
                "customKeyIdentifier": None,
                "displayName": f"secret {index + 1}",
                "endDateTime": secret.expires_date_time,
                "hint": secret.value.get_secret_value()[:3],
                "keyId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{object_id}:{index}")),
                "secretText": None,
                "startDateTime": "2024-01-01T00:00:00Z",
            }
            for index, secret in enumerate(app.secrets)
        ],
    }


def applications(ctx: Context) -> GraphResponse:
    owned = [app for app in ctx.world.apps if app.home_tenant_id == ctx.tenant.id]
    return _listing(ctx, owned, render=render_application, default=None, entity_set="applications")


# ---- helpers ----------------------------------------------------------------------------
def _listing(
    ctx: Context,
    entities: Sequence[Any],
    *,
    render: Callable[[Any], dict[str, Any]],
    default: tuple[str, ...] | None,
    entity_set: str,
    cap: int | None = None,
) -> GraphResponse:
    """Filter/search (which needs every entity rendered) or page lazily (renders the page)."""
    select = ctx.query.select

    def shaped(row: dict[str, Any]) -> dict[str, Any]:
        return project(row, select, default)

    if ctx.query.filter or ctx.query.search:
        keep = compile_filter(ctx.query.filter)
        found = search_predicate(ctx.query.search)
        rows = [shaped(row) for row in map(render, entities) if keep(row) and found(row)]
        return paging.collection(ctx, items=rows, entity_set=entity_set, cap=cap)
    return paging.collection(
        ctx, items=entities, entity_set=entity_set, render=lambda e: shaped(render(e)), cap=cap
    )


def _check_sign_in_activity(ctx: Context) -> None:
    if not ctx.query.select or "signinactivity" not in {s.lower() for s in ctx.query.select}:
        return
    granted = set(ctx.claims.get("roles", [])) | set(str(ctx.claims.get("scp", "")).split())
    if "AuditLog.Read.All" not in granted:
        raise GraphError(
            403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
        )
    if not ctx.tenant.has_entra_id_p1:
        raise GraphError(
            403,
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
            "Neither tenant is B2C or tenant doesn't have premium license",
        )


def _missing(object_id: str) -> GraphError:
    return GraphError(
        404,
        "Request_ResourceNotFound",
        f"Resource '{object_id}' does not exist or one of its queried reference-property "
        "objects are not present.",
    )


ROUTES = [
    Route("GET", "/organization", organization),
    Route("GET", "/domains", domains),
    Route("GET", "/users", users, cost=2),
    Route("GET", "/users/delta", users_delta),
    Route("GET", "/users/{id}", user),
    Route("GET", "/groups", groups),
    Route("GET", "/groups/delta", groups_delta),
    Route("GET", "/groups/{id}/members", group_members, cost=3),
    Route("GET", "/groups/{id}", group),
    Route("GET", "/subscribedSkus", subscribed_skus, cost=3),
    Route("GET", "/applications", applications),
]
