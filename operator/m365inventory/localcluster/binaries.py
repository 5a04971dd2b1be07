"""Locate the control-plane binaries and the matching kubectl.

The binaries are compiled once by ``make controlplane`` (``hack/build-controlplane.sh``) and
cached by version outside the repository; this module only finds them, so a missing build
fails with an instruction instead of a bare ``FileNotFoundError``.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

ETCD_VERSION = "v3.5.35"
KUBERNETES_VERSION = "v1.33.13"

_KUBECTL_CANDIDATES = (
    "/usr/lib/google-cloud-sdk/bin/kubectl.1.33",
    "kubectl.1.33",
    "kubectl",
)


class BinariesNotFoundError(FileNotFoundError):
    """A control-plane binary or kubectl is missing."""


@dataclass(frozen=True, slots=True)
class Binaries:
    """Paths of the three control-plane executables."""

    etcd: Path
    kube_apiserver: Path
    kube_controller_manager: Path


def default_cache_dir() -> Path:
    """The cache directory used by ``hack/build-controlplane.sh``."""
    explicit = os.environ.get("M365_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "m365-inventory"


def find_binaries(*, cache_dir: Path | None = None) -> Binaries:
    """Find etcd, kube-apiserver and kube-controller-manager.

    Each binary may be overridden by ``M365_ETCD``, ``M365_KUBE_APISERVER`` and
    ``M365_KUBE_CONTROLLER_MANAGER``; otherwise it is looked up in the build cache
    (``M365_CACHE_DIR``, default ``~/.cache/m365-inventory``).
    """
    root = cache_dir if cache_dir is not None else default_cache_dir()
    wanted = {
        "M365_ETCD": root / f"etcd-{ETCD_VERSION}" / "etcd",
        "M365_KUBE_APISERVER": root / f"k8s-{KUBERNETES_VERSION}" / "kube-apiserver",
        "M365_KUBE_CONTROLLER_MANAGER": root
        / f"k8s-{KUBERNETES_VERSION}"
        / "kube-controller-manager",
    }
    found: dict[str, Path] = {}
    missing: list[str] = []
    for env_name, default_path in wanted.items():
        path = Path(os.environ.get(env_name) or default_path)
        if path.is_file() and os.access(path, os.X_OK):
            found[env_name] = path
        else:
            missing.append(f"{path} (override with {env_name})")
    if missing:
        raise BinariesNotFoundError(
            "control-plane binaries not found: "
            + "; ".join(missing)
            + ". Run `make controlplane` (hack/build-controlplane.sh) to build them."
        )
    return Binaries(
        etcd=found["M365_ETCD"],
        kube_apiserver=found["M365_KUBE_APISERVER"],
        kube_controller_manager=found["M365_KUBE_CONTROLLER_MANAGER"],
    )


def find_kubectl() -> Path:
    """Find a kubectl matching the local server's minor version (1.33).

    ``M365_KUBECTL`` overrides the search; otherwise the Google Cloud SDK's versioned
    kubectl is preferred over whatever ``kubectl`` is first on ``PATH``.
    """
    explicit = os.environ.get("M365_KUBECTL")
    candidates = (explicit,) if explicit else _KUBECTL_CANDIDATES
    for candidate in candidates:
        located = shutil.which(candidate)
        if located:
            return Path(located)
    raise BinariesNotFoundError(
        f"kubectl not found (tried {', '.join(candidates)}); set M365_KUBECTL to its path."
    )
