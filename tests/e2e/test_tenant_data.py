"""Microsoft 365 data of matched tenants: licenses, mailboxes, sign-ins, partner delegation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from e2e_harness import Scenario


def _contacts_by_upn(scenario: Scenario) -> dict[str, dict[str, Any]]:
    return {
        c["status"]["microsoft"]["userPrincipalName"]: c
        for c in scenario.list("m365contact")
        if (c.get("status") or {}).get("microsoft")
    }


def test_licenses_follow_the_sku_allow_list(scenario: Scenario) -> None:
    scenario.organization("contoso", "Contoso Ltd")
    scenario.connector(
        "msp",
        sync={"contacts": False, "licenses": {"skuAllowList": ["SPE_E3", "exchangestandard"]}},
    )
    scenario.wait_synced("msp")
    org = scenario.get("organization", "contoso")
    assert org is not None
    licenses = org["status"]["microsoft"]["licenses"]
    assert sorted(lic["skuPartNumber"] for lic in licenses) == ["EXCHANGESTANDARD", "SPE_E3"]
    assert all(lic["enabledUnits"] >= lic["consumedUnits"] >= 0 for lic in licenses)
    assert scenario.list("m365contact") == []


def test_mailboxes_only_for_enterprise_plans_and_a_condition_when_names_are_concealed(
    scenario: Scenario,
) -> None:
    contoso = scenario.customer("Contoso Ltd")
    fabrikam = scenario.customer("Fabrikam Ltd")
    scenario.sim.world.require_tenant(fabrikam).display_concealed_names = True
    scenario.organization("contoso", "Contoso Ltd")
    scenario.organization("fabrikam", "Fabrikam Ltd")
    scenario.connector("msp", sync={"contacts": True, "mailboxes": True})
    status = scenario.wait_synced("msp")
    assert status["phase"] == "OK"

    contacts = _contacts_by_upn(scenario)
    enterprise = contacts["ben.smith6@contoso.com"]["status"]["microsoft"]  # ENTERPRISEPACK
    assert enterprise["mailbox"]["storageUsedBytes"] > 0
    assert enterprise["mailbox"]["itemCount"] > 0
    assert "mailboxUnavailable" not in enterprise
    standard = contacts["quinn.lewis0@contoso.com"]["status"]["microsoft"]  # EXCHANGESTANDARD
    assert "mailbox" not in standard
    # Never silently nothing: the Contact says why it has no mailbox usage.
    assert standard["mailboxUnavailable"] == "NoExchangeOnlineLicense"
    hidden = [
        c["status"]["microsoft"]
        for c in contacts.values()
        if c["status"]["microsoft"].get("tenantId") == fabrikam
    ]
    assert hidden
    assert {m["mailboxUnavailable"] for m in hidden} == {"ReportNamesConcealed"}

    concealed = scenario.get("organization", "fabrikam")
    assert concealed is not None
    condition = next(
        c for c in concealed["status"]["conditions"] if c["type"] == "ReportNamesConcealed"
    )
    assert condition["status"] == "True"
    assert "Display concealed user, group, and site names" in condition["message"]
    visible = scenario.get("organization", "contoso")
    assert visible is not None
    flag = next(c for c in visible["status"]["conditions"] if c["type"] == "ReportNamesConcealed")
    assert flag["status"] == "False"
    assert contoso in {t["tenantId"] for t in visible["status"]["microsoft"]["tenants"]}


def test_last_sign_in_is_shown_only_within_30_days_and_with_entra_id_p1(
    scenario: Scenario,
) -> None:
    contoso = scenario.customer("Contoso Ltd")
    tenant = scenario.sim.world.require_tenant(contoso)
    tenant.has_entra_id_p1 = True
    users = {u.display_name: u for u in tenant.users}
    recent = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    old = (datetime.now(UTC) - timedelta(days=45)).strftime("%Y-%m-%dT%H:%M:%SZ")
    world = scenario.sim.world
    world.update_user(
        contoso, users["Quinn Lewis"].id, {"sign_in_activity": {"last_sign_in_date_time": recent}}
    )
    world.update_user(
        contoso, users["Isla Moore"].id, {"sign_in_activity": {"last_sign_in_date_time": old}}
    )
    scenario.organization("contoso", "Contoso Ltd")
    scenario.connector("msp", sync={"contacts": True, "entraFields": True})
    scenario.wait_synced("msp")
    contacts = _contacts_by_upn(scenario)
    assert contacts["quinn.lewis0@contoso.com"]["status"]["microsoft"]["lastSignIn"] == recent
    assert "lastSignIn" not in contacts["isla.moore1@contoso.com"]["status"]["microsoft"]


def test_partner_with_delegated_gdap_access(scenario: Scenario) -> None:
    refresh = scenario.creds["refreshTokens"][0]["refreshToken"]
    scenario.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "partner-refresh"},
            "stringData": {"refreshToken": refresh},
        }
    )
    scenario.organization("contoso", "Contoso Ltd")
    scenario.connector(
        "msp",
        extra={
            "partner": {
                "authentication": "Delegated",
                "refreshTokenSecretRef": {"name": "partner-refresh", "key": "refreshToken"},
            }
        },
    )
    status = scenario.wait_synced("msp")
    assert status["phase"] == "OK", status
    assert status["summary"]["tenants"] == 3
    assert status["summary"]["tenantsFailed"] == 0
    contoso = scenario.customer("Contoso Ltd")
    assert scenario.match_state("msp", contoso) == ("Matched", "contoso")
    assert len(scenario.list("m365contact")) == 10
    everything = scenario.kubectl("get", "microsoftconnector,tenantmatch,events", "-o", "yaml")
    assert refresh not in everything
    assert refresh not in scenario.operator.log_text()
