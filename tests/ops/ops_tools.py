"""Find and run the operations tools (helm, promtool) and render the chart, for tests/ops.

helm is built by `make helm` (hack/build-helm.sh) into the cache outside the repository, and
promtool comes from Debian's prometheus package (`make tools`). A missing tool fails the test
with the command that installs it: a skipped check would let CI pass without checking.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from m365inventory.localcluster.binaries import default_cache_dir

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "m365-inventory-operator"
RULES = ROOT / "deploy" / "prometheus" / "m365-inventory.rules.yaml"
KUBE_VERSION = "1.33.0"


def helm() -> Path:
    explicit = os.environ.get("M365_HELM")
    if explicit:
        return Path(explicit)
    built = sorted(default_cache_dir().glob("helm-v*/helm"))
    if built:
        return built[-1]
    found = shutil.which("helm")
    if found is None:
        pytest.fail("helm not found: run `make helm` (hack/build-helm.sh)", pytrace=False)
    return Path(found)


def promtool() -> Path:
    found = shutil.which(os.environ.get("M365_PROMTOOL", "promtool"))
    if found is None:
        pytest.fail("promtool not found: run `make tools` (Debian's prometheus)", pytrace=False)
    return Path(found)


def run(
    *args: str | Path, check: bool = True, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=300, cwd=cwd
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, args))} exited {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


def render_text(
    *,
    release: str = "inv",
    namespace: str = "m365-system",
    values: dict[str, Any] | None = None,
    include_crds: bool = False,
) -> str:
    """`helm template` of the chart with `values` (as a values file)."""
    args: list[str | Path] = [
        helm(),
        "template",
        release,
        CHART,
        "--namespace",
        namespace,
        "--kube-version",
        KUBE_VERSION,
    ]
    if include_crds:
        args.append("--include-crds")
    if values:
        args += ["--values", "-"]
    result = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=120,
        input=yaml.safe_dump(values) if values else None,
    )
    if result.returncode != 0:
        raise AssertionError(f"helm template failed:\n{result.stderr}")
    return result.stdout


def render(**kwargs: Any) -> list[dict[str, Any]]:
    """The rendered manifests as objects."""
    return [doc for doc in yaml.safe_load_all(render_text(**kwargs)) if doc]


def find(docs: list[dict[str, Any]], kind: str, name: str | None = None) -> list[dict[str, Any]]:
    return [
        d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)
    ]
