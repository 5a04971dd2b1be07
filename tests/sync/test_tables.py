"""Table: objects by name with secondary indexes that follow every write."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from m365inventory.sync.state.tables import Table, field


def contact(org: str | None, tenant: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"metadata": {"name": "x"}, "spec": {}}
    if org is not None:
        body["spec"]["organization"] = org
    if tenant is not None:
        body["status"] = {"microsoft": {"tenantId": tenant}}
    return body


def table() -> Table:
    return Table(
        {"org": field("spec", "organization"), "tenant": field("status", "microsoft", "tenantId")}
    )


def test_names_follow_puts_rewrites_and_deletes() -> None:
    t = table()
    t["a"] = contact("contoso", "t1")
    t["b"] = contact("contoso")
    t["c"] = contact("fabrikam", "t1")
    assert t.names("org", "contoso") == ["a", "b"]
    assert t.names("tenant", "t1") == ["a", "c"]
    assert t.names("tenant", "t2") == []

    t["b"] = contact("contoso", "t2")  # gained a tenant
    t["a"] = contact("fabrikam", "t1")  # moved Organization
    assert t.names("org", "contoso") == ["b"]
    assert t.names("org", "fabrikam") == ["c", "a"]
    assert t.names("tenant", "t2") == ["b"]

    del t["c"]
    assert t.names("org", "fabrikam") == ["a"]
    assert t.names("tenant", "t1") == ["a"]
    assert sorted(t.keys_of("org")) == ["contoso", "fabrikam"]
    t.pop("a")
    assert t.keys_of("org") == ["contoso"]
    assert "a" not in t
    assert len(t) == 1


def test_an_unchanged_key_keeps_its_place() -> None:
    t = table()
    for name in ("a", "b", "c"):
        t[name] = contact("contoso")
    t["a"] = contact("contoso", "t1")
    assert t.names("org", "contoso") == ["a", "b", "c"]


def test_names_is_a_copy_safe_to_write_while_iterating() -> None:
    t = table()
    t["a"] = contact("contoso")
    t["b"] = contact("contoso")
    for name in t.names("org", "contoso"):
        del t[name]
    assert not t
    assert t.keys_of("org") == []


def test_missing_and_empty_values_are_not_indexed() -> None:
    t = table()
    t["a"] = {"metadata": {"name": "a"}}
    t["b"] = contact("")
    t["c"] = {"spec": "not a mapping"}
    assert t.keys_of("org") == []
    assert t.keys_of("tenant") == []
    with pytest.raises(KeyError):
        t.names("missing", "x")


def test_built_from_items() -> None:
    t = Table({"org": field("spec", "organization")}, {"a": contact("contoso")})
    assert t.names("org", "contoso") == ["a"]


ops = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d"]),
        st.one_of(st.none(), st.sampled_from(["contoso", "fabrikam", ""])),
        st.booleans(),
    ),
    max_size=40,
)


@given(ops)
def test_index_always_equals_a_full_scan(steps: list[tuple[str, str | None, bool]]) -> None:
    t = table()
    for name, org, delete in steps:
        if delete:
            t.pop(name, None)
        else:
            t[name] = contact(org)
    for org in ("contoso", "fabrikam", ""):
        scanned = {n for n, b in t.items() if (b.get("spec") or {}).get("organization") == org}
        assert set(t.names("org", org)) == (scanned if org else set())
