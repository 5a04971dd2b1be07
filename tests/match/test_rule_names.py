"""A contact rule has one spelling: the one Contact status writes, which the docs use too."""

from __future__ import annotations

import re
from pathlib import Path

from m365inventory.match import contacts
from m365inventory.sync.reconcile import contacts as contact_sync

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "README.md", ROOT / "docs" / "matching.md")


def test_status_writes_the_names_the_match_layer_gives() -> None:
    assert set(contacts.STATUS_NAMES) == set(contacts.RULES)
    shown = {rule: name for rule, name in contacts.STATUS_NAMES.items() if rule != "bound"}
    assert shown == contact_sync.RULE_NAMES


def test_docs_name_the_rules_as_status_writes_them() -> None:
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for rule, name in contacts.STATUS_NAMES.items():
            if rule == "bound":
                continue
            assert f"`{name}`" in text, (path.name, name)
            # Code spans of the identifier alone ("`alias`") are the other spelling; the
            # Python string "alias" (with quotes) may appear where the docs explain the map.
            assert not re.search(rf"`{rule}`", text), (path.name, rule)
