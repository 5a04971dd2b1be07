"""Bulk decisions, the pure part: rows, selection, decision specs and manifests."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from m365inventory.cli import decisions as d
from m365inventory.model.matches import DeviceMatchSpec, TenantMatchSpec


def tenant_match(
    name: str,
    *,
    state: str = "Unmatched",
    suggestion: tuple[str, int] | None = None,
    decision: dict[str, Any] | None = None,
) -> dict[str, Any]:
    status: dict[str, Any] = {
        "state": state,
        "tenant": {"tenantId": f"id-{name}", "displayName": name.title()},
        "suggestions": [{"name": suggestion[0], "score": suggestion[1]}] if suggestion else [],
    }
    body: dict[str, Any] = {"metadata": {"name": name, "namespace": "msp"}, "status": status}
    if decision is not None:
        body["spec"] = decision
    return body


ROWS = [
    d.row_of(tenant_match("alpha", suggestion=("alpha-org", 95)), target=d.Target.TENANTS),
    d.row_of(tenant_match("bravo", suggestion=("bravo-org", 80)), target=d.Target.TENANTS),
    d.row_of(tenant_match("charlie", suggestion=("c-org", 79)), target=d.Target.TENANTS),
    d.row_of(tenant_match("delta"), target=d.Target.TENANTS),
    d.row_of(
        tenant_match("echo", state="Matched", suggestion=("e-org", 99)), target=d.Target.TENANTS
    ),
    d.row_of(
        tenant_match("foxtrot", state="Ignored", decision={"decision": "Ignore"}),
        target=d.Target.TENANTS,
    ),
]


def test_a_row_carries_what_the_matching_screen_shows() -> None:
    row = ROWS[0]
    assert (row.name, row.subject_id, row.display_name) == ("alpha", "id-alpha", "Alpha")
    assert (row.state, row.suggestion, row.score, row.decision) == (
        "Unmatched",
        "alpha-org",
        95,
        None,
    )
    assert ROWS[5].decision == "Ignore"


def test_a_device_row_reads_device_facts() -> None:
    body = {
        "metadata": {"name": "msp-dev1", "namespace": "msp"},
        "status": {
            "state": "Matched",
            "device": {"deviceId": "dev1", "name": "LAPTOP-1"},
            "configuration": "laptop-1",
        },
    }
    row = d.row_of(body, target=d.Target.DEVICES)
    assert (row.subject_id, row.display_name, row.match, row.suggestion) == (
        "dev1",
        "LAPTOP-1",
        "laptop-1",
        None,
    )


def test_a_match_without_status_yet_counts_as_unmatched() -> None:
    row = d.row_of({"metadata": {"name": "new", "namespace": "msp"}}, target=d.Target.TENANTS)
    assert row.state == "Unmatched"
    assert row.suggestion is None


def test_accept_selects_unmatched_suggestions_at_or_above_the_score() -> None:
    assert [r.name for r in d.acceptable(ROWS, min_score=80)] == ["alpha", "bravo"]
    assert [r.name for r in d.acceptable(ROWS, min_score=96)] == []
    assert [r.name for r in d.acceptable(ROWS, min_score=0)] == ["alpha", "bravo", "charlie"]


def test_without_suggestion_selects_unmatched_with_nothing_good_enough() -> None:
    assert [r.name for r in d.without_suggestion(ROWS, below=0)] == ["delta"]
    assert [r.name for r in d.without_suggestion(ROWS, below=80)] == ["charlie", "delta"]


def test_by_state_filters_and_sorts() -> None:
    assert [r.name for r in d.by_state(reversed(ROWS), states=["Unmatched"])] == [
        "alpha",
        "bravo",
        "charlie",
        "delta",
    ]
    assert len(d.by_state(ROWS, states=[])) == len(ROWS)


def test_names_select_by_object_name_or_tenant_id_and_unknown_names_fail() -> None:
    assert [r.name for r in d.named(ROWS, names=["bravo", "id-delta", "bravo"])] == [
        "bravo",
        "delta",
    ]
    with pytest.raises(LookupError, match="no such match: zulu"):
        d.named(ROWS, names=["alpha", "zulu"])


@pytest.mark.parametrize(
    ("action", "target", "force", "expected"),
    [
        (d.Action.ACCEPT, d.Target.TENANTS, False, {"decision": "AcceptSuggestion"}),
        (d.Action.IGNORE, d.Target.TENANTS, False, {"decision": "Ignore"}),
        (d.Action.CREATE, d.Target.TENANTS, False, {"decision": "CreateOrganization"}),
        (
            d.Action.CREATE,
            d.Target.TENANTS,
            True,
            {"decision": "CreateOrganization", "force": True},
        ),
        (d.Action.CREATE, d.Target.DEVICES, False, {"decision": "CreateConfiguration"}),
        (d.Action.ACCEPT, d.Target.DEVICES, False, {"decision": "AcceptSuggestion"}),
    ],
)
def test_decision_specs_clear_the_fields_of_other_decisions(
    action: d.Action, target: d.Target, force: bool, expected: dict[str, Any]
) -> None:
    spec = d.decision_spec(action, target=target, force=force)
    assert {k: v for k, v in spec.items() if v is not None} == expected
    # A merge patch with null removes a MatchTo target left by an earlier decision.
    name_field = "organizationName" if target == d.Target.TENANTS else "configurationName"
    assert name_field in spec
    assert spec[name_field] is None
    model = TenantMatchSpec if target == d.Target.TENANTS else DeviceMatchSpec
    model.model_validate(expected)


def test_rows_already_carrying_the_decision_are_skipped() -> None:
    ignore = d.decision_spec(d.Action.IGNORE, target=d.Target.TENANTS)
    assert d.already_decided(ROWS[5], ignore)
    assert not d.already_decided(ROWS[3], ignore)


def test_manifest_is_a_complete_object_kubectl_can_apply() -> None:
    spec = d.decision_spec(d.Action.ACCEPT, target=d.Target.TENANTS)
    text = d.manifest_text(ROWS[0], spec, target=d.Target.TENANTS)
    assert text.startswith("# AcceptSuggestion: Alpha (id-alpha)\n")
    assert "# best suggestion when decided: alpha-org (score 95)" in text
    document = yaml.safe_load(text)
    assert document == {
        "apiVersion": "m365.inventory.dev/v1alpha1",
        "kind": "TenantMatch",
        "metadata": {"name": "alpha", "namespace": "msp"},
        "spec": {"decision": "AcceptSuggestion"},
    }
    assert d.file_name(ROWS[0], target=d.Target.TENANTS) == "tenantmatch-alpha.yaml"
    device = d.manifest(
        ROWS[3], d.decision_spec(d.Action.IGNORE, target=d.Target.DEVICES), target=d.Target.DEVICES
    )
    assert device["kind"] == "DeviceMatch"


def test_table_lists_every_row() -> None:
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(d.table(ROWS[:2], target=d.Target.TENANTS, title="t"))
    text = console.export_text()
    assert "alpha-org" in text
    assert "bravo-org" in text
    assert "95" in text
