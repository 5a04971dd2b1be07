"""Load (and write) World fixture files: YAML or JSON, Graph-style camelCase properties.

The format is documented in docs/simulator.md; examples/simulator/world.yaml is a small one.
A malformed fixture raises :class:`FixtureError`, whose message names the file, the line and
the field ("world.yaml:14: tenants[0].users[2].userPrincipleName: unknown field (did you mean
userPrincipalName?)"), which is all a person needs: the commands print it without a traceback.
"""

from __future__ import annotations

import difflib
import json
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pydantic
import yaml

from m365inventory.simulator.world import World


class FixtureError(ValueError):
    """A fixture file that cannot be read or does not describe a world."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        self.path = path
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


def load_world(path: str | Path) -> World:
    """Read a fixture; raises :class:`FixtureError` naming the file, line and field."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FixtureError(source, [f"{source}: cannot read: {error}"]) from None
    is_json = source.suffix == ".json"
    try:
        data = json.loads(text) if is_json else yaml.safe_load(text)
    except json.JSONDecodeError as error:
        raise FixtureError(source, [f"{source}:{error.lineno}: {error.msg}"]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else str(source)
        problem = getattr(error, "problem", None) or str(error)
        raise FixtureError(source, [f"{where}: {problem}"]) from None
    try:
        return World.model_validate(data or {})
    except pydantic.ValidationError as error:
        raise FixtureError(source, _problems(source, text, error)) from None


def _problems(source: Path, text: str, error: pydantic.ValidationError) -> list[str]:
    try:
        tree = yaml.compose(text)  # JSON is YAML too: the node tree knows every line
    except yaml.YAMLError:
        tree = None
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        line = _line_of(tree, loc)
        where = f"{source}:{line}" if line else str(source)
        problems.append(f"{where}: {_dotted(loc) or '(top level)'}: {_message(item)}")
    return problems


def _message(item: Any) -> str:
    loc = tuple(item["loc"])
    if item["type"] != "extra_forbidden" or not loc:
        return str(item["msg"])
    known = _fields_at(loc[:-1])
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown field{hint}"


def _dotted(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line of the value at ``loc`` (or of its key, or of the nearest parent)."""
    if node is None:
        return None
    line: int = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = [(k, v) for k, v in node.value if getattr(k, "value", None) == part]
            if not found:
                return line
            key, node = found[0]
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _fields_at(loc: tuple[int | str, ...]) -> list[str]:
    """The property names a fixture may use at ``loc`` (for "did you mean")."""
    current: Any = World
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int) or not _is_model(current):
            continue
        fields = {info.alias or name: info for name, info in current.model_fields.items()}
        info = fields.get(part)
        if info is None:
            return []
        current = info.annotation
    current = _unwrap(current)
    if not _is_model(current):
        return []
    return [info.alias or name for name, info in current.model_fields.items()]


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, pydantic.BaseModel)


def _unwrap(annotation: Any) -> Any:
    """``list[User] | None`` → ``User``; dict values likewise."""
    while True:
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin in (list, tuple, set, frozenset, typing.Union, types.UnionType) and args:
            annotation = args[0]
        elif origin is dict and len(args) == 2:
            annotation = args[1]
        else:
            return annotation


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
