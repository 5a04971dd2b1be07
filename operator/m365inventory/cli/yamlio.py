"""YAML rendering shared by the commands that write manifests (CRDs, decisions)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml


class _PlainDumper(yaml.SafeDumper):
    """Block-style YAML without anchors, so every generated file reads on its own."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_PlainDumper.add_representer(str, _str_presenter)


def dump(document: Any) -> str:
    """One YAML document."""
    return yaml.dump(document, Dumper=_PlainDumper, sort_keys=False, width=100, allow_unicode=True)


def dump_all(documents: Iterable[Any]) -> str:
    """Several YAML documents separated by `---`."""
    return "---\n".join(dump(d) for d in documents)
