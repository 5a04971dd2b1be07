"""A deep shape check of Graph JSON against Microsoft's own SDK models (msgraph-sdk / Kiota).

Kiota is lenient where Graph is exact: it files unknown or miscased keys under
`additional_data`, parses a wrong-typed value to None, an enum in any case, and a date-only
string as a DateTimeOffset. `check` refuses each of those, at every depth:

- every key is a property of the model, exactly cased (annotations: only Graph's own);
- every non-null value parses (a value Kiota turns into None had the wrong type);
- an enum value is one of the enum's values, exactly cased;
- an Edm.DateTimeOffset is a full ISO 8601 date-time with a zone;
- properties Graph always returns (`ALWAYS`) are present.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
from collections.abc import Mapping
from typing import Any

from kiota_abstractions.serialization import Parsable
from kiota_serialization_json.json_parse_node import JsonParseNode

#: Instance annotations Graph uses in the answers we read, exactly cased.
ANNOTATIONS = frozenset(
    {
        "@odata.context",
        "@odata.nextLink",
        "@odata.deltaLink",
        "@odata.type",
        "@odata.count",
        "@odata.etag",
        "@odata.id",
        "@removed",
        "members@delta",
    }
)

#: Properties Graph returns on every entity of a type (whatever $select says, `id` comes back).
ALWAYS: Mapping[str, frozenset[str]] = {
    "User": frozenset({"id"}),
    "Group": frozenset({"id"}),
    "Organization": frozenset({"id"}),
    "Domain": frozenset({"id"}),
    "SubscribedSku": frozenset({"id", "skuId", "skuPartNumber"}),
    "ManagedDevice": frozenset({"id"}),
    "BitlockerRecoveryKey": frozenset({"id"}),
    "DelegatedAdminCustomer": frozenset({"id"}),
    "DelegatedAdminRelationship": frozenset({"id"}),
    "DirectoryObject": frozenset({"id"}),
    "ODataError": frozenset({"error"}),
    "MainError": frozenset({"code", "message"}),
}

#: Graph writes an error's innerError.date without a zone ("2024-04-05T13:15:36", UTC).
ERROR_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_envelope(body: dict[str, Any]) -> None:
    """A collection page: value, context, and only Graph's annotations, exactly cased."""
    assert "value" in body, "collection page without value"
    assert "@odata.context" in body, "collection page without @odata.context"
    extra = set(body) - {"value"} - ANNOTATIONS
    assert extra == set(), f"collection page has {sorted(extra)}"


#: Entra ID's token error body: "Error response" of the client credentials flow
#: (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow).
TOKEN_ERROR_FIELDS = {
    "error": str,
    "error_description": str,
    "error_codes": list,
    "timestamp": str,
    "trace_id": str,
    "correlation_id": str,
    "error_uri": str,
}


def check_token_error(body: dict[str, Any]) -> None:
    assert set(body) == set(TOKEN_ERROR_FIELDS), sorted(set(body) ^ set(TOKEN_ERROR_FIELDS))
    for name, kind in TOKEN_ERROR_FIELDS.items():
        assert isinstance(body[name], kind), f"{name} is not {kind.__name__}"
    assert all(isinstance(code, int) for code in body["error_codes"])
    assert body["error_description"].startswith(f"AADSTS{body['error_codes'][0]}: ")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z", body["timestamp"])


def parse(factory: type[Parsable], item: Mapping[str, Any]) -> Any:
    return JsonParseNode(json.loads(json.dumps(item))).get_object_value(factory)


def check(factory: type[Parsable], item: Mapping[str, Any], *, where: str = "") -> None:
    """Raise AssertionError naming the first place `item` is not what Graph would send."""
    where = where or factory.__name__
    assert isinstance(item, Mapping), f"{where}: not an object"
    model = parse(factory, item)
    _check_object(model, item, where=where)


def _check_object(model: Any, item: Mapping[str, Any], *, where: str) -> None:
    name = type(model).__name__
    known = set(model.get_field_deserializers())
    for key in ALWAYS.get(name, ()):
        assert key in item, f"{where}: always-present property {key!r} missing"
    for key, value in item.items():
        if key.startswith("@") or "@" in key:
            assert key in ANNOTATIONS or key.endswith("@odata.type"), (
                f"{where}: unknown annotation {key!r}"
            )
            continue
        assert key in known, f"{where}: {name} has no property {key!r}"
        if value is None:
            continue
        parsed = getattr(model, _attribute(model, key), None)
        _check_value(parsed, value, where=f"{where}.{key}")


def _check_value(parsed: Any, raw: Any, *, where: str) -> None:
    if raw in ([], {}):
        return
    assert parsed is not None, f"{where}: {raw!r} does not parse (wrong type)"
    if isinstance(raw, list):
        assert isinstance(parsed, list), f"{where}: not a collection"
        assert len(parsed) == len(raw), f"{where}: items did not parse"
        for index, (one, one_raw) in enumerate(zip(parsed, raw, strict=True)):
            _check_value(one, one_raw, where=f"{where}[{index}]")
        return
    if isinstance(parsed, enum.Enum):
        values = {str(member.value) for member in type(parsed)}
        assert raw in values, f"{where}: {raw!r} is not one of {sorted(values)}"
    elif isinstance(parsed, dt.datetime):
        assert isinstance(raw, str), f"{where}: {raw!r} is not a date-time string"
        pattern = ERROR_DATE if where.endswith("innerError.date") else DATE_TIME
        assert pattern.match(raw), f"{where}: {raw!r} is not a full ISO 8601 date-time"
    elif isinstance(parsed, dt.date):
        assert isinstance(raw, str), f"{where}: {raw!r} is not a date string"
        assert DATE.match(raw), f"{where}: {raw!r} is not an ISO 8601 date"
    elif isinstance(parsed, Parsable) and isinstance(raw, Mapping):
        _check_object(parsed, raw, where=where)
    elif isinstance(raw, bool) or isinstance(parsed, bool):
        assert type(raw) is type(parsed), f"{where}: {raw!r} is not a boolean here"
    elif isinstance(parsed, str):
        assert isinstance(raw, str), f"{where}: {raw!r} is not a string"
    elif isinstance(parsed, (int, float)):
        assert isinstance(raw, (int, float)), f"{where}: {raw!r} is not a number"


def _attribute(model: Any, key: str) -> str:
    """The Python attribute Kiota fills for JSON property `key`."""
    special = {"azureADDeviceId": "azure_a_d_device_id", "wiFiMacAddress": "wi_fi_mac_address"}
    if key in special:
        return special[key]
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower().replace("-", "_")
    if hasattr(model, snake):
        return snake
    # Kiota escapes a few names (e.g. `continue` -> `continue_`).
    return f"{snake}_"
