"""Where Graph refuses a query, the simulator refuses it too: one check before every handler.

Each rule is Microsoft's documented behaviour (pages named beside it), so a client that only
works against a lenient fake fails here first:

- `$select` of a property the v1.0 type does not have: 400 `BadRequest` "Could not find a
  property named …" (https://learn.microsoft.com/graph/query-parameters#select-parameter).
- `signInActivity` where it cannot be selected: on `users/delta` (the user delta page lists
  the properties delta tracks; signInActivity is not one,
  https://learn.microsoft.com/graph/api/user-delta) and on a user addressed by user principal
  name, which Graph answers "Get By Key only supports UserId and the key has to be a valid
  Guid" (https://learn.microsoft.com/graph/api/resources/signinactivity).
- `$top` outside 1..999 on directory collections ("Invalid page size specified",
  https://learn.microsoft.com/graph/paging), and `$top` on resources that do not support it:
  delta functions (https://learn.microsoft.com/graph/delta-query-users), subscribedSkus
  (https://learn.microsoft.com/graph/api/subscribedsku-list: "does not support OData query
  parameters" beyond $select) and the BitLocker key list
  (https://learn.microsoft.com/graph/api/bitlocker-list-recoverykeys: `$filter` by deviceId
  only).
- `$search`, and `$filter` with `ne`, `not`, `endsWith` or `in` on directory objects, only with
  `ConsistencyLevel: eventual` (and `$count=true` for the filters): the "advanced queries"
  (https://learn.microsoft.com/graph/aad-advanced-queries).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

from m365inventory.simulator import odata, schema
from m365inventory.simulator.errors import GraphError, bad_request
from m365inventory.simulator.odata import Query

#: Directory collections: $top must be 1..999.
DIRECTORY_TOP_MAX = 999
_DIRECTORY_COLLECTIONS = frozenset(
    {"/users", "/groups", "/groups/{id}/members", "/applications", "/domains"}
)
_TOP_UNSUPPORTED = frozenset(
    {
        "/users/delta",
        "/groups/delta",
        "/subscribedSkus",
        "/informationProtection/bitlocker/recoveryKeys",
    }
)
#: Where advanced queries ($search, ne/not/endsWith/in) exist at all.
_ADVANCED_CAPABLE = frozenset({"/users", "/groups", "/groups/{id}/members", "/applications"})
_ADVANCED_FILTER = re.compile(r"\bne\b|\bnot\b|\bendswith\s*\(|\bin\s*\(", re.IGNORECASE)
_FIRST_PROPERTY = re.compile(r"([A-Za-z][\w/]*)\s+(?:ne|eq|in)\b|\(\s*([A-Za-z][\w/]*)")

NOT_BY_UPN = "Get By Key only supports UserId and the key has to be a valid Guid"


def check(
    *,
    template: str,
    query: Query,
    params: Mapping[str, str],
    headers: Mapping[str, str],
    path_params: Mapping[str, str],
) -> None:
    """Raise the GraphError Graph would answer for this query, or return."""
    _check_select(template, query)
    _check_sign_in_activity(template, query, path_params)
    _check_top(template, query)
    eventual = headers.get("consistencylevel", "").lower() == "eventual"
    _check_search(template, params, eventual=eventual)
    _check_advanced_filter(template, query, eventual=eventual)


def _check_select(template: str, query: Query) -> None:
    known = schema.BY_TEMPLATE.get(template)
    if known is None or not query.select:
        return
    entity, names = known
    odata.check_select(query.select, names, entity=entity)


def _selects_sign_in(query: Query) -> bool:
    return any(s.lower() == "signinactivity" for s in query.select or ())


def _check_sign_in_activity(template: str, query: Query, path_params: Mapping[str, str]) -> None:
    if not _selects_sign_in(query):
        return
    if template == "/users/delta":
        raise bad_request(
            "Could not find a property named 'signInActivity' on type 'microsoft.graph.user' "
            "for delta queries.",
            code="BadRequest",
        )
    if template == "/users/{id}" and not _is_guid(path_params.get("id", "")):
        raise bad_request(NOT_BY_UPN, code="Request_BadRequest")


def _is_guid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _check_top(template: str, query: Query) -> None:
    if query.top is None:
        return
    if template in _TOP_UNSUPPORTED:
        raise GraphError(
            400,
            "Request_UnsupportedQuery",
            "The query option '$top' is not supported for this request.",
        )
    if template in _DIRECTORY_COLLECTIONS and query.top > DIRECTORY_TOP_MAX:
        raise bad_request(
            f"Invalid page size specified: '{query.top}'. Must be between 1 and "
            f"{DIRECTORY_TOP_MAX} inclusive.",
            code="Request_BadRequest",
        )


def _check_search(template: str, params: Mapping[str, str], *, eventual: bool) -> None:
    if "$search" not in params:
        return
    if template not in _ADVANCED_CAPABLE:
        raise GraphError(
            400, "Request_UnsupportedQuery", "Search is not supported for this request."
        )
    if not eventual:
        raise GraphError(
            400,
            "Request_UnsupportedQuery",
            "Request with $search query parameter only works through MSGraph with a special "
            "request header: 'ConsistencyLevel: eventual'",
        )


def _check_advanced_filter(template: str, query: Query, *, eventual: bool) -> None:
    if not query.filter:
        return
    unquoted = re.sub(r"'(?:[^']|'')*'", "''", query.filter)
    if not _ADVANCED_FILTER.search(unquoted):
        return
    if template in _ADVANCED_CAPABLE and eventual and query.count:
        return
    entity = schema.BY_TEMPLATE.get(template, ("resource", frozenset()))[0]
    found = _FIRST_PROPERTY.search(unquoted)
    prop = next((g for g in found.groups() if g), "") if found else ""
    raise GraphError(
        400,
        "Request_UnsupportedQuery",
        f"Unsupported or invalid query filter clause specified for property '{prop}' of "
        f"resource '{entity[:1].upper()}{entity[1:]}'.",
    )
