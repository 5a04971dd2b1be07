"""`python -m m365inventory.simulator` runs in the foreground and can be driven over HTTP."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import msal
import requests


def test_module_serves_and_writes_credentials(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "m365inventory.simulator",
            "--port",
            "0",
            "--state-dir",
            str(tmp_path),
            "--tenants",
            "1",
            "--users",
            "14",
            "--devices",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        creds_path = tmp_path / "credentials.json"
        deadline = time.monotonic() + 60
        while not creds_path.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert creds_path.exists(), process.stdout.read() if process.stdout else ""
        time.sleep(0.2)  # the file is written in one call; give the writer a moment to close it
        creds = json.loads(creds_path.read_text())
        assert oct(creds_path.stat().st_mode & 0o777) == "0o600"
        with httpx.Client(verify=ssl.create_default_context(cafile=creds["caPath"])) as client:
            summary = client.get(f"{creds['baseUrl']}/_simulator/world").json()
        customer = next(t for t in summary["tenants"] if not t["partner"])
        session = requests.Session()
        session.trust_env = False
        session.verify = creds["caPath"]
        app = msal.ConfidentialClientApplication(
            creds["apps"][0]["clientId"],
            authority=f"{creds['baseUrl']}/{customer['id']}",
            client_credential=creds["apps"][0]["clientSecret"],
            http_client=session,
            instance_discovery=False,
        )
        result = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
        assert "access_token" in result, result
    finally:
        process.terminate()
        process.wait(timeout=20)
