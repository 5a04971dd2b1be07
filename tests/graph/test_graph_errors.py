"""Error classification: what a failed Graph or token answer becomes."""

from __future__ import annotations

import pytest

from m365inventory.graph import errors, permissions


def _body(code: str, message: str = "x") -> dict[str, object]:
    return {"error": {"code": code, "message": message}}


def test_403_names_the_permission_for_the_endpoint() -> None:
    error = errors.classify(
        status=403,
        body=_body("Forbidden", "Application is not authorized to perform this operation."),
        method="GET",
        path="/deviceManagement/managedDevices?$select=id",
    )
    assert isinstance(error, errors.MissingPermission)
    assert error.permissions == ("DeviceManagementManagedDevices.Read.All",)
    assert "DeviceManagementManagedDevices.Read.All" in str(error)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/users", "User.Read.All"),
        ("/users/delta?$deltatoken=abc", "User.Read.All"),
        ("/users?$select=id,signInActivity", "AuditLog.Read.All"),
        ("/groups/g1/members?$select=id", "GroupMember.Read.All"),
        ("/informationProtection/bitlocker/recoveryKeys", "BitlockerKey.ReadBasic.All"),
        ("/informationProtection/bitlocker/recoveryKeys/k1?$select=key", "BitlockerKey.Read.All"),
        ("/reports/getMailboxUsageDetail(period='D7')", "Reports.Read.All"),
        ("/admin/reportSettings", "ReportSettings.Read.All"),
        ("/tenantRelationships/delegatedAdminCustomers", "DelegatedAdminRelationship.Read.All"),
        ("/subscribedSkus", "LicenseAssignment.Read.All"),
        ("/organization", "Organization.Read.All"),
        ("/domains", "Domain.Read.All"),
    ],
)
def test_permission_table(path: str, expected: str) -> None:
    assert permissions.required_for(method="GET", path=path)[0] == expected


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (410, "resyncRequired", errors.ResyncRequired),
        (400, "syncStateNotFound", errors.ResyncRequired),
        (429, "TooManyRequests", errors.Throttled),
        (503, "ServiceUnavailable", errors.Throttled),
        (500, "InternalServerError", errors.TransientError),
        (504, "GatewayTimeout", errors.TransientError),
        (404, "Request_ResourceNotFound", errors.PermanentError),
        (400, "BadRequest", errors.PermanentError),
        (401, "InvalidAuthenticationToken", errors.AuthenticationError),
    ],
)
def test_classification(status: int, code: str, kind: type[errors.GraphError]) -> None:
    error = errors.classify(status=status, body=_body(code), method="GET", path="/users")
    assert type(error) is kind
    assert error.status == status


def test_msal_failure_keeps_aadsts_code_adds_hint_and_hides_secret() -> None:
    secret = "s3cr3t~VALUE.that-leaked"
    result = {
        "error": "invalid_client",
        "error_description": f"AADSTS7000215: Invalid client secret provided: {secret}\r\n"
        "Trace ID: 1\r\nCorrelation ID: 2",
        "error_codes": [7000215],
    }
    error = errors.authentication_error(result, tenant_id="t1", secrets=[secret])
    assert error.aadsts == 7000215
    assert "AADSTS7000215" in str(error)
    assert error.hint is not None
    assert "Value" in error.hint
    assert secret not in str(error)
    assert secret not in repr(error)
    assert "Trace ID" not in str(error)


def test_aadsts_code_found_in_description_when_codes_missing() -> None:
    result = {"error": "invalid_request", "error_description": "AADSTS90002: Tenant not found."}
    error = errors.authentication_error(result, tenant_id="t1")
    assert error.aadsts == 90002
    assert "tenant does not exist" in str(error)


def test_a_tenant_without_the_service_is_not_applicable_not_a_generic_400() -> None:
    """Graph's answer to Intune requests in a tenant without an Intune licence."""
    error = errors.classify(
        status=400,
        body=_body("BadRequest", "Request not applicable to target tenant."),
        method="GET",
        path="/deviceManagement/managedDevices",
    )
    assert type(error) is errors.NotApplicable
    other = errors.classify(
        status=400, body=_body("BadRequest", "Invalid filter clause"), method="GET", path="/users"
    )
    assert type(other) is errors.PermanentError


def test_consent_missing_keeps_the_code_and_says_who_must_consent() -> None:
    wrong_app = errors.authentication_error(
        {"error": "unauthorized_client", "error_codes": [700016], "error_description": "x"},
        tenant_id="customer",
    )
    assert not wrong_app.consent_missing
    consent = errors.consent_missing(wrong_app, tenant_id="customer")
    assert consent.consent_missing
    assert consent.aadsts == 700016
    assert "grant admin consent" in consent.message
    assert "customer" in consent.message
