"""`m365-inventory permissions`: which Microsoft Graph application permissions to grant.

An administrator sets up the app registration once, before the first sync, and the reference's
app-registration steps list the permissions by hand. This derives them from what a connector
is set to sync, from the endpoints the operator calls (see `graph/permissions.py`), and renders
the `requiredResourceAccess` snippet to paste into the app registration's manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import IO, Any

from m365inventory.model.connector import ConnectorMode, SyncSettings

GRAPH_RESOURCE_APP_ID = "00000003-0000-0000-c000-000000000000"
"""The application ID of Microsoft Graph, the resource every permission below belongs to."""

APP_ROLE_IDS: dict[str, str] = {
    "AuditLog.Read.All": "b0afded3-3588-46d8-8b3d-9842eff778da",
    "BitlockerKey.Read.All": "57f1cf28-c0c4-4ec3-9a30-19a2eaaf2f6e",
    "DelegatedAdminRelationship.Read.All": "f6e9e124-4586-492f-adc0-c6f96e4823fd",
    "DeviceManagementManagedDevices.Read.All": "2f51be20-0bb4-4fed-bf7b-db946066c75e",
    "Directory.Read.All": "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
    "GroupMember.Read.All": "98830695-27a2-44f7-8c18-0c3ebc9698f6",
    "Organization.Read.All": "498476ce-e0fe-48b0-b801-37ba7e2685c6",
    "ReportSettings.Read.All": "ee353f83-55ef-4b78-82da-555bfa2b4b95",
    "Reports.Read.All": "230c1aed-a721-4c5d-9cb4-a90514e508ef",
    "User.Read.All": "df021288-bdef-4463-88db-98f22de89214",
}
"""Application permission (app role) IDs of Microsoft Graph, as its service principal lists
them under appRoles; the same in every tenant."""


class Profile(StrEnum):
    """Which of the permissions that grant an endpoint to list."""

    REFERENCE = "reference"
    """Directory.Read.All for directory data, as the reference's app-registration steps."""
    LEAST = "least"
    """The least privileged permission of each endpoint (Organization, GroupMember …)."""


FEATURES: dict[str, str] = {
    "partner": "mode Partner: enumerate GDAP customer tenants",
    "contacts": "sync.contacts: match users to Contacts",
    "entraFields": "sync.entraFields: account status, last sign-in, last password change",
    "licenses": "sync.licenses: subscribed SKUs",
    "locations": "sync.locations: the organization's address",
    "groups": "sync.groups: groups and their members",
    "mailboxes": "sync.mailboxes: mailbox usage report",
    "intuneDevices": "sync.intuneDevices: Intune managed devices",
    "bitlockerKeys": "sync.bitlockerKeys: BitLocker recovery keys",
}
"""Feature names accepted by `--feature`, with what each one syncs."""


@dataclass(frozen=True, slots=True)
class Grant:
    """One permission to grant, and why the operator needs it."""

    permission: str
    reasons: tuple[str, ...]

    @property
    def app_role_id(self) -> str:
        return APP_ROLE_IDS[self.permission]


def enabled_features(*, mode: ConnectorMode, sync: SyncSettings) -> list[str]:
    """The feature names a connector with this mode and sync settings uses."""
    switches = {
        "partner": mode == ConnectorMode.PARTNER,
        "contacts": sync.contacts,
        "entraFields": sync.entra_fields,
        "licenses": sync.licenses.enabled,
        "locations": sync.locations,
        "groups": sync.groups,
        "mailboxes": sync.mailboxes,
        "intuneDevices": sync.intune_devices,
        "bitlockerKeys": sync.bitlocker_keys,
    }
    return [name for name in FEATURES if switches[name]]


def _directory(profile: Profile, least: str) -> str:
    return "Directory.Read.All" if profile == Profile.REFERENCE else least


def _endpoints(feature: str, profile: Profile) -> list[tuple[str, str]]:
    """(permission, endpoint) pairs one feature calls; endpoints as the simulator counts them."""
    org = _directory(profile, "Organization.Read.All")
    members = _directory(profile, "GroupMember.Read.All")
    table: dict[str, list[tuple[str, str]]] = {
        "partner": [
            (
                "DelegatedAdminRelationship.Read.All",
                "GET /tenantRelationships/delegatedAdminCustomers",
            ),
            (
                "DelegatedAdminRelationship.Read.All",
                "GET /tenantRelationships/delegatedAdminRelationships",
            ),
        ],
        "contacts": [("User.Read.All", "GET /users"), (org, "GET /subscribedSkus")],
        "entraFields": [
            ("User.Read.All", "GET /users"),
            ("AuditLog.Read.All", "GET /users?$select=signInActivity"),
        ],
        "licenses": [(org, "GET /subscribedSkus")],
        "locations": [],
        "groups": [
            ("User.Read.All", "GET /users"),
            (members, "GET /groups"),
            (members, "GET /groups/{id}/members"),
        ],
        "mailboxes": [
            ("Reports.Read.All", "GET /reports/getMailboxUsageDetail(period={period})"),
            ("ReportSettings.Read.All", "GET /admin/reportSettings"),
            (org, "GET /subscribedSkus"),
        ],
        "intuneDevices": [
            ("DeviceManagementManagedDevices.Read.All", "GET /deviceManagement/managedDevices"),
            (
                "DeviceManagementManagedDevices.Read.All",
                "GET /deviceManagement/managedDevices/{id}",
            ),
        ],
        "bitlockerKeys": [
            ("BitlockerKey.Read.All", "GET /informationProtection/bitlocker/recoveryKeys"),
            (
                "BitlockerKey.Read.All",
                "GET /informationProtection/bitlocker/recoveryKeys/{id}?$select=key",
            ),
        ],
    }
    return table[feature]


def needs(*, features: list[str], profile: Profile) -> list[tuple[str, str, str]]:
    """(permission, endpoint, feature) for every call the features make."""
    unknown = sorted(set(features) - set(FEATURES))
    if unknown:
        raise ValueError(f"unknown feature(s) {', '.join(unknown)}; known: {', '.join(FEATURES)}")
    found = [(_directory(profile, "Organization.Read.All"), "GET /organization", "every sync")]
    for feature in features:
        found.extend((perm, endpoint, feature) for perm, endpoint in _endpoints(feature, profile))
    return found


def grants(*, features: list[str], profile: Profile = Profile.REFERENCE) -> list[Grant]:
    """The permissions the features need, sorted by name, each with the calls it grants."""
    reasons: dict[str, list[str]] = {}
    for permission, endpoint, feature in needs(features=features, profile=profile):
        listed = reasons.setdefault(permission, [])
        reason = f"{endpoint} ({feature})"
        if reason not in listed:
            listed.append(reason)
    return [Grant(permission=p, reasons=tuple(reasons[p])) for p in sorted(reasons)]


def required_resource_access(found: list[Grant]) -> list[dict[str, Any]]:
    """The app manifest's `requiredResourceAccess` for these application permissions."""
    return [
        {
            "resourceAppId": GRAPH_RESOURCE_APP_ID,
            "resourceAccess": [{"id": g.app_role_id, "type": "Role"} for g in found],
        }
    ]


def notes(*, features: list[str]) -> list[str]:
    """What the table alone does not say, for the features in use."""
    said = [
        "Grant admin consent after adding the permissions (API permissions > Grant admin "
        "consent); application permissions do nothing until consented.",
        "The reference also lists Directory.ReadWrite.All, only so that the app can be added to "
        "the AdminAgents group by API. The operator never writes to Microsoft, so it is left out.",
    ]
    if "partner" in features:
        said.append(
            "Partner mode: consent the app in each customer tenant (or use GDAP with "
            "partner.authentication Delegated and a service account in a GDAP security group)."
        )
    if "entraFields" in features:
        said.append("Last sign-in needs Entra ID P1 in the customer tenant as well.")
    if "mailboxes" in features:
        said.append(
            "Mailbox usage needs concealed report names turned off in the Microsoft 365 admin "
            "center (Settings > Org Settings > Services > Reports)."
        )
    if "bitlockerKeys" in features:
        said.append("Microsoft audits every BitLocker recovery key read.")
    return said


def features_of_manifest(text: str) -> list[str]:
    """The features of the first MicrosoftConnector in a YAML manifest."""
    import yaml

    from m365inventory.model.connector import MicrosoftConnectorSpec

    for document in yaml.safe_load_all(text):
        if isinstance(document, dict) and document.get("kind") == "MicrosoftConnector":
            spec = MicrosoftConnectorSpec.model_validate(document.get("spec") or {})
            return enabled_features(mode=spec.mode, sync=spec.sync)
    raise ValueError("no MicrosoftConnector in the manifest")


def default_features() -> list[str]:
    """The features of a SingleTenant connector with the default sync settings."""
    return enabled_features(mode=ConnectorMode.SINGLE_TENANT, sync=SyncSettings())


class Output(StrEnum):
    """What `m365-inventory permissions` prints."""

    TABLE = "table"
    MANIFEST = "manifest"
    JSON = "json"


def render(*, features: list[str], profile: Profile, output: Output) -> str | Any:
    """The report: a rich renderable for the table, text for the manifest and JSON."""
    import json

    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    found = grants(features=features, profile=profile)
    snippet = json.dumps({"requiredResourceAccess": required_resource_access(found)}, indent=2)
    if output == Output.MANIFEST:
        return snippet
    if output == Output.JSON:
        listed = [
            {
                "permission": g.permission,
                "id": g.app_role_id,
                "type": "Role",
                "why": list(g.reasons),
            }
            for g in found
        ]
        return json.dumps({"features": features, "permissions": listed}, indent=2)
    view = Table(
        title=f"Microsoft Graph application permissions for: {', '.join(features)}",
        title_justify="left",
    )
    # Identifiers fold onto a second line in a narrow terminal, never end in an ellipsis.
    view.add_column("Permission", overflow="fold")
    view.add_column("App role ID", overflow="fold")
    view.add_column("Needed for")
    for g in found:
        view.add_row(g.permission, g.app_role_id, "\n".join(g.reasons))
    return Group(
        view,
        Text("\nApp registration > Manifest: merge into requiredResourceAccess:\n"),
        Text(snippet),
        Text("\n" + "\n".join(f"- {n}" for n in notes(features=features))),
    )


PIPE_WIDTH = 10_000
"""Measuring width for piped output: wider than any line the report has."""


def print_report(report: Any, *, file: IO[str] | None = None) -> None:
    """Print what :func:`render` returned.

    In a terminal the table fits the window (identifiers fold, never cut). Piped or
    redirected, rich would assume 80 columns and cut the table; the output is as wide as
    its widest line instead, so permission names and app role IDs arrive whole.
    """
    from rich.console import Console

    console = Console(highlight=False, file=file)
    if not console.is_terminal:
        options = console.options.update_width(PIPE_WIDTH)
        needed = console.measure(report, options=options).maximum
        console = Console(highlight=False, file=file, width=max(console.width, needed))
    console.print(report, markup=False, soft_wrap=True)
