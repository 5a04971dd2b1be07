"""Shared fixtures: ``kube``, ``namespace`` and ``crds`` come from the local-cluster plugin."""

pytest_plugins = ["m365inventory.localcluster.pytest_plugin"]
