"""One tenant's missing licence or permission costs that feature only (sync/tenantdata.py).

The real Graph client talks to the simulator over HTTPS with real MSAL; Kubernetes is the
project's own boundary here: the store records Events and refuses every other call, so a
skipped feature provably writes nothing (no DeviceMatch marked removed, no Organization facts
replaced) and says so once in a Warning Event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import pytest

from m365inventory.graph import ClientSecret, GraphConnection, clouds
from m365inventory.model import resources
from m365inventory.model.connector import MicrosoftConnectorSpec
from m365inventory.simulator import Simulator, World, generate_world
from m365inventory.sync.reconcile import tenantdata
from m365inventory.sync.state.workspace import Workspace

ORG = "contoso"
STORED_GROUPS = [{"id": "g-stored", "displayName": "Kept as it was", "memberCount": 1}]
STORED_LICENSES = [{"skuPartNumber": "KEPT", "enabledUnits": 1, "consumedUnits": 1}]


class EventsOnlyStore:
    """Records Events; any other Kubernetes call fails the test."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    async def create_event(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    def __getattr__(self, name: str) -> NoReturn:
        raise AssertionError(f"a skipped feature must not touch Kubernetes ({name})")


@pytest.fixture
def world() -> World:
    return generate_world(
        seed=11, tenants=2, users_per_tenant=12, groups_per_tenant=2, devices_per_tenant=2
    )


@pytest.fixture
def sim(world: World) -> Iterator[Simulator]:
    with Simulator(world) as running:
        yield running


@pytest.fixture
async def graph(sim: Simulator) -> AsyncIterator[GraphConnection]:
    app = sim.world.apps[0]
    async with GraphConnection(
        cloud=clouds.custom(
            authority_host=sim.base_url, graph_url=sim.graph_url, ca_bundle=Path(sim.ca_path)
        ),
        client_id=app.client_id,
        credential=ClientSecret(secret=app.secrets[0].value),
    ) as connection:
        yield connection


def workspace(tenant_id: str, *, synced_message: str | None = None) -> Workspace:
    ws = Workspace(
        store=EventsOnlyStore(),  # type: ignore[arg-type]
        namespace="ns",
        now=datetime(2026, 12, 1, tzinfo=UTC),
    )
    ws.organizations.update(
        {
            ORG: {
                "metadata": {"name": ORG},
                "spec": {"displayName": "Contoso"},
                "status": {
                    "microsoft": {"groups": STORED_GROUPS, "licenses": STORED_LICENSES},
                },
            }
        }
    )
    # A device this connector documented earlier: a sync that wrongly concluded "the tenant
    # has no devices now" would mark it removed, which the refusing store turns into a failure.
    ws.device_matches.update(
        {
            "msp-dev1": {
                "metadata": {"name": "msp-dev1"},
                "status": {"connector": "msp", "device": {"deviceId": "d1", "tenantId": tenant_id}},
            }
        }
    )
    if synced_message is not None:
        ws.tenant_matches.update(
            {
                f"msp-{tenant_id}": {
                    "apiVersion": "m365.inventory.dev/v1alpha1",
                    "kind": "TenantMatch",
                    "metadata": {"name": f"msp-{tenant_id}", "namespace": "ns", "uid": "u1"},
                    "status": {
                        "conditions": [
                            {"type": "Synced", "status": "True", "message": synced_message}
                        ]
                    },
                }
            }
        )
    ws.mark_loaded(resources.CONFIGURATION, resources.DEVICE_MATCH, resources.CONTACT)
    return ws


async def sync(
    graph: GraphConnection,
    world: World,
    tenant_id: str,
    *,
    synced_message: str | None = None,
    **features: Any,
) -> tuple[tenantdata.TenantData, tenantdata.OrganizationFacts, list[dict[str, Any]]]:
    spec = MicrosoftConnectorSpec.model_validate(
        {
            "tenantId": tenant_id,
            "clientId": world.apps[0].client_id,
            "credentials": {"clientSecret": {"secretRef": {"name": "graph", "key": "secret"}}},
            "sync": {"contacts": False, **features},
        }
    )
    gathered = tenantdata.OrganizationFacts()
    ws = workspace(tenant_id, synced_message=synced_message)
    result = await tenantdata.sync_tenant_data(
        ws,
        client=graph.tenant(tenant_id),
        connector="msp",
        spec=spec,
        tenant_id=tenant_id,
        display_name="Contoso",
        organization=ORG,
        tenant_match=f"msp-{tenant_id}",
        org_profile=None,
        org_facts=gathered,
        connector_body={"metadata": {"name": "msp", "namespace": "ns"}},
    )
    return result, gathered, ws.store.events  # type: ignore[attr-defined]


def customer(world: World) -> Any:
    return next(t for t in world.tenants if t is not world.partner_tenant)


async def test_a_tenant_without_intune_skips_devices_and_syncs_the_rest(
    world: World, graph: GraphConnection
) -> None:
    tenant = customer(world)
    tenant.intune_licensed = False
    result, gathered, warned = await sync(graph, world, tenant.id, groups=True, intuneDevices=True)
    assert set(result.degraded) == {"intuneDevices"}
    assert "no Microsoft Intune licence" in result.degraded["intuneDevices"]
    assert any(n.startswith("intuneDevices not synced:") for n in result.notes)
    assert result.devices is None
    assert gathered.licenses
    assert {g["displayName"] for g in gathered.groups} == {g.display_name for g in tenant.groups}
    assert gathered.status()["microsoft"]["groups"] != STORED_GROUPS
    assert [(e["reason"], e["type"]) for e in warned] == [("FeatureDegraded", "Warning")]
    assert warned[0]["involvedObject"]["name"] == f"msp-{tenant.id}"
    assert warned[0]["message"].startswith("intuneDevices not synced:")


async def test_a_feature_already_reported_degraded_is_not_warned_again(
    world: World, graph: GraphConnection
) -> None:
    tenant = customer(world)
    tenant.intune_licensed = False
    earlier = "synced 12 users; intuneDevices not synced: the tenant has no Microsoft Intune"
    result, _, warned = await sync(
        graph, world, tenant.id, synced_message=earlier, intuneDevices=True
    )
    assert set(result.degraded) == {"intuneDevices"}
    assert warned == []


async def test_missing_permissions_cost_their_feature_and_keep_its_stored_facts(
    world: World, graph: GraphConnection
) -> None:
    tenant = customer(world)
    grants = world.apps[0].grants[tenant.id]
    for permission in ("Reports.Read.All", "GroupMember.Read.All", "Group.Read.All"):
        if permission in grants:
            grants.remove(permission)
    grants[:] = [p for p in grants if p != "Directory.Read.All"] + ["User.Read.All"]
    grants.append("Organization.Read.All")
    result, gathered, warned = await sync(graph, world, tenant.id, groups=True, mailboxes=True)
    assert set(result.degraded) == {"groups", "mailboxes"}
    assert "Reports.Read.All" in result.degraded["mailboxes"]
    assert "Group.Read.All" in result.degraded["groups"]
    status = gathered.status()["microsoft"]
    assert status["groups"] == STORED_GROUPS
    assert status["licenses"]
    assert status["licenses"] != STORED_LICENSES
    assert sorted(e["message"].split(":")[0] for e in warned) == [
        "groups not synced",
        "mailboxes not synced",
    ]


async def test_licences_unreadable_keep_the_stored_licences(
    world: World, graph: GraphConnection
) -> None:
    tenant = customer(world)
    world.apps[0].grants[tenant.id] = ["User.Read.All"]
    result, gathered, warned = await sync(graph, world, tenant.id)
    assert set(result.degraded) == {"licenses"}
    assert [e["message"].split(":")[0] for e in warned] == ["licenses not synced"]
    assert "LicenseAssignment.Read.All or Organization.Read.All" in result.degraded["licenses"]
    assert gathered.status()["microsoft"]["licenses"] == STORED_LICENSES


async def test_users_unreadable_skip_contacts_and_groups_still_sync(
    world: World, graph: GraphConnection
) -> None:
    tenant = customer(world)
    world.apps[0].grants[tenant.id] = [
        "Organization.Read.All",
        "Group.Read.All",
        "GroupMember.Read.All",
    ]
    result, gathered, warned = await sync(graph, world, tenant.id, contacts=True, groups=True)
    assert set(result.degraded) == {"contacts"}
    assert "User.Read.All or Directory.Read.All" in result.degraded["contacts"]
    assert result.contacts is None
    assert {g["displayName"] for g in gathered.groups} == {g.display_name for g in tenant.groups}
    assert [e["message"].split(":")[0] for e in warned] == ["contacts not synced"]
