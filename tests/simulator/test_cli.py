"""Both ways to start the simulator from a shell behave as `m365-inventory simulate`: real
processes that print how to connect but no secret, say "Ready.", serve HTTPS until SIGINT, and
refuse a bad fixture with one line per problem (file, line, field) instead of a traceback."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import msal
import pytest
import requests

ENTRY_POINTS = {
    "python -m m365inventory.simulator": [sys.executable, "-m", "m365inventory.simulator"],
    "m365-inventory simulate": [
        sys.executable,
        "-c",
        "from m365inventory.cli.main import app; app()",
        "simulate",
    ],
}
BAD_FIXTURE = """\
apps: []
tenants:
  - id: 7f0c8a35-0000-4000-8000-000000000001
    displayName: Typo Ltd
    users:
      - id: 1b1c8a35-0000-4000-8000-000000000002
        userPrincipleName: ann@typo.example
"""


def read_until_ready(process: subprocess.Popen[str], *, timeout: float) -> list[str]:
    """The lines printed up to "Ready." (or all lines printed when ``timeout`` runs out)."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    printed: list[str] = []
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        printed.append(line)
        if line.startswith("Ready."):
            break
    return printed


@pytest.mark.parametrize("command", ENTRY_POINTS.values(), ids=ENTRY_POINTS.keys())
def test_prints_ready_and_no_secret_and_serves_tokens(command: list[str], tmp_path: Path) -> None:
    process = subprocess.Popen(
        [*command, "--port", "0", "--state-dir", str(tmp_path), "--tenants", "1", "--users", "14"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        printed = read_until_ready(process, timeout=60)
        text = "".join(printed)
        assert printed, text
        assert printed[-1].startswith("Ready."), text
        creds_path = tmp_path / "credentials.json"
        assert creds_path.stat().st_mode & 0o777 == 0o600
        creds = json.loads(creds_path.read_text())
        secret = creds["apps"][0]["clientSecret"]
        assert secret
        assert secret not in text
        assert creds["refreshTokens"][0]["refreshToken"] not in text
        assert creds["apps"][0]["clientId"] in text
        assert f"CA to trust:  {creds['caPath']}" in text

        customer = next(t for t in creds["tenants"] if t["id"] != creds["partnerTenantId"])
        session = requests.Session()
        session.trust_env = False
        session.verify = creds["caPath"]
        app = msal.ConfidentialClientApplication(
            creds["apps"][0]["clientId"],
            authority=f"{creds['baseUrl']}/{customer['id']}",
            client_credential=secret,
            http_client=session,
            instance_discovery=False,
        )
        result = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
        assert "access_token" in result, result
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0


@pytest.mark.parametrize("command", ENTRY_POINTS.values(), ids=ENTRY_POINTS.keys())
def test_a_typo_in_a_fixture_names_file_line_and_field_without_a_traceback(
    command: list[str], tmp_path: Path
) -> None:
    fixture = tmp_path / "world.yaml"
    fixture.write_text(BAD_FIXTURE)
    done = subprocess.run(
        [*command, "--port", "0", "--state-dir", str(tmp_path / "s"), "--fixture", str(fixture)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    typo = (
        f"{fixture}:7: tenants[0].users[0].userPrincipleName: "
        "unknown field (did you mean userPrincipalName?)"
    )
    assert typo in lines
    assert all(line.startswith(f"{fixture}:") for line in lines), lines
    assert len(lines) <= 3, lines  # the typo, and the required field it left missing
