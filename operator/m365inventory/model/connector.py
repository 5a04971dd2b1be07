"""The MicrosoftConnector API: one Entra app registration and what to sync with it.

The spec is what a person or Git declares; the status is what the operator observed.
The reference (an MSP documentation platform's Microsoft integration) configures the same
things in a web form: tenant ID, application ID, secret key, and which data to sync.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from m365inventory.model.base import (
    CEL,
    ApiModel,
    Condition,
    Guid,
    SecretKey,
    SecretKeyReference,
    cel,
    validations,
)

DURATION_PATTERN = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"
DEFAULT_INTERVAL = "1h"


class ConnectorMode(StrEnum):
    """Which tenants a connector documents."""

    SINGLE_TENANT = "SingleTenant"
    PARTNER = "Partner"


class Cloud(StrEnum):
    """The Microsoft national cloud that hosts the tenants."""

    GLOBAL = "Global"
    US_GOVERNMENT = "USGovernment"
    US_GOVERNMENT_DOD = "USGovernmentDoD"
    CHINA = "China"
    CUSTOM = "Custom"


class PartnerAuthentication(StrEnum):
    """How a partner connector gets tokens for its customer tenants."""

    APP_ONLY = "AppOnly"
    DELEGATED = "Delegated"


class RemovalPolicy(StrEnum):
    """What happens to documentation when its source disappears from Microsoft."""

    RETAIN = "Retain"
    DELETE = "Delete"


class ClientSecretCredentials(ApiModel):
    """An application client secret kept in a Secret."""

    secret_ref: SecretKeyReference
    """The Secret key holding the client secret value (by convention key `clientSecret`)."""
    expires_at: datetime | None = None
    """When the client secret expires, as shown under Certificates & secrets in the Entra admin
    center. Used by the shipped alert that fires 30 days before expiry when the operator may not
    read the application's credentials from Graph."""


class CertificateCredentials(ApiModel):
    """An application certificate kept in a Secret (for example a kubernetes.io/tls Secret)."""

    secret_name: Annotated[str, Field(min_length=1, max_length=253)]
    """Name of the Secret, in the connector's namespace."""
    certificate_key: SecretKey = "tls.crt"
    """Key holding the PEM certificate uploaded to the app registration."""
    private_key_key: SecretKey = "tls.key"
    """Key holding the PEM private key of that certificate."""


class WorkloadIdentityCredentials(ApiModel):
    """Workload identity federation from a ServiceAccount in the connector's namespace: the
    operator asks the Kubernetes TokenRequest API for a short-lived token of that
    ServiceAccount (audience api://AzureADTokenExchange; api://AzureADTokenExchangeUSGov and
    api://AzureADTokenExchangeChina in those clouds) and exchanges it with Microsoft Entra ID,
    so no secret is stored at all. On the app registration, add a federated credential with
    the cluster's service-account issuer URL (`kubectl get --raw
    /.well-known/openid-configuration`, field issuer), the subject
    system:serviceaccount:<connector namespace>:<serviceAccountName> and that audience. A
    connector can only name a ServiceAccount of its own namespace, never a file."""

    service_account_name: Annotated[
        str,
        Field(
            min_length=1,
            max_length=253,
            pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
            json_schema_extra={
                CEL: [
                    cel(
                        "!self.contains(':') && !self.contains('/')",
                        "serviceAccountName is only the name of a ServiceAccount in the "
                        "connector's own namespace: no namespace, no path",
                    )
                ]
            },
        ),
    ]
    """Name of the ServiceAccount, in the connector's namespace, whose tokens the app
    registration's federated credential trusts (subject
    system:serviceaccount:<namespace>:<name>). It needs no RBAC of its own; the operator only
    requests tokens for it."""


class Credentials(ApiModel):
    """How the operator authenticates as the app registration. Set exactly one field."""

    model_config = validations(
        cel(
            "[has(self.clientSecret), has(self.certificate), has(self.workloadIdentity)]"
            ".filter(x, x).size() == 1",
            "set exactly one of credentials.clientSecret, credentials.certificate or "
            "credentials.workloadIdentity",
        )
    )

    client_secret: ClientSecretCredentials | None = None
    """A client secret, as created under Certificates & secrets in the Entra admin center."""
    certificate: CertificateCredentials | None = None
    """A certificate and its private key."""
    workload_identity: WorkloadIdentityCredentials | None = None
    """Workload identity federation from a ServiceAccount in the connector's namespace."""


class PartnerSettings(ApiModel):
    """Partner (GDAP) settings: how customer tenants are found and reached."""

    model_config = validations(
        cel(
            "!has(self.authentication) || self.authentication != 'Delegated' || "
            "has(self.refreshTokenSecretRef)",
            "partner.authentication Delegated needs partner.refreshTokenSecretRef: the "
            "Secret key holding the partner service account's refresh token",
            field_path=".refreshTokenSecretRef",
        )
    )

    authentication: PartnerAuthentication = PartnerAuthentication.APP_ONLY
    """AppOnly: the multi-tenant app is consented in each customer tenant and gets app-only
    tokens there. Delegated: tokens for each customer are obtained from the refresh token of a
    partner service account in a GDAP security group."""
    refresh_token_secret_ref: SecretKeyReference | None = None
    """With Delegated authentication: the Secret key holding the service account's refresh
    token."""
    tenant_allow_list: Annotated[
        list[Guid] | None,
        Field(max_length=5000, json_schema_extra={"x-kubernetes-list-type": "set"}),
    ] = None
    """If set, only these customer tenant IDs are documented; other customers are left out."""


class CustomEndpoints(ApiModel):
    """Endpoints of a cloud not in the built-in list (or the project's Graph simulator). Used
    only when the operator was started with --allow-custom-cloud: the client credentials are
    sent to authorityHost."""

    authority_host: Annotated[str, Field(pattern=r"^https://", max_length=2048)]
    """Base URL of the identity platform, e.g. https://login.microsoftonline.com. HTTPS only."""
    graph_base_url: Annotated[str, Field(pattern=r"^https://", max_length=2048)]
    """Base URL of Microsoft Graph including the version, e.g.
    https://graph.microsoft.com/v1.0. HTTPS only."""
    ca_bundle_secret_ref: SecretKeyReference | None = None
    """A Secret key holding a PEM CA bundle to trust for these endpoints, in addition to
    nothing else: TLS verification is never turned off."""


class LicenseSync(ApiModel):
    """Which Microsoft licenses (subscribed SKUs) are documented."""

    enabled: bool = True
    """Sync licenses with their enabled and consumed units."""
    sku_allow_list: Annotated[
        list[Annotated[str, Field(max_length=256)]] | None,
        Field(max_length=500, json_schema_extra={"x-kubernetes-list-type": "set"}),
    ] = None
    """Only these SKUs (skuPartNumber such as SPE_E3, or skuId GUID) are documented. Empty or
    unset: all. As the reference advises, list only the subscriptions you actively manage."""


class SyncSettings(ApiModel):
    """Which data the connector syncs from Microsoft."""

    model_config = validations(
        cel(
            "!has(self.bitlockerKeys) || !self.bitlockerKeys || "
            "(has(self.intuneDevices) && self.intuneDevices)",
            "sync.bitlockerKeys needs sync.intuneDevices: recovery keys are stored per "
            "Intune device",
            field_path=".bitlockerKeys",
        )
    )

    contacts: bool = True
    """Match Microsoft users to Contacts (alias, then username, then first + last name) and
    create a Contact when nothing matches."""
    entra_fields: bool = False
    """Enhance Contacts with Entra ID fields: account status, last sign-in (within the last 30
    days; needs Entra ID P1 and AuditLog.Read.All) and last password change."""
    licenses: LicenseSync = Field(default_factory=LicenseSync)
    """License (subscribed SKU) sync."""
    locations: bool = True
    """Document the organization's address from Entra ID as a location."""
    groups: bool = False
    """Document Entra ID groups with their members."""
    mailboxes: bool = False
    """Document mailbox size and item counts (Exchange Online enterprise plans only). Needs
    Reports.Read.All and concealed report names turned off in the Microsoft 365 admin center."""
    intune_devices: bool = False
    """Create a DeviceMatch for every Intune managed device of a matched tenant and match it to
    Configurations. Needs DeviceManagementManagedDevices.Read.All."""
    bitlocker_keys: bool = False
    """Store BitLocker recovery keys of matched devices in Secrets. Needs BitlockerKey.Read.All;
    every key read is audited by Microsoft."""


class MatchingSettings(ApiModel):
    """Thresholds for tenant and device match suggestions."""

    model_config = validations(
        cel(
            "!has(self.autoAcceptScore) || self.autoAcceptScore >= "
            "(has(self.suggestionMinScore) ? self.suggestionMinScore : 60)",
            "matching.autoAcceptScore must be at least matching.suggestionMinScore",
            field_path=".autoAcceptScore",
        )
    )

    suggestion_min_score: Annotated[int, Field(ge=0, le=100)] = 60
    """Suggestions scoring below this (0-100) are not shown."""
    auto_accept_score: Annotated[int | None, Field(ge=1, le=100)] = None
    """If set, a unique suggestion scoring at least this much is accepted without a person.
    Unset: only exact tenant-name matches (and unique serial or MAC matches for devices) are
    automatic, as in the reference."""
    max_suggestions: Annotated[int, Field(ge=1, le=3)] = 3
    """How many suggestions to keep per tenant or device."""


class MicrosoftConnectorSpec(ApiModel):
    """The desired state of a MicrosoftConnector."""

    model_config = validations(
        cel(
            "self.mode == 'Partner' || !has(self.partner)",
            "spec.partner is only valid with mode Partner",
            field_path=".partner",
        ),
        cel(
            "(self.cloud == 'Custom') == has(self.endpoints)",
            "spec.endpoints is required with cloud Custom and not allowed otherwise",
            field_path=".endpoints",
        ),
    )

    tenant_id: Annotated[
        Guid,
        Field(
            json_schema_extra={
                CEL: [cel("self == oldSelf", "tenantId is immutable: create a new connector")]
            }
        ),
    ]
    """Directory (tenant) ID of the app registration's home tenant: the single tenant to
    document, or the partner tenant with mode Partner. A GUID."""
    client_id: Guid
    """Application (client) ID of the app registration. A GUID."""
    credentials: Credentials
    """How to authenticate as the app registration."""
    mode: ConnectorMode = ConnectorMode.SINGLE_TENANT
    """SingleTenant documents the tenant itself. Partner enumerates customer tenants from GDAP
    (delegatedAdminCustomers with an active relationship) and documents each of them."""
    partner: PartnerSettings | None = None
    """Partner settings, with mode Partner."""
    cloud: Cloud = Cloud.GLOBAL
    """The Microsoft cloud: Global, USGovernment, USGovernmentDoD, China, or Custom with
    spec.endpoints. Credentials are only ever sent to the built-in clouds' sign-in hosts;
    Custom (the project's Graph simulator) works only when the operator was started with
    --allow-custom-cloud (chart value allowCustomCloud), else the connector reports
    CredentialsValid=False with reason CustomCloudNotAllowed and nothing is sent."""
    endpoints: CustomEndpoints | None = None
    """Identity and Graph endpoints, with cloud Custom."""
    interval: Annotated[
        str,
        Field(
            pattern=DURATION_PATTERN,
            max_length=32,
            json_schema_extra={
                CEL: [
                    cel(
                        "duration(self) >= duration('1m') && duration(self) <= duration('168h')",
                        "interval must be between 1m and 168h, e.g. 1h or 30m",
                    )
                ]
            },
        ),
    ] = DEFAULT_INTERVAL
    """How often to sync, as a Go duration such as 1h or 30m (1m to 168h). Default 1h, as the
    reference syncs hourly. A small random jitter spreads connectors apart."""
    suspend: bool = False
    """Stop scheduled and requested syncs; decisions on matches still apply. Set back to false
    to resume."""
    sync: SyncSettings = Field(default_factory=SyncSettings)
    """Which data to sync."""
    matching: MatchingSettings = Field(default_factory=MatchingSettings)
    """Match suggestion thresholds."""
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    """What happens to Contacts and Configurations whose user or device was deleted in
    Microsoft. Retain (default) records the deletion in status and keeps the documentation;
    Delete removes documentation the operator created. A failed sync never deletes
    anything."""


class ConnectorPhase(StrEnum):
    """A one-word summary of the connector's state, for `kubectl get`."""

    PENDING = "Pending"
    SYNCING = "Syncing"
    OK = "OK"
    DEGRADED = "Degraded"
    ERROR = "Error"
    SUSPENDED = "Suspended"


class TenantError(ApiModel):
    """Why one tenant failed in a sync run."""

    tenant_id: str
    """The tenant that failed."""
    reason: Annotated[str, Field(max_length=128)]
    """A CamelCase reason such as ConsentMissing, PermissionMissing or Throttled."""
    message: Annotated[str, Field(max_length=1024)]
    """What went wrong and what to do about it."""


class SkippedRecord(ApiModel):
    """A Microsoft Graph object the run skipped because it did not validate: named by its
    kind, id and the fields at fault, never by its values."""

    tenant_id: Annotated[str, Field(max_length=64)]
    """The tenant the object belongs to."""
    kind: Annotated[str, Field(max_length=64)]
    """The Graph entity, e.g. User or ManagedDevice."""
    id: Annotated[str, Field(max_length=256)]
    """The object's Graph id."""
    fields: Annotated[list[Annotated[str, Field(max_length=256)]], Field(max_length=16)] = Field(
        default_factory=list
    )
    """The fields that failed validation (paths such as accountEnabled)."""


class SyncSummary(ApiModel):
    """What a sync run did."""

    tenants: Annotated[int, Field(ge=0)] = 0
    """Tenants discovered."""
    tenants_synced: Annotated[int, Field(ge=0)] = 0
    """Matched tenants whose data was synced."""
    tenants_failed: Annotated[int, Field(ge=0)] = 0
    """Tenants that failed; see errors."""
    unmatched_tenants: Annotated[int, Field(ge=0)] = 0
    """Tenants waiting for a decision on their TenantMatch."""
    unmatched_devices: Annotated[int, Field(ge=0)] = 0
    """Devices waiting for a decision on their DeviceMatch."""
    contacts_created: Annotated[int, Field(ge=0)] = 0
    """Contacts created because no existing Contact matched."""
    contacts_updated: Annotated[int, Field(ge=0)] = 0
    """Contacts whose Microsoft facts changed."""
    contacts_unchanged: Annotated[int, Field(ge=0)] = 0
    """Contacts with nothing new."""
    contacts_ambiguous: Annotated[int, Field(ge=0)] = 0
    """Users with two or more candidate Contacts: nothing merged or created."""
    writes: Annotated[int, Field(ge=0)] = 0
    """Kubernetes writes made by the run."""
    graph_requests: Annotated[int, Field(ge=0)] = 0
    """Microsoft Graph requests made by the run."""
    records_skipped: Annotated[int, Field(ge=0)] = 0
    """Graph objects skipped because they did not validate (the rest synced)."""
    skipped: Annotated[list[SkippedRecord], Field(max_length=20)] = Field(default_factory=list)
    """The first skipped objects (at most 20), by tenant, kind, id and field."""
    errors: Annotated[list[TenantError], Field(max_length=50)] = Field(default_factory=list)
    """Per-tenant failures (at most 50 are kept)."""


class SyncRecord(ApiModel):
    """One entry of the recent sync log."""

    start_time: datetime
    """When the run started."""
    completion_time: datetime | None = None
    """When the run ended."""
    result: Annotated[str, Field(max_length=32)]
    """Succeeded, PartiallySucceeded or Failed."""
    trigger: Annotated[str, Field(max_length=32)] = "Schedule"
    """What started the run: Schedule, Created, SpecChanged or Requested."""
    message: Annotated[str, Field(max_length=1024)] = ""
    """A one-line summary."""


class SyncProgress(ApiModel):
    """Progress of the sync run under way."""

    tenants_done: Annotated[int, Field(ge=0)] = 0
    """Tenants finished so far."""
    tenants_total: Annotated[int, Field(ge=0)] = 0
    """Tenants in this run."""


class MicrosoftConnectorStatus(ApiModel):
    """The observed state of a MicrosoftConnector, written by the operator."""

    phase: ConnectorPhase | None = None
    """Pending, Syncing, OK, Degraded (some tenants fail), Error or Suspended."""
    conditions: Annotated[
        list[Condition],
        Field(
            max_length=16,
            json_schema_extra={
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["type"],
            },
        ),
    ] = Field(default_factory=list)
    """Ready (reasons Succeeded, Failed, Suspended, ProgressingWithRetry; it changes only when
    a run ends), Synced, CredentialsValid, Reconciling (True while a run is under way),
    Stalled (True when only a change to the spec, the Secret or the requestedAt annotation
    can help; no run is scheduled meanwhile) and Degraded (True while some tenants fail)."""
    observed_generation: int | None = None
    """The metadata.generation the operator last acted on."""
    last_sync_time: datetime | None = None
    """When the last sync run ended, whatever its result."""
    last_successful_sync_time: datetime | None = None
    """When the last sync run succeeded."""
    next_sync_time: datetime | None = None
    """When the next scheduled sync run is due."""
    client_secret_expires_at: datetime | None = None
    """When the client secret in use expires, read from the app registration in Microsoft
    Graph (needs Application.Read.All or Directory.Read.All; matched by the secret's first
    characters). Unset when Graph may not be read: the alert then uses
    spec.credentials.clientSecret.expiresAt."""
    last_handled_requested_at: Annotated[str | None, Field(max_length=256)] = None
    """The value of the m365.inventory.dev/requestedAt annotation last acted on."""
    progress: SyncProgress | None = None
    """Progress of a run under way."""
    summary: SyncSummary | None = None
    """What the last run did."""
    history: Annotated[list[SyncRecord], Field(max_length=10)] = Field(default_factory=list)
    """The most recent runs, newest first (at most 10)."""
