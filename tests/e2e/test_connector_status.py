"""What tools read from a connector: kstatus conditions, `kubectl wait`, a stalled
connector, backoff when the status cannot be written, and one bad Graph record.

The kstatus rules are those of sigs.k8s.io/cli-utils/pkg/kstatus (the library Flux and
`kubectl`-based tools use): Current when observedGeneration matches, Ready is True and
neither Reconciling nor Stalled is True; InProgress while Reconciling; Failed when Stalled.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from e2e_harness import Scenario

SYNC = {"contacts": True, "groups": True}


def kstatus(body: dict[str, Any]) -> str:
    """kstatus' generic computation for a resource with conditions (cli-utils' status.go)."""
    status = body.get("status") or {}
    conds = {c["type"]: c for c in status.get("conditions") or []}
    generation = body["metadata"].get("generation")
    if status.get("observedGeneration") != generation:
        return "InProgress"
    if conds.get("Stalled", {}).get("status") == "True":
        return "Failed"
    if conds.get("Reconciling", {}).get("status") == "True":
        return "InProgress"
    if conds.get("Ready", {}).get("status") == "True":
        return "Current"
    return "InProgress"


def test_ready_holds_through_a_resync_and_kubectl_wait_succeeds(scenario: Scenario) -> None:
    scenario.connector("msp", sync=SYNC)
    scenario.wait_synced("msp")
    scenario.kubectl("wait", "--for=condition=Ready", "--timeout=30s", "microsoftconnector/msp")
    body = scenario.get("microsoftconnector", "msp") or {}
    assert kstatus(body) == "Current", body["status"]["conditions"]

    seen: list[str] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            current = scenario.get("microsoftconnector", "msp") or {}
            conds = {c["type"]: c for c in (current.get("status") or {}).get("conditions") or []}
            seen.append(f"{conds['Ready']['status']}/{conds.get('Reconciling', {}).get('status')}")

    scenario.sim.faults.update({"latency_ms": 150})
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        scenario.request_sync("msp")
    finally:
        done.set()
        watcher.join()
        scenario.sim.faults.update({"latency_ms": 0})
    assert "True/True" in seen, f"the resync was never seen as Reconciling: {set(seen)}"
    assert {s.split("/")[0] for s in seen} == {"True"}, "Ready flipped during a resync"
    assert kstatus(scenario.get("microsoftconnector", "msp") or {}) == "Current"


def test_a_refused_secret_stalls_and_a_new_secret_resumes(scenario: Scenario) -> None:
    scenario.connector("msp", sync=SYNC, secret="not-the-secret")
    status = scenario.wait_synced("msp")
    conds = {c["type"]: c for c in status["conditions"]}
    assert conds["Stalled"]["status"] == "True", conds
    assert conds["Stalled"]["reason"] == "AuthenticationFailed"
    assert conds["CredentialsValid"]["status"] == "False"
    assert status.get("nextSyncTime") is None
    assert kstatus(scenario.get("microsoftconnector", "msp") or {}) == "Failed"
    assert "not-the-secret" not in json.dumps(status)
    tokens = scenario.sim.counters.total()
    time.sleep(8)
    assert scenario.sim.counters.total() == tokens, "a stalled connector must not retry Graph"

    app = scenario.creds["apps"][0]
    fixed = json.loads(
        scenario.kubectl(
            "create",
            "secret",
            "generic",
            "graph",
            "--dry-run=client",
            "-o",
            "json",
            f"--from-literal=clientSecret={app['clientSecret']}",
        )
    )
    scenario.apply(fixed)

    def resumed() -> dict[str, Any] | None:
        current = scenario.connector_status("msp")
        return current if current.get("phase") == "OK" else None

    status = scenario.wait("the connector to resume on the new Secret", resumed, timeout=120)
    conds = {c["type"]: c for c in status["conditions"]}
    assert "Stalled" not in conds
    assert conds["CredentialsValid"]["status"] == "True"


def test_a_status_that_cannot_be_written_backs_off(scenario: Scenario) -> None:
    scenario.connector("msp", sync=SYNC, extra={"interval": "168h"})
    scenario.wait_synced("msp")
    before = scenario.sim.counters.total()
    scenario.request_sync("msp")
    per_run = scenario.sim.counters.total() - before
    assert per_run > 0
    label = f"status-drift-{scenario.namespace}"
    scenario.kube.kubectl("label", "namespace", scenario.namespace, f"{label}=true")
    policy = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": label},
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": {
                "namespaceSelector": {"matchLabels": {label: "true"}},
                "resourceRules": [
                    {
                        "apiGroups": ["m365.inventory.dev"],
                        "apiVersions": ["*"],
                        "operations": ["UPDATE"],
                        "resources": ["microsoftconnectors/status"],
                    }
                ],
            },
            # A CRD drift stand-in: only a run's first status write ("Syncing") is accepted.
            "validations": [
                {
                    "expression": "object.status.phase == 'Syncing'",
                    "reason": "Invalid",
                    "message": "status drifted from the schema",
                }
            ],
        },
    }
    binding = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": label},
        "spec": {"policyName": label, "validationActions": ["Deny"]},
    }
    scenario.kube.kubectl(
        "apply",
        "-f",
        "-",
        input=json.dumps({"apiVersion": "v1", "kind": "List", "items": [policy, binding]}),
    )
    try:
        time.sleep(2)  # the policy is read by the API server asynchronously
        start = scenario.sim.counters.total()
        scenario.kubectl(
            "annotate",
            "microsoftconnector",
            "msp",
            "--overwrite",
            f"m365.inventory.dev/requestedAt=drift-{time.time_ns()}",
        )
        time.sleep(60)
        runs = (scenario.sim.counters.total() - start) / per_run
        # 5 s, 10 s, 20 s, 40 s between attempts: at most 5 runs in a minute (at a fixed
        # 5 s, twelve).
        assert 1 <= runs <= 5, f"{runs:.1f} runs in a minute"
        assert scenario.connector_status("msp").get("phase") == "Syncing"
    finally:
        scenario.kube.kubectl(
            "delete",
            "validatingadmissionpolicybinding,validatingadmissionpolicy",
            label,
            check=False,
        )
    status = scenario.wait(
        "the connector to recover",
        lambda: (s := scenario.connector_status("msp")).get("phase") == "OK" and s,
        timeout=120,
    )
    assert status["phase"] == "OK"


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_one_malformed_user_costs_only_itself(scenario: Scenario) -> None:
    contoso = scenario.customer("Contoso Ltd")
    tenant = scenario.sim.world.require_tenant(contoso)
    bad = tenant.users[0]
    # What a Graph answer could carry that our model refuses (the simulator's own model
    # validates assignments, so the value is planted beneath it).
    object.__setattr__(bad, "account_enabled", "maybe")
    for name, display in (("contoso", "Contoso Ltd"), ("fabrikam", "Fabrikam Ltd")):
        scenario.organization(name, display)
    scenario.connector("msp", sync=SYNC)
    status = scenario.wait_synced("msp")
    assert status["phase"] == "OK", status
    summary = status["summary"]
    assert summary["tenantsSynced"] == 2, summary
    assert summary["recordsSkipped"] == 1
    assert summary["skipped"] == [
        {"tenantId": contoso, "kind": "User", "id": bad.id, "fields": ["accountEnabled"]}
    ]
    contacts = scenario.list("contact")
    synced_ids = {((c.get("status") or {}).get("microsoft") or {}).get("userId") for c in contacts}
    assert bad.id not in synced_ids
    assert len([u for u in tenant.users if u.id in synced_ids]) == len(tenant.users) - 1
    tm = scenario.tenant_match("msp", contoso) or {}
    synced = next(c for c in tm["status"]["conditions"] if c["type"] == "Synced")
    assert bad.id in synced["message"]
    assert "accountEnabled" in synced["message"]
    everything = json.dumps([status, tm]) + scenario.kubectl("get", "events", "-o", "json")
    assert "maybe" not in everything, "a Graph value must never reach status or Events"


def _events_of(scenario: Scenario, kind: str, name: str) -> list[dict[str, Any]]:
    listed = json.loads(
        scenario.kubectl(
            "get",
            "events",
            "--field-selector",
            f"involvedObject.kind={kind},involvedObject.name={name}",
            "-o",
            "json",
        )
    )
    return list(listed["items"])


def test_unchanged_scheduled_syncs_add_no_events(scenario: Scenario) -> None:
    scenario.connector("msp", sync=SYNC)
    first = scenario.wait_synced("msp")
    before = _events_of(scenario, "MicrosoftConnector", "msp")
    assert {e["reason"] for e in before} >= {"SyncSucceeded"}
    runs = len(first["history"])
    for n in range(3):
        # The hour passes: nextSyncTime is due, so the connector's loop runs on its schedule.
        scenario.kubectl(
            "patch",
            "microsoftconnector",
            "msp",
            "--subresource=status",
            "--type=merge",
            "-p",
            json.dumps({"status": {"nextSyncTime": "2020-01-01T00:00:00Z"}}),
        )
        scenario.wait(
            f"scheduled run {n + 1}",
            lambda n=n: (
                len(scenario.connector_status("msp").get("history") or []) > runs + n
                and scenario.connector_status("msp").get("phase") == "OK"
            ),
        )
    status = scenario.connector_status("msp")
    assert [h["trigger"] for h in status["history"][:3]] == ["Schedule"] * 3
    after = _events_of(scenario, "MicrosoftConnector", "msp")
    assert len(after) == len(before), [e["reason"] for e in after]
    assert sum(int(e.get("count") or 1) for e in after) == sum(
        int(e.get("count") or 1) for e in before
    )


def test_credentials_are_valid_only_once_microsoft_accepted_them(scenario: Scenario) -> None:
    """A single-tenant connector whose secret is refused never says it signed in."""
    seen: list[str] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            conds = scenario.connector_status("msp").get("conditions") or []
            seen.extend(c["status"] for c in conds if c["type"] == "CredentialsValid")
            time.sleep(0.1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        scenario.connector("msp", mode="SingleTenant", sync=SYNC, secret="refused-secret")
        status = scenario.wait_synced("msp")
    finally:
        done.set()
        watcher.join()
    conds = {c["type"]: c for c in status["conditions"]}
    assert conds["CredentialsValid"]["status"] == "False"
    assert conds["CredentialsValid"]["reason"] == "AuthenticationFailed"
    assert "True" not in seen, "CredentialsValid claimed a sign-in that never happened"
