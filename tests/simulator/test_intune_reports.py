"""Intune devices, BitLocker keys, mailbox usage reports, report settings, GDAP lists."""

from __future__ import annotations

import csv
import io

import httpx
from simhelpers import GraphFactory, all_pages, customer_id, ssl_context

from m365inventory.simulator import Simulator, World
from m365inventory.simulator.routes_reports import MAILBOX_COLUMNS


def test_ethernet_mac_only_on_get_by_id_with_select(world: World, graph: GraphFactory) -> None:
    tid = customer_id(world)
    device = next(d for d in world.require_tenant(tid).devices if d.ethernet_mac_address)
    client = graph(tid)
    listed = client.get("/deviceManagement/managedDevices").json()["value"]
    assert all(d["ethernetMacAddress"] is None for d in listed)
    assert any(d["wiFiMacAddress"] for d in listed)
    plain = client.get(f"/deviceManagement/managedDevices/{device.id}").json()
    assert plain["ethernetMacAddress"] is None
    selected = client.get(
        f"/deviceManagement/managedDevices/{device.id}",
        params={"$select": "id,ethernetMacAddress,serialNumber"},
    ).json()
    assert selected["ethernetMacAddress"] == device.ethernet_mac_address
    assert set(selected) - {"@odata.context"} == {"id", "ethernetMacAddress", "serialNumber"}


def test_recovery_key_value_only_by_id_and_counted(
    sim: Simulator, world: World, graph: GraphFactory
) -> None:
    tid = customer_id(world)
    tenant = world.require_tenant(tid)
    client = graph(tid)
    keys, _, _ = all_pages(client, "/informationProtection/bitlocker/recoveryKeys")
    assert len(keys) == len(tenant.recovery_keys)
    assert all("key" not in k for k in keys)
    assert set(keys[0]) == {"id", "createdDateTime", "deviceId", "volumeType"}
    device_id = keys[0]["deviceId"]
    filtered = client.get(
        "/informationProtection/bitlocker/recoveryKeys",
        params={"$filter": f"deviceId eq '{device_id}'"},
    ).json()["value"]
    assert filtered
    assert all(k["deviceId"] == device_id for k in filtered)
    plain = client.get(f"/informationProtection/bitlocker/recoveryKeys/{keys[0]['id']}").json()
    assert "key" not in plain
    valued = client.get(
        f"/informationProtection/bitlocker/recoveryKeys/{keys[0]['id']}", params={"$select": "key"}
    ).json()
    expected = next(k for k in tenant.recovery_keys if k.id == keys[0]["id"]).key.get_secret_value()
    assert valued["key"] == expected
    assert valued["deviceId"] == keys[0]["deviceId"]  # the whole object comes with the key
    endpoint = "GET /v1.0/informationProtection/bitlocker/recoveryKeys/{id}?$select=key"
    assert sim.counters.get(endpoint) == 1
    assert sim.counters.get("GET /v1.0/informationProtection/bitlocker/recoveryKeys/{id}") == 1


#: The CSV header list of https://learn.microsoft.com/graph/api/reportroot-getmailboxusagedetail
#: (v1.0, "The CSV file has the following headers for columns"), typed from the page.
DOCUMENTED_MAILBOX_COLUMNS = (
    "Report Refresh Date",
    "User Principal Name",
    "Display Name",
    "Is Deleted",
    "Deleted Date",
    "Created Date",
    "Last Activity Date",
    "Item Count",
    "Storage Used (Byte)",
    "Issue Warning Quota (Byte)",
    "Prohibit Send Quota (Byte)",
    "Prohibit Send/Receive Quota (Byte)",
    "Deleted Item Count",
    "Deleted Item Size (Byte)",
    "Deleted Item Quota (Byte)",
    "Has Archive",
    "Report Period",
)


def _download_report(sim: Simulator, client: httpx.Client) -> tuple[httpx.Response, httpx.Response]:
    redirect = client.get("/reports/getMailboxUsageDetail(period='D7')")
    with httpx.Client(verify=ssl_context(sim)) as anonymous:
        return redirect, anonymous.get(redirect.headers["Location"])


def test_mailbox_report_redirects_to_csv(sim: Simulator, world: World, graph: GraphFactory) -> None:
    tenant = next(t for t in world.tenants[1:] if not t.display_concealed_names)
    redirect, download = _download_report(sim, graph(tenant.id))
    assert redirect.status_code == 302
    assert download.status_code == 200
    text = download.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == MAILBOX_COLUMNS == DOCUMENTED_MAILBOX_COLUMNS
    upns = {r["User Principal Name"] for r in rows}
    assert {u.user_principal_name for u in tenant.users if u.mailbox} == upns
    assert {r["Report Period"] for r in rows} == {"7"}


def test_concealed_names_become_hashes(sim: Simulator, world: World, graph: GraphFactory) -> None:
    tenant = next(t for t in world.tenants if t.display_concealed_names)
    client = graph(tenant.id)
    assert client.get("/admin/reportSettings").json()["displayConcealedNames"] is True
    _, download = _download_report(sim, client)
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows
    for row in rows:
        assert len(row["User Principal Name"]) == 32
        assert "@" not in row["User Principal Name"]
        int(row["User Principal Name"], 16)


def test_report_link_expires_and_bad_period(sim: Simulator, graph: GraphFactory) -> None:
    sim.settings.report_url_lifetime_seconds = -1
    _, download = _download_report(sim, graph())
    assert download.status_code == 404
    assert graph().get("/reports/getMailboxUsageDetail(period='D8')").status_code == 400


def test_gdap_lists_on_partner_only(world: World, graph: GraphFactory) -> None:
    partner = world.partner_tenant
    assert partner is not None
    customers = (
        graph(partner.id).get("/tenantRelationships/delegatedAdminCustomers").json()["value"]
    )
    assert {c["tenantId"] for c in customers} == {t.id for t in world.tenants if t.id != partner.id}
    assert graph().get("/tenantRelationships/delegatedAdminCustomers").json()["value"] == []
