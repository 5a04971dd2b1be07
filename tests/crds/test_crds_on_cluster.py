"""The generated CRDs on a real kube-apiserver: what they accept, reject, default and print."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from lightkube import AsyncClient, KubeConfig
from lightkube.generic_resource import create_namespaced_resource
from lightkube.types import PatchType

from m365inventory.localcluster.access import ClusterAccess
from m365inventory.localcluster.kubectl import KubectlError
from m365inventory.model import resources

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GUID = "4c4f6f2a-9d3e-4b8a-8f43-2f1d9a6b7c01"
CLIENT = "9a0c1b2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"

pytestmark = pytest.mark.usefixtures("crds")


def connector(**spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "tenantId": GUID,
        "clientId": CLIENT,
        "credentials": {"clientSecret": {"secretRef": {"name": "s", "key": "clientSecret"}}},
    }
    body.update(spec)
    return {
        "apiVersion": resources.API_VERSION,
        "kind": "MicrosoftConnector",
        "metadata": {"name": "c"},
        "spec": {k: v for k, v in body.items() if v is not None},
    }


def obj(kind: str, spec: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": resources.API_VERSION,
        "kind": kind,
        "metadata": {"name": "x"},
    }
    if spec is not None:
        body["spec"] = spec
    return body


def apply(kube: ClusterAccess, namespace: str, body: dict[str, Any]) -> None:
    kube.kubectl("apply", "--server-side", "-n", namespace, "-f", "-", input=yaml.safe_dump(body))


def rejection(kube: ClusterAccess, namespace: str, body: dict[str, Any]) -> str:
    with pytest.raises(KubectlError) as caught:
        apply(kube, namespace, body)
    return caught.value.stderr


def test_all_crds_install_and_are_established(kube: ClusterAccess, crds: list[str]) -> None:
    assert sorted(crds) == sorted(
        f"customresourcedefinition.apiextensions.k8s.io/{k.crd_name}" for k in resources.ALL_KINDS
    )
    for kind in resources.ALL_KINDS:
        status = kube.kubectl(
            "get",
            "crd",
            kind.crd_name,
            "-o",
            'jsonpath={.status.conditions[?(@.type=="Established")].status}',
        ).stdout
        assert status == "True"


@pytest.mark.parametrize(
    "example",
    sorted(
        p.relative_to(EXAMPLES).as_posix()
        for p in EXAMPLES.rglob("*.yaml")
        if not {"simulator", "helm"} & set(p.parts)  # a world fixture, chart values
    ),
)
def test_every_example_is_accepted(kube: ClusterAccess, namespace: str, example: str) -> None:
    path = EXAMPLES / example
    if example == "suspend-patch.yaml":
        apply(
            kube,
            namespace,
            yaml.safe_load((EXAMPLES / "connector-single-tenant.yaml").read_text().split("---")[0]),
        )
        kube.kubectl(
            "patch",
            "microsoftconnector",
            "contoso",
            "-n",
            namespace,
            "--type",
            "merge",
            "--patch-file",
            str(path),
        )
        assert (
            kube.kubectl(
                "get", "mconn", "contoso", "-n", namespace, "-o", "jsonpath={.spec.suspend}"
            ).stdout
            == "true"
        )
        return
    kube.kubectl("apply", "--server-side", "-n", namespace, "-f", str(path))
    for document in yaml.safe_load_all(path.read_text()):
        name = document["metadata"]["name"]
        kube.kubectl("get", document["kind"].lower(), name, "-n", namespace)


def test_defaults_are_applied_by_the_server(kube: ClusterAccess, namespace: str) -> None:
    apply(kube, namespace, connector())
    spec = yaml.safe_load(kube.kubectl("get", "mconn", "c", "-n", namespace, "-o", "yaml").stdout)[
        "spec"
    ]
    assert spec["interval"] == "1h"
    assert spec["mode"] == "SingleTenant"
    assert spec["cloud"] == "Global"
    assert spec["suspend"] is False
    assert spec["removalPolicy"] == "Retain"
    assert spec["sync"]["contacts"] is True
    assert spec["sync"]["licenses"]["enabled"] is True
    assert spec["sync"]["intuneDevices"] is False
    assert spec["matching"] == {"suggestionMinScore": 60, "maxSuggestions": 3}
    assert "workloadIdentity" not in spec["credentials"]


INVALID: list[tuple[str, Callable[[], dict[str, Any]], list[str]]] = [
    (
        "tenant ID that is a domain",
        lambda: connector(tenantId="contoso.onmicrosoft.com"),
        ["spec.tenantId", "Invalid value"],
    ),
    (
        "tenant ID that is not hexadecimal",
        lambda: connector(tenantId="zzzzzzzz-9d3e-4b8a-8f43-2f1d9a6b7c01"),
        ["spec.tenantId", "should match"],
    ),
    (
        "bad client GUID",
        lambda: connector(clientId="4c4f6f2a9d3e4b8a8f432f1d9a6b7c01"),
        ["spec.clientId"],
    ),
    ("missing client ID", lambda: connector(clientId=None), ["spec.clientId", "Required value"]),
    ("negative interval", lambda: connector(interval="-5m"), ["spec.interval", "should match"]),
    (
        "unparsable interval",
        lambda: connector(interval="hourly"),
        ["spec.interval", "should match"],
    ),
    (
        "interval too short",
        lambda: connector(interval="10s"),
        ["spec.interval", "interval must be between 1m and 168h"],
    ),
    (
        "unknown mode",
        lambda: connector(mode="MultiTenant"),
        ["spec.mode", "Unsupported value", "SingleTenant", "Partner"],
    ),
    ("unknown cloud", lambda: connector(cloud="Mars"), ["spec.cloud", "Unsupported value"]),
    (
        "two credentials",
        lambda: connector(
            credentials={
                "clientSecret": {"secretRef": {"name": "s", "key": "k"}},
                "workloadIdentity": {"serviceAccountName": "m365-sync"},
            }
        ),
        ["spec.credentials", "set exactly one of credentials.clientSecret"],
    ),
    (
        "no credentials",
        lambda: connector(credentials={}),
        ["set exactly one of credentials.clientSecret"],
    ),
    (
        "bitlocker without intune",
        lambda: connector(sync={"bitlockerKeys": True}),
        ["spec.sync.bitlockerKeys", "needs sync.intuneDevices"],
    ),
    (
        "partner block in single-tenant mode",
        lambda: connector(partner={}),
        ["spec.partner", "only valid with mode Partner"],
    ),
    (
        "delegated without refresh token",
        lambda: connector(mode="Partner", partner={"authentication": "Delegated"}),
        ["spec.partner.refreshTokenSecretRef", "needs partner.refreshTokenSecretRef"],
    ),
    (
        "custom cloud without endpoints",
        lambda: connector(cloud="Custom"),
        ["spec.endpoints", "required with cloud Custom"],
    ),
    (
        "plain-http endpoint",
        lambda: connector(
            cloud="Custom",
            endpoints={"authorityHost": "http://login", "graphBaseUrl": "https://g/v1.0"},
        ),
        ["spec.endpoints.authorityHost", "should match '^https://'"],
    ),
    (
        "auto-accept below suggestion minimum",
        lambda: connector(matching={"suggestionMinScore": 80, "autoAcceptScore": 70}),
        ["spec.matching.autoAcceptScore", "must be at least matching.suggestionMinScore"],
    ),
    (
        "score above 100",
        lambda: connector(matching={"suggestionMinScore": 101}),
        ["spec.matching.suggestionMinScore", "less than or equal to 100"],
    ),
    (
        "secret in another namespace",
        lambda: connector(
            credentials={
                "clientSecret": {"secretRef": {"name": "s", "key": "k", "namespace": "other"}}
            }
        ),
        ["secretRef.namespace: field not declared in schema"],
    ),
    (
        "MatchTo without organization",
        lambda: obj("TenantMatch", {"decision": "MatchTo"}),
        ["spec.organizationName", "decision MatchTo needs spec.organizationName"],
    ),
    (
        "unknown tenant decision",
        lambda: obj("TenantMatch", {"decision": "Merge"}),
        ["spec.decision", "Unsupported value"],
    ),
    (
        "force without create",
        lambda: obj("TenantMatch", {"decision": "Ignore", "force": True}),
        ["spec.force", "only used with decision CreateOrganization"],
    ),
    (
        "organization name with Ignore",
        lambda: obj("TenantMatch", {"decision": "Ignore", "organizationName": "fabrikam"}),
        ["spec.organizationName", "only used with decision MatchTo or CreateOrganization"],
    ),
    (
        "device MatchTo without configuration",
        lambda: obj("DeviceMatch", {"decision": "MatchTo"}),
        ["spec.configurationName", "needs spec.configurationName"],
    ),
    ("organization without spec", lambda: obj("Organization", None), ["spec", "Required value"]),
    (
        "contact without name or email",
        lambda: obj("Contact", {"organization": "fabrikam"}),
        ["a Contact needs a firstName, a lastName or at least one email"],
    ),
    (
        "contact with a bad email",
        lambda: obj("Contact", {"organization": "fabrikam", "emails": ["not-an-email"]}),
        ["spec.emails[0]", "should match"],
    ),
    (
        "configuration without organization",
        lambda: obj("Configuration", {"displayName": "PC-1"}),
        ["spec.organization", "Required value"],
    ),
]


@pytest.mark.parametrize(("case", "make", "fragments"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_objects_are_rejected_with_a_message_naming_the_field(
    kube: ClusterAccess,
    namespace: str,
    case: str,
    make: Callable[[], dict[str, Any]],
    fragments: list[str],
) -> None:
    stderr = rejection(kube, namespace, make())
    for fragment in fragments:
        assert fragment in stderr, f"{case}: {fragment!r} not in {stderr!r}"


def test_tenant_id_is_immutable(kube: ClusterAccess, namespace: str) -> None:
    apply(kube, namespace, connector())
    stderr = rejection(kube, namespace, connector(tenantId="0b5e3f2c-1a2b-4c3d-9e8f-0a1b2c3d4e5f"))
    assert "spec.tenantId" in stderr
    assert "tenantId is immutable" in stderr


def test_kubectl_explain_prints_the_descriptions(kube: ClusterAccess) -> None:
    output = _eventually(lambda: kube.kubectl("explain", "microsoftconnector.spec").stdout)
    assert "tenantId" in output
    assert "Directory (tenant) ID" in output
    assert "interval" in output
    sync = kube.kubectl("explain", "microsoftconnector.spec.sync.bitlockerKeys").stdout
    assert "BitlockerKey.Read.All" in sync
    decision = kube.kubectl("explain", "tenantmatch.spec.decision").stdout
    assert "AcceptSuggestion" in decision


def test_kubectl_get_shows_the_printer_columns(kube: ClusterAccess, namespace: str) -> None:
    apply(kube, namespace, connector())
    header = (
        kube.kubectl("get", "microsoftconnectors", "-n", namespace).stdout.splitlines()[0].split()
    )
    assert header == ["NAME", "READY", "STATUS", "INTERVAL", "SUSPENDED", "LAST", "SYNC", "AGE"]
    apply(kube, namespace, obj("TenantMatch", {}))
    header = kube.kubectl("get", "tm", "-n", namespace).stdout.splitlines()[0].split()
    assert header == ["NAME", "TENANT", "STATE", "SUGGESTION", "SCORE", "MATCH", "AGE"]
    apply(kube, namespace, obj("DeviceMatch", {}))
    header = kube.kubectl("get", "dm", "-n", namespace).stdout.splitlines()[0].split()
    assert header == ["NAME", "DEVICE", "STATE", "SUGGESTION", "SCORE", "MATCH", "AGE"]


def test_the_category_lists_all_kinds(kube: ClusterAccess, namespace: str) -> None:
    apply(kube, namespace, connector())
    apply(kube, namespace, obj("TenantMatch", {}))
    apply(kube, namespace, obj("Organization", {"displayName": "Fabrikam"}))
    names = kube.kubectl("get", "m365", "-n", namespace, "-o", "name").stdout.split()
    assert "microsoftconnector.m365.inventory.dev/c" in names
    assert "tenantmatch.m365.inventory.dev/x" in names
    assert "organization.m365.inventory.dev/x" in names


async def test_python_client_writes_spec_and_status_including_kopf_fields(
    kube: ClusterAccess, namespace: str
) -> None:
    match_resource = create_namespaced_resource(
        resources.GROUP, resources.VERSION, "TenantMatch", "tenantmatches"
    )
    client = AsyncClient(config=KubeConfig.from_file(kube.kubeconfig_path), field_manager="test")
    try:
        created = await client.create(
            match_resource(metadata={"name": "t1"}, spec={"decision": "Ignore"}),
            namespace=namespace,
        )
        assert created.spec == {"decision": "Ignore"}
        status = {
            "state": "Ignored",
            "kopf": {"progress": {"handler": {"started": "2026-01-01T00:00:00Z", "retries": 1}}},
            "suggestions": [{"name": "fabrikam", "score": 91, "evidence": ["name:91"]}],
        }
        await client.patch(
            match_resource.Status,
            "t1",
            {"status": status},
            namespace=namespace,
            patch_type=PatchType.MERGE,
        )
        stored = await client.get(match_resource, "t1", namespace=namespace)
        assert stored.status["state"] == "Ignored"
        assert stored.status["kopf"]["progress"]["handler"]["retries"] == 1
        assert stored.status["suggestions"][0]["score"] == 91
    finally:
        await client.close()


def _eventually(read: Callable[[], str], *, attempts: int = 30) -> str:
    """kubectl explain needs the OpenAPI document, published a moment after the CRD."""
    error: Exception | None = None
    for _ in range(attempts):
        try:
            return read()
        except KubectlError as exc:
            error = exc
            time.sleep(1)
    raise AssertionError(f"kubectl explain never worked: {error}")
