"""Shared fixtures: ``kube``, ``namespace`` and ``crds`` come from the local-cluster plugin."""

import pytest

pytest_plugins = ["m365inventory.localcluster.pytest_plugin"]

# tests/faults compares whole snapshots in this helper: let a failure show the differences.
pytest.register_assert_rewrite("convergence")
