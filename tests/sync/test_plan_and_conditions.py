"""Write planning and condition bookkeeping (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from m365inventory.sync.rules import conditions, plan

NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=10,
)


def test_contains_ignores_fields_owned_by_others() -> None:
    live = {"status": {"state": "Matched", "kopf": {"x": 1}}, "metadata": {"uid": "u"}}
    assert plan.contains(live, {"status": {"state": "Matched"}})
    assert not plan.contains(live, {"status": {"state": "Unmatched"}})


def test_none_means_absent() -> None:
    assert plan.contains({"a": 1}, {"b": None})
    assert not plan.contains({"a": 1, "b": 2}, {"b": None})


def test_lists_compare_whole() -> None:
    assert plan.contains({"l": [{"a": 1, "x": 2}]}, {"l": [{"a": 1}]})
    assert not plan.contains({"l": [1, 2]}, {"l": [1]})


@given(json_values)
def test_everything_contains_itself(value: object) -> None:
    assert plan.contains(value, value) or _has_none(value)


def _has_none(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_has_none(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_none(v) for v in value)
    return False


def test_needs_status_write() -> None:
    assert plan.needs_status_write(None, {"a": 1})
    assert not plan.needs_status_write({"status": {"a": 1, "b": 2}}, {"a": 1})
    assert plan.needs_status_write({"metadata": {}}, {"a": 1})


def test_transition_time_moves_only_when_status_flips() -> None:
    first = conditions.set_condition(
        [], type="Ready", status=True, reason="Succeeded", message="ok", now=NOW
    )
    later = NOW + timedelta(hours=1)
    same = conditions.set_condition(
        first, type="Ready", status=True, reason="Succeeded", message="still ok", now=later
    )
    assert same[0]["lastTransitionTime"] == "2026-11-22T07:00:00Z"
    assert same[0]["message"] == "still ok"
    flipped = conditions.set_condition(
        same, type="Ready", status=False, reason="Failed", message="no", now=later
    )
    assert flipped[0]["lastTransitionTime"] == "2026-11-22T08:00:00Z"


def test_conditions_stay_sorted_and_unique() -> None:
    conds = conditions.set_condition(
        [], type="Synced", status=True, reason="r", message="", now=NOW
    )
    conds = conditions.set_condition(
        conds, type="Ready", status="Unknown", reason="r", message="", now=NOW, generation=3
    )
    conds = conditions.set_condition(
        conds, type="Synced", status=False, reason="r", message="", now=NOW
    )
    assert [c["type"] for c in conds] == ["Ready", "Synced"]
    assert conds[0]["observedGeneration"] == 3
    assert conditions.get_condition(conds, "Synced")["status"] == "False"  # type: ignore[index]


def test_needs_decision_compares_generation_with_the_observed_one() -> None:
    assert plan.needs_decision({"metadata": {"generation": 2}, "status": {"observedGeneration": 1}})
    assert plan.needs_decision({"metadata": {"generation": 1}, "spec": {"decision": "Ignore"}})
    # Just created by the sync, status not yet written: nothing to decide.
    assert not plan.needs_decision({"metadata": {"generation": 1}})
    assert not plan.needs_decision({"metadata": {"generation": 1}, "spec": {}, "status": {}})
    assert not plan.needs_decision(
        {"metadata": {"generation": 3}, "status": {"observedGeneration": 3, "state": "Matched"}}
    )
    assert not plan.needs_decision({"metadata": {}, "status": None})
