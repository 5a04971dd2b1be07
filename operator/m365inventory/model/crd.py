"""Generate CustomResourceDefinitions from the pydantic models (pure: data in, data out).

The models are the single source of truth; `make crds` writes the output of `build_crds()` to
`crds/` and the chart, and a test fails when the committed files drift from it.

Pydantic emits JSON Schema (draft 2020-12); Kubernetes wants a *structural* OpenAPI v3 subset:
no `$ref`, no `anyOf` for optional fields, a `type` everywhere, and a description on every
field so `kubectl explain` documents the API. This module translates one into the other.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from m365inventory.model.resources import (
    ALL_KINDS,
    CATEGORY,
    GROUP,
    VERSION,
    Kind,
)

Schema = dict[str, Any]

_KEPT_KEYWORDS = {
    "type",
    "description",
    "default",
    "enum",
    "format",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "required",
    "properties",
    "items",
    "additionalProperties",
    "nullable",
}
_KUBERNETES_FORMATS = {"date-time", "date", "int32", "int64", "byte", "duration"}

KOPF_STATUS_FIELD: Schema = {
    "type": "object",
    "description": "Bookkeeping of the kopf framework the operator is built on.",
    "x-kubernetes-preserve-unknown-fields": True,
}


class _CrdJsonSchema(GenerateJsonSchema):
    """Pydantic's generator, plus `default: {}` for object fields with a model default factory,
    so that the API server fills in their nested defaults (`spec.sync`, `spec.matching`)."""

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        json_schema = super().default_schema(schema)
        factory = schema.get("default_factory")
        if factory is not None and isinstance(factory, type) and issubclass(factory, BaseModel):
            json_schema["default"] = {}
        return json_schema


class SchemaError(ValueError):
    """A model uses a construct that has no structural-schema equivalent."""


def _resolve(node: Schema, defs: dict[str, Schema]) -> Schema:
    """Inline `$ref`, `allOf: [one]` and `anyOf: [X, null]`, keeping the outer keywords."""
    node = dict(node)
    if "allOf" in node and len(node["allOf"]) == 1:
        node = {**node.pop("allOf")[0], **node}
    if "$ref" in node:
        target = defs[node.pop("$ref").rsplit("/", 1)[-1]]
        node = {**_resolve(target, defs), **node}
    if "anyOf" in node:
        options = [o for o in node.pop("anyOf") if o.get("type") != "null"]
        if len(options) != 1:
            raise SchemaError(f"unions are not structural: {options!r}")
        node = {**_resolve(options[0], defs), **node}
    if "const" in node:
        node.setdefault("enum", [node.pop("const")])
    return node


def to_structural(node: Schema, defs: dict[str, Schema], *, path: str = "") -> Schema:
    """Translate one pydantic JSON Schema node (and its children) to a structural schema."""
    node = _resolve(node, defs)
    out: Schema = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-") or key in _KEPT_KEYWORDS:
            out[key] = copy.deepcopy(value)
    if "description" in out:
        out["description"] = " ".join(out["description"].split())
    if out.get("default", ...) is None:
        del out["default"]
    if "format" in out and out["format"] not in _KUBERNETES_FORMATS:
        del out["format"]
    if "enum" in out and "type" not in out:
        out["type"] = "string"
    if "properties" in out:
        out["type"] = "object"
        out["properties"] = {
            name: to_structural(child, defs, path=f"{path}.{name}")
            for name, child in out["properties"].items()
        }
        if not out.get("required"):
            out.pop("required", None)
    if "items" in out:
        out["items"] = to_structural(out["items"], defs, path=f"{path}[]")
    additional = out.get("additionalProperties")
    if additional is True:
        del out["additionalProperties"]
        out["x-kubernetes-preserve-unknown-fields"] = True
    elif isinstance(additional, dict):
        out["additionalProperties"] = to_structural(additional, defs, path=f"{path}{{}}")
    elif additional is False:
        del out["additionalProperties"]
    if "type" not in out and not out.get("x-kubernetes-preserve-unknown-fields"):
        raise SchemaError(f"{path or '<root>'}: no type in {node!r}")
    return out


def _model_schema(model: type[Any]) -> Schema:
    raw: Schema = model.model_json_schema(
        by_alias=True, mode="validation", schema_generator=_CrdJsonSchema
    )
    defs: dict[str, Schema] = raw.pop("$defs", {})
    return to_structural(raw, defs, path="")


def _open_api_schema(kind: Kind) -> Schema:
    spec = _model_schema(kind.spec)
    status = _model_schema(kind.status)
    status.setdefault("properties", {})["kopf"] = KOPF_STATUS_FIELD
    root: Schema = {
        "type": "object",
        "description": kind.description,
        "properties": {
            "apiVersion": {
                "type": "string",
                "description": "APIVersion defines the versioned schema of this representation "
                "of an object.",
            },
            "kind": {
                "type": "string",
                "description": "Kind is a string value representing the REST resource this "
                "object represents.",
            },
            "metadata": {"type": "object"},
            "spec": spec,
            "status": status,
        },
    }
    if kind.spec_required:
        root["required"] = ["spec"]
    return root


def _printer_columns(kind: Kind) -> list[Schema]:
    columns: list[Schema] = []
    for column in kind.columns:
        entry: Schema = {"name": column.name, "type": column.type, "jsonPath": column.json_path}
        if column.description:
            entry["description"] = column.description
        if column.priority:
            entry["priority"] = column.priority
        columns.append(entry)
    return columns


def build_crd(kind: Kind) -> Schema:
    """The CustomResourceDefinition of one kind."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": kind.crd_name,
            "labels": {"app.kubernetes.io/part-of": "m365-inventory-operator"},
        },
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": kind.kind,
                "listKind": f"{kind.kind}List",
                "plural": kind.plural,
                "singular": kind.singular,
                "shortNames": list(kind.short_names),
                "categories": [CATEGORY],
            },
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": _printer_columns(kind),
                    "schema": {"openAPIV3Schema": _open_api_schema(kind)},
                }
            ],
        },
    }


def build_crds() -> list[Schema]:
    """The CRDs of all six kinds, in a stable order."""
    return [build_crd(kind) for kind in ALL_KINDS]


def undocumented_fields(schema: Schema, *, path: str = "") -> list[str]:
    """Paths of properties that have no description (kubectl explain would show nothing)."""
    missing: list[str] = []
    for name, child in schema.get("properties", {}).items():
        child_path = f"{path}.{name}"
        if name != "metadata" and not child.get("description"):
            missing.append(child_path)
        missing.extend(undocumented_fields(child, path=child_path))
    if "items" in schema:
        missing.extend(undocumented_fields(schema["items"], path=f"{path}[]"))
    return missing
