"""Fetch and write the data of one matched tenant: contacts, licenses, locations, groups,
mailboxes. Organization facts are gathered per Organization and written once per run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from m365inventory.graph import errors as graph_errors
from m365inventory.graph import selects
from m365inventory.graph.client import GraphClient
from m365inventory.kube.store import Body
from m365inventory.model import graph as g
from m365inventory.model.connector import MicrosoftConnectorSpec
from m365inventory.sync.reconcile.contacts import ContactCounts, sync_contacts
from m365inventory.sync.reconcile.devices import DeviceCounts, sync_devices
from m365inventory.sync.rules import facts
from m365inventory.sync.state.workspace import Workspace

REPORT_NAMES_CONCEALED = "ReportNamesConcealed"
CONCEALED_MESSAGE = (
    "the tenant conceals user names in reports, so mailbox usage cannot be matched to users: "
    "in the Microsoft 365 admin center, go to Settings > Org Settings > Services > Reports and "
    "clear 'Display concealed user, group, and site names in all reports'"
)


@dataclass
class OrganizationFacts:
    """Microsoft facts of one Organization, gathered across its tenants in one run."""

    tenants: list[dict[str, Any]] = field(default_factory=list)
    licenses: list[Any] = field(default_factory=list)
    locations: list[Any] = field(default_factory=list)
    groups: list[Any] = field(default_factory=list)
    concealed: list[str] = field(default_factory=list)
    failed: bool = False

    def status(self) -> dict[str, Any]:
        groups = sorted(self.groups, key=lambda x: (x["displayName"], x["id"]))[:500]
        return {
            "microsoft": {
                "tenants": sorted(self.tenants, key=lambda t: (t["connector"], t["tenantId"]))[:50],
                "licenses": self.licenses[:500],
                "locations": self.locations[:50],
                "groups": _fit_members(groups, budget=GROUPS_BUDGET_BYTES),
            }
        }


# The schema allows 500 groups of 200 member names (~8 MiB); etcd stores at most 1.5 MiB per
# object. Member lists are shortened until the groups fit; memberCount keeps the true count.
GROUPS_BUDGET_BYTES = 512 * 1024


def _fit_members(groups: list[dict[str, Any]], *, budget: int) -> list[dict[str, Any]]:
    def size(items: list[dict[str, Any]]) -> int:
        return len(json.dumps(items, ensure_ascii=False).encode())

    limit = max((len(group.get("members") or []) for group in groups), default=0)
    fitted = groups
    while limit > 0 and size(fitted) > budget:
        limit //= 2
        fitted = [
            {**group, "members": group["members"][:limit]} if group.get("members") else group
            for group in groups
        ]
    return fitted


@dataclass
class TenantData:
    """What the data sync of one tenant did."""

    contacts: ContactCounts | None = None
    devices: DeviceCounts | None = None
    users: int = 0
    notes: list[str] = field(default_factory=list)


async def _users(client: GraphClient, *, entra_fields: bool) -> tuple[list[g.User], list[str]]:
    """All users; with Entra fields, sign-in activity when the tenant has Entra ID P1."""
    if not entra_fields:
        return await client.users(), []
    try:
        return await client.users(select=selects.USER_WITH_SIGN_IN), []
    except graph_errors.MissingPermission:
        note = (
            "last sign-in is unavailable (needs Entra ID P1 and AuditLog.Read.All); "
            "other Entra fields were synced"
        )
        return await client.users(), [note]


async def sync_tenant_data(
    ws: Workspace,
    *,
    client: GraphClient,
    connector: str,
    spec: MicrosoftConnectorSpec,
    tenant_id: str,
    display_name: str,
    organization: str,
    tenant_match: str,
    org_profile: g.Organization | None,
    org_facts: OrganizationFacts,
    connector_body: Body | None = None,
) -> TenantData:
    """Sync one matched tenant into `organization`. Graph errors propagate to the caller."""
    settings = spec.sync
    result = TenantData()
    org_facts.tenants.append(
        {"connector": connector, "tenantId": tenant_id, "displayName": display_name[:1024]}
    )
    need_skus = settings.licenses.enabled or settings.contacts or settings.mailboxes
    skus = await client.subscribed_skus() if need_skus else []
    sku_names = facts.sku_names(skus)
    if settings.licenses.enabled:
        org_facts.licenses.extend(facts.licenses(skus, allow_list=settings.licenses.sku_allow_list))
    if settings.locations and org_profile is not None:
        org_facts.locations.extend(facts.locations(org_profile))

    users: list[g.User] = []
    if settings.contacts or settings.groups:
        users, notes = await _users(client, entra_fields=settings.entra_fields)
        result.notes.extend(notes)
        result.users = len(users)

    mailboxes: dict[str, dict[str, Any]] | None = None
    if settings.mailboxes:
        report = await client.report_settings()
        rows = [] if report.display_concealed_names else await client.mailbox_usage()
        if report.display_concealed_names or any(r.concealed for r in rows):
            org_facts.concealed.append(tenant_id)
            result.notes.append("mailbox usage unavailable: report names are concealed")
        else:
            mailboxes = {r.user_principal_name.lower(): facts.mailbox(r) for r in rows}

    if settings.contacts:
        result.contacts = await sync_contacts(
            ws,
            connector=connector,
            tenant_id=tenant_id,
            organization=organization,
            tenant_match=tenant_match,
            users=users,
            skus=sku_names,
            entra_fields=settings.entra_fields,
            removal=spec.removal_policy,
            mailboxes=mailboxes,
        )

    if settings.groups:
        groups = await client.groups()
        members = await client.group_members([grp.id for grp in groups])
        members.raise_first()
        contact_by_user = {
            str(
                ((ws.contacts[name].get("status") or {}).get("microsoft") or {}).get("userId")
            ): name
            for name in ws.contacts.names("tenant", tenant_id)
        }
        for group in groups:
            listed = members.values.get(group.id)
            if listed is not None:
                group = group.model_copy(update={"members": listed})
            org_facts.groups.append(facts.group_record(group, contact_by_user=contact_by_user))

    if settings.intune_devices and connector_body is not None:
        result.devices = await sync_devices(
            ws,
            client=client,
            connector=connector_body,
            tenant_id=tenant_id,
            organization=organization,
            bitlocker_keys=settings.bitlocker_keys,
            max_suggestions=spec.matching.max_suggestions,
            removal=spec.removal_policy,
        )
        result.notes.extend(result.devices.notes)
    return result
