"""Fetch and write the data of one matched tenant: contacts, licenses, locations, groups,
mailboxes. Organization facts are gathered per Organization and written once per run.

Each feature degrades on its own: a 403 (a permission not granted, or not consented in this
customer), or a service the tenant does not have (no Intune licence), costs that feature only.
It is skipped with a note naming what to grant or buy (the TenantMatch's Synced message shows
the notes), the facts it would have replaced are kept as they were, and the rest of the tenant
syncs. Adding a permission needs fresh consent in every customer, so turning a feature on must
never stop the syncs that worked before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from m365inventory.graph import errors as graph_errors
from m365inventory.graph import selects
from m365inventory.graph.client import GraphClient
from m365inventory.kube import events
from m365inventory.kube.store import Body
from m365inventory.model import graph as g
from m365inventory.model import resources
from m365inventory.model.connector import MicrosoftConnectorSpec
from m365inventory.model.inventory import MailboxUnavailable
from m365inventory.sync.reconcile.contacts import ContactCounts, sync_contacts
from m365inventory.sync.reconcile.devices import DeviceCounts, sync_devices
from m365inventory.sync.rules import conditions, facts
from m365inventory.sync.state.workspace import Workspace

REPORT_NAMES_CONCEALED = "ReportNamesConcealed"
#: Warning Event reason on a TenantMatch when one of its features stops syncing.
FEATURE_DEGRADED = "FeatureDegraded"
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
    kept: dict[str, Any] = field(default_factory=dict)
    """Facts of a feature that could not be read this run (a tenant lacked the permission):
    the Organization's stored value, written back unchanged instead of a partial one."""

    def keep(self, feature: str, stored: Any) -> None:
        """Keep the stored value of `feature` ("licenses", "groups") this run."""
        self.kept.setdefault(feature, stored)

    def status(self) -> dict[str, Any]:
        groups = sorted(self.groups, key=lambda x: (x["displayName"], x["id"]))[:500]
        microsoft = {
            "tenants": sorted(self.tenants, key=lambda t: (t["connector"], t["tenantId"]))[:50],
            "licenses": self.licenses[:500],
            "locations": self.locations[:50],
            "groups": _fit_members(groups, budget=GROUPS_BUDGET_BYTES),
        }
        return {"microsoft": microsoft | self.kept}


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
    degraded: dict[str, str] = field(default_factory=dict)
    """Feature -> why it was skipped this run (for an Event and a metric per feature)."""

    def skip(self, feature: str, why: str) -> None:
        self.degraded[feature] = why
        self.notes.append(f"{feature} not synced: {why}")


def denied(error: graph_errors.MissingPermission) -> str:
    """What to grant, from a 403: the permissions that would allow the endpoint."""
    needed = " or ".join(error.permissions) or "a Microsoft Graph application permission"
    return f"grant {needed} (application permission) with admin consent"


async def _users(
    client: GraphClient, *, entra_fields: bool, contacts: bool, result: TenantData
) -> list[g.User] | None:
    """All users (None when the app may not read them); with Entra fields, sign-in activity
    when the tenant has Entra ID P1 and the app AuditLog.Read.All."""
    try:
        if entra_fields:
            try:
                return await client.users(select=selects.USER_WITH_SIGN_IN)
            except graph_errors.MissingPermission:
                result.notes.append(
                    "last sign-in is unavailable (needs Entra ID P1 and AuditLog.Read.All); "
                    "other Entra fields were synced"
                )
        return await client.users()
    except graph_errors.MissingPermission as error:
        result.skip("contacts" if contacts else "users", denied(error))
        return None


async def _mailboxes(
    client: GraphClient, *, tenant_id: str, org_facts: OrganizationFacts, result: TenantData
) -> dict[str, dict[str, Any]] | MailboxUnavailable:
    """Mailbox facts by lower-case UPN, or why the tenant's report cannot be used (then the
    Contacts keep what they have, and say why)."""
    try:
        report = await client.report_settings()
        rows = [] if report.display_concealed_names else await client.mailbox_usage()
    except graph_errors.MissingPermission as error:
        result.skip("mailboxes", denied(error))
        return MailboxUnavailable.REPORT_NOT_PERMITTED
    if report.display_concealed_names or any(r.concealed for r in rows):
        org_facts.concealed.append(tenant_id)
        result.notes.append("mailbox usage unavailable: report names are concealed")
        return MailboxUnavailable.REPORT_NAMES_CONCEALED
    return {r.user_principal_name.lower(): facts.mailbox(r) for r in rows}


def _stored(ws: Workspace, organization: str, feature: str) -> Any:
    body = ws.organizations.get(organization) or {}
    return ((body.get("status") or {}).get("microsoft") or {}).get(feature)


async def _groups(
    ws: Workspace,
    *,
    client: GraphClient,
    tenant_id: str,
    organization: str,
    org_facts: OrganizationFacts,
    result: TenantData,
) -> None:
    try:
        groups = await client.groups()
        members = await client.group_members([grp.id for grp in groups])
        for error in members.errors.values():
            raise error
    except graph_errors.MissingPermission as error:
        result.skip("groups", denied(error))
        org_facts.keep("groups", _stored(ws, organization, "groups"))
        return
    contact_by_user = {
        str(((ws.contacts[name].get("status") or {}).get("microsoft") or {}).get("userId")): name
        for name in ws.contacts.names("tenant", tenant_id)
    }
    for group in groups:
        listed = members.values.get(group.id)
        if listed is not None:
            group = group.model_copy(update={"members": listed})
        org_facts.groups.append(facts.group_record(group, contact_by_user=contact_by_user))


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
    skus: list[g.SubscribedSku] = []
    if need_skus:
        try:
            skus = await client.subscribed_skus()
        except graph_errors.MissingPermission as error:
            result.skip("licenses", denied(error))
            org_facts.keep("licenses", _stored(ws, organization, "licenses"))
    sku_names = facts.sku_names(skus)
    if settings.licenses.enabled and "licenses" not in result.degraded:
        org_facts.licenses.extend(facts.licenses(skus, allow_list=settings.licenses.sku_allow_list))
    if settings.locations and org_profile is not None:
        org_facts.locations.extend(facts.locations(org_profile))

    users: list[g.User] | None = None
    if settings.contacts or settings.groups:
        users = await _users(
            client, entra_fields=settings.entra_fields, contacts=settings.contacts, result=result
        )
        result.users = len(users or [])

    mailboxes: dict[str, dict[str, Any]] | None = None
    mailbox_unavailable: MailboxUnavailable | None = None
    if settings.mailboxes:
        read = await _mailboxes(client, tenant_id=tenant_id, org_facts=org_facts, result=result)
        if isinstance(read, MailboxUnavailable):
            mailbox_unavailable = read
        else:
            mailboxes = read

    if settings.contacts and users is not None:
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
            mailbox_unavailable=mailbox_unavailable,
        )

    if settings.groups:
        await _groups(
            ws,
            client=client,
            tenant_id=tenant_id,
            organization=organization,
            org_facts=org_facts,
            result=result,
        )

    if settings.intune_devices and connector_body is not None:
        try:
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
        except graph_errors.NotApplicable:
            result.skip(
                "intuneDevices",
                "the tenant has no Microsoft Intune licence (Graph: Request not applicable to "
                "target tenant); devices are synced once it has one",
            )
        except graph_errors.MissingPermission as error:
            result.skip("intuneDevices", denied(error))
        else:
            result.notes.extend(result.devices.notes)
            result.degraded.update(result.devices.degraded)
    await _warn_on_new_degradation(ws, tenant_match=tenant_match, result=result)
    return result


async def _warn_on_new_degradation(ws: Workspace, *, tenant_match: str, result: TenantData) -> None:
    """A Warning Event on the TenantMatch for each feature that stopped syncing since the last
    run (its note is not in the Synced message yet): once, not every hourly sync."""
    body = ws.tenant_matches.get(tenant_match) or {
        "apiVersion": resources.API_VERSION,
        "kind": resources.TENANT_MATCH.kind,
        "metadata": {"name": tenant_match, "namespace": ws.namespace},
    }
    synced = conditions.get_condition(
        (body.get("status") or {}).get("conditions") or [], conditions.SYNCED
    )
    before = str((synced or {}).get("message") or "")
    for feature, why in result.degraded.items():
        if f"{feature} not synced" in before:
            continue
        await ws.store.create_event(
            events.event_for(
                involved=body,
                type="Warning",
                reason=FEATURE_DEGRADED,
                message=f"{feature} not synced: {why}",
            )
        )
