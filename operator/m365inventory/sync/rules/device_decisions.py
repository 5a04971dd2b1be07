"""Turn a person's decision on a DeviceMatch and the matcher's findings into an outcome (pure).

The decision handler (a spec edit, applied at once) and the scheduled sync (new facts) both
call `resolve_device`, so neither can undo the other. The reference's rules: a unique exact
match on serial number or MAC address is automatic; everything else waits for a person, who can
accept the suggestion, match to a named Configuration, create one (only when no serial or MAC
match exists: "try those first"), or ignore the device. No decision is a revert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any

from m365inventory.model.matches import DeviceDecision, MatchedBy, MatchState

# Decided condition reasons.
APPLIED = "Applied"
AUTOMATIC = "AutomaticMatch"
AWAITING = "AwaitingDecision"
IGNORED = "Ignored"
NOT_FOUND = "ConfigurationNotFound"
TAKEN = "ConfigurationTaken"
NO_SUGGESTION = "NoSuggestion"
EXACT_MATCH_EXISTS = "SerialOrMacMatchExists"

RULE_EVIDENCE = {"serial": "serial number", "mac": "MAC address", "bound": "earlier match"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """A suggested Configuration (name = Kubernetes name) with its score and evidence."""

    name: str
    score: int
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Automatic:
    """The matcher's automatic hit: a unique serial, MAC or earlier binding."""

    configuration: str
    rule: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceOutcome:
    """Where a DeviceMatch should stand, and what must happen to get there."""

    state: MatchState
    configuration: str | None
    matched_by: MatchedBy | None
    decided: bool
    reason: str
    message: str
    create: str | None = None
    """Name of a Configuration to create before matching to it."""


def _keep(live: Mapping[str, Any], *, reason: str, message: str) -> DeviceOutcome:
    """Leave the current state as it is, and say why the decision could not be applied."""
    state = MatchState(live.get("state") or MatchState.UNMATCHED)
    configuration = live.get("configuration") if state == MatchState.MATCHED else None
    matched_by = live.get("matchedBy") if configuration else None
    return DeviceOutcome(
        state=state,
        configuration=configuration,
        matched_by=MatchedBy(matched_by) if matched_by else None,
        decided=False,
        reason=reason,
        message=message,
    )


def _matched(
    configuration: str, by: MatchedBy, message: str, *, reason: str = APPLIED
) -> DeviceOutcome:
    return DeviceOutcome(
        state=MatchState.MATCHED,
        configuration=configuration,
        matched_by=by,
        decided=True,
        reason=reason,
        message=message,
    )


def resolve_device(
    *,
    spec: Mapping[str, Any],
    live_status: Mapping[str, Any],
    automatic: Automatic | None,
    suggestions: Sequence[Candidate],
    exact_candidates: Sequence[Candidate],
    configurations: Set[str],
    taken: Mapping[str, str],
    create_name: str,
) -> DeviceOutcome:
    """The outcome for one device.

    `exact_candidates`: Configurations sharing the device's serial or a MAC (bound or not);
    CreateConfiguration is refused while there are any. `taken`: Configuration → the
    DeviceMatch of another device that holds it. `create_name`: the name CreateConfiguration
    uses when spec.configurationName is unset.
    """
    decision = spec.get("decision")
    live_config = (
        live_status.get("configuration") if live_status.get("state") == MatchState.MATCHED else None
    )
    live_by = live_status.get("matchedBy")

    if decision == DeviceDecision.IGNORE:
        return DeviceOutcome(
            state=MatchState.IGNORED,
            configuration=None,
            matched_by=None,
            decided=True,
            reason=IGNORED,
            message="ignored: not counted as unmatched",
        )

    if decision == DeviceDecision.MATCH_TO:
        target = str(spec.get("configurationName"))
        if target not in configurations:
            return _keep(
                live_status,
                reason=NOT_FOUND,
                message=f"Configuration {target!r} does not exist in this namespace or belongs "
                "to another Organization: create it, or correct spec.configurationName",
            )
        if target in taken:
            return _keep(
                live_status,
                reason=TAKEN,
                message=f"Configuration {target!r} is already matched to {taken[target]}: "
                "revert that match first",
            )
        return _matched(target, MatchedBy.MANUAL, f"matched to {target}")

    if decision == DeviceDecision.ACCEPT_SUGGESTION:
        if live_config and live_by == MatchedBy.SUGGESTION and live_config in configurations:
            return _matched(
                live_config, MatchedBy.SUGGESTION, f"matched to suggested {live_config}"
            )
        best = next((s for s in suggestions if s.name in configurations), None)
        if best is None or best.name in taken:
            return _keep(
                live_status,
                reason=NO_SUGGESTION,
                message="there is no suggestion to accept: use MatchTo with a "
                "configurationName, or CreateConfiguration",
            )
        return _matched(
            best.name,
            MatchedBy.SUGGESTION,
            f"matched to suggested {best.name} (score {best.score})",
        )

    if decision == DeviceDecision.CREATE_CONFIGURATION:
        target = str(spec.get("configurationName") or create_name)
        if live_config == target and live_by == MatchedBy.CREATED:
            return _matched(target, MatchedBy.CREATED, f"created and matched to {target}")
        if exact_candidates:
            listed = ", ".join(
                f"{c.name} ({'+'.join(e for e in c.evidence if not e.startswith('name:'))})"
                for c in exact_candidates[:5]
            )
            return _keep(
                live_status,
                reason=EXACT_MATCH_EXISTS,
                message=f"Configurations with the same serial number or MAC address exist: "
                f"{listed}. Match to one of them (MatchTo) instead of documenting the device twice",
            )
        if target in taken:
            return _keep(
                live_status,
                reason=TAKEN,
                message=f"Configuration {target!r} is already matched to {taken[target]}",
            )
        return DeviceOutcome(
            state=MatchState.MATCHED,
            configuration=target,
            matched_by=MatchedBy.CREATED,
            decided=True,
            reason=APPLIED,
            message=f"created and matched to {target}",
            create=None if target in configurations else target,
        )

    # No decision: the automatic rules, or unmatched (which is also a revert).
    if automatic is not None and automatic.configuration in configurations:
        why = RULE_EVIDENCE.get(automatic.rule, automatic.rule)
        message = f"the {why} matches Configuration {automatic.configuration} uniquely"
        if automatic.rule == "bound" and live_config == automatic.configuration:
            # Kept by its earlier match: keep saying why it matched then (and write nothing).
            earlier = next(
                (c for c in live_status.get("conditions") or [] if c.get("type") == "Decided"),
                None,
            )
            if earlier is not None and earlier.get("reason") == AUTOMATIC:
                message = str(earlier.get("message") or message)
        return _matched(automatic.configuration, MatchedBy.EXACT, message, reason=AUTOMATIC)
    if suggestions:
        best = suggestions[0]
        return DeviceOutcome(
            state=MatchState.UNMATCHED,
            configuration=None,
            matched_by=None,
            decided=False,
            reason=AWAITING,
            message=f"suggested {best.name} ({best.score}; {', '.join(best.evidence)}): set "
            "spec.decision to AcceptSuggestion, MatchTo, CreateConfiguration or Ignore",
        )
    return DeviceOutcome(
        state=MatchState.UNMATCHED,
        configuration=None,
        matched_by=None,
        decided=False,
        reason=AWAITING,
        message="no similar Configuration: set spec.decision to CreateConfiguration, MatchTo "
        "or Ignore",
    )
