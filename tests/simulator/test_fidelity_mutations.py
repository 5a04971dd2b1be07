"""The deep fidelity check catches every class of mistake it claims to (a mutation test).

Real simulator answers are mutated one way at a time; each mutant must fail the check that
test_fidelity.py runs on the unmutated answers (and the unmutated answer must pass it, or the
test would prove nothing). The mutation classes are the ones the shallow check let through:
nested unknown or miscased keys, wrong nested types, enum case, date-only DateTimes, a
lower-case `@odata.nextlink`, a missing always-present property; in entities, members, groups
delta, `$batch` answers, error bodies, token errors and pages after the first.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from fidelity_check import check, check_envelope, check_token_error
from kiota_abstractions.serialization import Parsable
from msgraph.generated.models.directory_object import DirectoryObject
from msgraph.generated.models.group import Group
from msgraph.generated.models.managed_device import ManagedDevice
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.subscribed_sku import SubscribedSku
from msgraph.generated.models.user import User
from simhelpers import GraphFactory, customer_id, raw_token

from m365inventory.simulator import Simulator, World

Payload = dict[str, Any]
Mutation = Callable[[Payload], None]


def _set(path: tuple[Any, ...], value: Any) -> Mutation:
    def mutate(payload: Payload) -> None:
        target: Any = payload
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return mutate


def _rename(path: tuple[Any, ...], new: str) -> Mutation:
    def mutate(payload: Payload) -> None:
        target: Any = payload
        for step in path[:-1]:
            target = target[step]
        target[new] = target.pop(path[-1])

    return mutate


def _delete(path: tuple[Any, ...]) -> Mutation:
    def mutate(payload: Payload) -> None:
        target: Any = payload
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return mutate


def _recase_enum(key: str) -> Mutation:
    def mutate(payload: Payload) -> None:
        value = payload[key]
        assert value
        assert value != value.capitalize()
        payload[key] = value.capitalize()

    return mutate


def _date_only(path: tuple[Any, ...]) -> Mutation:
    def mutate(payload: Payload) -> None:
        target: Any = payload
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = target[path[-1]][:10]

    return mutate


# (sample name, check, mutation name, mutation)
MUTANTS: list[tuple[str, str, Mutation]] = [
    ("sku", "nested unknown key", _set(("prepaidUnits", "bogus"), 1)),
    ("sku", "nested miscased key", _rename(("prepaidUnits", "enabled"), "Enabled")),
    ("sku", "wrong nested type", _set(("prepaidUnits", "enabled"), "five")),
    ("sku", "nested list item unknown key", _set(("servicePlans", 0, "planName"), "x")),
    ("sku", "missing always-present property", _delete(("skuId",))),
    ("device", "enum with the wrong case", _recase_enum("complianceState")),
    ("device", "date-only DateTime", _date_only(("lastSyncDateTime",))),
    ("device", "number as string", _set(("totalStorageSpaceInBytes",), "1024")),
    ("user", "date-only DateTime", _date_only(("createdDateTime",))),
    ("user", "miscased key", _rename(("displayName",), "DisplayName")),
    ("user", "wrong type in a nested list", _set(("assignedLicenses", 0, "skuId"), 5)),
    ("user", "boolean as string", _set(("accountEnabled",), "true")),
    ("user", "missing always-present id", _delete(("id",))),
    ("page", "lower-case @odata.nextlink", _rename(("@odata.nextLink",), "@odata.nextlink")),
    ("page", "missing value", _delete(("value",))),
    ("page 2", "nested unknown key after the first page", _set(("value", 0, "extra"), 1)),
    ("member", "miscased key in a member", _rename(("mail",), "Mail")),
    ("member", "unknown annotation", _set(("@odata.Type",), "#microsoft.graph.user")),
    ("delta group", "unknown key in members@delta", _set(("members@delta", 0, "nme"), "x")),
    ("batch user", "date-only DateTime in a $batch answer", _date_only(("createdDateTime",))),
    ("error", "miscased error code", _rename(("error", "code"), "Code")),
    ("error", "date-only innerError date", _date_only(("error", "innerError", "date"))),
    ("error", "unknown key in innerError", _set(("error", "innerError", "requestId"), "x")),
    ("token error", "missing error_codes", _delete(("error_codes",))),
    ("token error", "error codes as strings", _set(("error_codes",), ["7000215"])),
    ("token error", "timestamp in another format", _set(("timestamp",), "2026-01-01T00:00Z")),
]


@pytest.fixture
def samples(sim: Simulator, world: World, graph: GraphFactory) -> dict[str, Payload]:
    """One real answer of each kind, straight from the simulator."""
    tenant = world.require_tenant(customer_id(world))
    client = graph(tenant.id)
    sim.settings.page_size["GET /v1.0/users"] = 3
    page = client.get(
        "/users", params={"$select": "id,displayName,createdDateTime,accountEnabled"}
    ).json()
    page2 = client.get(page["@odata.nextLink"]).json()
    licensed = next(u for u in tenant.users if u.assigned_licenses and u.account_enabled)
    user = client.get(
        f"/users/{licensed.id}",
        params={"$select": "id,displayName,createdDateTime,assignedLicenses,accountEnabled"},
    ).json()
    device = next(
        d
        for d in client.get("/deviceManagement/managedDevices").json()["value"]
        if d["complianceState"] and d["lastSyncDateTime"] and d["totalStorageSpaceInBytes"]
    )
    sku = next(s for s in client.get("/subscribedSkus").json()["value"] if s["servicePlans"])
    group = max(tenant.groups, key=lambda g: len(g.members))
    member = next(
        m for m in client.get(f"/groups/{group.id}/members").json()["value"] if m.get("mail")
    )
    delta_group = next(
        g for g in client.get("/groups/delta").json()["value"] if g.get("members@delta")
    )
    batch = client.post(
        "/$batch",
        json={
            "requests": [
                {
                    "id": "1",
                    "method": "GET",
                    "url": f"/users/{licensed.id}?$select=id,createdDateTime",
                }
            ]
        },
    ).json()
    error = client.get("/users/not-there").json()
    app = world.apps[0]
    token_error = raw_token(
        sim,
        tenant.id,
        {
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": "wrong",
            "scope": "https://graph.microsoft.com/.default",
        },
    ).json()
    return {
        "page": page,
        "page 2": page2,
        "user": user,
        "device": device,
        "sku": sku,
        "member": member,
        "delta group": delta_group,
        "batch user": batch["responses"][0]["body"],
        "error": error,
        "token error": token_error,
    }


def _checker(sample: str) -> Callable[[Payload], None]:
    models: dict[str, type[Parsable]] = {
        "user": User,
        "batch user": User,
        "device": ManagedDevice,
        "sku": SubscribedSku,
        "member": DirectoryObject,
        "error": ODataError,
    }
    if sample in models:
        factory = models[sample]
        return lambda payload: check(factory, payload)
    if sample in ("page", "page 2"):

        def page(payload: Payload) -> None:
            check_envelope(payload)
            for item in payload["value"]:
                check(User, item)

        return page
    if sample == "delta group":

        def delta_group(payload: Payload) -> None:
            check(Group, payload)
            for member in payload["members@delta"]:
                check(DirectoryObject, member)

        return delta_group
    assert sample == "token error"
    return check_token_error


def test_every_unmutated_sample_passes(samples: dict[str, Payload]) -> None:
    for name, payload in samples.items():
        _checker(name)(payload)
    assert {sample for sample, _, _ in MUTANTS} == set(samples)


@pytest.mark.parametrize(
    ("sample", "mutation", "mutate"), MUTANTS, ids=[f"{s}: {m}" for s, m, _ in MUTANTS]
)
def test_each_mutation_is_caught(
    samples: dict[str, Payload], sample: str, mutation: str, mutate: Mutation
) -> None:
    mutant = copy.deepcopy(samples[sample])
    mutate(mutant)
    assert mutant != samples[sample], f"{mutation}: the mutation changed nothing"
    with pytest.raises(AssertionError):
        _checker(sample)(mutant)
