"""The pure resolution of a DeviceMatch: each decision, the automatic rules, revert, refusal."""

from __future__ import annotations

from typing import Any

import pytest

from m365inventory.model.matches import MatchedBy, MatchState
from m365inventory.sync.rules import device_decisions as dd

CONFIGS = frozenset({"cfg-a", "cfg-b", "spare"})
SUGGESTED = [dd.Candidate(name="cfg-a", score=88, evidence=("name:88",))]
SERIAL_TWINS = [
    dd.Candidate(name="cfg-a", score=95, evidence=("serial", "name:40")),
    dd.Candidate(name="cfg-b", score=95, evidence=("serial", "name:30")),
]


def resolve(
    spec: dict[str, Any] | None = None,
    *,
    live: dict[str, Any] | None = None,
    automatic: dd.Automatic | None = None,
    suggestions: list[dd.Candidate] | None = None,
    exact: list[dd.Candidate] | None = None,
    taken: dict[str, str] | None = None,
) -> dd.DeviceOutcome:
    return dd.resolve_device(
        spec=spec or {},
        live_status=live or {},
        automatic=automatic,
        suggestions=SUGGESTED if suggestions is None else suggestions,
        exact_candidates=exact or [],
        configurations=CONFIGS,
        taken=taken or {},
        create_name="contoso-ws-1-0a1b2c3d",
    )


def test_no_decision_and_a_unique_exact_hit_matches_automatically() -> None:
    outcome = resolve(automatic=dd.Automatic(configuration="cfg-b", rule="serial"))
    assert (outcome.state, outcome.configuration, outcome.matched_by) == (
        MatchState.MATCHED,
        "cfg-b",
        MatchedBy.EXACT,
    )
    assert outcome.reason == dd.AUTOMATIC
    assert "serial number" in outcome.message


def test_a_kept_match_repeats_its_first_reason_so_nothing_is_written() -> None:
    live = {
        "state": "Matched",
        "configuration": "cfg-b",
        "matchedBy": "Exact",
        "conditions": [
            {"type": "Decided", "reason": dd.AUTOMATIC, "message": "the MAC address matches"}
        ],
    }
    outcome = resolve(live=live, automatic=dd.Automatic(configuration="cfg-b", rule="bound"))
    assert outcome.message == "the MAC address matches"


def test_no_decision_without_an_exact_hit_waits_with_the_best_suggestion() -> None:
    outcome = resolve()
    assert (outcome.state, outcome.configuration, outcome.decided) == (
        MatchState.UNMATCHED,
        None,
        False,
    )
    assert outcome.reason == dd.AWAITING
    assert "cfg-a (88" in outcome.message


def test_accept_suggestion_takes_the_best_and_keeps_it_afterwards() -> None:
    first = resolve({"decision": "AcceptSuggestion"})
    assert (first.configuration, first.matched_by) == ("cfg-a", MatchedBy.SUGGESTION)
    live = {"state": "Matched", "configuration": "cfg-a", "matchedBy": "Suggestion"}
    later = resolve({"decision": "AcceptSuggestion"}, live=live, suggestions=[])
    assert later.configuration == "cfg-a"


def test_accept_suggestion_without_one_is_refused_and_keeps_the_state() -> None:
    outcome = resolve({"decision": "AcceptSuggestion"}, suggestions=[])
    assert (outcome.state, outcome.decided, outcome.reason) == (
        MatchState.UNMATCHED,
        False,
        dd.NO_SUGGESTION,
    )


def test_match_to_an_existing_configuration_and_change_it() -> None:
    outcome = resolve({"decision": "MatchTo", "configurationName": "spare"})
    assert (outcome.configuration, outcome.matched_by) == ("spare", MatchedBy.MANUAL)
    live = {"state": "Matched", "configuration": "spare", "matchedBy": "Manual"}
    changed = resolve({"decision": "MatchTo", "configurationName": "cfg-b"}, live=live)
    assert changed.configuration == "cfg-b"


@pytest.mark.parametrize(
    ("target", "taken", "reason"),
    [("missing", {}, dd.NOT_FOUND), ("cfg-b", {"cfg-b": "msp-other"}, dd.TAKEN)],
)
def test_match_to_refuses_missing_or_taken_configurations(
    target: str, taken: dict[str, str], reason: str
) -> None:
    live = {"state": "Matched", "configuration": "cfg-a", "matchedBy": "Manual"}
    outcome = resolve({"decision": "MatchTo", "configurationName": target}, live=live, taken=taken)
    assert (outcome.state, outcome.configuration, outcome.reason) == (
        MatchState.MATCHED,
        "cfg-a",
        reason,
    )
    assert not outcome.decided


def test_create_is_refused_while_a_serial_or_mac_match_exists() -> None:
    outcome = resolve({"decision": "CreateConfiguration"}, exact=SERIAL_TWINS)
    assert outcome.reason == dd.EXACT_MATCH_EXISTS
    assert outcome.create is None
    assert outcome.state == MatchState.UNMATCHED
    assert "cfg-a (serial)" in outcome.message
    assert "name:" not in outcome.message


def test_create_names_the_new_configuration_and_is_idempotent() -> None:
    outcome = resolve({"decision": "CreateConfiguration"})
    assert outcome.create == "contoso-ws-1-0a1b2c3d"
    assert (outcome.configuration, outcome.matched_by) == (
        "contoso-ws-1-0a1b2c3d",
        MatchedBy.CREATED,
    )
    live = {"state": "Matched", "configuration": "contoso-ws-1-0a1b2c3d", "matchedBy": "Created"}
    again = resolve({"decision": "CreateConfiguration"}, live=live, exact=SERIAL_TWINS)
    assert again.create is None
    assert again.decided
    named = resolve({"decision": "CreateConfiguration", "configurationName": "spare"})
    assert (named.configuration, named.create) == ("spare", None)


def test_ignore_and_revert() -> None:
    ignored = resolve(
        {"decision": "Ignore"}, automatic=dd.Automatic(configuration="cfg-a", rule="mac")
    )
    assert (ignored.state, ignored.configuration) == (MatchState.IGNORED, None)
    live = {"state": "Matched", "configuration": "spare", "matchedBy": "Manual"}
    reverted = resolve(None, live=live, suggestions=[])
    assert (reverted.state, reverted.configuration) == (MatchState.UNMATCHED, None)


def test_an_automatic_hit_on_a_configuration_gone_from_the_namespace_is_not_a_match() -> None:
    outcome = resolve(automatic=dd.Automatic(configuration="deleted", rule="serial"))
    assert outcome.state == MatchState.UNMATCHED
