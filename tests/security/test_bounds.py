"""Bounds: nothing the operator writes grows toward etcd's 1.5 MiB object limit.

A tenant with 5,000 users, 500 groups that each hold everyone, 500 licences and 50 locations
is about the largest an MSP documents; its Organization status must stay well under the limit,
as must a connector's status after any number of runs (history and errors are capped) and a
TenantMatch of a tenant whose every user is ambiguous. kopf's annotations stay small because
the operator's handlers keep no diff-base or progress (see handlers/lifecycle.py), and the
watch has server and client timeouts, so a silently dropped connection cannot blind it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import kopf

from m365inventory.handlers import lifecycle
from m365inventory.model import graph as g
from m365inventory.model.inventory import OrganizationStatus
from m365inventory.sync.reconcile.tenantdata import OrganizationFacts
from m365inventory.sync.rules import conditions, facts, naming

ETCD_LIMIT = 1_572_864  # 1.5 MiB, etcd's default --max-request-bytes
BUDGET = ETCD_LIMIT // 2  # room for metadata, managedFields and the spec
USERS = 5_000


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


def _contacts() -> dict[str, str]:
    return {
        f"user-{n}": naming.contact_name(
            organization="contoso-holdings-international",
            display_name=f"Firstname{n} Lastname-Of-Some-Length{n}",
            user_id=f"user-{n}",
        )
        for n in range(USERS)
    }


def test_organization_status_of_a_5000_user_tenant_fits_etcd() -> None:
    contact_by_user = _contacts()
    everyone = [{"id": user, "@odata.type": "#microsoft.graph.user"} for user in contact_by_user]
    gathered = OrganizationFacts()
    all_staff = g.Group.model_validate(
        {"id": "group", "securityEnabled": True, "members": everyone}
    )
    for n in range(500):
        group = all_staff.model_copy(
            update={"id": f"group-{n}", "display_name": f"All staff {n} " + "x" * 200}
        )
        gathered.groups.append(facts.group_record(group, contact_by_user=contact_by_user))
    skus = [
        g.SubscribedSku.model_validate(
            {
                "skuId": f"00000000-0000-4000-8000-{n:012d}",
                "skuPartNumber": f"SKU_{n}_" + "P" * 100,
                "consumedUnits": USERS,
                "prepaidUnits": {"enabled": USERS},
            }
        )
        for n in range(500)
    ]
    gathered.licenses = facts.licenses(skus, allow_list=None)
    status = gathered.status()
    OrganizationStatus.model_validate(status)
    assert _size(status) < BUDGET, f"{_size(status)} bytes"
    counted = status["microsoft"]["groups"][0]
    assert counted["memberCount"] == USERS  # the true count stays, even when names are cut


def test_connector_history_and_errors_are_capped() -> None:
    from m365inventory.model.connector import MicrosoftConnectorStatus

    history = MicrosoftConnectorStatus.model_fields["history"].metadata
    errors = MicrosoftConnectorStatus.model_fields["summary"]
    assert any(getattr(m, "max_length", None) == 10 for m in history)
    assert errors is not None
    worst = {
        "history": [{"startTime": "x", "result": "F", "message": "m" * 1024}] * 10,
        "summary": {
            "errors": [{"tenantId": "t" * 36, "reason": "r" * 128, "message": "m" * 1024}] * 50
        },
        "conditions": [{"type": "t", "message": "m" * 32_768}] * 16,
    }
    assert _size(worst) < BUDGET


def test_a_condition_naming_5000_ambiguous_users_is_cut() -> None:
    message = ", ".join(f"user{n}@contoso.com" for n in range(USERS))
    cond = conditions.set_condition(
        [],
        type="ContactsAmbiguous",
        status=True,
        reason="Ambiguous",
        message=message,
        now=datetime(2026, 11, 22, tzinfo=UTC),
    )
    assert _size(cond) < 40_000


def test_kopf_keeps_no_growing_annotations_and_watches_time_out() -> None:
    settings = kopf.OperatorSettings()
    lifecycle.configure(settings)
    assert settings.watching.server_timeout is not None
    assert settings.watching.client_timeout is not None
    assert settings.watching.client_timeout > settings.watching.server_timeout
    assert settings.watching.connect_timeout is not None
