"""Secrets never leave their Secrets: not in logs (even at debug level), status, Events,
labels, annotations or error messages.

A partner connector with a client secret and one with the partner's delegated refresh token
sync with Intune devices and BitLocker keys, under a debug-logging operator; one connector
also fails authentication (its message quotes the identity platform). Then every log line and
every object in both namespaces is scanned for every secret: the client secret, the refresh
token, each access and refresh token the simulator issued, and each BitLocker key, which may
only appear in the operator's BitLocker Secrets.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from private_plane import OperatorControl, dump_objects

from m365inventory.simulator import identity

from e2e_harness import Scenario

pytestmark = pytest.mark.cluster
SYNC = {"contacts": True, "entraFields": True, "intuneDevices": True, "bitlockerKeys": True}
BITLOCKER_LABEL = "m365.inventory.dev/secret-type"
EVERYTHING = ",".join(
    [
        *(
            f"{plural}.m365.inventory.dev"
            for plural in (
                "microsoftconnectors",
                "tenantmatches",
                "devicematches",
                "organizations",
                "contacts",
                "configurations",
            )
        ),
        "events",
        "configmaps",
        "secrets",
    ]
)


@pytest.fixture
def issued(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every access and refresh token the simulator's token endpoint hands out."""
    tokens: list[str] = []
    real = identity.TokenService.issue

    def recording(self: identity.TokenService, request: identity.TokenRequest) -> dict[str, Any]:
        answer = real(self, request)
        tokens.extend(str(answer[k]) for k in ("access_token", "refresh_token") if k in answer)
        return answer

    monkeypatch.setattr(identity.TokenService, "issue", recording)
    return tokens


def _decide_devices_with_keys(scenario: Scenario) -> list[str]:
    """CreateConfiguration for every device with a BitLocker key; returns the key values."""
    values: list[str] = []
    decisions = []
    for tenant in scenario.sim.world.tenants[1:]:
        for key in tenant.recovery_keys:
            device = next(d for d in tenant.devices if d.azure_ad_device_id == key.device_id)
            values.append(key.key.get_secret_value())
            decisions.append(
                {
                    "apiVersion": "m365.inventory.dev/v1alpha1",
                    "kind": "DeviceMatch",
                    "metadata": {"name": f"msp-{device.id.lower()}"},
                    "spec": {"decision": "CreateConfiguration"},
                }
            )
    scenario.apply(*decisions)
    return values


def test_no_secret_in_any_log_line_or_object(
    team: Scenario, other_team: Scenario, verbose_operator: OperatorControl, issued: list[str]
) -> None:
    sim = team.sim
    client_secret = str(team.creds["apps"][0]["clientSecret"])
    refresh = str(team.creds["refreshTokens"][0]["refreshToken"])
    wrong = "wrong-secret-but-still-a-secret-7Yq~"
    for tenant in sim.world.tenants[1:]:
        team.organization(tenant.display_name.split()[0].lower(), tenant.display_name)
    keys = _decide_devices_with_keys(team)
    assert keys, "the seeded world must plant BitLocker keys"
    team.connector("msp", sync=SYNC)
    team.connector("wrong", secret=wrong, secret_name="wrong-graph")
    other_team.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "partner-refresh"},
            "stringData": {"refreshToken": refresh},
        }
    )
    other_team.organization("first", sim.world.tenants[1].display_name)
    other_team.connector(
        "gdap",
        extra={
            "partner": {
                "authentication": "Delegated",
                "refreshTokenSecretRef": {"name": "partner-refresh", "key": "refreshToken"},
            }
        },
    )
    status = team.wait_synced("msp")
    assert status["phase"] == "OK", status
    assert team.wait_synced("wrong")["phase"] == "Error"
    assert other_team.wait_synced("gdap")["phase"] == "OK"
    assert len(issued) >= 4, "the simulator must have issued tokens"

    logs = verbose_operator.all_logs()
    assert " DEBUG " in logs, "the operator must log at debug level"
    secrets = {"client secret": client_secret, "refresh token": refresh, "wrong secret": wrong}
    secrets |= {f"issued token {n}": token for n, token in enumerate(issued)}
    for what, value in secrets.items():
        assert value not in logs, f"{what} in the operator log"

    stored: list[str] = []
    for scenario in (team, other_team):
        for body in dump_objects(scenario.kube, scenario.namespace, EVERYTHING):
            text = json.dumps(body)
            labels = body["metadata"].get("labels") or {}
            annotations = body["metadata"].get("annotations") or {}
            # kopf keeps no diff-base or progress on our objects: annotations stay small.
            assert len(json.dumps(annotations)) < 2048, body["metadata"]["name"]
            if body["kind"] == "Secret":
                data = {
                    k: base64.b64decode(v).decode() for k, v in (body.get("data") or {}).items()
                }
                if labels.get(BITLOCKER_LABEL) == "bitlocker-recovery-keys":
                    stored += list(data.values())
                    text = json.dumps({k: v for k, v in body.items() if k != "data"})
                else:
                    continue  # the people's own Secrets hold what they were given
            for what, value in {**secrets, **{f"key {k}": k for k in keys}}.items():
                assert value not in text, f"{what} in {body['kind']} {body['metadata']['name']}"
    assert set(stored) == set(keys), "each BitLocker key is in exactly the device's Secret"
    assert "AADSTS7000215" in json.dumps(team.connector_status("wrong"))
