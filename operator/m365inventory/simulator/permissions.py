"""Which permission each simulated Graph endpoint needs, and how Graph says "no".

`REQUIRED_PERMISSIONS` is exported on purpose: a client maps a 403 from an endpoint to the
permissions an admin must grant. Any one permission of a tuple suffices (least privileged
first, as in the Graph docs' permission tables); the ReadWrite variants imply the Read ones.
"""

from __future__ import annotations

from dataclasses import dataclass

_USERS = ("User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")
_GROUPS = ("Group.Read.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")
_MEMBERS = ("GroupMember.Read.All", *_GROUPS)
_ORG = (
    "Organization.Read.All",
    "Organization.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
_DOMAINS = (
    "Domain.Read.All",
    "Domain.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
_SKUS = ("LicenseAssignment.Read.All", *_ORG)
_INTUNE = (
    "DeviceManagementManagedDevices.Read.All",
    "DeviceManagementManagedDevices.ReadWrite.All",
)
_BITLOCKER_LIST = ("BitlockerKey.ReadBasic.All", "BitlockerKey.Read.All")
_BITLOCKER_KEY = ("BitlockerKey.Read.All",)
_REPORTS = ("Reports.Read.All",)
_REPORT_SETTINGS = ("ReportSettings.Read.All", "ReportSettings.ReadWrite.All")
_GDAP = ("DelegatedAdminRelationship.Read.All", "DelegatedAdminRelationship.ReadWrite.All")
_SIGN_IN = ("AuditLog.Read.All",)
_APPLICATIONS = (
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)

#: endpoint template (as counted) -> any one of these permissions grants access.
REQUIRED_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "GET /organization": _ORG,
    "GET /domains": _DOMAINS,
    "GET /users": _USERS,
    "GET /users/{id}": _USERS,
    "GET /users/delta": _USERS,
    "GET /users?$select=signInActivity": _SIGN_IN,
    "GET /groups": _GROUPS,
    "GET /groups/{id}": _GROUPS,
    "GET /groups/delta": _GROUPS,
    "GET /groups/{id}/members": _MEMBERS,
    "GET /subscribedSkus": _SKUS,
    "GET /deviceManagement/managedDevices": _INTUNE,
    "GET /deviceManagement/managedDevices/{id}": _INTUNE,
    "GET /informationProtection/bitlocker/recoveryKeys": _BITLOCKER_LIST,
    "GET /informationProtection/bitlocker/recoveryKeys/{id}": _BITLOCKER_LIST,
    "GET /informationProtection/bitlocker/recoveryKeys/{id}?$select=key": _BITLOCKER_KEY,
    "GET /reports/getMailboxUsageDetail(period={period})": _REPORTS,
    "GET /admin/reportSettings": _REPORT_SETTINGS,
    "GET /tenantRelationships/delegatedAdminCustomers": _GDAP,
    "GET /tenantRelationships/delegatedAdminRelationships": _GDAP,
    "GET /applications": _APPLICATIONS,
}


@dataclass(frozen=True)
class Denial:
    """The 403 Graph gives when a permission is missing (the code differs by workload)."""

    code: str
    message: str


_DIRECTORY_DENIAL = Denial(
    "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
)


def denial_for(template: str) -> Denial:
    """Graph's 403 for this endpoint; Intune alone names the scopes it wanted."""
    if "/deviceManagement/" in template:
        scopes = ", ".join(REQUIRED_PERMISSIONS[template])
        return Denial(
            "Forbidden",
            "Application is not authorized to perform this operation. "
            f"Application must have one of the following scopes: {scopes}",
        )
    if "/reports/" in template:
        return Denial("UnknownError", "")
    if "/tenantRelationships/" in template or "/admin/" in template:
        return Denial("Forbidden", "Missing role permissions on the request.")
    return _DIRECTORY_DENIAL


def allowed(*, template: str, granted: set[str]) -> bool:
    """True if any permission the endpoint accepts is in the token's roles/scopes."""
    needed = REQUIRED_PERMISSIONS.get(template)
    return needed is None or bool(granted.intersection(needed))
