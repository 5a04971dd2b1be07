"""Which Microsoft Graph application permission each endpoint needs.

Graph's 403 answer says "Authorization_RequestDenied" or "Forbidden" but not which permission is
missing, so the client keeps this table (least-privileged first, from the Graph API reference
pages) to tell an administrator exactly what to grant.
"""

from __future__ import annotations

import re

# (path pattern relative to the version root, permissions that satisfy it), first match wins.
_TABLE: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), perms)
    for pattern, perms in (
        (r"^/organization\b", ("Organization.Read.All", "Directory.Read.All")),
        (r"^/domains\b", ("Domain.Read.All", "Directory.Read.All")),
        (r"^/users/delta\b", ("User.Read.All", "Directory.Read.All")),
        (r"^/users\b", ("User.Read.All", "Directory.Read.All")),
        (r"^/groups/[^/]+/(members|transitiveMembers)\b", ("GroupMember.Read.All",)),
        (r"^/groups/delta\b", ("GroupMember.Read.All", "Group.Read.All")),
        (r"^/groups\b", ("GroupMember.Read.All", "Group.Read.All")),
        (r"^/subscribedSkus\b", ("LicenseAssignment.Read.All", "Organization.Read.All")),
        (r"^/deviceManagement/managedDevices\b", ("DeviceManagementManagedDevices.Read.All",)),
        (r"^/informationProtection/bitlocker/recoveryKeys/[^/?]+", ("BitlockerKey.Read.All",)),
        (
            r"^/informationProtection/bitlocker/recoveryKeys\b",
            ("BitlockerKey.ReadBasic.All", "BitlockerKey.Read.All"),
        ),
        (r"^/admin/reportSettings\b", ("ReportSettings.Read.All",)),
        (r"^/reports/", ("Reports.Read.All",)),
        (r"^/tenantRelationships/delegatedAdmin", ("DelegatedAdminRelationship.Read.All",)),
        (r"^/applications\b", ("Application.Read.All", "Directory.Read.All")),
    )
)

# signInActivity is gated by its own permission whatever the entity permission is.
_SIGN_IN_ACTIVITY = re.compile(r"signInActivity", re.IGNORECASE)


def required_for(*, method: str, path: str) -> tuple[str, ...]:
    """The permissions that grant ``method path`` (path may carry its query string)."""
    del method  # the operator only reads; kept so write endpoints can be told apart later
    bare = path.split("?", 1)[0]
    if _SIGN_IN_ACTIVITY.search(path):
        return ("AuditLog.Read.All",)
    for pattern, perms in _TABLE:
        if pattern.search(bare):
            return perms
    return ()
