"""Tenant decision resolution (pure): every decision, every automatic rule, every refusal."""

from __future__ import annotations

from typing import Any

import pytest

from m365inventory.model.matches import MatchedBy, MatchState
from m365inventory.sync.rules import tenant_decisions
from m365inventory.sync.rules.tenant_decisions import Candidate

ORGS = frozenset({"contoso", "fabrikam", "fabrikam-group"})
SUGGESTIONS = [Candidate("fabrikam-group", 88, ("name:88",)), Candidate("fabrikam", 70)]


def resolve(
    spec: dict[str, Any] | None = None,
    live: dict[str, Any] | None = None,
    *,
    exact: str | None = None,
    suggestions: list[Candidate] | None = None,
    duplicates: list[Candidate] | None = None,
    auto_accept: int | None = None,
) -> tenant_decisions.TenantOutcome:
    return tenant_decisions.resolve_tenant(
        spec=spec or {},
        live_status=live or {},
        tenant_name="Fabrikam Ltd",
        tenant_id="c08a58d7-5694-4a7a-852e-704d607a4732",
        exact=exact,
        suggestions=SUGGESTIONS if suggestions is None else suggestions,
        organizations=ORGS,
        duplicates_of=duplicates or [],
        auto_accept_score=auto_accept,
    )


def test_no_decision_and_an_exact_name_matches_automatically() -> None:
    outcome = resolve(exact="contoso")
    assert (outcome.state, outcome.organization, outcome.matched_by) == (
        MatchState.MATCHED,
        "contoso",
        MatchedBy.EXACT,
    )
    assert outcome.decided


def test_no_decision_and_only_suggestions_waits_for_a_person() -> None:
    outcome = resolve()
    assert outcome.state == MatchState.UNMATCHED
    assert outcome.reason == tenant_decisions.AWAITING
    assert "fabrikam-group (88)" in outcome.message


def test_a_same_name_but_for_the_legal_form_waits_and_says_why() -> None:
    same = [Candidate("fabrikam", 100, ("legal-form", "name:100"))]
    outcome = resolve(suggestions=same)
    assert outcome.state == MatchState.UNMATCHED
    assert outcome.reason == tenant_decisions.AWAITING
    assert "fabrikam (100, the same name but for the legal form)" in outcome.message


def test_no_decision_no_suggestion_says_what_to_do() -> None:
    outcome = resolve(suggestions=[])
    assert outcome.state == MatchState.UNMATCHED
    assert "CreateOrganization" in outcome.message


@pytest.mark.parametrize(("threshold", "matched"), [(88, True), (89, False), (60, True)])
def test_auto_accept_takes_a_unique_best_suggestion_at_the_threshold(
    threshold: int, matched: bool
) -> None:
    outcome = resolve(auto_accept=threshold)
    assert (outcome.state == MatchState.MATCHED) is matched
    if matched:
        assert outcome.matched_by == MatchedBy.AUTO_ACCEPT


def test_auto_accept_never_breaks_a_tie() -> None:
    tied = [Candidate("fabrikam-group", 90), Candidate("fabrikam", 90)]
    assert resolve(suggestions=tied, auto_accept=80).state == MatchState.UNMATCHED


def test_accept_suggestion_takes_the_best_and_then_sticks() -> None:
    first = resolve({"decision": "AcceptSuggestion"})
    assert (first.organization, first.matched_by) == ("fabrikam-group", MatchedBy.SUGGESTION)
    later = resolve(
        {"decision": "AcceptSuggestion"},
        {"state": "Matched", "organization": "fabrikam-group", "matchedBy": "Suggestion"},
        suggestions=[Candidate("fabrikam", 95)],
    )
    assert later.organization == "fabrikam-group"


def test_accept_suggestion_without_one_keeps_the_state_and_says_why() -> None:
    outcome = resolve({"decision": "AcceptSuggestion"}, suggestions=[])
    assert outcome.state == MatchState.UNMATCHED
    assert not outcome.decided
    assert outcome.reason == tenant_decisions.NO_SUGGESTION


def test_match_to_an_existing_organization() -> None:
    outcome = resolve({"decision": "MatchTo", "organizationName": "contoso"})
    assert (outcome.organization, outcome.matched_by) == ("contoso", MatchedBy.MANUAL)


def test_match_to_a_missing_organization_keeps_the_previous_match() -> None:
    outcome = resolve(
        {"decision": "MatchTo", "organizationName": "typo"},
        {"state": "Matched", "organization": "contoso", "matchedBy": "Manual"},
    )
    assert (outcome.state, outcome.organization) == (MatchState.MATCHED, "contoso")
    assert outcome.reason == tenant_decisions.NOT_FOUND
    assert "'typo' does not exist" in outcome.message


def test_ignore() -> None:
    outcome = resolve({"decision": "Ignore"}, exact="contoso")
    assert (outcome.state, outcome.organization) == (MatchState.IGNORED, None)


def test_create_organization_names_it_after_the_tenant() -> None:
    outcome = resolve({"decision": "CreateOrganization"})
    assert outcome.create == "fabrikam-ltd"
    assert outcome.create_display_name == "Fabrikam Ltd"
    assert (outcome.organization, outcome.matched_by) == ("fabrikam-ltd", MatchedBy.CREATED)


def test_create_organization_refuses_near_duplicates_unless_forced() -> None:
    duplicates = [Candidate("fabrikam-group", 92)]
    refused = resolve({"decision": "CreateOrganization"}, duplicates=duplicates)
    assert refused.reason == tenant_decisions.DUPLICATE
    assert refused.create is None
    assert refused.state == MatchState.UNMATCHED
    assert "fabrikam-group (92)" in refused.message
    forced = resolve({"decision": "CreateOrganization", "force": True}, duplicates=duplicates)
    assert forced.create == "fabrikam-ltd"


def test_create_organization_with_an_existing_name_matches_without_creating() -> None:
    outcome = resolve(
        {"decision": "CreateOrganization", "organizationName": "fabrikam", "force": True},
        duplicates=[Candidate("fabrikam", 100)],
    )
    assert outcome.create is None
    assert outcome.organization == "fabrikam"


def test_removing_the_decision_reverts_a_manual_match() -> None:
    outcome = resolve({}, {"state": "Matched", "organization": "contoso", "matchedBy": "Manual"})
    assert (outcome.state, outcome.organization) == (MatchState.UNMATCHED, None)


def test_an_organization_created_under_the_name_before_transliteration_stays() -> None:
    outcome = tenant_decisions.resolve_tenant(
        spec={"decision": "CreateOrganization"},
        live_status={"state": "Matched", "organization": "unicde", "matchedBy": "Created"},
        tenant_name="Ünïcødé",
        tenant_id="c08a58d7-5694-4a7a-852e-704d607a4732",
        exact=None,
        suggestions=[],
        organizations=frozenset({"unicde"}),
        duplicates_of=[],
        auto_accept_score=None,
    )
    assert (outcome.state, outcome.organization, outcome.create) == (
        MatchState.MATCHED,
        "unicde",
        None,
    )
