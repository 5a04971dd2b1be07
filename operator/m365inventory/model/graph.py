"""Typed models of the Microsoft Graph entities the operator reads.

They exist so that everything above the Graph client works on checked, named fields instead of
raw JSON. Field aliases are Graph's JSON property names; the client derives each entity's
``$select`` from them (see :func:`select_of`), so a model and its query cannot drift apart.

The models are tolerant: unknown properties are ignored and ``null`` collections become empty,
because Graph adds properties over time and omits or nulls the ones an app may not read.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, ClassVar

import msgspec
from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    model_validator,
)
from pydantic.alias_generators import to_camel


def _none_to_empty(value: Any) -> Any:
    return [] if value is None else value


StrList = Annotated[list[str], BeforeValidator(_none_to_empty)]


class GraphModel(BaseModel):
    """Base of all Graph models: camelCase aliases, unknown fields ignored, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        frozen=True,
    )

    #: Fields that exist on the model but must not be put into ``$select``
    #: (navigation properties, values fetched by a separate request).
    not_selected: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _refuse_lone_surrogates(cls, data: Any) -> Any:
        """JSON can escape a lone UTF-16 surrogate (\\ud800) that is no Unicode text at all;
        such a value would fail every write downstream, so it is refused here, at the edge."""
        if _has_lone_surrogate(data):
            raise ValueError("a string holds a lone UTF-16 surrogate: not valid Unicode text")
        return data


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(value: Any) -> bool:
    # msgspec's encoder refuses surrogates in C, ten times faster than walking the value.
    try:
        msgspec.json.encode(value)
    except UnicodeEncodeError:
        return True
    except (TypeError, ValueError, OverflowError):
        return _walk_for_lone_surrogate(value)
    return False


def _walk_for_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _LONE_SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(
            _walk_for_lone_surrogate(k) or _walk_for_lone_surrogate(v) for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        return any(_walk_for_lone_surrogate(v) for v in value)
    return False


def select_of(model: type[GraphModel]) -> tuple[str, ...]:
    """The Graph property names to ``$select`` for ``model``: aliases minus the unselectable."""
    names: list[str] = []
    for field_name, info in model.model_fields.items():
        if field_name in model.not_selected:
            continue
        names.append(info.alias or field_name)
    return tuple(names)


# --- Directory: organization and domains ------------------------------------------------------


class VerifiedDomain(GraphModel):
    name: str
    is_default: bool | None = None
    is_initial: bool | None = None
    type: str | None = None
    capabilities: str | None = None


class PostalAddress(GraphModel):
    """An organization's address, assembled from its flat Graph properties."""

    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    country_letter_code: str | None = None


class Organization(PostalAddress):
    """The tenant's organization profile; Graph keeps its address in flat properties."""

    id: str
    display_name: str | None = None
    verified_domains: Annotated[list[VerifiedDomain], BeforeValidator(_none_to_empty)] = []
    business_phones: StrList = []
    technical_notification_mails: StrList = []
    tenant_type: str | None = None
    created_date_time: datetime | None = None

    @property
    def address(self) -> PostalAddress:
        return PostalAddress.model_validate(
            {name: getattr(self, name) for name in PostalAddress.model_fields}
        )

    @property
    def default_domain(self) -> str | None:
        for domain in self.verified_domains:
            if domain.is_default:
                return domain.name
        return None


class Domain(GraphModel):
    id: str
    is_default: bool | None = None
    is_initial: bool | None = None
    is_verified: bool | None = None
    authentication_type: str | None = None
    supported_services: StrList = []


# --- Users, groups, licenses ------------------------------------------------------------------


class AssignedLicense(GraphModel):
    sku_id: str
    disabled_plans: StrList = []


class SignInActivity(GraphModel):
    last_sign_in_date_time: datetime | None = None
    last_non_interactive_sign_in_date_time: datetime | None = None
    last_successful_sign_in_date_time: datetime | None = None


class User(GraphModel):
    # signInActivity needs AuditLog.Read.All and an Entra ID P1 tenant, and users/delta does not
    # support it, so it is only selected on request (see USER_SELECT_WITH_SIGN_IN in the client).
    not_selected: ClassVar[frozenset[str]] = frozenset({"sign_in_activity"})

    id: str
    display_name: str | None = None
    given_name: str | None = None
    surname: str | None = None
    user_principal_name: str | None = None
    mail: str | None = None
    proxy_addresses: StrList = []
    other_mails: StrList = []
    account_enabled: bool | None = None
    assigned_licenses: Annotated[list[AssignedLicense], BeforeValidator(_none_to_empty)] = []
    last_password_change_date_time: datetime | None = None
    sign_in_activity: SignInActivity | None = None
    job_title: str | None = None
    department: str | None = None
    business_phones: StrList = []
    mobile_phone: str | None = None
    office_location: str | None = None
    user_type: str | None = None
    created_date_time: datetime | None = None


class Group(GraphModel):
    not_selected: ClassVar[frozenset[str]] = frozenset({"members"})

    id: str
    display_name: str | None = None
    description: str | None = None
    mail: str | None = None
    mail_enabled: bool | None = None
    security_enabled: bool | None = None
    group_types: StrList = []
    visibility: str | None = None
    members: Annotated[list[DirectoryObject], BeforeValidator(_none_to_empty)] = []


class DirectoryObject(GraphModel):
    """A group member: a user, group, device or service principal (``@odata.type`` says which)."""

    not_selected: ClassVar[frozenset[str]] = frozenset({"odata_type"})

    id: str
    odata_type: str | None = Field(
        default=None,
        validation_alias=AliasChoices("@odata.type", "odata_type"),
        serialization_alias="@odata.type",
    )
    display_name: str | None = None
    user_principal_name: str | None = None
    mail: str | None = None


Group.model_rebuild()


class LicenseUnits(GraphModel):
    enabled: int | None = None
    suspended: int | None = None
    warning: int | None = None
    locked_out: int | None = None


class SubscribedSku(GraphModel):
    id: str | None = None
    sku_id: str
    sku_part_number: str | None = None
    capability_status: str | None = None
    consumed_units: int | None = None
    prepaid_units: LicenseUnits | None = None
    applies_to: str | None = None


# --- Intune and BitLocker ---------------------------------------------------------------------


class ManagedDevice(GraphModel):
    # The list endpoint returns null for ethernetMacAddress; it is read per device by $batch.
    not_selected: ClassVar[frozenset[str]] = frozenset({"ethernet_mac_address"})

    id: str
    device_name: str | None = None
    serial_number: str | None = None
    wi_fi_mac_address: str | None = Field(default=None, alias="wiFiMacAddress")
    ethernet_mac_address: str | None = None
    user_principal_name: str | None = None
    user_id: str | None = None
    azure_ad_device_id: str | None = Field(default=None, alias="azureADDeviceId")
    operating_system: str | None = None
    os_version: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    compliance_state: str | None = None
    last_sync_date_time: datetime | None = None
    enrolled_date_time: datetime | None = None
    managed_device_owner_type: str | None = None


class BitlockerRecoveryKey(GraphModel):
    # The key value is only returned when selected on a single key; lists never carry it.
    not_selected: ClassVar[frozenset[str]] = frozenset({"key"})

    id: str
    created_date_time: datetime | None = None
    device_id: str | None = None
    volume_type: str | None = None
    key: SecretStr | None = None


# --- Reports ----------------------------------------------------------------------------------

_CONCEALED_NAME = re.compile(r"^[0-9A-Fa-f]{32}$")


def _empty_to_none(value: Any) -> Any:
    return None if value == "" else value


OptionalInt = Annotated[int | None, BeforeValidator(_empty_to_none)]
OptionalDate = Annotated[date | None, BeforeValidator(_empty_to_none)]
OptionalBool = Annotated[bool | None, BeforeValidator(_empty_to_none)]


class MailboxUsage(GraphModel):
    """One row of the ``getMailboxUsageDetail`` CSV report; aliases are the CSV column titles."""

    model_config = ConfigDict(alias_generator=None, populate_by_name=True, extra="ignore")

    user_principal_name: str = Field(alias="User Principal Name")
    display_name: str | None = Field(default=None, alias="Display Name")
    is_deleted: OptionalBool = Field(default=None, alias="Is Deleted")
    created_date: OptionalDate = Field(default=None, alias="Created Date")
    last_activity_date: OptionalDate = Field(default=None, alias="Last Activity Date")
    item_count: OptionalInt = Field(default=None, alias="Item Count")
    storage_used_bytes: OptionalInt = Field(default=None, alias="Storage Used (Byte)")
    issue_warning_quota_bytes: OptionalInt = Field(default=None, alias="Issue Warning Quota (Byte)")
    prohibit_send_quota_bytes: OptionalInt = Field(default=None, alias="Prohibit Send Quota (Byte)")
    prohibit_send_receive_quota_bytes: OptionalInt = Field(
        default=None, alias="Prohibit Send/Receive Quota (Byte)"
    )
    has_archive: OptionalBool = Field(default=None, alias="Has Archive")
    recipient_type: str | None = Field(default=None, alias="Recipient Type")
    report_refresh_date: OptionalDate = Field(default=None, alias="Report Refresh Date")
    report_period: OptionalInt = Field(default=None, alias="Report Period")

    @property
    def concealed(self) -> bool:
        """True when the tenant hides names in reports (the UPN is a 32-hex-digit hash)."""
        return bool(_CONCEALED_NAME.match(self.user_principal_name))


class ReportSettings(GraphModel):
    display_concealed_names: bool | None = None


# --- Application registrations ----------------------------------------------------------------


class PasswordCredential(GraphModel):
    """A client secret's metadata; Graph never returns the value, only its first characters."""

    key_id: str | None = None
    display_name: str | None = None
    hint: str | None = None
    start_date_time: datetime | None = None
    end_date_time: datetime | None = None


class Application(GraphModel):
    id: str
    app_id: str | None = None
    display_name: str | None = None
    password_credentials: Annotated[list[PasswordCredential], BeforeValidator(_none_to_empty)] = []


# --- Partner (GDAP) ---------------------------------------------------------------------------


class DelegatedAdminCustomer(GraphModel):
    id: str
    tenant_id: str
    display_name: str | None = None


class DelegatedAdminRelationshipCustomer(GraphModel):
    tenant_id: str
    display_name: str | None = None


class UnifiedRole(GraphModel):
    role_definition_id: str


class DelegatedAdminAccessDetails(GraphModel):
    unified_roles: Annotated[list[UnifiedRole], BeforeValidator(_none_to_empty)] = []


class DelegatedAdminRelationship(GraphModel):
    id: str
    display_name: str | None = None
    status: str | None = None
    customer: DelegatedAdminRelationshipCustomer | None = None
    duration: str | None = None
    created_date_time: datetime | None = None
    activated_date_time: datetime | None = None
    end_date_time: datetime | None = None
    access_details: DelegatedAdminAccessDetails | None = None
