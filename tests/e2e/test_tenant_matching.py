"""A person's view of tenant matching: apply a connector, read suggestions, decide by patch."""

from __future__ import annotations

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
