"""Write kubeconfig files for the local control plane.

The admin, the controller manager and tests that act as another identity (for example a
ServiceAccount token) all need a kubeconfig; this module is the one place that knows the
format. Files are created with mode 0600 because they may carry bearer tokens.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml


def write_kubeconfig(
    *,
    path: Path,
    server_url: str,
    ca_path: Path,
    user: str,
    client_cert_path: Path | None = None,
    client_key_path: Path | None = None,
    token: str | None = None,
    namespace: str | None = None,
    cluster_name: str = "m365-local",
) -> Path:
    """Write a single-context kubeconfig authenticating with a client certificate or a token."""
    has_cert = client_cert_path is not None and client_key_path is not None
    if has_cert == (token is not None):
        raise ValueError("give either client_cert_path and client_key_path, or token")
    credentials: dict[str, str] = {}
    if client_cert_path is not None and client_key_path is not None:
        credentials["client-certificate"] = str(client_cert_path)
        credentials["client-key"] = str(client_key_path)
    if token is not None:
        credentials["token"] = token
    context: dict[str, str] = {"cluster": cluster_name, "user": user}
    if namespace is not None:
        context["namespace"] = namespace
    document: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": cluster_name,
                "cluster": {"server": server_url, "certificate-authority": str(ca_path)},
            }
        ],
        "users": [{"name": user, "user": credentials}],
        "contexts": [{"name": f"{user}@{cluster_name}", "context": context}],
        "current-context": f"{user}@{cluster_name}",
        "preferences": {},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        yaml.safe_dump(document, handle, sort_keys=False)
    return path
