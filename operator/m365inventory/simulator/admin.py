"""The `/_simulator/` admin API: drive a simulator running in another process.

Counters, fault knobs, settings, world mutations and a world summary (never secrets). It has
no authentication: the simulator binds to loopback and exists for tests, demos and benchmarks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from m365inventory.simulator.faults import ScriptedFault
from m365inventory.simulator.world import World

if TYPE_CHECKING:
    from m365inventory.simulator.graph import Environment


def summary(world: World) -> dict[str, Any]:
    with world.lock:
        partner = world.partner_tenant
        return {
            "tenants": [
                {
                    "id": t.id,
                    "displayName": t.display_name,
                    "defaultDomain": t.default_domain,
                    "partner": partner is not None and t.id == partner.id,
                    "users": len(t.users),
                    "groups": len(t.groups),
                    "devices": len(t.devices),
                    "recoveryKeys": len(t.recovery_keys),
                    "hasEntraIdP1": t.has_entra_id_p1,
                    "displayConcealedNames": t.display_concealed_names,
                    "intuneLicensed": t.intune_licensed,
                }
                for t in world.tenants
            ],
            "apps": [
                {
                    "clientId": a.client_id,
                    "displayName": a.display_name,
                    "homeTenantId": a.home_tenant_id,
                }
                for a in world.apps
            ],
        }


def apply_mutation(world: World, mutation: dict[str, Any]) -> Any:
    """Run one mutation given as JSON: {"op": "add_user", "tenant": ..., ...}."""
    op = mutation.get("op")
    tenant = str(mutation.get("tenant", ""))
    if op == "add_user":
        return world.add_user(tenant, mutation["user"]).graph()
    if op == "update_user":
        return world.update_user(tenant, mutation["id"], mutation["changes"]).graph()
    if op == "delete_user":
        world.delete_user(tenant, mutation["id"], hard=bool(mutation.get("hard", False)))
        return None
    if op == "add_device":
        return world.add_device(tenant, mutation["device"]).graph()
    if op == "update_device":
        return world.update_device(tenant, mutation["id"], mutation["changes"]).graph()
    if op == "delete_device":
        world.delete_device(tenant, mutation["id"])
        return None
    if op == "rename_tenant":
        world.rename_tenant(tenant, mutation["displayName"])
        return None
    if op == "expire_delta_tokens":
        world.expire_delta_tokens(tenant)
        return None
    raise ValueError(f"unknown mutation op {op!r}")


def routes(env: Environment) -> list[Route]:
    async def counters(request: Request) -> Response:
        return JSONResponse(env.counters.as_json())

    async def reset_counters(request: Request) -> Response:
        env.counters.reset()
        return JSONResponse(env.counters.as_json())

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            changes = await request.json()
            script = changes.pop("script", None)
            if changes.pop("clear", False):
                env.faults.clear()
            env.faults.update(changes)
            for item in script if isinstance(script, list) else ([script] if script else []):
                env.faults.scripted.append(ScriptedFault.model_validate(item))
        return JSONResponse(env.faults.model_dump(mode="json"))

    async def settings(request: Request) -> Response:
        if request.method == "POST":
            changes = await request.json()
            env.settings.update(changes)
            if changes.get("throttle"):
                env.throttler.reset()
        return JSONResponse(env.settings.model_dump(mode="json"))

    async def mutations(request: Request) -> Response:
        payload = await request.json()
        batch = payload if isinstance(payload, list) else [payload]
        try:
            results = [apply_mutation(env.world, item) for item in batch]
        except (KeyError, ValueError) as failure:
            return JSONResponse({"error": str(failure)}, status_code=400)
        return JSONResponse({"results": results})

    async def world(request: Request) -> Response:
        return JSONResponse(summary(env.world))

    return [
        Route("/_simulator/counters", counters),
        Route("/_simulator/counters/reset", reset_counters, methods=["POST"]),
        Route("/_simulator/faults", faults, methods=["GET", "POST"]),
        Route("/_simulator/settings", settings, methods=["GET", "POST"]),
        Route("/_simulator/mutations", mutations, methods=["POST"]),
        Route("/_simulator/world", world),
    ]
