"""`make demo` end to end: a fresh control plane, the simulator, the operator, the first sync."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from m365inventory.localcluster import find_kubectl

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.cluster
def test_demo_runs_to_the_first_sync_and_shows_synced_objects(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    env = {**os.environ, "DEMO_EXIT": "1", "COLUMNS": "200"}
    env.pop("KUBECONFIG", None)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from m365inventory.cli.main import app; app()",
            "demo",
            "--workdir",
            str(workdir),
            "--simulator-port",
            "0",  # any free port: the example connector is pointed at it
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    out = done.stdout
    log = workdir / "operator.log"
    assert done.returncode == 0, f"{out}\n{done.stderr}\n{log.read_text() if log.exists() else ''}"
    # One customer never consented: Degraded, named, while the others sync.
    assert "phase Degraded" in out
    assert "ConsentMissing" in out
    assert "Tailspin Toys Ltd" in out
    for kind in ("microsoftconnectors", "tenantmatches", "devicematches", "organizations"):
        assert f"$ kubectl get {kind}" in out
    assert "Contoso Ltd" in out
    assert "Matched" in out
    assert "fabrikam-group" in out  # the suggestion waiting for a decision
    assert "Northwind Traders Ltd" in out
    assert "@contoso.com" in out  # contacts of the matched tenant
    assert "Try next" in out
    assert '"decision":"AcceptSuggestion"' in out
    assert f"alias kubectl={shlex.quote(str(find_kubectl()))}" in out  # not PATH's kubectl
    # The client secret stays in the Secret and the 0600 credentials file, off the terminal.
    secret = (workdir / "simulator" / "credentials.json").read_text()
    assert '"clientSecret"' in secret
    value = json.loads(secret)["apps"][0]["clientSecret"]
    assert value not in out
    assert value not in log.read_text()
    # Everything it started is stopped: the operator and control plane logs end, no port stays.
    assert "Stopped the operator" in out


@pytest.mark.parametrize(
    ("arguments", "current_context"),
    [([], False), (["KUBECONFIG=/tmp/demo.kubeconfig"], True)],
)
def test_make_demo_uses_the_current_context_only_when_asked(
    arguments: list[str], current_context: bool
) -> None:
    planned = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "demo", *arguments],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    [command] = [line for line in planned.splitlines() if "m365-inventory demo" in line]
    assert ("--use-current-context" in command) == current_context


@pytest.mark.cluster
def test_demo_keeps_running_until_ctrl_c_and_then_stops_everything(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("KUBECONFIG", None)
    env.pop("DEMO_EXIT", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from m365inventory.cli.main import app; app()",
            "demo",
            "--workdir",
            str(workdir),
            "--simulator-port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    seen: list[str] = []
    try:
        for line in process.stdout:
            seen.append(line)
            if "keeps running" in line or "demo failed" in line:
                break
        assert any("keeps running" in line for line in seen), "".join(seen)
        kubeconfig = workdir / "cluster" / "admin.kubeconfig"
        assert kubeconfig.is_file()
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
    assert process.returncode == 0, "".join(seen) + rest
    assert "Stopped the operator" in rest
    # The control plane is gone: the API server refuses connections.
    server = subprocess.run(
        [str(find_kubectl()), f"--kubeconfig={kubeconfig}", "get", "ns", "--request-timeout=3s"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert server.returncode != 0
    assert "was refused" in server.stderr
