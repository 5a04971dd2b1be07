"""Intune managed devices and BitLocker recovery keys.

As in Graph: `ethernetMacAddress` is null in the device list and only real when one device is
read by id with `$select=ethernetMacAddress`; a recovery key's `key` only comes back from
`recoveryKeys/{id}?$select=key` (those reads are counted under their own endpoint name).
"""

from __future__ import annotations

from typing import Any

from m365inventory.simulator import paging
from m365inventory.simulator.errors import GraphError, bad_request
from m365inventory.simulator.graph import Context, GraphResponse, Route
from m365inventory.simulator.odata import compile_filter, project
from m365inventory.simulator.world import RecoveryKey


def _check_intune_licence(ctx: Context) -> None:
    """A tenant without an Intune licence: Graph's 400 for every Intune request (reported on
    Microsoft Q&A for managedDevices and managedTenants; the reference pages do not list it)."""
    if not ctx.tenant.intune_licensed:
        raise bad_request("Request not applicable to target tenant.", code="BadRequest")


def managed_devices(ctx: Context) -> GraphResponse:
    _check_intune_licence(ctx)
    keep = compile_filter(ctx.query.filter)
    rows = []
    for device in ctx.tenant.devices:
        row = device.graph() | {"ethernetMacAddress": None}
        if keep(row):
            rows.append(project(row, ctx.query.select, None))
    return paging.collection(ctx, items=rows, entity_set="deviceManagement/managedDevices")


def managed_device(ctx: Context) -> GraphResponse:
    _check_intune_licence(ctx)
    device = ctx.tenant.device(ctx.params["id"])
    if device is None:
        raise GraphError(404, "ResourceNotFound", f"Resource not found: {ctx.params['id']}")
    row = device.graph()
    if not ctx.query.select or "ethernetmacaddress" not in {s.lower() for s in ctx.query.select}:
        row["ethernetMacAddress"] = None
    body = {"@odata.context": paging.context_url(ctx, "deviceManagement/managedDevices/$entity")}
    return GraphResponse(status=200, body=body | project(row, ctx.query.select, None))


def _render_key(key: RecoveryKey, *, with_key: bool) -> dict[str, Any]:
    row = key.graph()
    row.pop("key")
    if with_key:
        row["key"] = key.key.get_secret_value()
    return row


def _check_client_headers(ctx: Context) -> None:
    headers = ctx.request.headers
    if ctx.settings.require_bitlocker_client_headers and not (
        headers.get("ocp-client-name") and headers.get("ocp-client-version")
    ):
        raise bad_request("The ocp-client-name and ocp-client-version headers are required.")


def recovery_keys(ctx: Context) -> GraphResponse:
    _check_client_headers(ctx)
    if ctx.query.select and "key" in {s.lower() for s in ctx.query.select}:
        raise bad_request("$select=key is only supported when reading a single recovery key.")
    keep = compile_filter(ctx.query.filter)
    rows = [_render_key(k, with_key=False) for k in ctx.tenant.recovery_keys]
    items = [project(row, ctx.query.select, None) for row in rows if keep(row)]
    return paging.collection(
        ctx, items=items, entity_set="informationProtection/bitlocker/recoveryKeys"
    )


def recovery_key(ctx: Context) -> GraphResponse:
    _check_client_headers(ctx)
    found = next((k for k in ctx.tenant.recovery_keys if k.id == ctx.params["id"]), None)
    if found is None:
        raise GraphError(404, "NotFound", f"Recovery key '{ctx.params['id']}' was not found.")
    with_key = bool(ctx.query.select) and "key" in {s.lower() for s in ctx.query.select or ()}
    rendered = _render_key(found, with_key=with_key)
    # Graph's documented answer to $select=key is the whole key object plus the key value.
    row = rendered if with_key else project(rendered, ctx.query.select, None)
    body = {
        "@odata.context": paging.context_url(
            ctx, "informationProtection/bitlocker/recoveryKeys/$entity"
        )
    }
    return GraphResponse(status=200, body=body | row)


ROUTES = [
    Route("GET", "/deviceManagement/managedDevices", managed_devices, workload="intune"),
    Route("GET", "/deviceManagement/managedDevices/{id}", managed_device, workload="intune"),
    Route("GET", "/informationProtection/bitlocker/recoveryKeys", recovery_keys),
    Route("GET", "/informationProtection/bitlocker/recoveryKeys/{id}", recovery_key),
]
