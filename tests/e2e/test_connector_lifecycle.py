"""Operating a connector: suspend, resume, request a sync, bad credentials, a failing tenant."""

from __future__ import annotations

import json

from e2e_harness import Scenario


def _condition(status: dict[str, object], type_: str) -> dict[str, str]:
    conditions = status.get("conditions") or []
    assert isinstance(conditions, list)
    return next(c for c in conditions if c["type"] == type_)


def test_suspend_resume_and_request_a_sync(scenario: Scenario) -> None:
    scenario.organization("contoso", "Contoso Ltd")
    scenario.connector("msp")
    first = scenario.wait_synced("msp")
    assert first["phase"] == "OK"
    assert _condition(first, "Ready")["reason"] == "Succeeded"
    assert first["history"][0]["trigger"] == "Created"

    scenario.patch("microsoftconnector", "msp", {"spec": {"suspend": True}})

    def suspended() -> dict[str, object] | None:
        status = scenario.connector_status("msp")
        return status if status.get("phase") == "Suspended" else None

    status = scenario.wait("the connector to say it is suspended", suspended)
    ready = _condition(status, "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "Suspended")
    assert "nextSyncTime" not in status
    printed = scenario.kubectl("get", "microsoftconnector", "msp")
    assert "Suspended" in printed
    assert "true" in printed

    scenario.patch("microsoftconnector", "msp", {"spec": {"suspend": False}})
    resumed = scenario.wait_synced("msp")
    assert resumed["phase"] == "OK"
    assert resumed["history"][0]["trigger"] == "SpecChanged"
    assert resumed["nextSyncTime"] > resumed["lastSyncTime"]

    requested = scenario.request_sync("msp")
    assert requested["history"][0]["trigger"] == "Requested"
    assert len(requested["history"]) == 3
    events = json.loads(
        scenario.kubectl(
            "get", "events", "--field-selector", "involvedObject.name=msp", "-o", "json"
        )
    )["items"]
    reasons = {e["reason"] for e in events}
    assert {"SyncStarted", "SyncSucceeded", "Suspended"} <= reasons


def test_a_missing_secret_says_what_to_fix(scenario: Scenario) -> None:
    scenario.connector("msp", secret_name="graph-credentials", create_secret=False)
    status = scenario.wait_synced("msp")
    assert status["phase"] == "Error"
    valid = _condition(status, "CredentialsValid")
    assert (valid["status"], valid["reason"]) == ("False", "SecretNotFound")
    assert "graph-credentials" in valid["message"]
    assert "clientSecret" in valid["message"]
    ready = _condition(status, "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "Failed")

    # Fix it: create the Secret with the wrong key first, then the right one.
    scenario.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "graph-credentials"},
            "stringData": {"secret": "x"},
        }
    )
    status = scenario.request_sync("msp")
    valid = _condition(status, "CredentialsValid")
    assert valid["reason"] == "SecretKeyMissing"
    assert "keys present: secret" in valid["message"]


def test_a_wrong_secret_is_reported_without_leaking_it(scenario: Scenario) -> None:
    wrong = "definitely-not-the-secret-Q9x7"
    scenario.connector("msp", secret=wrong)
    status = scenario.wait_synced("msp")
    valid = _condition(status, "CredentialsValid")
    assert (valid["status"], valid["reason"]) == ("False", "AuthenticationFailed")
    assert "AADSTS7000215" in valid["message"]
    assert "Value, not its ID" in valid["message"]
    everything = scenario.kubectl("get", "microsoftconnector,events,tenantmatch", "-o", "yaml")
    assert wrong not in everything
    assert wrong not in scenario.operator.log_text()
    assert scenario.list("tenantmatch") == []


def test_one_failing_customer_tenant_does_not_fail_the_others(scenario: Scenario) -> None:
    northwind = scenario.customer("Northwind Traders Ltd")
    app = scenario.sim.world.apps[0]
    app.grants.pop(northwind)  # no consent (no service principal) in that customer
    scenario.organization("contoso", "Contoso Ltd")
    scenario.organization("northwind", "Northwind Traders Ltd")
    scenario.connector("msp")
    status = scenario.wait_synced("msp")
    # Ready (the others synced) but Degraded, naming the failing customer: never a plain OK.
    assert status["phase"] == "Degraded"
    assert _condition(status, "Ready")["status"] == "True"
    degraded = _condition(status, "Degraded")
    assert degraded["status"] == "True"
    assert f"{northwind} (ConsentMissing)" in degraded["message"]
    assert status["summary"]["tenants"] == 3
    assert status["summary"]["tenantsFailed"] == 1
    assert status["summary"]["errors"][0]["tenantId"] == northwind
    assert status["summary"]["errors"][0]["reason"] == "ConsentMissing"
    assert status["history"][0]["result"] == "PartiallySucceeded"
    synced = _condition(status, "Synced")
    assert (synced["status"], synced["reason"]) == ("False", "TenantsFailed")

    failing = scenario.tenant_match("msp", northwind)
    assert failing is not None
    tenant_synced = _condition(failing["status"], "Synced")
    assert (tenant_synced["status"], tenant_synced["reason"]) == ("False", "ConsentMissing")
    assert "consent" in tenant_synced["message"].lower()
    contoso = scenario.customer("Contoso Ltd")
    ok = scenario.tenant_match("msp", contoso)
    assert ok is not None
    assert _condition(ok["status"], "Synced")["status"] == "True"
    assert ok["status"]["contacts"]["total"] == 10
    warnings = json.loads(
        scenario.kubectl("get", "events", "--field-selector", "type=Warning", "-o", "json")
    )["items"]
    assert any(e["reason"] == "ConsentMissing" for e in warnings)

    # Consent granted later: the next sync picks the tenant up.
    app.grants[northwind] = list(app.grants[scenario.partner_id])
    fixed = scenario.request_sync("msp")
    assert fixed["summary"]["tenantsFailed"] == 0
    assert fixed["history"][0]["result"] == "Succeeded"
    assert fixed["phase"] == "OK"
    assert not any(c["type"] == "Degraded" for c in fixed["conditions"])
