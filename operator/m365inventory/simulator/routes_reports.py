"""Usage reports: the 302 to a short-lived pre-authenticated CSV, and admin/reportSettings.

The CSV has exactly Microsoft's documented columns for getMailboxUsageDetail, a UTF-8 byte
order mark like the real download, and, when the tenant conceals names, 32-hex-digit hashes
in place of user principal names and display names (what breaks naive mailbox matching).
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import time
from datetime import UTC, datetime

from m365inventory.simulator.errors import bad_request
from m365inventory.simulator.graph import Context, GraphResponse, Route
from m365inventory.simulator.world import Tenant

PERIODS = ("D7", "D30", "D90", "D180")
#: Exactly the documented columns, in order
#: (https://learn.microsoft.com/graph/api/reportroot-getmailboxusagedetail, Response).
MAILBOX_COLUMNS = (
    "Report Refresh Date",
    "User Principal Name",
    "Display Name",
    "Is Deleted",
    "Deleted Date",
    "Created Date",
    "Last Activity Date",
    "Item Count",
    "Storage Used (Byte)",
    "Issue Warning Quota (Byte)",
    "Prohibit Send Quota (Byte)",
    "Prohibit Send/Receive Quota (Byte)",
    "Deleted Item Count",
    "Deleted Item Size (Byte)",
    "Deleted Item Quota (Byte)",
    "Has Archive",
    "Report Period",
)


def concealed(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32].upper()


def mailbox_usage_csv(tenant: Tenant, *, period: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MAILBOX_COLUMNS)
    refreshed = datetime.now(UTC).strftime("%Y-%m-%d")
    for user in tenant.users:
        box = user.mailbox
        if box is None:
            continue
        upn, name = user.user_principal_name, user.display_name or ""
        if tenant.display_concealed_names:
            upn, name = concealed(upn), concealed(name)
        writer.writerow(
            [
                refreshed,
                upn,
                name,
                "False",
                "",
                (user.created_date_time or "")[:10],
                box.last_activity_date or "",
                box.item_count,
                box.storage_used_bytes,
                104857600000 // 2,
                104857600000 // 2 + 2 * 1024**3,
                104857600000,
                box.deleted_item_count,
                box.deleted_item_size_bytes,
                32212254720,
                str(box.has_archive),
                period.removeprefix("D"),
            ]
        )
    return "\ufeff".encode() + out.getvalue().encode()


def mailbox_usage_detail(ctx: Context) -> GraphResponse:
    period = ctx.params["period"].strip("'")
    if period not in PERIODS:
        raise bad_request(f"Invalid period: '{period}'. Supported values are {', '.join(PERIODS)}.")
    token = secrets.token_urlsafe(24)
    now = time.monotonic()
    for stale in [t for t, (until, _) in ctx.env.downloads.items() if until < now]:
        del ctx.env.downloads[stale]
    expires = now + ctx.settings.report_url_lifetime_seconds
    ctx.env.downloads[token] = (expires, mailbox_usage_csv(ctx.tenant, period=period))
    return GraphResponse(
        status=302,
        headers={
            "Location": f"{ctx.env.base_url}/_reports/download/{token}",
            "content-type": "text/plain",
        },
        raw=b"",
    )


def report_settings(ctx: Context) -> GraphResponse:
    return GraphResponse(
        status=200,
        body={
            "@odata.context": f"{ctx.root}/$metadata#admin/reportSettings/$entity",
            "displayConcealedNames": ctx.tenant.display_concealed_names,
        },
    )


ROUTES = [
    Route(
        "GET",
        "/reports/getMailboxUsageDetail(period={period})",
        mailbox_usage_detail,
        workload="reports",
    ),
    Route("GET", "/admin/reportSettings", report_settings, workload="reports"),
]
