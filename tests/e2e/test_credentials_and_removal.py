"""Certificate credentials end to end, and the removal policy for users deleted in Microsoft."""

from __future__ import annotations

from m365inventory.simulator import make_app_credential
from m365inventory.simulator.world import AppCertificate

from e2e_harness import Scenario


def test_certificate_credentials(scenario: Scenario) -> None:
    credential = make_app_credential()
    scenario.sim.world.apps[0].certificates.append(
        AppCertificate(certificate_pem=credential.certificate_pem)
    )
    scenario.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "graph-cert"},
            "type": "kubernetes.io/tls",
            "stringData": {
                "tls.crt": credential.certificate_pem,
                "tls.key": credential.private_key_pem,
            },
        }
    )
    scenario.organization("contoso", "Contoso Ltd")
    scenario.connector(
        "msp",
        create_secret=False,
        extra={"credentials": {"certificate": {"secretName": "graph-cert"}}},
    )
    status = scenario.wait_synced("msp")
    assert status["phase"] == "OK", status
    valid = next(c for c in status["conditions"] if c["type"] == "CredentialsValid")
    assert valid["status"] == "True"
    assert len(scenario.list("m365contact")) == 10
    key_body = credential.private_key_pem.splitlines()[1]
    everything = scenario.kubectl("get", "microsoftconnector,tenantmatch,events", "-o", "yaml")
    assert key_body not in everything
    assert key_body not in scenario.operator.log_text()


def test_removal_policy_delete_removes_only_contacts_the_operator_created(
    scenario: Scenario,
) -> None:
    contoso = scenario.customer("Contoso Ltd")
    users = {u.display_name: u for u in scenario.sim.world.require_tenant(contoso).users}
    scenario.organization("contoso", "Contoso Ltd")
    scenario.contact("kept-by-people", "contoso", emails=["isla.moore1@contoso.com"])
    scenario.connector("msp", extra={"removalPolicy": "Delete", "interval": "168h"})
    scenario.wait_synced("msp")
    created = {
        c["status"]["microsoft"]["userPrincipalName"]: c["metadata"]["name"]
        for c in scenario.list("m365contact")
    }
    scenario.sim.world.delete_user(contoso, users["Noah Walker"].id)
    scenario.sim.world.delete_user(contoso, users["Isla Moore"].id)
    scenario.request_sync("msp")
    names = {c["metadata"]["name"] for c in scenario.list("m365contact")}
    assert created["noah.walker5@contoso.com"] not in names
    assert "kept-by-people" in names
    kept = scenario.get("m365contact", "kept-by-people")
    assert kept is not None
    assert kept["status"]["microsoft"]["deleted"] is True


def test_client_secret_expiry_is_read_from_graph_where_permitted(scenario: Scenario) -> None:
    app = scenario.sim.world.apps[0]
    app.secrets[0].expires_date_time = "2027-03-01T00:00:00Z"
    scenario.connector(
        "msp",
        sync={"contacts": False},
        extra={
            "credentials": {
                "clientSecret": {
                    "secretRef": {"name": "graph", "key": "clientSecret"},
                    "expiresAt": "2030-01-01T00:00:00Z",
                }
            }
        },
    )
    status = scenario.wait_synced("msp")
    assert status["clientSecretExpiresAt"] == "2027-03-01T00:00:00Z"

    # Without a permission that reads applications (a new token, so a new connector), the
    # sync still succeeds and has no such field: the alert uses spec...expiresAt instead.
    partner = scenario.partner_id
    app.grants[partner] = [
        p for p in app.grants[partner] if p not in {"Directory.Read.All", "Application.Read.All"}
    ]
    scenario.connector("msp-restricted", sync={"contacts": False})
    restricted = scenario.wait_synced("msp-restricted")
    assert restricted["phase"] == "OK"
    assert "clientSecretExpiresAt" not in restricted
