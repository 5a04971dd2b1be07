"""Contacts of a matched tenant: the reference's matching rules, creation, ambiguity, drift."""

from __future__ import annotations

from typing import Any

from e2e_harness import Scenario


def _by_user(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """Contacts keyed by the Microsoft user's UPN."""
    found: dict[str, dict[str, Any]] = {}
    for contact in scenario.list("m365contact"):
        microsoft = (contact.get("status") or {}).get("microsoft") or {}
        if microsoft.get("userPrincipalName"):
            found[microsoft["userPrincipalName"]] = contact
    return found


def test_users_match_by_alias_then_username_then_name_or_are_created(scenario: Scenario) -> None:
    contoso = scenario.customer("Contoso Ltd")
    quinn = next(u for u in scenario.sim.world.tenants[1].users if u.display_name == "Quinn Clark")
    scenario.sim.world.update_user(
        contoso, quinn.id, {"user_principal_name": "qclark@contoso.onmicrosoft.com"}
    )
    scenario.organization("contoso", "Contoso Ltd")
    # Alias: a secondary smtp: proxy address.
    scenario.contact("c-alias", "contoso", emails=["isla.moore1@contoso.onmicrosoft.com"])
    # Username: the UPN, which is not one of the user's aliases.
    scenario.contact("c-username", "contoso", emails=["qclark@contoso.onmicrosoft.com"])
    # First + last name, no email at all.
    scenario.contact("c-name", "contoso", firstName="Emma", lastName="Green")
    # The tenant has two Olivia Smiths: one contact by that name is ambiguous.
    scenario.contact("c-olivia", "contoso", firstName="Olivia", lastName="Smith")
    # Created before the user exists in another organization: never touched.
    scenario.contact("c-elsewhere", "other-org", emails=["ben.smith6@contoso.com"])

    scenario.connector("msp")
    status = scenario.wait_synced("msp")

    contacts = _by_user(scenario)
    assert contacts["isla.moore1@contoso.com"]["metadata"]["name"] == "c-alias"
    assert contacts["isla.moore1@contoso.com"]["status"]["microsoft"]["matchedBy"] == "Alias"
    assert contacts["qclark@contoso.onmicrosoft.com"]["metadata"]["name"] == "c-username"
    assert contacts["qclark@contoso.onmicrosoft.com"]["status"]["microsoft"]["matchedBy"] == (
        "Username"
    )
    assert contacts["emma.green2@contoso.com"]["metadata"]["name"] == "c-name"
    assert contacts["emma.green2@contoso.com"]["status"]["microsoft"]["matchedBy"] == "Name"
    ben = contacts["ben.smith6@contoso.com"]
    assert ben["metadata"]["name"] != "c-elsewhere"
    assert ben["status"]["microsoft"]["matchedBy"] == "Created"
    assert ben["spec"]["emails"][0] == "ben.smith6@contoso.com"
    assert ben["spec"]["firstName"] == "Ben"
    assert ben["metadata"]["annotations"]["m365.inventory.dev/created-by"] == f"msp-{contoso}"
    assert ben["status"]["microsoft"]["manageUrl"].startswith("https://entra.microsoft.com/")

    # Ambiguous: no merge, no creation, flagged on the candidate and counted.
    assert "olivia.smith3@contoso.com" not in contacts
    assert "olivia.smith8@contoso.com" not in contacts
    olivia = scenario.get("m365contact", "c-olivia")
    assert olivia is not None
    flagged = {a["userPrincipalName"] for a in olivia["status"]["ambiguousMatches"]}
    assert flagged == {"olivia.smith3@contoso.com", "olivia.smith8@contoso.com"}
    assert "microsoft" not in olivia["status"]
    tm = scenario.tenant_match("msp", contoso)
    assert tm is not None
    assert tm["status"]["contacts"] == {"total": 10, "matched": 8, "unmatched": 2, "ignored": 0}
    assert status["summary"]["contactsAmbiguous"] == 2
    flag = next(c for c in tm["status"]["conditions"] if c["type"] == "ContactsAmbiguous")
    assert flag["status"] == "True"
    assert "olivia.smith3@contoso.com, olivia.smith8@contoso.com" in flag["message"]
    # Five created (Quinn Lewis, Noah Walker, Ben Smith, Emma Baker, Isla Brown).
    assert status["summary"]["contactsCreated"] == 5
    untouched = scenario.get("m365contact", "c-elsewhere")
    assert untouched is not None
    assert "status" not in untouched


def test_entra_fields_and_licenses_are_recorded(scenario: Scenario) -> None:
    scenario.organization("contoso", "Contoso Ltd")
    scenario.connector("msp")
    scenario.wait_synced("msp")
    contacts = _by_user(scenario)
    disabled = contacts["emma.baker7@contoso.com"]["status"]["microsoft"]
    assert disabled["accountEnabled"] is False
    enabled = contacts["quinn.lewis0@contoso.com"]["status"]["microsoft"]
    assert enabled["accountEnabled"] is True
    assert enabled["jobTitle"] == "Accountant"
    assert enabled["lastPasswordChange"].startswith("2025-06-21")
    assert enabled["licenses"]
    assert "quinn.lewis0@contoso.onmicrosoft.com" in enabled["aliases"]


def test_changes_in_microsoft_appear_after_the_next_sync(scenario: Scenario) -> None:
    contoso = scenario.customer("Contoso Ltd")
    scenario.organization("contoso", "Contoso Ltd")
    scenario.connector("msp", extra={"interval": "168h"})
    scenario.wait_synced("msp")
    users = {u.display_name: u for u in scenario.sim.world.tenants[1].users}
    world = scenario.sim.world
    world.update_user(contoso, users["Quinn Lewis"].id, {"job_title": "Chief Accountant"})
    world.delete_user(contoso, users["Noah Walker"].id)
    world.add_user(
        contoso,
        {
            "id": "0c8f0a3e-8e55-4f5b-9f00-1a2b3c4d5e6f",
            "display_name": "Zoë Ålander",
            "given_name": "Zoë",
            "surname": "Ålander",
            "user_principal_name": "zoe.alander@contoso.com",
            "mail": "zoe.alander@contoso.com",
            "proxy_addresses": ["SMTP:zoe.alander@contoso.com"],
            "account_enabled": True,
        },
    )
    world.rename_tenant(contoso, "Contoso Group")

    status = scenario.request_sync("msp")
    assert status["phase"] == "OK"
    contacts = _by_user(scenario)
    assert contacts["quinn.lewis0@contoso.com"]["status"]["microsoft"]["jobTitle"] == (
        "Chief Accountant"
    )
    zoe = contacts["zoe.alander@contoso.com"]
    assert zoe["spec"]["firstName"] == "Zoë"
    assert zoe["metadata"]["name"].startswith("contoso-zoe-alander-")
    gone = contacts["noah.walker5@contoso.com"]
    assert gone["status"]["microsoft"]["deleted"] is True
    assert gone["status"]["microsoft"]["deletedTime"]
    tm = scenario.tenant_match("msp", contoso)
    assert tm is not None
    assert tm["status"]["tenant"]["displayName"] == "Contoso Group"
    # Renaming the tenant does not undo a match people rely on.
    assert tm["status"]["state"] == "Matched"


def test_an_unchanged_resync_writes_nothing(scenario: Scenario) -> None:
    scenario.organization("contoso", "Contoso Ltd")
    scenario.organization("fabrikam", "Fabrikam Group", domains=["fabrikam.com"])
    scenario.connector("msp", extra={"interval": "168h"})
    scenario.wait_synced("msp")
    fabrikam = scenario.customer("Fabrikam Ltd")
    scenario.decide("msp", fabrikam, {"decision": "AcceptSuggestion"})
    scenario.wait("accept", lambda: scenario.match_state("msp", fabrikam)[0] == "Matched")
    first = scenario.request_sync("msp")
    assert first["phase"] == "OK"

    def versions() -> dict[str, str]:
        found: dict[str, str] = {}
        for kind in ("tenantmatch", "organization", "m365contact", "devicematch", "configuration"):
            for item in scenario.list(kind):
                found[f"{kind}/{item['metadata']['name']}"] = item["metadata"]["resourceVersion"]
        return found

    before = versions()
    assert len(before) > 20
    second = scenario.request_sync("msp")
    assert second["phase"] == "OK"
    assert second["summary"]["writes"] == 0
    assert second["summary"]["contactsUnchanged"] == 20
    assert second["summary"]["contactsCreated"] == 0
    assert second["summary"]["contactsUpdated"] == 0
    assert versions() == before
