"""Workload identity per namespace, end to end on the real control plane.

The operator requests a token for the connector's ServiceAccount through the real TokenRequest
API; the Graph simulator trusts the API server's issuer (its published JWKS, as Entra ID reads
them through OIDC discovery) and a federated credential for namespace A's ServiceAccount only.
Namespace A's connector syncs; namespace B's connector naming the same app is refused with
AADSTS70021 because its subject is `system:serviceaccount:<B>:m365-sync`.
"""

from __future__ import annotations

import json

import pytest

from m365inventory.simulator.world import FederatedCredential

from e2e_harness import Scenario

pytestmark = pytest.mark.cluster

SERVICE_ACCOUNT = "m365-sync"
WORKLOAD_IDENTITY = {"credentials": {"workloadIdentity": {"serviceAccountName": SERVICE_ACCOUNT}}}


def _trust_cluster_issuer(scenario: Scenario) -> str:
    """Publish the API server's service-account keys to the simulated Entra ID."""
    discovery = json.loads(scenario.kubectl("get", "--raw", "/.well-known/openid-configuration"))
    jwks = json.loads(scenario.kubectl("get", "--raw", "/openid/v1/jwks"))
    issuer = str(discovery["issuer"])
    scenario.sim.world.trust_issuer(issuer, jwks)
    return issuer


def _service_account(scenario: Scenario) -> None:
    scenario.apply(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": SERVICE_ACCOUNT}}
    )


def _credentials_valid(status: dict[str, object]) -> dict[str, str]:
    conditions = status.get("conditions") or []
    assert isinstance(conditions, list)
    return next(c for c in conditions if c["type"] == "CredentialsValid")


def test_only_the_federated_namespace_signs_in(team: Scenario, other_team: Scenario) -> None:
    issuer = _trust_cluster_issuer(team)
    app = team.sim.world.apps[0]
    subject = f"system:serviceaccount:{team.namespace}:{SERVICE_ACCOUNT}"
    team.sim.world.add_federated_credential(
        app.client_id, FederatedCredential(name="team-a", issuer=issuer, subject=subject)
    )
    _service_account(team)
    _service_account(other_team)

    team.connector("msp", extra=WORKLOAD_IDENTITY, create_secret=False)
    status = team.wait_synced("msp")
    assert status["phase"] == "OK", status
    assert _credentials_valid(status)["status"] == "True"
    assert team.list("tenantmatch"), "namespace A documented its tenants"

    other_team.connector("msp", extra=WORKLOAD_IDENTITY, create_secret=False)
    refused = other_team.wait_synced("msp")
    valid = _credentials_valid(refused)
    assert (valid["status"], valid["reason"]) == ("False", "AuthenticationFailed")
    assert "AADSTS70021" in valid["message"]
    assert f"system:serviceaccount:{other_team.namespace}:{SERVICE_ACCOUNT}" in valid["message"]
    assert other_team.list("tenantmatch") == []


def test_a_missing_service_account_is_named(team: Scenario) -> None:
    team.connector("msp", extra=WORKLOAD_IDENTITY, create_secret=False)
    status = team.wait_synced("msp")
    valid = _credentials_valid(status)
    assert (valid["status"], valid["reason"]) == ("False", "ServiceAccountNotFound")
    assert SERVICE_ACCOUNT in valid["message"]
    assert team.sim.counters.total() == 0, "nothing was sent to Microsoft"
