"""Parse Graph objects one by one, so one malformed object costs only itself.

Microsoft's data is not ours to trust: a single user with a value our model refuses must not
fail the tenant (let alone every tenant). The object is skipped and named by kind, id and the
fields at fault, never by its values (they are a customer's directory data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
MAX_FIELDS = 16


@dataclass(frozen=True, slots=True)
class InvalidRecord:
    """One object that did not validate."""

    kind: str
    id: str
    fields: tuple[str, ...]


def parse_or_skip(
    parse: type[M], item: Mapping[str, Any], *, skipped: list[InvalidRecord]
) -> M | None:
    """`parse.model_validate(item)`, or None with the object appended to `skipped`."""
    try:
        return parse.model_validate(item)
    except ValidationError as invalid:
        fields = tuple(
            dict.fromkeys(
                ".".join(str(part) for part in error["loc"]) or "(object)"
                for error in invalid.errors(include_input=False, include_url=False)
            )
        )[:MAX_FIELDS]
        raw_id = item.get("id")
        skipped.append(
            InvalidRecord(
                kind=parse.__name__,
                id=str(raw_id)[:256] if isinstance(raw_id, str) else "(no id)",
                fields=fields,
            )
        )
        return None
