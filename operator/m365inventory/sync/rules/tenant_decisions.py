"""Turn a person's decision and the matcher's findings into a match outcome (pure).

One function serves both paths that change a TenantMatch: the decision handler (a spec edit,
applied at once) and the scheduled sync (new facts, new suggestions). Both must agree, or a
sync would undo a decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from m365inventory.model.matches import MatchedBy, MatchState, TenantDecision
from m365inventory.sync.rules import naming

# Decided condition reasons.
APPLIED = "Applied"
AUTOMATIC = "AutomaticMatch"
AWAITING = "AwaitingDecision"
IGNORED = "Ignored"
NOT_FOUND = "OrganizationNotFound"
NO_SUGGESTION = "NoSuggestion"
DUPLICATE = "DuplicateOrganization"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A suggested organization (name = Kubernetes name) with its score and evidence."""

    name: str
    score: int
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TenantOutcome:
    """Where a TenantMatch should stand, and what must happen to get there."""

    state: MatchState
    organization: str | None
    matched_by: MatchedBy | None
    decided: bool
    reason: str
    message: str
    create: str | None = None
    """Name of an Organization to create before matching to it."""
    create_display_name: str | None = None
    duplicates: tuple[Candidate, ...] = field(default=())


def _unmatched(reason: str, message: str, *, decided: bool = False) -> TenantOutcome:
    return TenantOutcome(MatchState.UNMATCHED, None, None, decided, reason, message)


def _keep(live: Mapping[str, Any], *, reason: str, message: str) -> TenantOutcome:
    """Leave the current state as it is, and say why the decision could not be applied."""
    state = MatchState(live.get("state") or MatchState.UNMATCHED)
    organization = live.get("organization") if state == MatchState.MATCHED else None
    matched_by = live.get("matchedBy") if organization else None
    return TenantOutcome(
        state, organization, MatchedBy(matched_by) if matched_by else None, False, reason, message
    )


def resolve_tenant(
    *,
    spec: Mapping[str, Any],
    live_status: Mapping[str, Any],
    tenant_name: str,
    tenant_id: str,
    exact: str | None,
    suggestions: Sequence[Candidate],
    organizations: frozenset[str],
    duplicates_of: Sequence[Candidate],
    auto_accept_score: int | None,
) -> TenantOutcome:
    """The outcome for one tenant.

    `exact`: the Organization whose name equals the tenant's (the reference's automatic match).
    `duplicates_of`: Organizations similar to the one CreateOrganization would create.
    """
    decision = spec.get("decision")
    live_org = live_status.get("organization") if live_status.get("state") == "Matched" else None
    live_by = live_status.get("matchedBy")

    if decision == TenantDecision.IGNORE:
        return TenantOutcome(
            MatchState.IGNORED, None, None, True, IGNORED, "ignored: not counted as unmatched"
        )

    if decision == TenantDecision.MATCH_TO:
        target = str(spec.get("organizationName"))
        if target not in organizations:
            return _keep(
                live_status,
                reason=NOT_FOUND,
                message=f"Organization {target!r} does not exist in this namespace: create it "
                "or correct spec.organizationName",
            )
        return TenantOutcome(
            MatchState.MATCHED, target, MatchedBy.MANUAL, True, APPLIED, f"matched to {target}"
        )

    if decision == TenantDecision.ACCEPT_SUGGESTION:
        if live_org and live_by == MatchedBy.SUGGESTION and live_org in organizations:
            return TenantOutcome(
                MatchState.MATCHED,
                live_org,
                MatchedBy.SUGGESTION,
                True,
                APPLIED,
                f"matched to suggested {live_org}",
            )
        best = suggestions[0] if suggestions else None
        if best is None or best.name not in organizations:
            return _keep(
                live_status,
                reason=NO_SUGGESTION,
                message="there is no suggestion to accept: use MatchTo with an organizationName, "
                "or CreateOrganization",
            )
        return TenantOutcome(
            MatchState.MATCHED,
            best.name,
            MatchedBy.SUGGESTION,
            True,
            APPLIED,
            f"matched to suggested {best.name} (score {best.score})",
        )

    if decision == TenantDecision.CREATE_ORGANIZATION:
        target = spec.get("organizationName") or naming.organization_name(
            tenant_name, tenant_id=tenant_id
        )
        # An Organization created under the name of versions before transliteration stays.
        created_as = {target} | (
            set()
            if spec.get("organizationName")
            else {naming.organization_name(tenant_name, tenant_id=tenant_id, legacy=True)}
        )
        if live_org in created_as and live_by == MatchedBy.CREATED:
            return TenantOutcome(
                MatchState.MATCHED,
                live_org,
                MatchedBy.CREATED,
                True,
                APPLIED,
                f"created and matched to {live_org}",  # as when created: no rewrite next run
            )
        others = tuple(d for d in duplicates_of if d.name != target or target in organizations)
        if others and not spec.get("force"):
            listed = ", ".join(f"{d.name} ({d.score})" for d in others[:5])
            return TenantOutcome(
                *_keep_fields(live_status),
                decided=False,
                reason=DUPLICATE,
                message=f"similar Organizations exist: {listed}. Creating another makes a "
                "duplicate: use MatchTo with one of them, or set spec.force: true",
                duplicates=others,
            )
        return TenantOutcome(
            MatchState.MATCHED,
            target,
            MatchedBy.CREATED,
            True,
            APPLIED,
            f"created and matched to {target}",
            create=None if target in organizations else target,
            create_display_name=tenant_name,
        )

    # No decision: the reference's automatic rules, or unmatched (which is also a revert).
    if exact is not None:
        return TenantOutcome(
            MatchState.MATCHED,
            exact,
            MatchedBy.EXACT,
            True,
            AUTOMATIC,
            f"the tenant name matches Organization {exact} exactly",
        )
    if auto_accept_score is not None and suggestions:
        best = suggestions[0]
        runner_up = suggestions[1].score if len(suggestions) > 1 else -1
        if best.score >= auto_accept_score and best.score > runner_up:
            return TenantOutcome(
                MatchState.MATCHED,
                best.name,
                MatchedBy.AUTO_ACCEPT,
                True,
                AUTOMATIC,
                f"suggestion {best.name} scored {best.score} >= autoAcceptScore",
            )
    if suggestions:
        best = suggestions[0]
        return _unmatched(
            AWAITING,
            f"suggested {best.name} ({best.score}{_equivalence_note(best.evidence)}): set "
            "spec.decision to AcceptSuggestion, MatchTo, CreateOrganization or Ignore",
        )
    return _unmatched(
        AWAITING,
        "no similar Organization: set spec.decision to CreateOrganization, MatchTo or Ignore",
    )


EQUIVALENCE_NOTES = {
    "legal-form": "the same name but for the legal form",
    "transliteration": "the same name but for accents or transliteration",
    "legal-form+transliteration": "the same name but for the legal form and transliteration",
}
"""Suggestion evidence of names that are one name up to legal form or spelling: never matched
automatically (two customers "X Inc" and "X GmbH" exist), so the message says why it waits."""


def _equivalence_note(evidence: Sequence[str]) -> str:
    notes = [EQUIVALENCE_NOTES[item] for item in evidence if item in EQUIVALENCE_NOTES]
    return f", {notes[0]}" if notes else ""


def _keep_fields(
    live: Mapping[str, Any],
) -> tuple[MatchState, str | None, MatchedBy | None]:
    kept = _keep(live, reason="", message="")
    return kept.state, kept.organization, kept.matched_by
