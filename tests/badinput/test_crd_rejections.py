"""More of what the API server refuses before the operator ever sees it (schema and CEL).

tests/crds/test_crds_on_cluster.py covers 27 rejections and tenantId immutability; these are
the hostile and careless inputs on top: names and keys that are not Kubernetes names, values
over the limits, wrong types, unknown fields. Each message names the field to fix.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "crds"))

from test_crds_on_cluster import connector, obj, rejection

from m365inventory.localcluster.access import ClusterAccess

pytestmark = pytest.mark.usefixtures("crds")


def _secret_ref(name: str, key: str) -> dict[str, Any]:
    return {"clientSecret": {"secretRef": {"name": name, "key": key}}}


def _named(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    body = obj(kind, spec)
    body["metadata"]["name"] = name
    return body


REJECTED: list[tuple[str, Callable[[], dict[str, Any]], list[str]]] = [
    (
        "secret name with a path",
        lambda: connector(credentials=_secret_ref("../kube-system/token", "clientSecret")),
        ["spec.credentials.clientSecret.secretRef.name", "should match"],
    ),
    (
        "secret key with a slash",
        lambda: connector(credentials=_secret_ref("graph", "a/b")),
        ["spec.credentials.clientSecret.secretRef.key", "should match"],
    ),
    (
        "interval over a week",
        lambda: connector(interval="200h"),
        ["spec.interval", "interval must be between 1m and 168h"],
    ),
    ("suspend as a string", lambda: connector(suspend="yes"), ["spec.suspend", "boolean"]),
    (
        "unknown spec field",
        lambda: connector(tenantName="Contoso"),
        [".spec.tenantName: field not declared in schema"],
    ),
    (
        "workload identity without a ServiceAccount",
        lambda: connector(credentials={"workloadIdentity": {}}),
        ["spec.credentials.workloadIdentity.serviceAccountName", "Required value"],
    ),
    (
        "workload identity naming a ServiceAccount of another namespace",
        lambda: connector(
            credentials={"workloadIdentity": {"serviceAccountName": "kube-system:operator"}}
        ),
        [
            "spec.credentials.workloadIdentity.serviceAccountName",
            "only the name of a ServiceAccount in the connector's own namespace",
        ],
    ),
    (
        "organization name that is not a Kubernetes name",
        lambda: obj("TenantMatch", {"decision": "MatchTo", "organizationName": "Contoso Ltd"}),
        ["spec.organizationName", "should match"],
    ),
    (
        "unknown device decision",
        lambda: obj("DeviceMatch", {"decision": "Merge"}),
        ["spec.decision", "Unsupported value"],
    ),
    (
        "email over 320 characters",
        lambda: obj("Contact", {"organization": "o", "emails": ["a" * 320 + "@example.com"]}),
        ["spec.emails[0]", "Too long"],
    ),
    (
        "10,000-character first name",
        lambda: obj("Contact", {"organization": "o", "firstName": "x" * 10_000}),
        ["spec.firstName", "Too long"],
    ),
    (
        "empty configuration name",
        lambda: obj("Configuration", {"organization": "o", "displayName": ""}),
        ["spec.displayName"],
    ),
    (
        "object name with emoji",
        lambda: _named("Organization", "contoso-😀", {"displayName": "Contoso"}),
        ["metadata.name", "a lowercase RFC 1123 subdomain"],
    ),
    (
        "object name with YAML syntax",
        lambda: _named("Organization", "a: b", {"displayName": "Contoso"}),
        ["metadata.name", "a lowercase RFC 1123 subdomain"],
    ),
]


@pytest.mark.parametrize(("case", "make", "fragments"), REJECTED, ids=[c[0] for c in REJECTED])
def test_rejected_with_a_message_naming_the_field(
    kube: ClusterAccess,
    namespace: str,
    case: str,
    make: Callable[[], dict[str, Any]],
    fragments: list[str],
) -> None:
    stderr = rejection(kube, namespace, make())
    for fragment in fragments:
        assert fragment in stderr, f"{case}: {fragment!r} not in {stderr!r}"
