"""docs/simulator.md's recipe, run as written: a connector against a simulator started from a
fixture of one's own (two Secrets, cloud: Custom, endpoints on the simulator's port).

The shell and YAML blocks are read from the document, so the recipe cannot drift from what
works: only the port, the state directory, the namespace and the fixture's path are
replaced, so that the test runs beside others.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from m365inventory.localcluster import find_kubectl
from m365inventory.localcluster.access import ClusterAccess
from m365inventory.localcluster.pytest_plugin import unique_namespace_name

from e2e_harness import OperatorProcess

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "simulator.md"
HEADING = "## Recipe: a connector against a simulator started from your own fixture"
TENANT_ID = "c0ffee00-1111-4222-8333-444455556666"
"""Fabrikam Ltd in examples/simulator/world.yaml, the recipe's tenantId."""
FENCE = re.compile(r"^ *```(\w+)\n(.*?)^ *```$", re.MULTILINE | re.DOTALL)


def recipe_blocks() -> list[tuple[str, str]]:
    """(language, text) of every fenced block of the recipe section, in order."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(HEADING)
    end = text.find("\n## ", start + len(HEADING))
    section = text[start : end if end != -1 else None]
    blocks = []
    for language, body in FENCE.findall(section):
        lines = body.splitlines()
        indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
        blocks.append((language, "\n".join(line[indent:] for line in lines) + "\n"))
    return blocks


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_recipe_has_the_four_steps() -> None:
    assert [language for language, _ in recipe_blocks()] == ["sh", "sh", "yaml", "sh"]


@pytest.mark.cluster
def test_the_simulator_recipe_syncs_a_connector(
    kube: ClusterAccess, operator: OperatorProcess, tmp_path: Path
) -> None:
    namespace = unique_namespace_name("simulator-recipe")
    port = str(_free_port())
    state = tmp_path / "state"
    replacements = (
        ("/tmp/my-world", str(state)),
        ("examples/simulator/world.yaml", str(ROOT / "examples" / "simulator" / "world.yaml")),
        ("my-world", namespace),
        ("18444", port),
    )

    def adapt(text: str) -> str:
        for old, new in replacements:
            text = text.replace(old, new)
        return text

    (start, secrets, connector, apply) = [adapt(body) for _, body in recipe_blocks()]
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "kubectl").symlink_to(find_kubectl())
    env = {
        **os.environ,
        "KUBECONFIG": str(kube.kubeconfig_path),
        "PATH": f"{tools}:{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    simulator = subprocess.Popen(
        ["bash", "-c", f"exec {start}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert simulator.stdout is not None
        printed = []
        deadline = time.monotonic() + 60
        for line in simulator.stdout:
            printed.append(line)
            if line.startswith("Ready.") or time.monotonic() > deadline:
                break
        assert printed[-1].startswith("Ready."), "".join(printed)
        (tmp_path / "connector.yaml").write_text(connector)
        for script in (secrets, apply):
            done = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", script],
                capture_output=True,
                text=True,
                env=env,
                cwd=tmp_path,
                timeout=180,
                check=False,
            )
            assert done.returncode == 0, f"{script}\n{done.stdout}\n{done.stderr}"
        assert "OK" in done.stdout, done.stdout  # `kubectl get microsoftconnectors,…`
        name = f"{namespace}-{TENANT_ID}"  # the TenantMatch of the fixture's tenant
        shown = "jsonpath={.status.tenant.displayName}"
        tenant_match = kube.kubectl("-n", namespace, "get", "tenantmatch", name, "-o", shown)
        assert tenant_match.stdout == "Fabrikam Ltd"
    finally:
        simulator.send_signal(signal.SIGINT)
        simulator.wait(timeout=20)
        kube.kubectl("delete", "namespace", namespace, "--wait=false", check=False)
