"""The simulated Microsoft cloud: apps, tenants and everything Graph serves from them.

The models use Graph's own camelCase property names as aliases, so a fixture file reads like
Graph JSON and rendering an entity is a dump "by alias" minus the simulator-only fields.
Every mutation goes through a `World` method that takes the world lock and stamps a change
sequence number; delta queries compare those numbers with the one inside a delta token.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr
from pydantic.alias_generators import to_camel

RemovedReason = Literal["changed", "deleted"]
_T = TypeVar("_T")


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        validate_assignment=True,
    )

    #: Field names that exist only inside the simulator and are never rendered as Graph JSON.
    sim_only: ClassVar[frozenset[str]] = frozenset()

    def graph(self) -> dict[str, Any]:
        """Render as Graph JSON (every Graph property, camelCase, nulls kept)."""
        exclude = set(self.sim_only) | {"seq"}
        return self.model_dump(mode="json", by_alias=True, exclude=exclude)


class SignInActivity(_Model):
    last_sign_in_date_time: str | None = None
    last_sign_in_request_id: str | None = None
    last_non_interactive_sign_in_date_time: str | None = None
    last_non_interactive_sign_in_request_id: str | None = None
    last_successful_sign_in_date_time: str | None = None
    last_successful_sign_in_request_id: str | None = None


class AssignedLicense(_Model):
    disabled_plans: list[str] = Field(default_factory=list)
    sku_id: str


class Mailbox(_Model):
    """Exchange mailbox facts behind the mailbox usage report (not a Graph entity)."""

    recipient_type: Literal["User", "Shared", "Room", "Equipment"] = "User"
    item_count: int = 0
    storage_used_bytes: int = 0
    deleted_item_count: int = 0
    deleted_item_size_bytes: int = 0
    has_archive: bool = False
    last_activity_date: str | None = None


class User(_Model):
    id: str
    display_name: str | None = None
    given_name: str | None = None
    surname: str | None = None
    user_principal_name: str
    mail: str | None = None
    mail_nickname: str | None = None
    proxy_addresses: list[str] = Field(default_factory=list)
    other_mails: list[str] = Field(default_factory=list)
    account_enabled: bool = True
    assigned_licenses: list[AssignedLicense] = Field(default_factory=list)
    last_password_change_date_time: str | None = None
    created_date_time: str | None = None
    job_title: str | None = None
    mobile_phone: str | None = None
    business_phones: list[str] = Field(default_factory=list)
    office_location: str | None = None
    preferred_language: str | None = None
    department: str | None = None
    company_name: str | None = None
    user_type: str = "Member"
    sign_in_activity: SignInActivity | None = None
    mailbox: Mailbox | None = None
    seq: int = Field(default=0, exclude=True)
    sim_only: ClassVar[frozenset[str]] = frozenset({"mailbox"})


class Group(_Model):
    id: str
    display_name: str
    description: str | None = None
    mail: str | None = None
    mail_enabled: bool = False
    mail_nickname: str | None = None
    security_enabled: bool = True
    group_types: list[str] = Field(default_factory=list)
    created_date_time: str | None = None
    visibility: str | None = None
    members: list[str] = Field(default_factory=list)
    seq: int = Field(default=0, exclude=True)
    #: (seq, user id, added) per membership change, for incremental `members@delta`.
    member_log: list[tuple[int, str, bool]] = Field(default_factory=list, exclude=True)
    sim_only: ClassVar[frozenset[str]] = frozenset({"members", "member_log"})

    def member_changes(self, *, since: int, upto: int) -> list[tuple[str, bool]]:
        """Net membership changes in (since, upto]: user id -> added (True) or removed."""
        net: dict[str, bool] = {}
        for seq, member, added in self.member_log:
            if since < seq <= upto:
                net[member] = added
        return list(net.items())


class Domain(_Model):
    id: str
    authentication_type: str = "Managed"
    is_admin_managed: bool = True
    is_default: bool = False
    is_initial: bool = False
    is_root: bool = True
    is_verified: bool = True
    supported_services: list[str] = Field(
        default_factory=lambda: ["Email", "OfficeCommunicationsOnline"]
    )
    password_validity_period_in_days: int | None = 2147483647
    password_notification_window_in_days: int | None = 14


class ServicePlan(_Model):
    service_plan_id: str
    service_plan_name: str
    provisioning_status: str = "Success"
    applies_to: str = "User"


class Sku(_Model):
    sku_id: str
    sku_part_number: str
    capability_status: str = "Enabled"
    applies_to: str = "User"
    enabled_units: int = 25
    suspended_units: int = 0
    warning_units: int = 0
    locked_out_units: int = 0
    service_plans: list[ServicePlan] = Field(default_factory=list)


class ManagedDevice(_Model):
    id: str
    device_name: str
    user_id: str = ""
    user_principal_name: str = ""
    user_display_name: str = ""
    email_address: str = ""
    azure_ad_device_id: str = Field(alias="azureADDeviceId")
    operating_system: str = "Windows"
    os_version: str = ""
    manufacturer: str = ""
    model: str = ""
    serial_number: str = ""
    wi_fi_mac_address: str = ""
    ethernet_mac_address: str | None = None
    imei: str = ""
    compliance_state: str = "compliant"
    managed_device_owner_type: str = "company"
    management_agent: str = "mdm"
    enrolled_date_time: str = "0001-01-01T00:00:00Z"
    last_sync_date_time: str = "0001-01-01T00:00:00Z"
    is_encrypted: bool = False
    total_storage_space_in_bytes: int = 0
    free_storage_space_in_bytes: int = 0


class RecoveryKey(_Model):
    id: str
    created_date_time: str
    device_id: str
    volume_type: str = "operatingSystemVolume"
    key: SecretStr


class GdapRelationship(_Model):
    """A partner tenant's delegatedAdminRelationship to one customer tenant."""

    id: str
    display_name: str
    customer_tenant_id: str
    status: str = "active"
    duration: str = "P730D"
    auto_extend_duration: str = "PT0S"
    created_date_time: str = "2025-01-01T00:00:00Z"
    activated_date_time: str | None = "2025-01-02T00:00:00Z"
    last_modified_date_time: str = "2025-01-02T00:00:00Z"
    end_date_time: str | None = "2027-01-02T00:00:00Z"
    role_definition_ids: list[str] = Field(default_factory=list)


class Tenant(_Model):
    id: str
    display_name: str
    created_date_time: str = "2020-01-01T00:00:00Z"
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country_letter_code: str | None = None
    country: str | None = None
    business_phones: list[str] = Field(default_factory=list)
    technical_notification_mails: list[str] = Field(default_factory=list)
    has_entra_id_p1: bool = False
    display_concealed_names: bool = False
    #: Has a licence that includes Microsoft Intune. Without one, Graph answers every
    #: deviceManagement/managedDevices request 400 "Request not applicable to target tenant."
    intune_licensed: bool = True
    domains: list[Domain] = Field(default_factory=list)
    users: list[User] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)
    skus: list[Sku] = Field(default_factory=list)
    devices: list[ManagedDevice] = Field(default_factory=list)
    recovery_keys: list[RecoveryKey] = Field(default_factory=list)
    relationships: list[GdapRelationship] = Field(default_factory=list)
    tombstones: list[Tombstone] = Field(default_factory=list, exclude=True)

    @property
    def default_domain(self) -> str:
        for domain in self.domains:
            if domain.is_default:
                return domain.id
        return self.domains[0].id if self.domains else f"{self.id}.onmicrosoft.com"

    def user(self, user_id: str) -> User | None:
        """A user by id or by user principal name (case-insensitive, as Graph matches UPNs)."""
        key = user_id.lower()
        return next(
            (u for u in self.users if u.id == user_id or u.user_principal_name.lower() == key),
            None,
        )

    def group(self, group_id: str) -> Group | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def device(self, device_id: str) -> ManagedDevice | None:
        return next((d for d in self.devices if d.id == device_id), None)


class Tombstone(_Model):
    kind: Literal["user", "group"]
    id: str
    seq: int
    reason: RemovedReason


class AppSecret(_Model):
    value: SecretStr
    expires_date_time: str = "2099-01-01T00:00:00Z"


class AppCertificate(_Model):
    """A certificate credential: the PEM of the public certificate the app uploaded."""

    certificate_pem: str


class FederatedCredential(_Model):
    """A federated identity credential of an app registration (workload identity federation):
    Entra ID accepts, as the app's client assertion, a token from `issuer` whose `sub` equals
    `subject` and whose `aud` is one of `audiences` (all compared case-sensitively).
    https://learn.microsoft.com/graph/api/resources/federatedidentitycredential"""

    name: str
    issuer: str
    subject: str
    audiences: list[str] = Field(default_factory=lambda: ["api://AzureADTokenExchange"])


class TrustedIssuer(_Model):
    """An external OpenID Connect issuer's signing keys, as Entra ID would fetch them from the
    issuer's discovery document (`{issuer}/.well-known/openid-configuration` -> `jwks_uri`).
    The simulator cannot reach a cluster's issuer URL, so tests hand the keys in (for a
    Kubernetes API server: `kubectl get --raw /openid/v1/jwks`)."""

    issuer: str
    jwks: dict[str, Any]


class App(_Model):
    """An app registration plus, per tenant, its service principal's granted app roles.

    A tenant id present in `grants` means a service principal exists there (admin consent
    given, possibly with no roles); absent means "not installed in that directory".
    """

    client_id: str
    display_name: str
    home_tenant_id: str
    secrets: list[AppSecret] = Field(default_factory=list)
    certificates: list[AppCertificate] = Field(default_factory=list)
    grants: dict[str, list[str]] = Field(default_factory=dict)
    delegated_scopes: list[str] = Field(default_factory=list)
    federated_credentials: list[FederatedCredential] = Field(default_factory=list)


class RefreshGrant(_Model):
    """A partner service account's refresh token for the delegated (GDAP) flow."""

    refresh_token: SecretStr
    client_id: str
    home_tenant_id: str
    user_id: str
    user_principal_name: str
    revoked: bool = False


class World(_Model):
    apps: list[App] = Field(default_factory=list)
    tenants: list[Tenant] = Field(default_factory=list)
    refresh_grants: list[RefreshGrant] = Field(default_factory=list)
    trusted_issuers: list[TrustedIssuer] = Field(default_factory=list)
    seq: int = Field(default=0, exclude=True)
    _lock: threading.RLock = PrivateAttr(default_factory=threading.RLock)
    _delta_floor: dict[str, int] = PrivateAttr(default_factory=dict)

    # ---- lookups -------------------------------------------------------------------------
    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def tenant(self, tenant: str) -> Tenant | None:
        """A tenant by GUID or by any of its domain names (as authorities accept both)."""
        key = tenant.lower()
        for candidate in self.tenants:
            if candidate.id.lower() == key or any(d.id.lower() == key for d in candidate.domains):
                return candidate
        return None

    def require_tenant(self, tenant_id: str) -> Tenant:
        found = self.tenant(tenant_id)
        if found is None:
            raise KeyError(f"unknown tenant {tenant_id}")
        return found

    def app(self, client_id: str) -> App | None:
        return next((a for a in self.apps if a.client_id == client_id), None)

    def issuer_keys(self, issuer: str) -> dict[str, Any] | None:
        """The JWKS of an external issuer Entra ID can reach, or None."""
        return next((t.jwks for t in self.trusted_issuers if t.issuer == issuer), None)

    @property
    def partner_tenant(self) -> Tenant | None:
        return next((t for t in self.tenants if t.relationships), None)

    # ---- mutations -----------------------------------------------------------------------
    def trust_issuer(self, issuer: str, jwks: dict[str, Any]) -> None:
        """Publish (or replace) the signing keys of an external OIDC issuer."""
        with self._lock:
            self.trusted_issuers = [t for t in self.trusted_issuers if t.issuer != issuer]
            self.trusted_issuers.append(TrustedIssuer(issuer=issuer, jwks=jwks))

    def add_federated_credential(self, client_id: str, credential: FederatedCredential) -> None:
        """Add a federated identity credential to an app registration."""
        with self._lock:
            app = self.app(client_id)
            if app is None:
                raise KeyError(f"unknown app {client_id}")
            app.federated_credentials.append(credential)

    def _bump(self) -> int:
        self.seq += 1
        return self.seq

    def add_user(self, tenant_id: str, user: User | dict[str, Any]) -> User:
        with self._lock:
            tenant = self.require_tenant(tenant_id)
            new = user if isinstance(user, User) else User.model_validate(user)
            new.seq = self._bump()
            tenant.users.append(new)
            return new

    def update_user(self, tenant_id: str, user_id: str, changes: dict[str, Any]) -> User:
        with self._lock:
            user = self._require(self.require_tenant(tenant_id).user(user_id), user_id)
            _assign(user, changes)
            user.seq = self._bump()
            return user

    def delete_user(self, tenant_id: str, user_id: str, *, hard: bool = False) -> None:
        with self._lock:
            tenant = self.require_tenant(tenant_id)
            user = self._require(tenant.user(user_id), user_id)
            tenant.users.remove(user)
            for group in tenant.groups:
                if user.id in group.members:
                    group.members.remove(user.id)
                    group.seq = self._bump()
            reason: RemovedReason = "deleted" if hard else "changed"
            tenant.tombstones.append(
                Tombstone(kind="user", id=user.id, seq=self._bump(), reason=reason)
            )

    def add_group_member(self, tenant_id: str, group_id: str, user_id: str) -> None:
        with self._lock:
            group = self._require(self.require_tenant(tenant_id).group(group_id), group_id)
            if user_id not in group.members:
                group.members.append(user_id)
                group.seq = self._bump()
                group.member_log.append((group.seq, user_id, True))

    def remove_group_member(self, tenant_id: str, group_id: str, user_id: str) -> None:
        with self._lock:
            group = self._require(self.require_tenant(tenant_id).group(group_id), group_id)
            group.members.remove(user_id)
            group.seq = self._bump()
            group.member_log.append((group.seq, user_id, False))

    def add_device(self, tenant_id: str, device: ManagedDevice | dict[str, Any]) -> ManagedDevice:
        with self._lock:
            new = (
                device
                if isinstance(device, ManagedDevice)
                else ManagedDevice.model_validate(device)
            )
            self.require_tenant(tenant_id).devices.append(new)
            self._bump()
            return new

    def update_device(
        self, tenant_id: str, device_id: str, changes: dict[str, Any]
    ) -> ManagedDevice:
        with self._lock:
            device = self._require(self.require_tenant(tenant_id).device(device_id), device_id)
            _assign(device, changes)
            self._bump()
            return device

    def delete_device(self, tenant_id: str, device_id: str) -> None:
        with self._lock:
            tenant = self.require_tenant(tenant_id)
            tenant.devices.remove(self._require(tenant.device(device_id), device_id))
            self._bump()

    def rename_tenant(self, tenant_id: str, display_name: str) -> None:
        with self._lock:
            self.require_tenant(tenant_id).display_name = display_name
            self._bump()

    def expire_delta_tokens(self, tenant_id: str) -> None:
        """Make every delta token issued so far for this tenant answer 410 Gone."""
        with self._lock:
            tenant = self.require_tenant(tenant_id)
            self.delta_floor[tenant.id] = self._bump()

    @property
    def delta_floor(self) -> dict[str, int]:
        """Per tenant: delta tokens minted before this sequence number are expired."""
        return self._delta_floor

    @staticmethod
    def _require(found: _T | None, key: str) -> _T:
        if found is None:
            raise KeyError(f"not found: {key}")
        return found


def _assign(model: BaseModel, changes: dict[str, Any]) -> None:
    """Set fields given by Python name or Graph (alias) name, validating each value."""
    by_alias = {(info.alias or name): name for name, info in type(model).model_fields.items()}
    for key, value in changes.items():
        name = key if key in type(model).model_fields else by_alias.get(key)
        if name is None:
            raise KeyError(f"unknown property {key!r} on {type(model).__name__}")
        setattr(model, name, value)


Tenant.model_rebuild()
