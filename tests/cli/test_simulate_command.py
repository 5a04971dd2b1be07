"""`m365-inventory simulate` as a person runs it: a real process serving HTTPS until Ctrl-C."""

from __future__ import annotations

import json
import signal
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def test_simulate_serves_graph_over_https_and_keeps_secrets_off_the_terminal(
    tmp_path: Path,
) -> None:
    state = tmp_path / "sim"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from m365inventory.cli.main import app; app()",
            "simulate",
            "--port",
            "0",
            "--state-dir",
            str(state),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed: list[str] = []
        for line in process.stdout:
            printed.append(line)
            if line.startswith("Ready."):
                break
        text = "".join(printed)
        assert "Ready." in text, text
        fields = dict(line.split(":", 1) for line in printed if ":" in line)
        graph_url = fields["Graph"].strip()
        ca_path = fields["CA to trust"].strip()

        creds_path = state / "credentials.json"
        assert creds_path.stat().st_mode & 0o777 == 0o600
        creds = json.loads(creds_path.read_text())
        secret = creds["apps"][0]["clientSecret"]
        assert secret
        assert secret not in text
        assert creds["apps"][0]["clientId"] in text
        assert "Northwind Traders Ltd" in text

        context = ssl.create_default_context(cafile=ca_path)
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(f"{graph_url}/organization", context=context, timeout=10)  # noqa: S310
        assert denied.value.code == 401
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
