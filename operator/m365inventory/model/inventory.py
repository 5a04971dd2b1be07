"""Organization, Contact and Configuration: the documentation inventory.

Spec belongs to people and Git and is never overwritten by the operator (it writes spec only
when it creates an object). Microsoft-observed facts live under `status.microsoft`, which the
operator owns.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from m365inventory.model.base import ApiModel, Condition, ObjectName, cel, validations

Text = Annotated[str, Field(max_length=1024)]
Email = Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
CONDITIONS_FIELD = Field(
    max_length=16,
    json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
)


class OrganizationSpec(ApiModel):
    """A customer organization, as people document it."""

    display_name: Annotated[str, Field(min_length=1, max_length=1024)]
    """The organization's name as people know it."""
    domains: Annotated[list[Annotated[str, Field(max_length=255)]], Field(max_length=100)] = Field(
        default_factory=list
    )
    """Email domains of the organization; a tenant with one of them is a stronger suggestion."""
    description: Annotated[str, Field(max_length=4096)] = ""
    """Free text."""


class TenantBinding(ApiModel):
    """A Microsoft tenant matched to the organization."""

    connector: ObjectName
    """The connector that documents the tenant."""
    tenant_id: str
    """Directory (tenant) ID."""
    display_name: Text = ""
    """The tenant's display name."""


class License(ApiModel):
    """A Microsoft subscribed SKU."""

    sku_id: str
    """The SKU ID."""
    sku_part_number: Text
    """The SKU part number, e.g. SPE_E3."""
    enabled_units: int = 0
    """Units purchased and enabled."""
    consumed_units: int = 0
    """Units assigned to users."""
    capability_status: Annotated[str | None, Field(max_length=64)] = None
    """Enabled, Warning, Suspended, Deleted or LockedOut."""


class Location(ApiModel):
    """An address from the tenant's organization profile."""

    name: Text
    """A name for the location."""
    street: Text | None = None
    """Street address."""
    city: Text | None = None
    """City."""
    state: Text | None = None
    """State or province."""
    postal_code: Annotated[str | None, Field(max_length=64)] = None
    """Postal code."""
    country: Annotated[str | None, Field(max_length=64)] = None
    """Country or region code."""


class GroupRecord(ApiModel):
    """An Entra ID group and its members."""

    id: str
    """Group object ID."""
    display_name: Text
    """Group name."""
    kind: Annotated[str | None, Field(max_length=64)] = None
    """Microsoft365, Security, MailEnabledSecurity or Distribution."""
    member_count: int = 0
    """Number of direct members."""
    members: Annotated[list[ObjectName], Field(max_length=200)] = Field(default_factory=list)
    """Contacts that are members (at most 200 listed; memberCount has the total)."""


class OrganizationMicrosoft(ApiModel):
    """Facts from Microsoft about the organization's tenants."""

    tenants: Annotated[list[TenantBinding], Field(max_length=50)] = Field(default_factory=list)
    """Tenants matched to this organization."""
    licenses: Annotated[list[License], Field(max_length=500)] = Field(default_factory=list)
    """Licenses, filtered by the connector's SKU allow-list."""
    locations: Annotated[list[Location], Field(max_length=50)] = Field(default_factory=list)
    """Locations from the tenants' organization profiles."""
    groups: Annotated[list[GroupRecord], Field(max_length=500)] = Field(default_factory=list)
    """Entra ID groups (at most 500 listed)."""


class OrganizationStatus(ApiModel):
    """What the operator observed for the organization."""

    microsoft: OrganizationMicrosoft | None = None
    """Facts from Microsoft."""
    conditions: Annotated[list[Condition], CONDITIONS_FIELD] = Field(default_factory=list)
    """Conditions such as ReportNamesConcealed."""


class ContactSpec(ApiModel):
    """A person, as people document them."""

    model_config = validations(
        cel(
            "has(self.firstName) || has(self.lastName) || size(self.emails) > 0",
            "a Contact needs a firstName, a lastName or at least one email",
        )
    )

    organization: ObjectName
    """The Organization the contact belongs to."""
    first_name: Text | None = None
    """First name."""
    last_name: Text | None = None
    """Last name."""
    emails: Annotated[list[Email], Field(max_length=50)] = Field(default_factory=list)
    """Email addresses; the first is the primary."""
    title: Text | None = None
    """Job title."""
    phones: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=10)] = Field(
        default_factory=list
    )
    """Phone numbers."""
    notes: Annotated[str, Field(max_length=4096)] = ""
    """Free text."""


class MailboxUnavailable(StrEnum):
    """Why a Contact has no current mailbox usage."""

    NO_EXCHANGE_ONLINE_LICENSE = "NoExchangeOnlineLicense"
    NOT_IN_REPORT = "NotInReport"
    REPORT_NAMES_CONCEALED = "ReportNamesConcealed"
    REPORT_NOT_PERMITTED = "ReportNotPermitted"


class Mailbox(ApiModel):
    """Mailbox usage from the Microsoft 365 usage report."""

    storage_used_bytes: int | None = None
    """Storage used, in bytes."""
    item_count: int | None = None
    """Number of items."""
    prohibit_send_receive_quota_bytes: int | None = None
    """The quota at which the mailbox can no longer send or receive."""
    report_date: Annotated[str | None, Field(max_length=32)] = None
    """The report's refresh date."""


class ContactMicrosoft(ApiModel):
    """The Microsoft user this contact is matched to, and its facts."""

    tenant_id: str
    """The user's tenant."""
    user_id: str
    """The user's object ID."""
    user_principal_name: Text
    """The username (UPN)."""
    display_name: Text | None = None
    """Display name."""
    given_name: Text | None = None
    """First name."""
    surname: Text | None = None
    """Last name."""
    mail: Text | None = None
    """Primary email."""
    aliases: Annotated[list[Text], Field(max_length=50)] = Field(default_factory=list)
    """Email aliases from proxyAddresses and otherMails."""
    job_title: Text | None = None
    """Job title."""
    mobile_phone: Annotated[str | None, Field(max_length=64)] = None
    """Mobile phone."""
    business_phones: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=10)] = (
        Field(default_factory=list)
    )
    """Business phones."""
    office_location: Text | None = None
    """Office location."""
    licenses: Annotated[list[Text], Field(max_length=100)] = Field(default_factory=list)
    """SKU part numbers assigned to the user."""
    account_enabled: bool | None = None
    """Entra ID account status (with sync.entraFields)."""
    last_sign_in: datetime | None = None
    """Last sign-in, only when within the last 30 days (with sync.entraFields)."""
    last_password_change: datetime | None = None
    """Last password change (with sync.entraFields)."""
    manage_url: Annotated[str | None, Field(max_length=2048)] = None
    """The user's page in the Microsoft Entra admin center."""
    matched_by: Annotated[str | None, Field(max_length=32)] = None
    """Alias, Username, Name or Created."""
    mailbox: Mailbox | None = None
    """Mailbox usage (with sync.mailboxes, enterprise plans only)."""
    mailbox_unavailable: MailboxUnavailable | None = None
    """Why there is no (current) mailbox usage, with sync.mailboxes: NoExchangeOnlineLicense
    (no licence with an Exchange Online plan the report covers), NotInReport (licensed, but
    Microsoft's mailbox usage report has no row for the user yet: a new or unused mailbox),
    ReportNamesConcealed (the tenant conceals names in reports; see the Organization's
    ReportNamesConcealed condition) or ReportNotPermitted (Reports.Read.All is not granted in
    the tenant). With the last two, mailbox keeps what an earlier run read."""
    deleted: bool | None = None
    """The user was deleted in Microsoft; the contact is kept unless the connector's
    removalPolicy says otherwise."""
    deleted_time: datetime | None = None
    """When the deletion was seen."""


class AmbiguousUser(ApiModel):
    """A Microsoft user that matched this contact and at least one other."""

    tenant_id: str
    """The user's tenant."""
    user_id: str
    """The user's object ID."""
    user_principal_name: Text
    """The username."""
    rule: Annotated[str, Field(max_length=32)]
    """The rule that found several candidates: Alias, Username or Name."""


class ContactStatus(ApiModel):
    """What the operator observed for the contact."""

    microsoft: ContactMicrosoft | None = None
    """The matched Microsoft user."""
    ambiguous_matches: Annotated[list[AmbiguousUser], Field(max_length=20)] = Field(
        default_factory=list
    )
    """Users that matched this contact ambiguously: resolve by editing emails or names."""
    conditions: Annotated[list[Condition], CONDITIONS_FIELD] = Field(default_factory=list)
    """Conditions of the contact."""


class ConfigurationSpec(ApiModel):
    """A device or other configuration item, as people document it."""

    organization: ObjectName
    """The Organization the configuration belongs to."""
    display_name: Annotated[str, Field(min_length=1, max_length=1024)]
    """The configuration's name, e.g. the device name."""
    configuration_type: Annotated[str, Field(max_length=128)] = "Managed Device"
    """A type such as Managed Device, Laptop or Server."""
    serial_number: Annotated[str | None, Field(max_length=256)] = None
    """Serial number."""
    mac_addresses: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=16)] = (
        Field(default_factory=list)
    )
    """MAC addresses, in any notation."""
    manufacturer: Text | None = None
    """Manufacturer."""
    model: Text | None = None
    """Model."""
    notes: Annotated[str, Field(max_length=4096)] = ""
    """Free text."""


class BitlockerKeyRef(ApiModel):
    """A BitLocker recovery key stored in a Secret (the value is never in status)."""

    key_id: str
    """The recovery key ID shown on the BitLocker recovery screen."""
    secret_name: ObjectName
    """The Secret that holds the key."""
    volume_type: Annotated[str | None, Field(max_length=64)] = None
    """operatingSystemVolume, fixedDataVolume or removableDataVolume."""
    created_time: datetime | None = None
    """When Microsoft recorded the key."""


class ConfigurationMicrosoft(ApiModel):
    """Facts from Intune about the device matched to this configuration."""

    tenant_id: str
    """The device's tenant."""
    device_id: str
    """Intune managed device ID."""
    device_match: ObjectName | None = None
    """The DeviceMatch that holds the decision."""
    name: Text | None = None
    """Device name."""
    serial_number: Annotated[str | None, Field(max_length=256)] = None
    """Serial number."""
    mac_addresses: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=4)] = (
        Field(default_factory=list)
    )
    """Wi-Fi and Ethernet MAC addresses."""
    operating_system: Text | None = None
    """Operating system."""
    os_version: Text | None = None
    """Operating system version."""
    manufacturer: Text | None = None
    """Manufacturer."""
    model: Text | None = None
    """Model."""
    compliance_state: Annotated[str | None, Field(max_length=64)] = None
    """Intune compliance state."""
    last_check_in: datetime | None = None
    """Last time the device synced with Intune."""
    primary_user: Text | None = None
    """The primary user's UPN."""
    related_contact: ObjectName | None = None
    """The Contact of the primary user (the reference's Smart Relate)."""
    bitlocker_keys: Annotated[list[BitlockerKeyRef], Field(max_length=32)] = Field(
        default_factory=list
    )
    """BitLocker recovery keys, stored in Secrets."""
    removed: bool | None = None
    """The device is no longer in Intune."""


class ConfigurationStatus(ApiModel):
    """What the operator observed for the configuration."""

    microsoft: ConfigurationMicrosoft | None = None
    """Facts from Intune."""
    conditions: Annotated[list[Condition], CONDITIONS_FIELD] = Field(default_factory=list)
    """Conditions such as BitlockerKeysAvailable."""
