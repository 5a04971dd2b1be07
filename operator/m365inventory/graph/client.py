"""The Graph facade the sync layer calls: one :class:`GraphConnection` per app registration,
one :class:`GraphClient` per tenant, one async method per kind of data.

Each method builds its calls (pure), sends them through the tenant's :class:`Sender` and parses
the answers into :mod:`m365inventory.model.graph` models. Per-object reads (group members,
Ethernet MACs, BitLocker key values) go through ``$batch`` and come back as a
:class:`BatchResult`: every id asked is either in ``values`` or in ``errors``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Generic, Self, TypeVar

import httpx

from m365inventory.graph import (
    auth,
    batching,
    calls,
    delta,
    errors,
    events,
    paging,
    records,
    reports,
    retrying,
    selects,
    transport,
)
from m365inventory.graph.clouds import Cloud
from m365inventory.graph.credentials import Credential
from m365inventory.graph.errors import GraphError
from m365inventory.graph.sending import DEFAULT_LIMITS, Sender, body_of
from m365inventory.model import graph as model

T = TypeVar("T")
M = TypeVar("M", bound=model.GraphModel)

PAGE_SIZE = "999"
# Documented as request headers of the BitLocker recovery key API (client identification).
BITLOCKER_HEADERS: Mapping[str, str] = {
    "ocp-client-name": "m365-inventory-operator",
    "ocp-client-version": "0.1",
}


@dataclass(frozen=True)
class BatchResult(Generic[T]):
    """Per-id results of a ``$batch`` fan-out: every id asked is in exactly one of the maps."""

    values: dict[str, T] = field(default_factory=dict)
    errors: dict[str, GraphError] = field(default_factory=dict)

    def raise_first(self) -> None:
        """Raise the first error, if any (for callers that want all-or-nothing)."""
        for error in self.errors.values():
            raise error


class GraphConnection:
    """Everything shared by the tenants of one app: HTTP client, tokens, policy, counters."""

    def __init__(
        self,
        *,
        cloud: Cloud,
        client_id: str,
        credential: Credential,
        delegation: auth.PartnerDelegation | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
        tokens: auth.TokenProvider | None = None,
        policy: retrying.RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        limits: Mapping[str, int] = DEFAULT_LIMITS,
        timeout: httpx.Timeout = transport.DEFAULT_TIMEOUT,
    ) -> None:
        self.cloud = cloud
        self.tokens = tokens or auth.TokenProvider(
            cloud=cloud, client_id=client_id, credential=credential, delegation=delegation
        )
        self.policy = policy or retrying.RetryPolicy()
        self.counters = events.RequestCounters()
        self.http = transport.http_client(
            ca_bundle=cloud.ca_bundle, transport=http_transport, timeout=timeout
        )
        self._sleep = sleep
        self._limits = dict(limits)
        self._tenants: dict[tuple[str, bool], GraphClient] = {}
        #: Tenants this app got a token for: proof that its client ID and credentials work.
        self.signed_in: set[str] = set()

    def __repr__(self) -> str:
        return f"GraphConnection(cloud={self.cloud.name!r})"

    def subscribe(self, hook: events.Hook) -> None:
        """Call ``hook`` with a RequestEvent for every Graph answer (for metrics)."""
        self.counters.subscribe(hook)

    def tenant(self, tenant_id: str, *, delegated: bool = False) -> GraphClient:
        """The client for ``tenant_id`` (app-only, or delegated through the partner's GDAP)."""
        key = (tenant_id, delegated)
        client = self._tenants.get(key)
        if client is None:

            async def token() -> str:
                try:
                    value = await self.tokens.token(tenant_id, delegated=delegated)
                except errors.AuthenticationError as error:
                    raise self._read_sign_in_failure(error, tenant_id=tenant_id) from None
                self.signed_in.add(tenant_id)
                return value

            sender = Sender(
                tenant_id=tenant_id,
                http=self.http,
                base_url=self.cloud.graph_url,
                token=token,
                policy=self.policy,
                sleep=self._sleep,
                counters=self.counters,
                limits=self._limits,
            )
            client = self._tenants[key] = GraphClient(sender=sender)
        return client

    def _read_sign_in_failure(
        self, error: errors.AuthenticationError, *, tenant_id: str
    ) -> errors.AuthenticationError:
        """AADSTS700016 in a tenant while the same app signed in to another one: the app has
        no service principal there (no consent), not a wrong client ID."""
        if error.aadsts == errors.APP_NOT_FOUND and self.signed_in - {tenant_id}:
            return errors.consent_missing(error, tenant_id=tenant_id)
        return error

    async def aclose(self) -> None:
        await self.http.aclose()
        self.tokens.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _list_call(path: str, fields: Sequence[str], *, top: bool = True) -> calls.GraphCall:
    params = calls.select_param(tuple(fields))
    if top:
        params["$top"] = PAGE_SIZE
    return calls.GraphCall(method="GET", path=path, params=params)


class GraphClient:
    """Reads one tenant. Methods are safe to run concurrently (the sender bounds concurrency)."""

    def __init__(self, *, sender: Sender) -> None:
        self.sender = sender
        self.skipped: list[records.InvalidRecord] = []
        """Objects listed that did not validate (skipped); the sync reads and clears it."""

    @property
    def tenant_id(self) -> str:
        return self.sender.tenant_id

    def __repr__(self) -> str:
        return f"GraphClient(tenant_id={self.tenant_id!r})"

    async def _list(self, call: calls.GraphCall, parse: type[M]) -> list[M]:
        parsed = [
            records.parse_or_skip(parse, item, skipped=self.skipped)
            async for item in paging.items(self.sender, call)
        ]
        return [item for item in parsed if item is not None]

    # --- directory --------------------------------------------------------------------------

    async def organization(self) -> model.Organization:
        found = await self._list(
            _list_call("/organization", selects.ORGANIZATION, top=False), model.Organization
        )
        if not found:
            raise errors.PermanentError("GET /organization: no organization returned")
        return found[0]

    async def domains(self) -> list[model.Domain]:
        return await self._list(_list_call("/domains", selects.DOMAIN, top=False), model.Domain)

    def iter_users(self, *, select: Sequence[str] = selects.USER) -> AsyncIterator[model.User]:
        """Users one at a time, page by page (for tenants too big to hold in memory)."""

        async def generate() -> AsyncIterator[model.User]:
            async for item in paging.items(self.sender, _list_call("/users", select)):
                user = records.parse_or_skip(model.User, item, skipped=self.skipped)
                if user is not None:
                    yield user

        return generate()

    async def users(self, *, select: Sequence[str] = selects.USER) -> list[model.User]:
        return await self._list(_list_call("/users", select), model.User)

    async def users_delta(
        self, *, delta_link: str | None = None, select: Sequence[str] = selects.USER
    ) -> delta.DeltaChanges[model.User] | delta.DeltaResync:
        return await delta.run(
            self.sender,
            first=_list_call("/users/delta", select, top=False),
            delta_link=delta_link,
            parse=model.User.model_validate,
        )

    async def groups(self) -> list[model.Group]:
        return await self._list(_list_call("/groups", selects.GROUP), model.Group)

    async def groups_delta(
        self, *, delta_link: str | None = None
    ) -> delta.DeltaChanges[model.Group] | delta.DeltaResync:
        return await delta.run(
            self.sender,
            first=_list_call("/groups/delta", selects.GROUP, top=False),
            delta_link=delta_link,
            parse=model.Group.model_validate,
        )

    async def group_members(
        self, group_ids: Sequence[str]
    ) -> BatchResult[list[model.DirectoryObject]]:
        """Direct members of each group, by ``$batch`` (later pages followed per group)."""
        query = f"$select={','.join(selects.MEMBER)}&$top={PAGE_SIZE}"
        requests = [
            batching.BatchRequest(id=gid, url=f"/groups/{gid}/members?{query}")
            for gid in _unique(group_ids)
        ]

        async def parse(sub: batching.SubResponse) -> list[model.DirectoryObject]:
            page_items = paging.page_items(sub.body, path=f"/groups/{sub.id}/members")
            members = [model.DirectoryObject.model_validate(item) for item in page_items]
            link = sub.body.get(paging.NEXT_LINK)
            if link:
                rest = calls.GraphCall(method="GET", path=str(link))
                async for item in paging.items(self.sender, rest):
                    members.append(model.DirectoryObject.model_validate(item))
            return members

        return await self._fan_out(requests, parse)

    async def subscribed_skus(self) -> list[model.SubscribedSku]:
        return await self._list(
            _list_call("/subscribedSkus", selects.SUBSCRIBED_SKU, top=False), model.SubscribedSku
        )

    # --- Intune and BitLocker ---------------------------------------------------------------

    async def managed_devices(self) -> list[model.ManagedDevice]:
        return await self._list(
            _list_call("/deviceManagement/managedDevices", selects.MANAGED_DEVICE),
            model.ManagedDevice,
        )

    async def device_ethernet_macs(self, device_ids: Sequence[str]) -> BatchResult[str | None]:
        """Each device's Ethernet MAC (the list endpoint returns null for it), by ``$batch``."""
        query = f"$select={','.join(selects.DEVICE_ETHERNET)}"
        requests = [
            batching.BatchRequest(id=did, url=f"/deviceManagement/managedDevices/{did}?{query}")
            for did in _unique(device_ids)
        ]

        async def parse(sub: batching.SubResponse) -> str | None:
            body = sub.body if isinstance(sub.body, Mapping) else {}
            value = body.get("ethernetMacAddress")
            return str(value) if value else None

        return await self._fan_out(requests, parse)

    async def bitlocker_key_ids(self) -> list[model.BitlockerRecoveryKey]:
        """Recovery key metadata (ids, device ids) without the key values."""
        call = _list_call("/informationProtection/bitlocker/recoveryKeys", selects.BITLOCKER_KEY)
        call = calls.GraphCall(
            method="GET",
            path=call.path,
            params={"$select": call.params["$select"]},
            headers=BITLOCKER_HEADERS,
        )
        return await self._list(call, model.BitlockerRecoveryKey)

    async def bitlocker_keys(
        self, key_ids: Sequence[str]
    ) -> BatchResult[model.BitlockerRecoveryKey]:
        """The key values of just these recovery keys (each read is audited by Microsoft)."""
        query = f"$select={','.join(selects.BITLOCKER_KEY_VALUE)}"
        requests = [
            batching.BatchRequest(
                id=kid,
                url=f"/informationProtection/bitlocker/recoveryKeys/{kid}?{query}",
                headers=BITLOCKER_HEADERS,
            )
            for kid in _unique(key_ids)
        ]

        async def parse(sub: batching.SubResponse) -> model.BitlockerRecoveryKey:
            body = dict(sub.body) if isinstance(sub.body, Mapping) else {}
            # The reference page's example wraps the key in "value"
            # (learn.microsoft.com/graph/api/bitlockerrecoverykey-get, Example 2).
            if isinstance(body.get("value"), Mapping) and "key" not in body:
                body = dict(body["value"])
            body.setdefault("id", sub.id)
            return model.BitlockerRecoveryKey.model_validate(body)

        return await self._fan_out(requests, parse)

    # --- reports ----------------------------------------------------------------------------

    async def report_settings(self) -> model.ReportSettings:
        body = await self.sender.json(calls.GraphCall(method="GET", path="/admin/reportSettings"))
        return model.ReportSettings.model_validate(body or {})

    async def mailbox_usage(self, *, period: str = "D7") -> list[model.MailboxUsage]:
        """The mailbox usage report (D7, D30, D90 or D180). Check ``concealed`` on rows: when
        the tenant conceals names, UPNs are hashes and rows cannot be matched to users."""
        path = reports.mailbox_usage_path(period)
        answer = await self.sender.send(calls.GraphCall(method="GET", path=path))
        if answer.status_code in (301, 302, 303, 307, 308):
            location = answer.headers.get("Location")
            if not location:
                raise errors.PermanentError(f"GET {path}: redirect without Location")
            # A pre-signed download URL: no bearer token goes to it.
            answer = await self.sender.send(
                calls.GraphCall(
                    method="GET",
                    path=str(answer.url.join(location)),
                    service=calls.REPORTS,
                    authorize=False,
                )
            )
        return reports.parse_mailbox_usage(answer.text)

    # --- the app registration itself -------------------------------------------------------

    async def application(self, client_id: str) -> model.Application | None:
        """The app registration with this client ID in this (its home) tenant, or None.

        Needs Application.Read.All (or Directory.Read.All); it gives the expiry of the client
        secrets, never their values.
        """
        call = _list_call("/applications", selects.APPLICATION, top=False)
        params = {**call.params, "$filter": f"appId eq '{client_id}'"}
        found = await self._list(
            calls.GraphCall(method=call.method, path=call.path, params=params),
            model.Application,
        )
        return found[0] if found else None

    # --- partner ----------------------------------------------------------------------------

    async def delegated_admin_customers(self) -> list[model.DelegatedAdminCustomer]:
        return await self._list(
            _list_call(
                "/tenantRelationships/delegatedAdminCustomers",
                selects.DELEGATED_ADMIN_CUSTOMER,
                top=False,
            ),
            model.DelegatedAdminCustomer,
        )

    async def delegated_admin_relationships(self) -> list[model.DelegatedAdminRelationship]:
        return await self._list(
            _list_call(
                "/tenantRelationships/delegatedAdminRelationships",
                selects.DELEGATED_ADMIN_RELATIONSHIP,
                top=False,
            ),
            model.DelegatedAdminRelationship,
        )

    # --- helpers ----------------------------------------------------------------------------

    async def _fan_out(
        self,
        requests: list[batching.BatchRequest],
        parse: Callable[[batching.SubResponse], Awaitable[T]],
    ) -> BatchResult[T]:
        result: BatchResult[T] = BatchResult()
        outcomes = await batching.run(self.sender, requests)
        for request in requests:
            outcome = outcomes[request.id]
            if isinstance(outcome, errors.GraphError):
                result.errors[request.id] = outcome
                continue
            try:
                result.values[request.id] = await parse(outcome)
            except errors.AuthenticationError:
                raise
            except errors.GraphError as exc:
                result.errors[request.id] = exc
            except (ValueError, TypeError) as exc:
                result.errors[request.id] = errors.PermanentError(
                    f"GET {request.url.split('?', 1)[0]}: unreadable answer ({type(exc).__name__})",
                    endpoint=request.url,
                )
        return result


def _unique(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ids))


__all__ = ["BatchResult", "GraphClient", "GraphConnection", "body_of"]
