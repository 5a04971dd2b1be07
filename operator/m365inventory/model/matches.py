"""TenantMatch and DeviceMatch: the operator suggests in status, people decide in spec.

These replace the reference's "Matching" screens: the Unmatched/Matched/Ignored filters become
`status.state`, the row menu (Accept Suggested Match, Match To, Create, Ignore, Revert, Change)
becomes `spec.decision`. Objects have deterministic names, so a decision committed in Git before
the tenant or device is discovered is honoured when it appears.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from m365inventory.model.base import (
    ApiModel,
    Condition,
    ObjectCount,
    ObjectName,
    Score,
    cel,
    validations,
)

CONDITIONS_FIELD = Field(
    max_length=16,
    json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
)


class MatchState(StrEnum):
    """Where a tenant or device stands, as the reference's Unmatched/Matched/Ignored filters."""

    UNMATCHED = "Unmatched"
    MATCHED = "Matched"
    IGNORED = "Ignored"


class MatchedBy(StrEnum):
    """How the current match came about."""

    EXACT = "Exact"
    SUGGESTION = "Suggestion"
    AUTO_ACCEPT = "AutoAccept"
    MANUAL = "Manual"
    CREATED = "Created"


class TenantDecision(StrEnum):
    """A person's decision on a tenant."""

    ACCEPT_SUGGESTION = "AcceptSuggestion"
    MATCH_TO = "MatchTo"
    CREATE_ORGANIZATION = "CreateOrganization"
    IGNORE = "Ignore"


class DeviceDecision(StrEnum):
    """A person's decision on an Intune device."""

    ACCEPT_SUGGESTION = "AcceptSuggestion"
    MATCH_TO = "MatchTo"
    CREATE_CONFIGURATION = "CreateConfiguration"
    IGNORE = "Ignore"


class Suggestion(ApiModel):
    """A suggested match with its score and the evidence behind it."""

    name: ObjectName
    """Name of the suggested Organization or Configuration."""
    score: Score
    """Confidence from 0 to 100."""
    evidence: Annotated[list[Annotated[str, Field(max_length=256)]], Field(max_length=8)] = Field(
        default_factory=list
    )
    """What matched, e.g. name:92, domain:contoso.com, serial, mac:wifi."""


class TenantMatchSpec(ApiModel):
    """A person's decision about a discovered tenant. Leave empty to keep it unmatched; remove
    the decision to revert a match; change organizationName to change it."""

    model_config = validations(
        cel(
            "!has(self.decision) || self.decision != 'MatchTo' || has(self.organizationName)",
            "decision MatchTo needs spec.organizationName: the Organization to match to",
            field_path=".organizationName",
        ),
        cel(
            "!has(self.organizationName) || (has(self.decision) && "
            "(self.decision == 'MatchTo' || self.decision == 'CreateOrganization'))",
            "spec.organizationName is only used with decision MatchTo or CreateOrganization",
            field_path=".organizationName",
        ),
        cel(
            "!has(self.force) || !self.force || "
            "(has(self.decision) && self.decision == 'CreateOrganization')",
            "spec.force is only used with decision CreateOrganization",
            field_path=".force",
        ),
    )

    decision: TenantDecision | None = None
    """AcceptSuggestion (the best suggestion at the time of the decision), MatchTo (the
    Organization in organizationName), CreateOrganization (a new Organization named after the
    tenant, or organizationName), or Ignore (stop counting it as unmatched). Unset: unmatched,
    or a revert of an earlier match."""
    organization_name: ObjectName | None = None
    """With MatchTo: the Organization to match to. With CreateOrganization: the name of the
    Organization to create (default: derived from the tenant name)."""
    force: bool | None = None
    """With CreateOrganization: create even when a similar Organization exists. The reference
    warns that creating an organization that already exists makes a duplicate."""


class TenantFacts(ApiModel):
    """What Microsoft says about the tenant."""

    tenant_id: str
    """Directory (tenant) ID."""
    display_name: Annotated[str, Field(max_length=1024)] = ""
    """The tenant's display name."""
    default_domain: Annotated[str, Field(max_length=255)] = ""
    """The tenant's default verified domain."""
    domains: Annotated[list[Annotated[str, Field(max_length=255)]], Field(max_length=100)] = Field(
        default_factory=list
    )
    """Verified domains (at most 100 are listed)."""


class TenantMatchStatus(ApiModel):
    """What the operator observed and suggests for the tenant."""

    connector: ObjectName | None = None
    """The MicrosoftConnector that discovered the tenant."""
    tenant: TenantFacts | None = None
    """The tenant's facts from Microsoft."""
    state: MatchState | None = None
    """Unmatched, Matched or Ignored."""
    organization: ObjectName | None = None
    """The matched Organization."""
    matched_by: MatchedBy | None = None
    """Exact (tenant name equals an Organization's name), Suggestion, AutoAccept, Manual or
    Created."""
    suggestions: Annotated[list[Suggestion], Field(max_length=3)] = Field(default_factory=list)
    """Up to three suggested Organizations, best first."""
    contacts: ObjectCount | None = None
    """Contacts of the tenant's users: total, matched, unmatched (ambiguous)."""
    devices: ObjectCount | None = None
    """Intune devices: total, matched, unmatched and ignored (the reference's Unmatched
    Machines)."""
    conditions: Annotated[list[Condition], CONDITIONS_FIELD] = Field(default_factory=list)
    """Decided (the decision was applied or why not) and Synced (this tenant's last sync)."""
    observed_generation: int | None = None
    """The metadata.generation whose decision was last applied."""


class DeviceMatchSpec(ApiModel):
    """A person's decision about an Intune device."""

    model_config = validations(
        cel(
            "!has(self.decision) || self.decision != 'MatchTo' || has(self.configurationName)",
            "decision MatchTo needs spec.configurationName: the Configuration to match to",
            field_path=".configurationName",
        ),
        cel(
            "!has(self.configurationName) || (has(self.decision) && "
            "(self.decision == 'MatchTo' || self.decision == 'CreateConfiguration'))",
            "spec.configurationName is only used with decision MatchTo or CreateConfiguration",
            field_path=".configurationName",
        ),
    )

    decision: DeviceDecision | None = None
    """AcceptSuggestion, MatchTo (configurationName), CreateConfiguration (refused while a
    serial number or MAC address match exists: try those first, as the reference says), or
    Ignore. Unset: unmatched, or a revert."""
    configuration_name: ObjectName | None = None
    """With MatchTo: the Configuration to match to. With CreateConfiguration: the name to give
    the new Configuration (default: derived from the device name)."""


class DeviceFacts(ApiModel):
    """What Intune says about the device."""

    device_id: str
    """Intune managed device ID."""
    tenant_id: str
    """The tenant the device belongs to."""
    name: Annotated[str, Field(max_length=1024)] = ""
    """Device name."""
    serial_number: Annotated[str | None, Field(max_length=256)] = None
    """Serial number as reported."""
    wifi_mac_address: Annotated[str | None, Field(max_length=64)] = None
    """Wi-Fi MAC address."""
    ethernet_mac_address: Annotated[str | None, Field(max_length=64)] = None
    """Ethernet MAC address."""
    operating_system: Annotated[str | None, Field(max_length=256)] = None
    """Operating system."""
    os_version: Annotated[str | None, Field(max_length=256)] = None
    """Operating system version."""
    manufacturer: Annotated[str | None, Field(max_length=256)] = None
    """Manufacturer."""
    model: Annotated[str | None, Field(max_length=256)] = None
    """Model."""
    primary_user: Annotated[str | None, Field(max_length=1024)] = None
    """User principal name of the primary user."""
    compliance_state: Annotated[str | None, Field(max_length=64)] = None
    """Intune compliance state."""
    last_check_in: datetime | None = None
    """Last time the device synced with Intune."""
    removed: bool | None = None
    """The device is no longer in Intune. It is recorded, not deleted."""


class FieldDifference(ApiModel):
    """A field where Microsoft and the Configuration disagree."""

    field: Annotated[str, Field(max_length=64)]
    """The field name."""
    microsoft: Annotated[str | None, Field(max_length=1024)] = None
    """The value in Microsoft."""
    configuration: Annotated[str | None, Field(max_length=1024)] = None
    """The value in the Configuration."""


class DeviceMatchStatus(ApiModel):
    """What the operator observed and suggests for the device."""

    connector: ObjectName | None = None
    """The MicrosoftConnector that discovered the device."""
    device: DeviceFacts | None = None
    """The device's facts from Intune."""
    state: MatchState | None = None
    """Unmatched, Matched or Ignored."""
    configuration: ObjectName | None = None
    """The matched Configuration."""
    matched_by: MatchedBy | None = None
    """How the match came about."""
    suggestions: Annotated[list[Suggestion], Field(max_length=3)] = Field(default_factory=list)
    """Up to three suggested Configurations, best first, with evidence."""
    differences: Annotated[list[FieldDifference], Field(max_length=32)] = Field(
        default_factory=list
    )
    """Fields where Microsoft and the matched Configuration differ (compare data)."""
    conditions: Annotated[list[Condition], CONDITIONS_FIELD] = Field(default_factory=list)
    """Decided: the decision was applied, or why not."""
    observed_generation: int | None = None
    """The metadata.generation whose decision was last applied."""
