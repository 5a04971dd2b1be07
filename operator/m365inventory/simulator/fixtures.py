"""Load (and write) World fixture files: YAML or JSON, Graph-style camelCase properties.

The format is documented in docs/simulator.md; examples/simulator/world.yaml is a small one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from m365inventory.simulator.world import World


def load_world(path: str | Path) -> World:
    """Read a fixture; raises pydantic.ValidationError naming the bad field if malformed."""
    text = Path(path).read_text(encoding="utf-8")
    data = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
    return World.model_validate(data or {})


def dump_world(world: World) -> dict[str, Any]:
    """The world as fixture data, secrets revealed (a fixture must carry them to be loadable)."""
    with world.lock:
        data = world.model_dump(mode="python", by_alias=True, exclude_defaults=False)
    revealed: dict[str, Any] = _reveal(data)
    return revealed


def write_world(world: World, path: str | Path) -> None:
    data = dump_world(world)
    target = Path(path)
    if target.suffix == ".json":
        target.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    else:
        target.write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )


def _reveal(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_reveal(v) for v in value]
    if hasattr(value, "get_secret_value"):
        return value.get_secret_value()
    if isinstance(value, frozenset):
        return sorted(value)
    return value
