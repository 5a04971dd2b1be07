"""The CRDs are generated from the models: committed files must match, every field documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from m365inventory.cli import crds as crd_files
from m365inventory.model import crd, resources

ROOT = Path(__file__).resolve().parents[2]
CRD_DIRS = [ROOT / "crds", ROOT / "charts" / "m365-inventory-operator" / "crds"]


@pytest.mark.parametrize("directory", CRD_DIRS, ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_crds_match_the_models(directory: Path) -> None:
    wanted = crd_files.rendered()
    present = {p.name: p.read_text() for p in directory.glob("*.yaml")}
    assert sorted(present) == sorted(wanted), "run `make crds`"
    for name, content in wanted.items():
        assert present[name] == content, f"{directory.name}/{name} drifted: run `make crds`"


@pytest.mark.parametrize("definition", crd.build_crds(), ids=lambda d: d["metadata"]["name"])
def test_every_field_has_a_description(definition: dict[str, object]) -> None:
    schema = definition["spec"]["versions"][0]["schema"]["openAPIV3Schema"]  # type: ignore[index]
    assert crd.undocumented_fields(schema) == []


@pytest.mark.parametrize("definition", crd.build_crds(), ids=lambda d: d["metadata"]["name"])
def test_schemas_are_structural(definition: dict[str, object]) -> None:
    schema = definition["spec"]["versions"][0]["schema"]["openAPIV3Schema"]  # type: ignore[index]
    assert _non_structural(schema) == []


def _non_structural(node: dict[str, object], path: str = "") -> list[str]:
    found = [f"{path}: {k}" for k in ("$ref", "anyOf", "allOf", "oneOf", "title") if k in node]
    if "type" not in node and not node.get("x-kubernetes-preserve-unknown-fields"):
        found.append(f"{path}: no type")
    properties = node.get("properties", {})
    assert isinstance(properties, dict)
    for name, child in properties.items():
        found.extend(_non_structural(child, f"{path}.{name}"))
    items = node.get("items")
    if isinstance(items, dict):
        found.extend(_non_structural(items, f"{path}[]"))
    return found


def test_all_six_kinds_share_the_category_and_have_short_names() -> None:
    names = [d["spec"]["names"] for d in crd.build_crds()]
    assert [n["kind"] for n in names] == [
        "MicrosoftConnector",
        "TenantMatch",
        "DeviceMatch",
        "Organization",
        "Contact",
        "Configuration",
    ]
    assert all(n["categories"] == [resources.CATEGORY] for n in names)
    assert all(n["shortNames"] for n in names)


def test_status_accepts_what_kopf_writes() -> None:
    for definition in crd.build_crds():
        status = definition["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"][
            "status"
        ]
        assert status["properties"]["kopf"]["x-kubernetes-preserve-unknown-fields"] is True


def test_optional_object_fields_are_defaulted_so_nested_defaults_apply() -> None:
    spec = crd.build_crd(resources.CONNECTOR)["spec"]["versions"][0]["schema"]["openAPIV3Schema"][
        "properties"
    ]["spec"]
    assert spec["properties"]["sync"]["default"] == {}
    assert spec["properties"]["interval"]["default"] == "1h"
    assert "default" not in spec["properties"]["credentials"]
    credentials = spec["properties"]["credentials"]["properties"]
    assert all("default" not in credentials[k] for k in credentials)


def test_unions_are_refused() -> None:
    with pytest.raises(crd.SchemaError):
        crd.to_structural({"anyOf": [{"type": "string"}, {"type": "integer"}]}, {})
