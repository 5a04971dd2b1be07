"""The six kinds of the API group: names, models and printer columns, in one table.

Everything that must agree about a kind (the CRD generator, the Kubernetes I/O layer, kopf
handler registration, RBAC in the chart) reads it from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from m365inventory.model.base import ApiModel
from m365inventory.model.connector import MicrosoftConnectorSpec, MicrosoftConnectorStatus
from m365inventory.model.inventory import (
    ConfigurationSpec,
    ConfigurationStatus,
    ContactSpec,
    ContactStatus,
    OrganizationSpec,
    OrganizationStatus,
)
from m365inventory.model.matches import (
    DeviceMatchSpec,
    DeviceMatchStatus,
    TenantMatchSpec,
    TenantMatchStatus,
)

GROUP = "m365.inventory.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
CATEGORY = "m365"
FIELD_MANAGER = "m365-inventory-operator"

LABEL_CONNECTOR = f"{GROUP}/connector"
LABEL_TENANT = f"{GROUP}/tenant-id"
LABEL_STATE = f"{GROUP}/state"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGED_BY = "m365-inventory-operator"
"""The value of LABEL_MANAGED_BY on everything the operator creates."""
ANNOTATION_REQUESTED_AT = f"{GROUP}/requestedAt"


@dataclass(frozen=True, slots=True)
class PrinterColumn:
    """One `kubectl get` column."""

    name: str
    json_path: str
    type: str = "string"
    description: str = ""
    priority: int = 0


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of the API group and everything needed to serve it."""

    kind: str
    plural: str
    short_names: tuple[str, ...]
    spec: type[ApiModel]
    status: type[ApiModel]
    description: str
    spec_required: bool
    columns: tuple[PrinterColumn, ...] = field(default=())

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def crd_name(self) -> str:
        return f"{self.plural}.{GROUP}"


AGE = PrinterColumn("Age", ".metadata.creationTimestamp", "date")
_MATCH_COLUMNS = (
    PrinterColumn("State", ".status.state", description="Unmatched, Matched or Ignored"),
    PrinterColumn("Suggestion", ".status.suggestions[0].name", description="Best suggestion"),
    PrinterColumn("Score", ".status.suggestions[0].score", "integer", "Its score, 0-100"),
)

CONNECTOR = Kind(
    kind="MicrosoftConnector",
    plural="microsoftconnectors",
    short_names=("mconn", "m365connector"),
    spec=MicrosoftConnectorSpec,
    status=MicrosoftConnectorStatus,
    description=(
        "MicrosoftConnector syncs one Microsoft Entra app registration's tenants (a single "
        "tenant, or a partner's GDAP customers) into Organizations, Contacts and Configurations "
        "on a schedule. Pause it with spec.suspend; request a sync now with the annotation "
        "m365.inventory.dev/requestedAt."
    ),
    spec_required=True,
    columns=(
        PrinterColumn("Ready", '.status.conditions[?(@.type=="Ready")].status'),
        PrinterColumn(
            "Status", ".status.phase", description="Pending, Syncing, OK, Degraded, Error"
        ),
        PrinterColumn("Interval", ".spec.interval"),
        PrinterColumn("Suspended", ".spec.suspend", "boolean"),
        PrinterColumn("Last Sync", ".status.lastSyncTime", "date"),
        AGE,
        PrinterColumn("Mode", ".spec.mode", priority=1),
        PrinterColumn("Message", '.status.conditions[?(@.type=="Ready")].message', priority=1),
    ),
)
TENANT_MATCH = Kind(
    kind="TenantMatch",
    plural="tenantmatches",
    short_names=("tm", "tmatch"),
    spec=TenantMatchSpec,
    status=TenantMatchStatus,
    description=(
        "TenantMatch is a Microsoft tenant discovered by a connector. The operator writes "
        "suggested Organizations into status; a person or Git decides in spec. Its name is "
        "<connector>-<tenant ID>, so a decision can be committed before discovery."
    ),
    spec_required=False,
    columns=(
        PrinterColumn("Tenant", ".status.tenant.displayName"),
        *_MATCH_COLUMNS,
        PrinterColumn("Match", ".status.organization", description="Matched Organization"),
        PrinterColumn("Decision", ".spec.decision", priority=1),
        AGE,
    ),
)
DEVICE_MATCH = Kind(
    kind="DeviceMatch",
    plural="devicematches",
    short_names=("dm", "dmatch"),
    spec=DeviceMatchSpec,
    status=DeviceMatchStatus,
    description=(
        "DeviceMatch is an Intune managed device of a matched tenant. The operator suggests "
        "Configurations by serial number, MAC address and device name in status; a person or "
        "Git decides in spec."
    ),
    spec_required=False,
    columns=(
        PrinterColumn("Device", ".status.device.name"),
        *_MATCH_COLUMNS,
        PrinterColumn("Match", ".status.configuration", description="Matched Configuration"),
        PrinterColumn("Decision", ".spec.decision", priority=1),
        AGE,
    ),
)
ORGANIZATION = Kind(
    kind="Organization",
    plural="organizations",
    short_names=("org", "m365org"),
    spec=OrganizationSpec,
    status=OrganizationStatus,
    description=(
        "Organization is a customer documented by people. The operator adds facts from "
        "matched Microsoft tenants (licenses, locations, groups) under status.microsoft."
    ),
    spec_required=True,
    columns=(
        PrinterColumn("Display Name", ".spec.displayName"),
        PrinterColumn("Tenant", ".status.microsoft.tenants[0].tenantId"),
        AGE,
    ),
)
CONTACT = Kind(
    kind="Contact",
    plural="contacts",
    short_names=("m365contact",),
    spec=ContactSpec,
    status=ContactStatus,
    description=(
        "Contact is a person of an Organization. The operator matches Microsoft users to "
        "contacts (alias, then username, then first and last name), creates one when nothing "
        "matches, and records the user's facts under status.microsoft."
    ),
    spec_required=True,
    columns=(
        PrinterColumn("Organization", ".spec.organization"),
        PrinterColumn("Email", ".spec.emails[0]"),
        PrinterColumn("Username", ".status.microsoft.userPrincipalName"),
        PrinterColumn("Matched By", ".status.microsoft.matchedBy"),
        AGE,
    ),
)
CONFIGURATION = Kind(
    kind="Configuration",
    plural="configurations",
    short_names=("m365config", "cfg"),
    spec=ConfigurationSpec,
    status=ConfigurationStatus,
    description=(
        "Configuration is a documented device or other configuration item. The operator "
        "records the facts of a matched Intune device under status.microsoft."
    ),
    spec_required=True,
    columns=(
        PrinterColumn("Organization", ".spec.organization"),
        PrinterColumn("Serial", ".spec.serialNumber"),
        PrinterColumn("Device", ".status.microsoft.deviceId", priority=1),
        AGE,
    ),
)

ALL_KINDS: tuple[Kind, ...] = (
    CONNECTOR,
    TENANT_MATCH,
    DEVICE_MATCH,
    ORGANIZATION,
    CONTACT,
    CONFIGURATION,
)
