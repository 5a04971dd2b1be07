"""Reconcile one TenantMatch: match facts and decision → state, side effects, status.

Shared by the scheduled sync (new facts) and the decision handler (a spec edit), so both
always agree. Side effects of a match are undone when the match is reverted or changed:
Contacts the match created are deleted, Contacts that existed before only lose their
Microsoft facts, and the Organization's Microsoft facts are dropped when no tenant is left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from m365inventory.match import tenants as tenant_matching
from m365inventory.model import resources
from m365inventory.model.connector import MicrosoftConnectorSpec
from m365inventory.model.matches import MatchState
from m365inventory.sync.reconcile import devicematch
from m365inventory.sync.rules import conditions, naming, tenant_decisions
from m365inventory.sync.state.workspace import ANNOTATION_CREATED_BY, Workspace

CONTACTS_AMBIGUOUS = "ContactsAmbiguous"
DUPLICATE_THRESHOLD = 80
"""Organizations this similar to a tenant make CreateOrganization ask for `force`."""


@dataclass(frozen=True, slots=True)
class TenantSeen:
    """A tenant as discovered in this run."""

    tenant_id: str
    facts: dict[str, Any]
    """`status.tenant` of the TenantMatch."""


def bindings(ws: Workspace, *, exclude: str | None = None) -> dict[str, str]:
    """Organization → tenant ID for tenants matched deliberately (kept across syncs)."""
    bound: dict[str, str] = {}
    for name, body in ws.tenant_matches.items():
        status = body.get("status") or {}
        spec = body.get("spec") or {}
        if name == exclude or status.get("state") != MatchState.MATCHED:
            continue
        if spec.get("decision") or status.get("matchedBy") == "Exact":
            org = status.get("organization")
            tenant = (status.get("tenant") or {}).get("tenantId")
            if org and tenant:
                bound[org] = tenant
    return bound


def organization_index(
    ws: Workspace, *, bound: Mapping[str, str]
) -> tenant_matching.OrganizationIndex:
    return tenant_matching.OrganizationIndex(
        tenant_matching.Organization(
            key=name,
            name=(body.get("spec") or {}).get("displayName") or name,
            domains=tuple((body.get("spec") or {}).get("domains") or ()),
            tenant_id=bound.get(name),
        )
        for name, body in ws.organizations.items()
    )


def match_all(
    ws: Workspace, *, seen: Sequence[TenantSeen], spec: MicrosoftConnectorSpec
) -> dict[str, tenant_matching.TenantMatchResult]:
    """Match every tenant of the run against the namespace's Organizations in one batch."""
    index = organization_index(ws, bound=bindings(ws))
    return tenant_matching.match_tenants(
        tenants=[_tenant_input(t.tenant_id, t.facts) for t in seen],
        organizations=index,
        min_score=spec.matching.suggestion_min_score,
        limit=spec.matching.max_suggestions,
    )


def _tenant_input(tenant_id: str, facts: Mapping[str, Any]) -> tenant_matching.Tenant:
    return tenant_matching.Tenant(
        id=tenant_id,
        display_name=facts.get("displayName"),
        verified_domains=tuple(facts.get("domains") or ()),
        default_domain=facts.get("defaultDomain"),
    )


def _candidates(result: tenant_matching.TenantMatchResult) -> list[tenant_decisions.Candidate]:
    return [tenant_decisions.Candidate(s.key, s.score, s.evidence) for s in result.suggestions]


def decide(
    ws: Workspace,
    *,
    name: str,
    tenant_id: str,
    facts: Mapping[str, Any],
    result: tenant_matching.TenantMatchResult,
    spec: MicrosoftConnectorSpec,
) -> tuple[tenant_decisions.TenantOutcome, list[tenant_decisions.Candidate]]:
    """The outcome for one TenantMatch given this run's matching result."""
    live = ws.tenant_matches.get(name) or {}
    suggestions = _candidates(result)
    tm_spec = live.get("spec") or {}
    display = str(facts.get("displayName") or tenant_id)
    duplicates: list[tenant_decisions.Candidate] = []
    if tm_spec.get("decision") == "CreateOrganization":
        target = tm_spec.get("organizationName") or naming.organization_name(
            display, tenant_id=tenant_id
        )
        index = organization_index(ws, bound={})
        found = tenant_matching.near_duplicates(
            name=display, organizations=index, threshold=DUPLICATE_THRESHOLD
        )
        duplicates = [tenant_decisions.Candidate(s.key, s.score, s.evidence) for s in found]
        if target in ws.organizations and target not in {d.name for d in duplicates}:
            duplicates.insert(0, tenant_decisions.Candidate(target, 100, ("name:exists",)))
        created_for_us = (ws.organizations.get(target) or {}).get("metadata", {}).get(
            "annotations", {}
        ).get(ANNOTATION_CREATED_BY) == name
        if created_for_us:
            duplicates = [d for d in duplicates if d.name != target]
    outcome = tenant_decisions.resolve_tenant(
        spec=tm_spec,
        live_status=live.get("status") or {},
        tenant_name=display,
        tenant_id=tenant_id,
        exact=result.exact,
        suggestions=suggestions,
        organizations=frozenset(ws.organizations),
        duplicates_of=duplicates,
        auto_accept_score=spec.matching.auto_accept_score,
    )
    return outcome, suggestions


async def apply_side_effects(
    ws: Workspace, *, name: str, tenant_id: str, outcome: tenant_decisions.TenantOutcome
) -> None:
    """Create the Organization a decision asks for; undo a previous match that changed."""
    if outcome.create is not None and outcome.create not in ws.organizations:
        await ws.create(
            resources.ORGANIZATION,
            {
                "metadata": {
                    "name": outcome.create,
                    "labels": {resources.LABEL_MANAGED_BY: resources.MANAGED_BY},
                    "annotations": {ANNOTATION_CREATED_BY: name},
                },
                "spec": {"displayName": outcome.create_display_name or outcome.create},
            },
        )
    live = (ws.tenant_matches.get(name) or {}).get("status") or {}
    previous = live.get("organization") if live.get("state") == MatchState.MATCHED else None
    if previous and previous != outcome.organization:
        await unbind(ws, tenant_id=tenant_id, organization=previous, tenant_match=name)


async def unbind(ws: Workspace, *, tenant_id: str, organization: str, tenant_match: str) -> None:
    """Undo what matching `tenant_id` to `organization` caused."""
    await devicematch.release_tenant(ws, tenant_id=tenant_id, now=ws.now)
    await ws.load_contacts()
    for contact_name in ws.contacts.names("tenant", tenant_id):
        contact = ws.contacts[contact_name]
        created_by = (contact["metadata"].get("annotations") or {}).get(ANNOTATION_CREATED_BY)
        if created_by == tenant_match:
            await ws.delete(resources.CONTACT, contact_name)
        else:
            await ws.write_status(
                resources.CONTACT, contact_name, {"microsoft": None, "ambiguousMatches": None}
            )
    still_bound = any(
        (b.get("status") or {}).get("organization") == organization
        and (b.get("status") or {}).get("state") == MatchState.MATCHED
        for n, b in ws.tenant_matches.items()
        if n != tenant_match
    )
    if not still_bound and organization in ws.organizations:
        await ws.write_status(resources.ORGANIZATION, organization, {"microsoft": None})


def desired_status(
    *,
    connector: str,
    facts: Mapping[str, Any],
    outcome: tenant_decisions.TenantOutcome,
    suggestions: Sequence[tenant_decisions.Candidate],
    live_status: Mapping[str, Any],
    generation: int | None,
    synced: tuple[bool, str, str] | None,
    ambiguous_users: list[str] | None = None,
    contacts: Mapping[str, int] | None,
    devices: Mapping[str, int] | None,
    now: Any,
) -> dict[str, Any]:
    """The complete operator-owned status of a TenantMatch."""
    conds = list(live_status.get("conditions") or [])
    conds = conditions.set_condition(
        conds,
        type=conditions.DECIDED,
        status=outcome.decided,
        reason=outcome.reason,
        message=outcome.message,
        now=now,
        generation=generation,
    )
    if ambiguous_users is not None:
        listed = ", ".join(sorted(ambiguous_users)[:5])
        more = f" and {len(ambiguous_users) - 5} more" if len(ambiguous_users) > 5 else ""
        conds = conditions.set_condition(
            conds,
            type=CONTACTS_AMBIGUOUS,
            status=bool(ambiguous_users),
            reason="SeveralCandidates" if ambiguous_users else "NoneAmbiguous",
            message=(
                f"{listed}{more}: two or more Contacts fit each of these users, so none was "
                "matched or created; make their emails or names distinct (see "
                "status.ambiguousMatches on the Contacts)"
            )
            if ambiguous_users
            else "every user has at most one candidate Contact",
            now=now,
        )
    if synced is not None:
        ok, reason, message = synced
        conds = conditions.set_condition(
            conds, type=conditions.SYNCED, status=ok, reason=reason, message=message, now=now
        )
    return {
        "connector": connector,
        "tenant": dict(facts),
        "state": outcome.state.value,
        "organization": outcome.organization,
        "matchedBy": outcome.matched_by.value if outcome.matched_by else None,
        "suggestions": [
            {"name": s.name, "score": s.score, "evidence": list(s.evidence)[:8]}
            for s in suggestions[:3]
        ]
        if outcome.state != MatchState.MATCHED
        else [],
        "contacts": dict(contacts) if contacts is not None else live_status.get("contacts"),
        "devices": dict(devices) if devices is not None else live_status.get("devices"),
        "conditions": conds,
        "observedGeneration": generation,
    }
