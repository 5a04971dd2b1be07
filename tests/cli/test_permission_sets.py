"""`m365-inventory permissions`: the permission set of each feature, and the manifest snippet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from m365inventory.cli import permissions as perms
from m365inventory.model.connector import ConnectorMode, LicenseSync, SyncSettings
from m365inventory.simulator import REQUIRED_PERMISSIONS

ROOT = Path(__file__).resolve().parents[2]
# Graph's "List groups" permission table (microsoft-graph-docs-contrib,
# api-reference/v1.0/includes/permissions/group-list-permissions.md) lists GroupMember.Read.All
# for GET /groups; the simulator's table does not (yet).
SIMULATOR_GAPS = {("GroupMember.Read.All", "GET /groups")}


def names(features: list[str], profile: perms.Profile = perms.Profile.REFERENCE) -> set[str]:
    return {g.permission for g in perms.grants(features=features, profile=profile)}


def test_default_single_tenant_connector_needs_directory_and_users() -> None:
    assert perms.default_features() == ["contacts", "licenses", "locations"]
    assert names(perms.default_features()) == {"Directory.Read.All", "User.Read.All"}


@pytest.mark.parametrize(
    ("feature", "expected"),
    [
        ("partner", {"DelegatedAdminRelationship.Read.All"}),
        ("entraFields", {"User.Read.All", "AuditLog.Read.All"}),
        ("mailboxes", {"Reports.Read.All", "ReportSettings.Read.All"}),
        ("intuneDevices", {"DeviceManagementManagedDevices.Read.All"}),
        ("bitlockerKeys", {"BitlockerKey.Read.All"}),
        ("groups", {"User.Read.All"}),
        ("locations", set()),
    ],
)
def test_each_feature_adds_its_permissions(feature: str, expected: set[str]) -> None:
    assert names([feature]) == {"Directory.Read.All", *expected}


def test_least_privileged_profile_avoids_directory_read_all() -> None:
    found = names(list(perms.FEATURES), perms.Profile.LEAST)
    assert "Directory.Read.All" not in found
    assert {"Organization.Read.All", "GroupMember.Read.All", "User.Read.All"} <= found


@pytest.mark.parametrize("profile", list(perms.Profile))
def test_every_listed_permission_grants_its_endpoint_in_the_simulator(
    profile: perms.Profile,
) -> None:
    # The simulator enforces Graph's permission table; a wrong pick here would be a 403 there.
    needs = perms.needs(features=list(perms.FEATURES), profile=profile)
    assert len(needs) > 10
    for permission, endpoint, feature in needs:
        assert endpoint in REQUIRED_PERMISSIONS, (endpoint, feature)
        if (permission, endpoint) not in SIMULATOR_GAPS:
            assert permission in REQUIRED_PERMISSIONS[endpoint], (permission, endpoint)


def test_features_follow_the_connector_settings() -> None:
    sync = SyncSettings(
        contacts=False,
        licenses=LicenseSync(enabled=False),
        locations=False,
        intune_devices=True,
        bitlocker_keys=True,
    )
    assert perms.enabled_features(mode=ConnectorMode.PARTNER, sync=sync) == [
        "partner",
        "intuneDevices",
        "bitlockerKeys",
    ]


def test_features_of_the_demo_connector_manifest() -> None:
    text = (ROOT / "examples" / "demo" / "connector.yaml").read_text()
    assert perms.features_of_manifest(text) == [
        "partner",
        "contacts",
        "entraFields",
        "licenses",
        "locations",
        "groups",
        "intuneDevices",
    ]
    with pytest.raises(ValueError, match="no MicrosoftConnector"):
        perms.features_of_manifest("kind: Secret\n")


def test_unknown_feature_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown feature.*mailbox.*known:.*mailboxes"):
        perms.grants(features=["mailbox"])


def test_manifest_snippet_lists_graph_app_roles() -> None:
    found = perms.grants(features=["partner", "bitlockerKeys"])
    [resource] = perms.required_resource_access(found)
    assert resource["resourceAppId"] == "00000003-0000-0000-c000-000000000000"
    assert resource["resourceAccess"] == [
        {"id": "57f1cf28-c0c4-4ec3-9a30-19a2eaaf2f6e", "type": "Role"},  # BitlockerKey.Read.All
        {"id": "f6e9e124-4586-492f-adc0-c6f96e4823fd", "type": "Role"},  # DelegatedAdminRel…
        {"id": "7ab1d382-f21e-4acd-a863-ba3e13f7da61", "type": "Role"},  # Directory.Read.All
    ]
    ids = list(perms.APP_ROLE_IDS.values())
    assert len(set(ids)) == len(ids)


def test_notes_explain_what_the_table_cannot() -> None:
    said = " ".join(perms.notes(features=["mailboxes", "entraFields", "partner"]))
    assert "admin consent" in said
    assert "Directory.ReadWrite.All" in said
    assert "concealed" in said
    assert "Entra ID P1" in said


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from m365inventory.cli.main import app; app()", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_command_prints_a_manifest_that_parses_as_json() -> None:
    done = run_cli(
        "permissions", "--feature", "partner", "--feature", "mailboxes", "-o", "manifest"
    )
    assert done.returncode == 0, done.stderr
    snippet = json.loads(done.stdout)
    ids = {a["id"] for a in snippet["requiredResourceAccess"][0]["resourceAccess"]}
    assert perms.APP_ROLE_IDS["Reports.Read.All"] in ids
    assert perms.APP_ROLE_IDS["DelegatedAdminRelationship.Read.All"] in ids


def test_command_refuses_an_unknown_feature() -> None:
    done = run_cli("permissions", "--feature", "teams")
    assert done.returncode == 2
    assert "unknown feature" in done.stderr


def test_piped_table_never_cuts_a_permission_name_or_app_role_id() -> None:
    # As a pipe (`| less`, `> file`, CI logs): no terminal, no COLUMNS, so rich assumes 80.
    manifest = ROOT / "examples" / "connector-partner-gdap.yaml"
    env = {k: v for k, v in os.environ.items() if k not in {"COLUMNS", "LINES", "FORCE_COLOR"}}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from m365inventory.cli.main import app; app()",
            "permissions",
            "--connector",
            str(manifest),
        ],
        capture_output=True,  # stdout is a pipe, as in `| less` or `> file`
        text=True,
        check=False,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    found = perms.grants(features=perms.features_of_manifest(manifest.read_text()))
    assert any(len(g.permission) > 30 for g in found)  # the case that used to be cut
    rows = [line for line in done.stdout.splitlines() if "│" in line]
    for grant in found:
        assert any(grant.permission in row and grant.app_role_id in row for row in rows), grant
    assert "…" not in done.stdout
