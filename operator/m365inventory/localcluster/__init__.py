"""A real local Kubernetes control plane for tests and the demo.

``LocalCluster.start`` runs etcd, kube-apiserver and kube-controller-manager (built by
``make controlplane``) on loopback ports; nothing here imports the rest of the operator.
"""

from m365inventory.localcluster.binaries import (
    Binaries,
    BinariesNotFoundError,
    find_binaries,
    find_kubectl,
)
from m365inventory.localcluster.cluster import LocalCluster, Ports
from m365inventory.localcluster.kubeconfigs import write_kubeconfig
from m365inventory.localcluster.readiness import (
    ComponentExitedError,
    ControlPlaneError,
    ReadinessTimeoutError,
)

__all__ = [
    "Binaries",
    "BinariesNotFoundError",
    "ComponentExitedError",
    "ControlPlaneError",
    "LocalCluster",
    "Ports",
    "ReadinessTimeoutError",
    "find_binaries",
    "find_kubectl",
    "write_kubeconfig",
]
