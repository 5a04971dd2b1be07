"""The OData query options Graph clients use: $select, $top, $filter, $count, paging tokens.

Only the `$filter` forms a sync needs are understood (`prop eq 'text'|true|false|number`,
`startswith(prop,'text')`, joined by `and`); anything else is a 400, as Graph answers for
filters a resource does not support. Skip and delta tokens are opaque base64url JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from m365inventory.simulator.errors import GraphError, bad_request

_EQ = re.compile(r"^\s*([A-Za-z][\w/]*)\s+eq\s+('(?:[^']|'')*'|true|false|null|-?\d+)\s*$")
_STARTSWITH = re.compile(r"^\s*startswith\(\s*([A-Za-z][\w/]*)\s*,\s*'((?:[^']|'')*)'\s*\)\s*$")
# Advanced-query forms (strictness.py lets them through only with ConsistencyLevel: eventual).
_NE = re.compile(r"^\s*([A-Za-z][\w/]*)\s+ne\s+('(?:[^']|'')*'|true|false|null|-?\d+)\s*$")
_ENDSWITH = re.compile(r"^\s*endswith\(\s*([A-Za-z][\w/]*)\s*,\s*'((?:[^']|'')*)'\s*\)\s*$")


@dataclass(frozen=True)
class Query:
    select: tuple[str, ...] | None
    top: int | None
    filter: str | None
    count: bool
    search: str | None
    skiptoken: str | None
    deltatoken: str | None

    @classmethod
    def parse(cls, params: Mapping[str, str], *, headers: Mapping[str, str]) -> Query:
        top_text = params.get("$top")
        top: int | None = None
        if top_text is not None:
            if not top_text.isdigit() or int(top_text) < 1:
                raise bad_request(f"Invalid value '{top_text}' for $top query option found.")
            top = int(top_text)
        count = params.get("$count", "").lower() == "true"
        if count and headers.get("consistencylevel", "").lower() != "eventual":
            raise GraphError(
                400,
                "Request_BadRequest",
                "$count is not currently supported. Add the ConsistencyLevel header "
                "with value eventual to use advanced query capabilities.",
            )
        select = params.get("$select")
        return cls(
            select=tuple(s.strip() for s in select.split(",") if s.strip()) if select else None,
            top=top,
            filter=params.get("$filter"),
            count=count,
            search=params.get("$search"),
            skiptoken=params.get("$skiptoken"),
            deltatoken=params.get("$deltatoken"),
        )


def project(
    item: dict[str, Any], select: tuple[str, ...] | None, default: tuple[str, ...] | None
) -> dict[str, Any]:
    """Apply $select (or the endpoint's default property set) to one rendered entity.

    `id` and `@odata.*` annotations always stay; a selected property the simulator does not
    model comes back null, as an unset Graph property does.
    """
    keys = select or default
    if not keys:
        return item
    lowered = {k.lower(): k for k in item}
    chosen = {lowered[k.lower()] for k in keys if k.lower() in lowered} | {"id"}
    projected = {k: v for k, v in item.items() if k in chosen or k.startswith("@odata")}
    for name in select or ():
        if name.lower() not in lowered and name.lower() not in _NAVIGATIONS:
            projected[name] = None
    return projected


#: Navigation properties: selecting them adds nothing to the entity itself.
_NAVIGATIONS = {"members", "owners", "manager", "memberof"}


def check_select(select: tuple[str, ...] | None, known: AbstractSet[str], *, entity: str) -> None:
    """400 as Graph answers a `$select` of a property the entity type does not have."""
    for name in select or ():
        if name.lower() not in {k.lower() for k in known}:
            raise bad_request(
                f"Could not find a property named '{name}' on type 'microsoft.graph.{entity}'.",
                code="BadRequest",
            )


def compile_filter(expression: str | None) -> Callable[[dict[str, Any]], bool]:
    """A predicate over rendered entities for the supported $filter subset."""
    if not expression:
        return lambda _item: True
    clauses = [c for c in re.split(r"\s+and\s+", expression.strip()) if c]
    tests: list[Callable[[dict[str, Any]], bool]] = []
    for clause in clauses:
        if match := _EQ.match(clause):
            tests.append(_equals(match.group(1), _literal(match.group(2))))
        elif match := _STARTSWITH.match(clause):
            tests.append(_starts_with(match.group(1), match.group(2).replace("''", "'")))
        elif match := _NE.match(clause):
            tests.append(_negated(_equals(match.group(1), _literal(match.group(2)))))
        elif match := _ENDSWITH.match(clause):
            tests.append(_ends_with(match.group(1), match.group(2).replace("''", "'")))
        else:
            raise bad_request(
                f"Invalid filter clause: {clause.strip()}", code="Request_UnsupportedQuery"
            )
    return lambda item: all(test(item) for test in tests)


def _equals(path: str, literal: Any) -> Callable[[dict[str, Any]], bool]:
    def test(item: dict[str, Any]) -> bool:
        return bool(_fold(_lookup(item, path)) == _fold(literal))

    return test


def _starts_with(path: str, prefix: str) -> Callable[[dict[str, Any]], bool]:
    def test(item: dict[str, Any]) -> bool:
        return str(_lookup(item, path) or "").lower().startswith(prefix.lower())

    return test


def _negated(test: Callable[[dict[str, Any]], bool]) -> Callable[[dict[str, Any]], bool]:
    return lambda item: not test(item)


def _ends_with(path: str, suffix: str) -> Callable[[dict[str, Any]], bool]:
    def test(item: dict[str, Any]) -> bool:
        return str(_lookup(item, path) or "").lower().endswith(suffix.lower())

    return test


def search_predicate(expression: str | None) -> Callable[[dict[str, Any]], bool]:
    """`$search="property:text"` (one clause): Graph tokenizes; this matches a substring."""
    if not expression:
        return lambda _item: True
    clause = expression.strip().strip('"')
    prop, sep, text = clause.partition(":")
    if not sep or not prop.strip():
        raise bad_request(f"Syntax error: invalid $search clause {expression!r}.")
    return lambda item: text.strip().lower() in str(_lookup(item, prop.strip()) or "").lower()


def _literal(text: str) -> Any:
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    return int(text)


def _lookup(item: dict[str, Any], path: str) -> Any:
    value: Any = item
    for part in path.split("/"):
        if not isinstance(value, dict):
            return None
        lowered = {k.lower(): k for k in value}
        value = value.get(lowered.get(part.lower(), part))
    return value


def _fold(value: Any) -> Any:
    """Graph compares directory strings case-insensitively."""
    return value.lower() if isinstance(value, str) else value


def encode_token(state: dict[str, Any]) -> str:
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_token(token: str) -> dict[str, Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad_request("Badly formed token.", code="Request_BadRequest") from None
    if not isinstance(state, dict):
        raise bad_request("Badly formed token.", code="Request_BadRequest")
    return state
