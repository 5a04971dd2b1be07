"""Reading Microsoft 365 usage reports, which Graph serves as CSV behind a redirect.

``GET /reports/getMailboxUsageDetail(period='D7')`` answers 302 with a short-lived, pre-signed
download URL on another host; the download must not carry the Graph bearer token.
"""

from __future__ import annotations

import csv
import io

from m365inventory.model.graph import MailboxUsage

PERIODS = ("D7", "D30", "D90", "D180")


def mailbox_usage_path(period: str = "D7") -> str:
    if period not in PERIODS:
        raise ValueError(f"report period must be one of {', '.join(PERIODS)}, not {period!r}")
    return f"/reports/getMailboxUsageDetail(period='{period}')"


def parse_mailbox_usage(text: str) -> list[MailboxUsage]:
    """Rows of the mailbox usage CSV (a UTF-8 BOM, if any, is ignored)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    rows: list[MailboxUsage] = []
    for row in reader:
        if not row.get("User Principal Name"):
            continue
        rows.append(MailboxUsage.model_validate(row))
    return rows
