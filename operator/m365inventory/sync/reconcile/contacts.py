"""Sync the users of one matched tenant into Contacts of its Organization.

The reference's rules: match on any alias, then the username, then first + last name; create a
Contact when nothing matches; never merge or create when two candidates fit (they are flagged
instead). Deleted users are recorded, not deleted, unless the connector's removalPolicy says
Delete and the Contact is one the operator created.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from m365inventory.kube.store import Body
from m365inventory.match import contacts as contact_matching
from m365inventory.model import graph as g
from m365inventory.model import resources
from m365inventory.model.connector import RemovalPolicy
from m365inventory.model.inventory import MailboxUnavailable
from m365inventory.sync.rules import conditions, facts, naming
from m365inventory.sync.state.workspace import ANNOTATION_CREATED_BY, Workspace

RULE_NAMES = {"alias": "Alias", "username": "Username", "name": "Name"}


@dataclass
class ContactCounts:
    """What happened to the tenant's contacts."""

    total: int = 0
    matched: int = 0
    unmatched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ambiguous: int = 0
    deleted: int = 0
    ambiguous_users: list[str] = field(default_factory=list)

    def as_status(self) -> dict[str, int]:
        return {"total": self.total, "matched": self.matched, "unmatched": self.unmatched}


def _contact_input(name: str, body: Body) -> contact_matching.Contact:
    spec = body.get("spec") or {}
    bound = ((body.get("status") or {}).get("microsoft") or {}).get("userId")
    return contact_matching.Contact(
        key=name,
        first_name=spec.get("firstName"),
        last_name=spec.get("lastName"),
        emails=tuple(spec.get("emails") or ()),
        microsoft_user_id=bound,
    )


def _user_input(user: g.User) -> contact_matching.MicrosoftUser:
    return contact_matching.MicrosoftUser(
        id=user.id,
        user_principal_name=user.user_principal_name,
        mail=user.mail,
        other_mails=tuple(user.other_mails),
        proxy_addresses=tuple(user.proxy_addresses),
        given_name=user.given_name,
        surname=user.surname,
    )


async def sync_contacts(
    ws: Workspace,
    *,
    connector: str,
    tenant_id: str,
    organization: str,
    tenant_match: str,
    users: Sequence[g.User],
    skus: Mapping[str, str],
    entra_fields: bool,
    removal: RemovalPolicy,
    mailboxes: Mapping[str, dict[str, Any]] | None = None,
    mailbox_unavailable: MailboxUnavailable | None = None,
) -> ContactCounts:
    """Match, create and update the Contacts of `organization` for the tenant's users."""
    counts = ContactCounts(total=len(users))
    candidates = {
        name: ws.contacts[name] for name in ws.contacts.names("organization", organization)
    }
    outcomes = contact_matching.match_contacts(
        users=[_user_input(u) for u in users],
        contacts=[_contact_input(n, b) for n, b in candidates.items()],
    )
    by_id = {u.id: u for u in users}
    ambiguous_on: dict[str, list[dict[str, str]]] = {}
    for user_id, outcome in outcomes.items():
        user = by_id[user_id]
        if isinstance(outcome, contact_matching.Ambiguous):
            counts.ambiguous += 1
            counts.unmatched += 1
            counts.ambiguous_users.append(user.user_principal_name or user.id)
            for contact in outcome.candidates:
                ambiguous_on.setdefault(contact, []).append(
                    {
                        "tenantId": tenant_id,
                        "userId": user.id,
                        "userPrincipalName": (user.user_principal_name or user.id)[:1024],
                        "rule": RULE_NAMES.get(outcome.rule, outcome.rule.title()),
                    }
                )
            continue
        created_now = False
        if isinstance(outcome, contact_matching.Matched):
            contact_name = outcome.contact
            live_microsoft = _live_microsoft(ws, contact_name)
            live_by = live_microsoft.get("matchedBy")
            matched_by = (
                live_by if outcome.rule == "bound" and live_by else RULE_NAMES.get(outcome.rule)
            ) or "Alias"
        else:
            contact_name = naming.contact_name(
                organization=organization, display_name=user.display_name, user_id=user.id
            )
            matched_by = "Created"
            created_now = contact_name not in ws.contacts
            if created_now:
                await ws.create(
                    resources.CONTACT,
                    {
                        "metadata": {
                            "name": contact_name,
                            "labels": _labels(connector=connector, tenant_id=tenant_id),
                            "annotations": {ANNOTATION_CREATED_BY: tenant_match},
                        },
                        "spec": facts.contact_spec(user=user, organization=organization),
                    },
                )
                counts.created += 1
            # After the create: a Contact that appeared meanwhile (a killed run) is used as is.
            live_microsoft = _live_microsoft(ws, contact_name)
        counts.matched += 1
        microsoft = facts.contact_facts(
            user=user,
            tenant_id=tenant_id,
            skus=skus,
            entra_fields=entra_fields,
            matched_by=matched_by,
            now=ws.now,
        )
        if mailboxes is not None or mailbox_unavailable is not None:
            microsoft.update(
                _mailbox(
                    user,
                    skus=skus,
                    mailboxes=mailboxes,
                    unavailable=mailbox_unavailable,
                    live=live_microsoft,
                )
            )
        if live_microsoft.get("deleted"):
            microsoft["deleted"] = None
            microsoft["deletedTime"] = None
        wrote = await ws.write_status(
            resources.CONTACT,
            contact_name,
            {"microsoft": microsoft, "ambiguousMatches": None},
        )
        if not created_now:
            if wrote:
                counts.updated += 1
            else:
                counts.unchanged += 1

    for contact_name, entries in ambiguous_on.items():
        await ws.write_status(
            resources.CONTACT,
            contact_name,
            {"ambiguousMatches": sorted(entries, key=lambda e: e["userId"])[:20]},
        )
    counts.deleted = await _record_removed_users(
        ws, tenant_id=tenant_id, present={u.id for u in users}, removal=removal
    )
    return counts


def _mailbox(
    user: g.User,
    *,
    skus: Mapping[str, str],
    mailboxes: Mapping[str, dict[str, Any]] | None,
    unavailable: MailboxUnavailable | None,
    live: Mapping[str, Any],
) -> dict[str, Any]:
    """The user's mailbox usage, or why there is none (never silently nothing)."""
    if unavailable is not None:
        # The whole tenant's report is unusable this run: keep what an earlier run read.
        return {"mailbox": live.get("mailbox"), "mailboxUnavailable": unavailable.value}
    row = (mailboxes or {}).get((user.user_principal_name or "").lower())
    if not facts.has_enterprise_mailbox(user, skus=skus):
        reason = MailboxUnavailable.NO_EXCHANGE_ONLINE_LICENSE
    elif row is None:
        reason = MailboxUnavailable.NOT_IN_REPORT
    else:
        return {"mailbox": row, "mailboxUnavailable": None}
    return {"mailbox": None, "mailboxUnavailable": reason.value}


def _live_microsoft(ws: Workspace, name: str) -> dict[str, Any]:
    """`status.microsoft` of the Contact as the workspace has it (read once per user: each
    read decodes the stored object)."""
    return dict(((ws.contacts.get(name) or {}).get("status") or {}).get("microsoft") or {})


def _labels(*, connector: str, tenant_id: str) -> dict[str, str]:
    return {
        resources.LABEL_CONNECTOR: naming.label_value(connector),
        resources.LABEL_TENANT: naming.label_value(tenant_id),
        resources.LABEL_MANAGED_BY: resources.MANAGED_BY,
    }


async def _record_removed_users(
    ws: Workspace, *, tenant_id: str, present: set[str], removal: RemovalPolicy
) -> int:
    """Contacts whose user is gone from Microsoft: recorded as deleted, or removed by policy."""
    removed = 0
    for name in ws.contacts.names("tenant", tenant_id):
        body = ws.contacts[name]
        microsoft = (body.get("status") or {}).get("microsoft") or {}
        if microsoft.get("userId") in present:
            continue
        created = (body["metadata"].get("annotations") or {}).get(ANNOTATION_CREATED_BY)
        if removal == RemovalPolicy.DELETE and created:
            await ws.delete(resources.CONTACT, name)
            removed += 1
            continue
        if microsoft.get("deleted"):
            continue
        await ws.write_status(
            resources.CONTACT,
            name,
            {
                "microsoft": {
                    **microsoft,
                    "deleted": True,
                    "deletedTime": conditions.timestamp(ws.now),
                }
            },
        )
        removed += 1
    return removed
