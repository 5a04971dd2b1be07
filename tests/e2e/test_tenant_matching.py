"""A person's view of tenant matching: apply a connector, read suggestions, decide by patch."""

from __future__ import annotations

import json

from e2e_harness import Scenario


def test_partner_connector_discovers_customers_with_suggestions(scenario: Scenario) -> None:
    scenario.organization("contoso", "Contoso Ltd")  # exact name: matched automatically
    scenario.organization("fabrikam-inc", "Fabrikam Group", domains=["fabrikam.com"])
    scenario.connector("msp")
    status = scenario.wait_synced("msp")
    assert status["phase"] == "OK", status
    assert status["summary"]["tenants"] == 3

    contoso = scenario.customer("Contoso Ltd")
    fabrikam = scenario.customer("Fabrikam Ltd")
    northwind = scenario.customer("Northwind Traders Ltd")
    assert scenario.match_state("msp", contoso) == ("Matched", "contoso")
    tm = scenario.tenant_match("msp", fabrikam)
    assert tm is not None
    assert tm["status"]["state"] == "Unmatched"
    best = tm["status"]["suggestions"][0]
    assert best["name"] == "fabrikam-inc"
    assert any(e.startswith("domain:") for e in best["evidence"])
    assert tm["metadata"]["labels"]["m365.inventory.dev/state"] == "Unmatched"
    assert tm["metadata"]["ownerReferences"][0]["name"] == "msp"
    assert scenario.match_state("msp", northwind) == ("Unmatched", None)
    listed = scenario.kubectl("get", "tenantmatches")
    assert "Fabrikam Ltd" in listed
    assert "fabrikam-inc" in listed


def test_each_decision_applies_without_waiting_for_a_sync(scenario: Scenario) -> None:
    scenario.organization("fabrikam-inc", "Fabrikam Group", domains=["fabrikam.com"])
    scenario.organization("other", "Some Other Company")
    scenario.connector("msp", extra={"interval": "168h"})
    scenario.wait_synced("msp")
    fabrikam = scenario.customer("Fabrikam Ltd")
    northwind = scenario.customer("Northwind Traders Ltd")

    scenario.decide("msp", fabrikam, {"decision": "AcceptSuggestion"})
    scenario.wait(
        "accept", lambda: scenario.match_state("msp", fabrikam) == ("Matched", "fabrikam-inc")
    )

    scenario.decide("msp", fabrikam, {"decision": "MatchTo", "organizationName": "other"})
    scenario.wait("change", lambda: scenario.match_state("msp", fabrikam) == ("Matched", "other"))

    scenario.decide("msp", fabrikam, None)
    scenario.wait("revert", lambda: scenario.match_state("msp", fabrikam) == ("Unmatched", None))

    scenario.decide("msp", northwind, {"decision": "Ignore"})
    scenario.wait("ignore", lambda: scenario.match_state("msp", northwind) == ("Ignored", None))

    scenario.decide("msp", northwind, {"decision": "CreateOrganization"})
    scenario.wait(
        "create",
        lambda: scenario.match_state("msp", northwind) == ("Matched", "northwind-traders-ltd"),
    )
    created = scenario.get("organization", "northwind-traders-ltd")
    assert created is not None
    assert created["spec"]["displayName"] == "Northwind Traders Ltd"


def test_create_organization_refuses_a_near_duplicate_unless_forced(scenario: Scenario) -> None:
    scenario.organization("northwind-group", "Northwind Traders Group")
    scenario.connector("msp", extra={"interval": "168h"})
    scenario.wait_synced("msp")
    northwind = scenario.customer("Northwind Traders Ltd")

    scenario.decide("msp", northwind, {"decision": "CreateOrganization"})

    def refused() -> dict[str, str] | None:
        status = (scenario.tenant_match("msp", northwind) or {}).get("status") or {}
        decided = [c for c in status.get("conditions", []) if c["type"] == "Decided"]
        return decided[0] if decided and decided[0]["reason"] == "DuplicateOrganization" else None

    condition = scenario.wait("the duplicate guard", refused)
    assert condition["status"] == "False"
    assert "northwind-group" in condition["message"]
    assert "spec.force" in condition["message"]
    assert scenario.match_state("msp", northwind) == ("Unmatched", None)
    assert scenario.get("organization", "northwind-traders-ltd") is None

    scenario.decide("msp", northwind, {"decision": "CreateOrganization", "force": True})
    scenario.wait(
        "forced create",
        lambda: scenario.match_state("msp", northwind) == ("Matched", "northwind-traders-ltd"),
    )


def test_a_decision_committed_before_discovery_is_adopted(scenario: Scenario) -> None:
    scenario.organization("fabrikam-corp", "Totally Different Name")
    fabrikam = scenario.customer("Fabrikam Ltd")
    scenario.apply(
        {
            "apiVersion": "m365.inventory.dev/v1alpha1",
            "kind": "TenantMatch",
            "metadata": {"name": f"msp-{fabrikam}"},
            "spec": {"decision": "MatchTo", "organizationName": "fabrikam-corp"},
        }
    )
    scenario.connector("msp")
    scenario.wait_synced("msp")
    scenario.wait(
        "the Git decision to be honoured",
        lambda: scenario.match_state("msp", fabrikam) == ("Matched", "fabrikam-corp"),
    )
    tm = scenario.tenant_match("msp", fabrikam)
    assert tm is not None
    assert tm["spec"] == {"decision": "MatchTo", "organizationName": "fabrikam-corp"}
    assert tm["status"]["matchedBy"] == "Manual"
    managed = json.loads(
        scenario.kubectl("get", "tm", f"msp-{fabrikam}", "-o", "json", "--show-managed-fields")
    )["metadata"]["managedFields"]
    operator_fields = [m for m in managed if m["manager"] == "m365-inventory-operator"]
    assert operator_fields
    assert all("f:spec" not in (m.get("fieldsV1") or {}) for m in operator_fields)
    contacts = scenario.list("m365contact")
    assert any(c["spec"]["organization"] == "fabrikam-corp" for c in contacts)


def test_single_tenant_connector_matches_its_tenant_by_name(scenario: Scenario) -> None:
    contoso = scenario.customer("Contoso Ltd")
    scenario.organization("contoso", "Contoso Ltd")
    scenario.connector("contoso-direct", mode="SingleTenant", tenant_id=contoso)
    status = scenario.wait_synced("contoso-direct")
    assert status["phase"] == "OK"
    assert status["summary"]["tenants"] == 1
    assert scenario.match_state("contoso-direct", contoso) == ("Matched", "contoso")
    tm = scenario.tenant_match("contoso-direct", contoso)
    assert tm is not None
    assert tm["status"]["matchedBy"] == "Exact"
    assert tm["status"]["tenant"]["defaultDomain"] == "contoso.com"
    assert tm["status"]["contacts"]["total"] == 10
    org = scenario.get("organization", "contoso")
    assert org is not None
    microsoft = org["status"]["microsoft"]
    assert microsoft["tenants"][0]["tenantId"] == contoso
    assert microsoft["licenses"]
    assert microsoft["locations"][0]["city"] == "Seattle"
    assert microsoft["groups"]


def test_revert_undoes_what_the_match_caused_and_keeps_existing_contacts(
    scenario: Scenario,
) -> None:
    scenario.organization("customer-a", "Customer A")
    scenario.contact("existing-ben", "customer-a", emails=["ben.smith6@contoso.com"])
    contoso = scenario.customer("Contoso Ltd")
    scenario.connector("msp", extra={"interval": "168h"})
    scenario.wait_synced("msp")
    scenario.decide("msp", contoso, {"decision": "MatchTo", "organizationName": "customer-a"})

    def contacts_synced() -> bool:
        return len(scenario.list("m365contact")) == 10

    scenario.wait("contacts of the newly matched tenant", contacts_synced)
    ben = scenario.get("m365contact", "existing-ben")
    assert ben is not None
    assert ben["status"]["microsoft"]["userPrincipalName"] == "ben.smith6@contoso.com"
    org = scenario.get("organization", "customer-a")
    assert org is not None
    assert org["status"]["microsoft"]["tenants"][0]["tenantId"] == contoso

    scenario.decide("msp", contoso, None)
    scenario.wait("revert", lambda: scenario.match_state("msp", contoso) == ("Unmatched", None))
    remaining = scenario.list("m365contact")
    assert [c["metadata"]["name"] for c in remaining] == ["existing-ben"]
    assert "microsoft" not in (remaining[0].get("status") or {})
    assert remaining[0]["spec"]["emails"] == ["ben.smith6@contoso.com"]
    org = scenario.get("organization", "customer-a")
    assert org is not None
    assert "microsoft" not in (org.get("status") or {})
