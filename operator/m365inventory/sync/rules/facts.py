"""Microsoft facts → the operator-owned parts of documentation objects (pure).

Each function takes Graph models and returns the camelCase dict the operator writes under
`status.microsoft`. Values that change on their own every run (report dates aside) are left
out, so that an unchanged tenant yields an identical dict and therefore no write.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from m365inventory.model import graph as g
from m365inventory.sync.rules.conditions import timestamp

ENTRA_USER_URL = (
    "https://entra.microsoft.com/{tenant}/#view/Microsoft_AAD_UsersAndTenants/"
    "UserProfileMenuBlade/~/overview/userId/{user}"
)
SIGN_IN_WINDOW = timedelta(days=30)
EXCHANGE_ENTERPRISE_PLAN = "EXCHANGE_S_ENTERPRISE"
ENTERPRISE_SKU_PART_NUMBERS = frozenset(
    {
        "ENTERPRISEPACK",
        "ENTERPRISEPREMIUM",
        "ENTERPRISEPREMIUM_NOPSTNCONF",
        "SPE_E3",
        "SPE_E5",
        "EXCHANGEENTERPRISE",
        "DEVELOPERPACK_E5",
    }
)
"""SKUs that include Exchange Online (Plan 2), the "enterprise" plans of the reference."""
# The CRD schema's limits (model/inventory.py): a longer value would make the API server refuse
# the whole write, failing the tenant on every run.
TEXT_LIMIT = 1024
PHONE_LIMIT = 64
URL_LIMIT = 2048
EMAIL_LIMIT = 320
DOMAIN_LIMIT = 253
UNSET_BEFORE_YEAR = 1900
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+")


def _clean(value: Any) -> Any:
    """Drop None and empty values so the dict compares equal to what the API server stores."""
    if isinstance(value, Mapping):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v is not None and v != [] and v != {}}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _fit(value: str | None, limit: int = TEXT_LIMIT) -> str | None:
    """`value` cut to the schema's limit: Graph has no such limits, the API server does."""
    return value[:limit] if value else value


def _is_email(value: str) -> bool:
    return len(value) <= EMAIL_LIMIT and EMAIL_PATTERN.fullmatch(value) is not None


def _time(moment: datetime | None) -> str | None:
    # Graph reports some unset dates as 0001-01-01T00:00:00Z (.NET's DateTime.MinValue).
    if moment is None or moment.year < UNSET_BEFORE_YEAR:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return timestamp(moment.astimezone(UTC))


def user_aliases(user: g.User) -> list[str]:
    """The user's SMTP aliases, primary first, lower-cased and de-duplicated."""
    found: list[str] = []
    primary = [a for a in user.proxy_addresses if a.startswith("SMTP:")]
    secondary = [a for a in user.proxy_addresses if a.startswith("smtp:")]
    for address in [*primary, *secondary]:
        found.append(address.split(":", 1)[1].strip().lower())
    for other in [user.mail, *user.other_mails]:
        if other:
            found.append(other.strip().lower())
    return list(dict.fromkeys(a for a in found if "@" in a))


def sku_names(skus: Iterable[g.SubscribedSku]) -> dict[str, str]:
    """skuId → skuPartNumber."""
    return {s.sku_id: s.sku_part_number or s.sku_id for s in skus}


def contact_facts(
    *,
    user: g.User,
    tenant_id: str,
    skus: Mapping[str, str],
    entra_fields: bool,
    matched_by: str,
    now: datetime,
) -> dict[str, Any]:
    """`status.microsoft` of a Contact matched to `user`."""
    manage_url = ENTRA_USER_URL.format(tenant=tenant_id, user=user.id)
    licensed = sorted({skus.get(lic.sku_id, lic.sku_id) for lic in user.assigned_licenses})
    facts: dict[str, Any] = {
        "tenantId": tenant_id,
        "userId": user.id,
        "userPrincipalName": _fit(user.user_principal_name) or "",
        "displayName": _fit(user.display_name),
        "givenName": _fit(user.given_name),
        "surname": _fit(user.surname),
        "mail": _fit(user.mail),
        "aliases": [a for a in user_aliases(user) if len(a) <= TEXT_LIMIT][:50],
        "jobTitle": _fit(user.job_title),
        "mobilePhone": _fit(user.mobile_phone, PHONE_LIMIT),
        "businessPhones": [p[:PHONE_LIMIT] for p in user.business_phones if p][:10],
        "officeLocation": _fit(user.office_location),
        "licenses": [name[:TEXT_LIMIT] for name in licensed][:100],
        "accountEnabled": user.account_enabled,
        "manageUrl": manage_url if len(manage_url) <= URL_LIMIT else None,
        "matchedBy": matched_by,
    }
    if entra_fields:
        facts["lastPasswordChange"] = _time(user.last_password_change_date_time)
        last = user.sign_in_activity.last_sign_in_date_time if user.sign_in_activity else None
        if last is not None:
            last_utc = last if last.tzinfo else last.replace(tzinfo=UTC)
            if now - last_utc <= SIGN_IN_WINDOW:
                facts["lastSignIn"] = _time(last_utc)
    return dict(_clean(facts))


def contact_spec(*, user: g.User, organization: str) -> dict[str, Any]:
    """The spec of a Contact the operator creates for `user` (written once, at creation)."""
    emails = [e for e in user_aliases(user) if _is_email(e)]
    upn = (user.user_principal_name or "").strip().lower()
    if not emails and _is_email(upn):
        emails = [upn]
    first, last = user.given_name, user.surname
    if not first and not last and not emails:
        first = user.display_name or user.user_principal_name or user.id
    spec = {
        "organization": organization,
        "firstName": _fit(first),
        "lastName": _fit(last),
        "emails": emails[:50],
        "title": _fit(user.job_title),
        "phones": [p[:PHONE_LIMIT] for p in [*user.business_phones, user.mobile_phone] if p][:10],
    }
    return dict(_clean(spec))


def licenses(skus: Sequence[g.SubscribedSku], *, allow_list: Sequence[str] | None) -> list[Any]:
    """Organization licenses, filtered by the SKU allow-list (part number or SKU ID)."""
    allowed = {a.lower() for a in allow_list or []}
    kept = [
        s
        for s in skus
        if not allowed
        or (s.sku_part_number or "").lower() in allowed
        or s.sku_id.lower() in allowed
    ]
    return [
        _clean(
            {
                "skuId": s.sku_id,
                "skuPartNumber": s.sku_part_number or s.sku_id,
                "enabledUnits": (s.prepaid_units.enabled or 0) if s.prepaid_units else 0,
                "consumedUnits": s.consumed_units or 0,
                "capabilityStatus": s.capability_status,
            }
        )
        for s in sorted(kept, key=lambda s: (s.sku_part_number or "", s.sku_id))
    ]


def locations(organization: g.Organization) -> list[Any]:
    """The organization profile's address as a location (none when there is no address)."""
    fields = {
        "street": organization.street,
        "city": organization.city,
        "state": organization.state,
        "postalCode": organization.postal_code,
        "country": organization.country_letter_code or organization.country,
    }
    if not any(fields.values()):
        return []
    name = organization.city or organization.display_name or "Headquarters"
    return [_clean({"name": name[:1024], **fields})]


def tenant_facts(
    *, tenant_id: str, display_name: str | None, organization: g.Organization | None
) -> dict[str, Any]:
    """`status.tenant` of a TenantMatch."""
    # A DNS name has at most 253 characters; anything longer is not a domain.
    domains = [
        d
        for d in (organization.verified_domains if organization else [])
        if len(d.name) <= DOMAIN_LIMIT
    ]
    default = next((d.name for d in domains if d.is_default), None)
    name = display_name or (organization.display_name if organization else None) or tenant_id
    return dict(
        _clean(
            {
                "tenantId": tenant_id,
                "displayName": name[:1024],
                "defaultDomain": default,
                "domains": sorted({d.name for d in domains})[:100],
            }
        )
    )


def group_record(group: g.Group, *, contact_by_user: Mapping[str, str]) -> dict[str, Any]:
    """An Entra group with its members that are documented Contacts."""
    kinds = (
        "Microsoft365"
        if "Unified" in group.group_types
        else "MailEnabledSecurity"
        if group.mail_enabled and group.security_enabled
        else "Security"
        if group.security_enabled
        else "Distribution"
    )
    members = sorted({contact_by_user[m.id] for m in group.members if m.id in contact_by_user})
    return dict(
        _clean(
            {
                "id": group.id,
                "displayName": (group.display_name or group.id)[:1024],
                "kind": kinds,
                "memberCount": len(group.members),
                "members": members[:200],
            }
        )
    )


def mailbox(row: g.MailboxUsage) -> dict[str, Any]:
    """Mailbox usage facts of one report row."""
    return dict(
        _clean(
            {
                "storageUsedBytes": row.storage_used_bytes,
                "itemCount": row.item_count,
                "prohibitSendReceiveQuotaBytes": row.prohibit_send_receive_quota_bytes,
                "reportDate": row.report_refresh_date.isoformat()
                if row.report_refresh_date
                else None,
            }
        )
    )


def has_enterprise_mailbox(user: g.User, *, skus: Mapping[str, str]) -> bool:
    """Does the user hold a license with Exchange Online (Plan 2)?"""
    return any(
        skus.get(lic.sku_id, "") in ENTERPRISE_SKU_PART_NUMBERS for lic in user.assigned_licenses
    )
