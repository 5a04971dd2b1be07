"""Base classes and shared field types for the API models.

The pydantic models in `model/` are the single source of truth for the CRDs: every field's
description becomes `kubectl explain` text, every constraint becomes schema validation.
Names are camelCase on the wire (Kubernetes convention) and snake_case in Python.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue
from pydantic.alias_generators import to_camel

JsonDict = dict[str, JsonValue]

GUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
"""A Microsoft Entra tenant or application ID: a GUID in its 8-4-4-4-12 form."""

DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS_SUBDOMAIN_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"

Guid = Annotated[str, Field(pattern=GUID_PATTERN, min_length=36, max_length=36)]
ObjectName = Annotated[str, Field(pattern=DNS_SUBDOMAIN_PATTERN, min_length=1, max_length=253)]
SecretKey = Annotated[str, Field(pattern=r"^[-._a-zA-Z0-9]+$", min_length=1, max_length=253)]
ShortText = Annotated[str, Field(max_length=1024)]
Score = Annotated[int, Field(ge=0, le=100)]

CEL = "x-kubernetes-validations"


def cel(rule: str, message: str, *, field_path: str | None = None) -> JsonDict:
    """One CEL validation rule for `x-kubernetes-validations`."""
    entry: JsonDict = {"rule": rule, "message": message}
    if field_path is not None:
        entry["fieldPath"] = field_path
    return entry


def validations(*rules: JsonDict) -> ConfigDict:
    """Model config carrying CEL rules that span several fields of the model."""
    listed: list[JsonValue] = [*rules]
    return ConfigDict(json_schema_extra={CEL: listed})


class ApiModel(BaseModel):
    """Base of every API model: camelCase aliases, tolerant of fields added by newer versions."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        use_attribute_docstrings=True,
    )

    def to_api(self) -> dict[str, Any]:
        """The object as the API server wants it: aliases, no unset optional fields."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


ConditionStatus = Literal["True", "False", "Unknown"]


class Condition(ApiModel):
    """A standard Kubernetes condition (metav1.Condition)."""

    type: Annotated[str, Field(max_length=316)]
    """Type of condition in CamelCase, e.g. Ready, Synced or CredentialsValid."""
    status: ConditionStatus
    """Status of the condition: True, False or Unknown."""
    reason: Annotated[str, Field(max_length=1024)]
    """A programmatic, CamelCase identifier of why the condition last changed."""
    message: Annotated[str, Field(max_length=32768)] = ""
    """A human-readable message with details about the transition, saying what to do."""
    last_transition_time: datetime
    """When the condition last changed from one status to another."""
    observed_generation: int | None = None
    """The metadata.generation the condition was set for."""


class SecretKeyReference(ApiModel):
    """A key in a Secret in the same namespace as the object that refers to it."""

    name: ObjectName
    """Name of the Secret. It must be in the same namespace: cross-namespace references are not
    allowed, so one team cannot point the operator at another team's Secrets."""
    key: SecretKey
    """Key within the Secret's data."""


class LocalObjectReference(ApiModel):
    """A reference by name to an object in the same namespace."""

    name: ObjectName
    """Name of the object."""


class ObjectCount(ApiModel):
    """Counts of matched objects: how many there are and how they were decided."""

    total: Annotated[int, Field(ge=0)] = 0
    """All objects seen in Microsoft."""
    matched: Annotated[int, Field(ge=0)] = 0
    """Objects matched to documentation."""
    unmatched: Annotated[int, Field(ge=0)] = 0
    """Objects waiting for a decision."""
    ignored: Annotated[int, Field(ge=0)] = 0
    """Objects a person chose to ignore."""
