"""The demo's pure parts, and that examples/demo/ fits the simulator's sample MSP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from m365inventory.cli import demo
from m365inventory.model.connector import MicrosoftConnectorSpec
from m365inventory.model.inventory import OrganizationSpec
from m365inventory.simulator import credentials, foreground


def examples() -> list[dict[str, Any]]:
    return demo.load_manifests(demo.examples_dir())


def test_examples_are_a_valid_connector_and_organizations() -> None:
    docs = examples()
    kinds = [doc["kind"] for doc in docs]
    assert kinds.count("MicrosoftConnector") == 1
    assert kinds.count("Organization") == 2
    for doc in docs:
        model = MicrosoftConnectorSpec if doc["kind"] == "MicrosoftConnector" else OrganizationSpec
        model.model_validate(doc["spec"])


def test_example_connector_names_the_sample_msp_of_the_simulator() -> None:
    world = foreground.build_world(shape=demo.WORLD, fixture=None)
    info = credentials(world)
    [connector] = [doc for doc in examples() if doc["kind"] == "MicrosoftConnector"]
    assert connector["metadata"]["name"] == demo.CONNECTOR
    assert connector["spec"]["tenantId"] == info["partnerTenantId"]
    assert connector["spec"]["clientId"] == info["apps"][0]["clientId"]  # type: ignore[index]
    endpoints = connector["spec"]["endpoints"]
    assert endpoints["authorityHost"] == f"https://127.0.0.1:{demo.SIMULATOR_PORT}"
    assert endpoints["caBundleSecretRef"]["name"] == demo.CA_SECRET
    secret_ref = connector["spec"]["credentials"]["clientSecret"]["secretRef"]
    assert secret_ref["name"] == demo.CLIENT_SECRET


def test_example_organizations_give_one_exact_match_one_suggestion_and_one_without() -> None:
    world = foreground.build_world(shape=demo.WORLD, fixture=None)
    customers = {t.display_name: t for t in world.tenants if t is not world.partner_tenant}
    assert set(customers) == {
        "Contoso Ltd",
        "Fabrikam Ltd",
        "Northwind Traders Ltd",
        demo.UNCONSENTED,
    }
    [connector] = [doc for doc in examples() if doc["kind"] == "MicrosoftConnector"]
    assert connector["spec"]["tenantId"] == world.partner_tenant.id  # type: ignore[union-attr]
    assert connector["spec"]["clientId"] == world.apps[0].client_id
    organizations = {
        doc["spec"]["displayName"]: doc["spec"]
        for doc in examples()
        if doc["kind"] == "Organization"
    }
    assert "Contoso Ltd" in organizations  # exact
    fabrikam = organizations["Fabrikam Group"]  # resembles, same domain
    assert customers["Fabrikam Ltd"].default_domain in fabrikam["domains"]
    assert not any("Northwind" in name for name in organizations)  # nothing resembles it


def test_point_at_rewrites_only_connector_endpoints() -> None:
    docs = examples()
    pointed = demo.point_at(docs, base_url="https://127.0.0.1:1", graph_url="https://x/graph")
    [connector] = [doc for doc in pointed if doc["kind"] == "MicrosoftConnector"]
    assert connector["spec"]["endpoints"]["authorityHost"] == "https://127.0.0.1:1"
    assert connector["spec"]["endpoints"]["graphBaseUrl"] == "https://x/graph"
    assert connector["spec"]["endpoints"]["caBundleSecretRef"]["name"] == demo.CA_SECRET
    assert [doc for doc in pointed if doc["kind"] == "Organization"] == [
        doc for doc in docs if doc["kind"] == "Organization"
    ]
    original = next(doc for doc in docs if doc["kind"] == "MicrosoftConnector")
    assert original["spec"]["endpoints"]["authorityHost"].endswith(str(demo.SIMULATOR_PORT))


def test_secrets_carry_the_ca_and_the_client_secret() -> None:
    ca, client = demo.secrets(ca_pem="PEM", client_secret="s3cret")
    assert ca["stringData"] == {"ca.crt": "PEM"}
    assert client["stringData"] == {"clientSecret": "s3cret"}


def connector(
    *, phase: str | None, generation: int = 1, observed: int | None = 1
) -> dict[str, Any]:
    status: dict[str, Any] = {"observedGeneration": observed}
    if phase:
        status |= {"phase": phase, "lastSyncTime": "2026-01-01T00:00:00Z"}
    return {"metadata": {"generation": generation}, "status": status}


def test_first_sync_is_done_when_a_run_for_the_current_spec_finished() -> None:
    assert demo.first_sync_done(connector(phase="OK"))
    assert demo.first_sync_done(connector(phase="Error"))
    assert not demo.first_sync_done(connector(phase="Syncing"))
    assert not demo.first_sync_done(connector(phase=None))
    assert not demo.first_sync_done(connector(phase="OK", generation=2))
    assert not demo.first_sync_done({"metadata": {"generation": 1}})


def test_next_steps_name_the_tenant_matches_to_decide() -> None:
    def tm(name: str, state: str, suggestions: list[Any]) -> dict[str, Any]:
        return {"metadata": {"name": name}, "status": {"state": state, "suggestions": suggestions}}

    suggested, unmatched = demo.pick_examples(
        [
            tm("msp-c", "Unmatched", []),
            tm("msp-a", "Matched", [{"name": "x"}]),
            tm("msp-b", "Unmatched", [{"name": "fabrikam-group"}]),
        ]
    )
    assert (suggested, unmatched) == ("msp-b", "msp-c")
    steps = "\n".join(
        demo.next_steps(
            kubeconfig=Path("/k"),
            namespace="ns",
            suggested=suggested,
            unmatched=unmatched,
            kubectl=Path("/opt/k 8s/kubectl.1.33"),
        )
    )
    assert "export KUBECONFIG=/k" in steps
    # The steps use the kubectl the demo runs, not whichever is first on the reader's PATH.
    assert "alias kubectl='/opt/k 8s/kubectl.1.33'" in steps
    assert "patch tenantmatch msp-b" in steps
    assert '"decision":"AcceptSuggestion"' in steps
    assert "patch tenantmatch msp-c" in steps
    assert '"suspend":true' in steps
    assert "m365.inventory.dev/requestedAt" in steps
