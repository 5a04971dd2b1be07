"""How tests reach a Kubernetes server: the local control plane or an existing kubeconfig.

Fixtures hand this one object to tests so that a test never cares whether it runs against
the cluster started here or, say, a kind cluster named by ``M365_TEST_KUBECONFIG``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from m365inventory.localcluster.cluster import LocalCluster
from m365inventory.localcluster.kubectl import Kubectl


@dataclass(frozen=True, slots=True)
class ClusterAccess:
    """A kubeconfig, a kubectl bound to it and facts about the server behind it."""

    kubeconfig_path: Path
    server_url: str
    server_version: str
    kubectl: Kubectl
    cluster: LocalCluster | None
    """The local control plane, or None when an existing cluster is used."""

    @property
    def ca_path(self) -> Path | None:
        return self.cluster.ca_path if self.cluster is not None else None

    @property
    def logs_dir(self) -> Path | None:
        return self.cluster.logs_dir if self.cluster is not None else None

    @classmethod
    def local(cls, *, cluster: LocalCluster, kubectl: Kubectl | None = None) -> ClusterAccess:
        """Access to a running :class:`LocalCluster` as its admin."""
        runner = kubectl if kubectl is not None else Kubectl(kubeconfig=cluster.kubeconfig_path)
        return cls(
            kubeconfig_path=cluster.kubeconfig_path,
            server_url=cluster.server_url,
            server_version=_server_version(runner),
            kubectl=runner,
            cluster=cluster,
        )

    @classmethod
    def existing(cls, *, kubeconfig_path: Path, kubectl: Kubectl | None = None) -> ClusterAccess:
        """Access to whatever cluster the kubeconfig's current context names."""
        runner = kubectl if kubectl is not None else Kubectl(kubeconfig=kubeconfig_path)
        server_url = runner(
            "config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"
        ).stdout.strip()
        return cls(
            kubeconfig_path=kubeconfig_path,
            server_url=server_url,
            server_version=_server_version(runner),
            kubectl=runner,
            cluster=None,
        )


def _server_version(kubectl: Kubectl) -> str:
    document = json.loads(kubectl("version", "-o", "json").stdout)
    return str(document["serverVersion"]["gitVersion"])
