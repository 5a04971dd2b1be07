"""A namespace is the unit of tenancy: one team's connector cannot use another team's Secrets
or read, match against or write another team's documentation.

The Secret references of a connector have no namespace field: the CRD schema rejects one
(strict field validation) or prunes it (no validation), and the operator only ever reads
Secrets in the connector's own namespace, so a team cannot borrow another's credentials even
when it knows the Secret's name.
"""

from __future__ import annotations

import json

import pytest

from e2e_harness import Scenario

pytestmark = pytest.mark.cluster


def _connector(scenario: Scenario, *, secret_ref: dict[str, str]) -> dict[str, object]:
    body = scenario.connector("msp", create_secret=False)
    body["spec"]["credentials"] = {"clientSecret": {"secretRef": secret_ref}}  # type: ignore[index]
    return body


def test_a_connector_cannot_name_a_secret_in_another_namespace(
    team: Scenario, other_team: Scenario
) -> None:
    # The other team holds valid credentials in a Secret with the name the first team uses.
    other_team.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "graph"},
            "stringData": {"clientSecret": str(team.creds["apps"][0]["clientSecret"])},
        }
    )
    team.organization("first", team.sim.world.tenants[1].display_name)
    cross = {"name": "graph", "key": "clientSecret", "namespace": other_team.namespace}
    body = _connector(team, secret_ref=cross)

    # Strict field validation (kubectl's default) refuses the field outright …
    refused = team.kube.kubectl(
        "-n", team.namespace, "apply", "-f", "-", input=json.dumps(body), check=False
    )
    assert refused.returncode != 0
    assert 'unknown field "spec.credentials.clientSecret.secretRef.namespace"' in refused.stderr
    # … and without validation the schema prunes it: the reference stays in-namespace.
    team.kube.kubectl(
        "-n", team.namespace, "apply", "--validate=false", "-f", "-", input=json.dumps(body)
    )
    stored = team.get("microsoftconnector", "msp") or {}
    assert stored["spec"]["credentials"]["clientSecret"]["secretRef"] == {
        "name": "graph",
        "key": "clientSecret",
    }

    status = team.wait_synced("msp")
    valid = next(c for c in status["conditions"] if c["type"] == "CredentialsValid")
    assert (valid["status"], valid["reason"]) == ("False", "SecretNotFound")
    assert f"namespace {team.namespace!r}" in valid["message"]
    assert team.sim.counters.total() == 0, "no request reached Microsoft"
    assert team.list("tenantmatch") == []
    assert other_team.list("tenantmatch") == []


def test_documentation_stays_in_its_namespace(team: Scenario, other_team: Scenario) -> None:
    first = team.sim.world.tenants[1]
    # Only the other team documents this customer; the first team's connector must not see
    # (suggest, match or write) the other team's Organization or Contacts.
    other_team.organization("theirs", first.display_name)
    other_team.contact("their-contact", "theirs", emails=[first.users[0].user_principal_name])
    team.connector("msp")
    status = team.wait_synced("msp")
    assert status["phase"] == "OK", status
    match = team.tenant_match("msp", str(first.id)) or {}
    assert match["status"]["state"] == "Unmatched"
    assert match["status"].get("suggestions", []) == []
    assert other_team.list("tenantmatch") == []
    theirs = other_team.get("organization", "theirs") or {}
    assert "status" not in theirs
    contact = other_team.get("m365contact", "their-contact") or {}
    assert "status" not in contact
    created = json.loads(
        team.kube.kubectl(
            "get",
            "tenantmatches.m365.inventory.dev,organizations.m365.inventory.dev,"
            "contacts.m365.inventory.dev",
            "-A",
            "-l",
            "m365.inventory.dev/connector=msp",
            "-o",
            "json",
        ).stdout
    )["items"]
    assert created, "the connector labels what it writes"
    assert {o["metadata"]["namespace"] for o in created} == {team.namespace}
