"""`m365-inventory decisions` against the real operator: bulk actions patch the cluster, and in
Git mode write manifests that `kubectl apply` accepts and the operator then applies."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from e2e_harness import Scenario


def cli(scenario: Scenario, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the command line as a person does, against the test cluster."""
    env = {**os.environ, "KUBECONFIG": str(scenario.kube.kubeconfig_path), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-c", "from m365inventory.cli.main import app; app()", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done


def documented(scenario: Scenario) -> tuple[str, str, str]:
    """Three customers: Contoso matched exactly, Fabrikam with a suggestion, Northwind without."""
    scenario.organization("contoso", "Contoso Ltd")
    scenario.organization("fabrikam-inc", "Fabrikam Group", domains=["fabrikam.com"])
    scenario.connector("msp", extra={"interval": "168h"})
    assert scenario.wait_synced("msp")["phase"] == "OK"
    return (
        scenario.customer("Contoso Ltd"),
        scenario.customer("Fabrikam Ltd"),
        scenario.customer("Northwind Traders Ltd"),
    )


def score_of(scenario: Scenario, tenant_id: str) -> int:
    tm = scenario.tenant_match("msp", tenant_id)
    assert tm is not None
    return int(tm["status"]["suggestions"][0]["score"])


def test_bulk_decisions_patch_the_cluster(scenario: Scenario) -> None:
    contoso, fabrikam, northwind = documented(scenario)
    ns = scenario.namespace

    listed = cli(scenario, "decisions", "list", "-n", ns).stdout
    assert f"msp-{fabrikam}" in listed
    assert f"msp-{northwind}" in listed
    assert f"msp-{contoso}" not in listed  # matched: not waiting for a decision
    assert "fabrikam-inc" in listed

    score = score_of(scenario, fabrikam)
    too_high = cli(scenario, "decisions", "accept", "-n", ns, "--min-score", str(score + 1))
    assert "Nothing to decide" in too_high.stdout
    dry = cli(scenario, "decisions", "accept", "-n", ns, "--min-score", str(score), "--dry-run")
    assert f"msp-{fabrikam}" in dry.stdout
    tm = scenario.tenant_match("msp", fabrikam)
    assert tm is not None
    assert "spec" not in tm or not tm["spec"], "a dry run changes nothing"

    accepted = cli(scenario, "decisions", "accept", "-n", ns, "--min-score", str(score))
    assert "Patched 1 TenantMatch" in accepted.stdout
    scenario.wait(
        "the accepted suggestion to apply",
        lambda: scenario.match_state("msp", fabrikam) == ("Matched", "fabrikam-inc"),
    )
    assert scenario.match_state("msp", northwind) == ("Unmatched", None)

    cli(scenario, "decisions", "ignore", "-n", ns, "--without-suggestion")
    scenario.wait(
        "northwind to be ignored",
        lambda: scenario.match_state("msp", northwind) == ("Ignored", None),
    )
    ignored = scenario.tenant_match("msp", northwind)
    assert ignored is not None
    assert ignored["spec"] == {"decision": "Ignore"}

    # Changing a decision replaces it whole: no stale field is left for the CRD to refuse.
    cli(scenario, "decisions", "create", "-n", ns, northwind)
    scenario.wait(
        "an Organization to be created",
        lambda: scenario.match_state("msp", northwind) == ("Matched", "northwind-traders-ltd"),
    )
    assert scenario.get("organization", "northwind-traders-ltd") is not None
    again = cli(scenario, "decisions", "create", "-n", ns, northwind)
    assert "Nothing to decide" in again.stdout


def test_git_mode_writes_manifests_that_kubectl_applies(scenario: Scenario, tmp_path: Path) -> None:
    _, fabrikam, northwind = documented(scenario)
    ns = scenario.namespace
    repo = tmp_path / "fleet"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    target = repo / "decisions"

    wrote = cli(
        scenario, "decisions", "accept", "-n", ns, "--min-score", "1", "--git-dir", str(target)
    )
    assert "git -C" in wrote.stdout  # inside a work tree: tells the person how to review
    cli(scenario, "decisions", "create", "-n", ns, northwind, "--git-dir", str(target))
    files = sorted(p.name for p in target.iterdir())
    assert files == [f"tenantmatch-msp-{fabrikam}.yaml", f"tenantmatch-msp-{northwind}.yaml"]
    accept = yaml.safe_load((target / files[0]).read_text())
    assert accept["metadata"] == {"name": f"msp-{fabrikam}", "namespace": ns}
    assert accept["spec"] == {"decision": "AcceptSuggestion"}

    # Git mode changes nothing in the cluster by itself.
    assert scenario.match_state("msp", fabrikam) == ("Unmatched", None)
    tm = scenario.tenant_match("msp", fabrikam)
    assert tm is not None
    assert not tm.get("spec")

    scenario.kube.kubectl("apply", "--dry-run=server", "-f", str(target))
    assert scenario.match_state("msp", fabrikam) == ("Unmatched", None)
    scenario.kube.kubectl("apply", "-f", str(target))
    scenario.wait(
        "the Git decisions to apply",
        lambda: (
            scenario.match_state("msp", fabrikam) == ("Matched", "fabrikam-inc")
            and scenario.match_state("msp", northwind) == ("Matched", "northwind-traders-ltd")
        ),
    )


def test_bulk_ignore_of_intune_devices(scenario: Scenario) -> None:
    scenario.organization("contoso", "Contoso Ltd")
    scenario.connector(
        "msp", sync={"contacts": False, "intuneDevices": True}, extra={"interval": "168h"}
    )
    assert scenario.wait_synced("msp")["phase"] == "OK"
    devices = scenario.wait("device matches", lambda: scenario.list("devicematch"))
    unsuggested = [d["metadata"]["name"] for d in devices if not d["status"].get("suggestions")]
    assert unsuggested

    listed = cli(scenario, "decisions", "list", "-n", scenario.namespace, "--kind", "devices")
    assert all(name in listed.stdout for name in unsuggested)
    cli(
        scenario,
        "decisions",
        "ignore",
        "-n",
        scenario.namespace,
        "--kind",
        "devices",
        "--without-suggestion",
    )

    def states() -> set[str]:
        return {
            (d.get("status") or {}).get("state", "")
            for d in scenario.list("devicematch")
            if d["metadata"]["name"] in unsuggested
        }

    scenario.wait("the devices to be ignored", lambda: states() == {"Ignored"})
