"""Every `$select` list the client sends names only properties Graph v1.0 has on that route.

The lists are derived from the pydantic models (`graph.selects`); the simulator's schema
(`simulator.schema`, itself checked against Microsoft's SDK models in
tests/simulator/test_strictness.py) is what Graph would accept. A misspelt or miscased alias,
or a property moved to a route that cannot select it (signInActivity on delta), fails here
instead of as a 400 from a real tenant.
"""

from __future__ import annotations

import pytest

from m365inventory.graph import selects
from m365inventory.simulator import schema

#: Which route each list is sent to (graph/client.py). A new list must be added here.
ROUTES: dict[str, tuple[str, ...]] = {
    "ORGANIZATION": ("/organization",),
    "DOMAIN": ("/domains",),
    "USER": ("/users", "/users/delta"),
    "USER_WITH_SIGN_IN": ("/users",),
    "GROUP": ("/groups", "/groups/delta"),
    "MEMBER": ("/groups/{id}/members",),
    "SUBSCRIBED_SKU": ("/subscribedSkus",),
    "MANAGED_DEVICE": ("/deviceManagement/managedDevices",),
    "DEVICE_ETHERNET": ("/deviceManagement/managedDevices/{id}",),
    "BITLOCKER_KEY": ("/informationProtection/bitlocker/recoveryKeys",),
    "BITLOCKER_KEY_VALUE": ("/informationProtection/bitlocker/recoveryKeys/{id}",),
    "DELEGATED_ADMIN_CUSTOMER": ("/tenantRelationships/delegatedAdminCustomers",),
    "DELEGATED_ADMIN_RELATIONSHIP": ("/tenantRelationships/delegatedAdminRelationships",),
    "APPLICATION": ("/applications",),
}

#: Selectable in the schema, but not on these routes (Graph answers 400).
NOT_ON_ROUTE = {"/users/delta": {"signInActivity"}}


def unknown_names(fields: tuple[str, ...], template: str) -> list[str]:
    """Names Graph would refuse on `template`; exact case, stricter than Graph on purpose."""
    _, known = schema.BY_TEMPLATE[template]
    refused = NOT_ON_ROUTE.get(template, set())
    return [name for name in fields if name not in known or name in refused]


def test_every_select_list_is_mapped_to_its_routes() -> None:
    lists = {
        name for name, value in vars(selects).items() if name.isupper() and isinstance(value, tuple)
    }
    assert lists == set(ROUTES)


@pytest.mark.parametrize(("name", "templates"), sorted(ROUTES.items()))
def test_select_list_only_names_graph_properties(name: str, templates: tuple[str, ...]) -> None:
    fields = getattr(selects, name)
    assert fields
    for template in templates:
        assert unknown_names(fields, template) == [], f"selects.{name} on {template}"


def test_the_check_catches_misspelt_miscased_and_misplaced_names() -> None:
    assert unknown_names(("id", "displayNmae"), "/users") == ["displayNmae"]
    assert unknown_names(("id", "wifiMacAddress"), "/deviceManagement/managedDevices") == [
        "wifiMacAddress"
    ]
    assert unknown_names(selects.USER_WITH_SIGN_IN, "/users/delta") == ["signInActivity"]
