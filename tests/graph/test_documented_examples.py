"""Microsoft's documented example responses, typed in from the reference pages: the client must
parse them, and the simulator must answer in the same shape.

The pages' examples are sometimes looser than Graph itself (the BitLocker page wraps the key
in `value` and writes `volumeType` as "1"); the client accepts what the page shows.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable

import httpx
import msal
import requests

from m365inventory.graph import reports
from m365inventory.simulator import Simulator, generate_world

from graph_testkit import Rig

MakeRig = Callable[..., Rig]

#: learn.microsoft.com/graph/api/subscribedsku-list (v1.0), "Response".
SUBSCRIBED_SKUS = {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscribedSkus",
    "value": [
        {
            "accountName": "Sample account One",
            "accountId": "f97aeefc-af85-414d-8ae4-b457f90efc40",
            "appliesTo": "User",
            "capabilityStatus": "Enabled",
            "consumedUnits": 14,
            "id": "48a80680-7326-48cd-9935-b556b81d3a4e_c7df2760-2c81-4ef7-b578-5b5392b571df",
            "prepaidUnits": {"enabled": 25, "lockedOut": 0, "suspended": 0, "warning": 0},
            "servicePlans": [
                {
                    "servicePlanId": "8c098270-9dd4-4350-9b30-ba4703f3b36b",
                    "servicePlanName": "ADALLOM_S_O365",
                    "provisioningStatus": "Success",
                    "appliesTo": "Company",
                }
            ],
            "skuId": "c7df2760-2c81-4ef7-b578-5b5392b571df",
            "skuPartNumber": "ENTERPRISEPREMIUM",
            "subscriptionIds": ["43d26afe-cb98-48b9-acc4-ae3ef2ac6c51"],
        },
        {
            "accountName": "Sample account Two",
            "accountId": "ee045480-0260-4c1e-b946-55842502229c",
            "appliesTo": "User",
            "capabilityStatus": "Suspended",
            "consumedUnits": 14,
            "id": "48a80680-7326-48cd-9935-b556b81d3a4e_d17b27af-3f49-4822-99f9-56a661538792",
            "prepaidUnits": {"enabled": 0, "lockedOut": 0, "suspended": 25, "warning": 0},
            "servicePlans": [
                {
                    "servicePlanId": "f9646fb2-e3b2-4309-95de-dc4833737456",
                    "servicePlanName": "CRMSTANDARD",
                    "provisioningStatus": "Disabled",
                    "appliesTo": "User",
                }
            ],
            "skuId": "d17b27af-3f49-4822-99f9-56a661538792",
            "skuPartNumber": "CRMSTANDARD",
            "subscriptionIds": ["15c301e0-c769-4f12-bab1-1e8519a7a6f1"],
        },
    ],
}

#: learn.microsoft.com/graph/api/bitlockerrecoverykey-get (v1.0), "Example 2: Get the BitLocker
#: key with the key property". The page writes createdDateTime as "String (timestamp)"; the
#: timestamp of its Example 1 stands in for that placeholder.
BITLOCKER_KEY = {
    "value": {
        "@odata.type": "#microsoft.graph.bitlockerRecoveryKey",
        "id": "b465e4e8-e4e8-b465-e8e4-65b4e8e465b4",
        "createdDateTime": "2020-06-15T13:45:30.0000000Z",
        "volumeType": "1",
        "deviceId": "1ab40ab2-32a8-4b00-b6b5-ba724e407de9",
        "key": "123456-231453-873456-213546-654678-765689-123456-324565",
    }
}

#: learn.microsoft.com/graph/api/reportroot-getmailboxusagedetail (v1.0): the header line of
#: the example download (the page's example omits two of the columns its list documents).
MAILBOX_CSV_HEADER = (
    "Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Created Date,"
    "Last Activity Date,Item Count,Storage Used (Byte),Issue Warning Quota (Byte),"
    "Prohibit Send Quota (Byte),Prohibit Send/Receive Quota (Byte),Deleted Item Count,"
    "Deleted Item Size (Byte),Report Period"
)


async def test_the_client_parses_the_documented_subscribed_skus(make_rig: MakeRig) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("/subscribedSkus")
        return httpx.Response(200, json=SUBSCRIBED_SKUS)

    skus = await make_rig(handler).client.subscribed_skus()
    assert [s.sku_part_number for s in skus] == ["ENTERPRISEPREMIUM", "CRMSTANDARD"]
    assert skus[0].prepaid_units is not None
    assert skus[0].prepaid_units.enabled == 25
    assert skus[1].capability_status == "Suspended"


async def test_the_client_reads_the_documented_bitlocker_key(make_rig: MakeRig) -> None:
    key_id = BITLOCKER_KEY["value"]["id"]

    def handler(request: httpx.Request) -> httpx.Response:
        asked = json.loads(request.content)["requests"]
        answers = [{"id": r["id"], "status": 200, "body": BITLOCKER_KEY} for r in asked]
        return httpx.Response(200, json={"responses": answers})

    result = await make_rig(handler).client.bitlocker_keys([key_id])
    assert result.errors == {}
    got = result.values[key_id]
    assert got.key is not None
    assert got.key.get_secret_value() == BITLOCKER_KEY["value"]["key"]
    assert got.device_id == BITLOCKER_KEY["value"]["deviceId"]
    assert got.volume_type == "1"


def test_the_client_parses_the_documented_mailbox_csv() -> None:
    row = (
        "2026-11-30,adele@contoso.com,Adele Vance,False,,2020-01-01,2026-11-29,10,2048,1,2,3,0,0,7"
    )
    parsed = reports.parse_mailbox_usage("\ufeff" + MAILBOX_CSV_HEADER + "\r\n" + row + "\r\n")
    assert len(parsed) == 1
    assert parsed[0].user_principal_name == "adele@contoso.com"
    assert parsed[0].storage_used_bytes == 2048
    assert parsed[0].report_period == 7
    assert not parsed[0].concealed


def test_the_simulator_answers_subscribed_skus_in_the_documented_shape() -> None:
    world = generate_world(
        seed=2, tenants=1, users_per_tenant=12, groups_per_tenant=1, devices_per_tenant=1
    )
    tenant = world.tenants[1]
    with Simulator(world) as sim:
        session = requests.Session()
        session.trust_env = False
        session.verify = sim.ca_path
        app = msal.ConfidentialClientApplication(
            world.apps[0].client_id,
            authority=sim.authority_url(tenant.id),
            client_credential=world.apps[0].secrets[0].value.get_secret_value(),
            http_client=session,
            instance_discovery=False,
        )
        token = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
        with httpx.Client(
            verify=ssl.create_default_context(cafile=sim.ca_path),
            headers={"Authorization": f"Bearer {token['access_token']}"},
        ) as client:
            body = client.get(f"{sim.graph_url}/subscribedSkus").json()
    documented = SUBSCRIBED_SKUS["value"][0]
    assert set(body) == set(SUBSCRIBED_SKUS)
    for sku in body["value"]:
        assert set(sku) == set(documented)
        assert set(sku["prepaidUnits"]) == set(documented["prepaidUnits"])
        for plan in sku["servicePlans"]:
            assert set(plan) == set(documented["servicePlans"][0])
