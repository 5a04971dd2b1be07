"""Reads and writes of the operator's objects through one lightkube client.

Every write is server-side apply with the operator's fixed field manager, so people (kubectl,
Git through Flux or Argo CD) and the operator can own different fields of one object without
fighting. Writes are counted: idempotency is proven by counting them, not by hoping.
"""

from __future__ import annotations

import base64
import collections
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from lightkube import ApiError, AsyncClient
from lightkube.core.selector import build_selector
from lightkube.resources.core_v1 import Secret
from lightkube.types import PatchType

from m365inventory.kube import listing, retrying
from m365inventory.kube.kinds import resource_of
from m365inventory.model import resources

Body = dict[str, Any]
WriteHook = Callable[[str, str], None]
"""Called with (verb, kind) after every successful write; the metrics layer subscribes."""
Fence = Callable[[], bool]
"""Asked before every write: may this process write now? (leader election's answer)"""


WRITE_METHODS = frozenset({"patch", "create", "delete", "replace"})


class Conflict(Exception):
    """A conditional write found a newer version of the object (409): someone else wrote it
    since it was read. Read it again and decide again; never force."""


class WriteFenced(Exception):
    """A write was refused before it was sent: this replica does not lead (any more)."""


def _always() -> bool:
    return True


def _body(obj: Any) -> Body:
    """A lightkube object as a plain dict (lightkube's to_dict is untyped)."""
    return dict(obj.to_dict())


class Store:
    """The operator's view of the cluster: namespaced reads and field-managed writes."""

    def __init__(
        self,
        *,
        client: AsyncClient,
        field_manager: str = resources.FIELD_MANAGER,
        fence: Fence = _always,
    ):
        self._client = client
        self._field_manager = field_manager
        self._fence = fence
        self._hooks: list[WriteHook] = []
        self.writes: collections.Counter[tuple[str, str]] = collections.Counter()

    @property
    def client(self) -> AsyncClient:
        """The lightkube client (kube/tokens.py requests ServiceAccount tokens with it)."""
        return self._client

    @property
    def _any_client(self) -> Any:
        """The client for calls whose lightkube overloads cannot see generic resources."""
        return self._client

    async def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """`self._client.<method>(...)`, retried while the API server asks for it."""
        async for attempt in retrying.policy():
            with attempt:
                if method in WRITE_METHODS:
                    self._may_write()  # again before each retry: leadership may have lapsed
                return await getattr(self._any_client, method)(*args, **kwargs)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _conditional(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """`_call`, with a 409 (a failed resourceVersion precondition) as Conflict."""
        try:
            return await self._call(method, *args, **kwargs)
        except ApiError as error:
            if error.status.code == 409:
                raise Conflict(str(args[1] if len(args) > 1 else "")) from error
            raise

    def _may_write(self) -> None:
        if not self._fence():
            raise WriteFenced("this replica does not hold the leader Lease: write refused")

    def subscribe(self, hook: WriteHook) -> None:
        """Call `hook(verb, kind)` after every write."""
        self._hooks.append(hook)

    def _wrote(self, verb: str, kind: str) -> None:
        self.writes[(verb, kind)] += 1
        for hook in self._hooks:
            hook(verb, kind)

    @property
    def write_count(self) -> int:
        return sum(self.writes.values())

    async def get(self, kind: resources.Kind, name: str, *, namespace: str) -> Body | None:
        """The object, or None when it does not exist."""
        try:
            found = await self._call("get", resource_of(kind), name, namespace=namespace)
        except ApiError as exc:
            if exc.status.code == 404:
                return None
            raise
        return _body(found)

    async def list(
        self, kind: resources.Kind, *, namespace: str, labels: Mapping[str, str] | None = None
    ) -> Iterator[Body]:
        """All objects of `kind` in the namespace, optionally filtered by labels, without their
        managedFields, decoded one at a time as they are taken.

        One unpaged, uncompressed request, which the API server answers from its watch cache
        (see `listing` for the measurements). lightkube's own list decodes every item whole,
        so the request goes through its request/response seam instead.
        """
        generic: Any = self._client._client
        request = generic.prepare_request(
            "list",
            res=resource_of(kind),
            namespace=namespace,
            params={"labelSelector": build_selector(dict(labels)) if labels else None},
            headers={"Accept-Encoding": "identity"},
        )
        async for attempt in retrying.policy():
            with attempt:
                response = await generic.send(generic.build_adapter_request(request), stream=True)
                try:
                    if not response.is_success:
                        await response.aread()
                        generic.raise_for_status(response)
                    # One growing buffer: reading the whole body first and joining its parts
                    # would hold a 50 MB list twice.
                    data = bytearray()
                    async for chunk in response.aiter_bytes():
                        data += chunk
                finally:
                    await response.aclose()
                return listing.items(data)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def apply(
        self, kind: resources.Kind, body: Body, *, resource_version: str | None = None
    ) -> Body:
        """Server-side apply of metadata and spec (the fields given are the ones we own).

        With `resource_version`, only if the object is still at that version (else Conflict).
        """
        self._may_write()
        res = resource_of(kind)
        meta = body["metadata"]
        if resource_version is not None:
            body = {**body, "metadata": {**meta, "resourceVersion": resource_version}}
        applied = await self._conditional(
            "patch",
            res,
            meta["name"],
            {"apiVersion": resources.API_VERSION, "kind": kind.kind, **body},
            namespace=meta["namespace"],
            patch_type=PatchType.APPLY,
            field_manager=self._field_manager,
            force=True,
        )
        self._wrote("apply", kind.kind)
        return _body(applied)

    async def apply_status(
        self,
        kind: resources.Kind,
        *,
        name: str,
        namespace: str,
        status: Body,
        resource_version: str | None = None,
    ) -> Body:
        """Server-side apply of the status subresource with the operator's field manager.

        With `resource_version`, only if the object is still at that version (else Conflict):
        a status computed from a decision that has changed since is never written.
        """
        self._may_write()
        res = resource_of(kind)
        metadata: Body = {"name": name, "namespace": namespace}
        if resource_version is not None:
            metadata["resourceVersion"] = resource_version
        applied = await self._conditional(
            "patch",
            res.Status,
            name,
            {
                "apiVersion": resources.API_VERSION,
                "kind": kind.kind,
                "metadata": metadata,
                "status": status,
            },
            namespace=namespace,
            patch_type=PatchType.APPLY,
            field_manager=self._field_manager,
            force=True,
        )
        self._wrote("apply-status", kind.kind)
        return _body(applied)

    async def clear_status(
        self, kind: resources.Kind, *, name: str, namespace: str, fields: Sequence[str]
    ) -> Body:
        """Remove status fields with a merge patch (an apply cannot send an empty status)."""
        self._may_write()
        applied = await self._call(
            "patch",
            resource_of(kind).Status,
            name,
            {"status": dict.fromkeys(fields)},
            namespace=namespace,
            patch_type=PatchType.MERGE,
            field_manager=self._field_manager,
        )
        self._wrote("patch-status", kind.kind)
        return _body(applied)

    async def create(self, kind: resources.Kind, body: Body) -> Body | None:
        """Create the object; None when it already exists (someone else, or Git, was first)."""
        self._may_write()
        obj: Any = resource_of(kind).from_dict(
            {"apiVersion": resources.API_VERSION, "kind": kind.kind, **body}
        )
        try:
            created = await self._call(
                "create",
                obj,
                namespace=body["metadata"]["namespace"],
                field_manager=self._field_manager,
            )
        except ApiError as exc:
            if exc.status.code == 409:
                return None
            raise
        self._wrote("create", kind.kind)
        return _body(created)

    async def delete(self, kind: resources.Kind, name: str, *, namespace: str) -> bool:
        """Delete the object; False when it was already gone."""
        self._may_write()
        try:
            await self._call("delete", resource_of(kind), name, namespace=namespace)
        except ApiError as exc:
            if exc.status.code == 404:
                return False
            raise
        self._wrote("delete", kind.kind)
        return True

    async def read_secret(self, name: str, *, namespace: str) -> dict[str, bytes] | None:
        """The decoded data of a Secret, or None when it does not exist."""
        try:
            secret = await self._call("get", Secret, name, namespace=namespace)
        except ApiError as exc:
            if exc.status.code == 404:
                return None
            raise
        data = {k: base64.b64decode(v) for k, v in (secret.data or {}).items()}
        data.update({k: v.encode() for k, v in (secret.stringData or {}).items()})
        return data

    async def apply_secret(self, body: Body) -> None:
        """Server-side apply of a Secret the operator owns (for example a BitLocker key)."""
        self._may_write()
        meta = body["metadata"]
        await self._call(
            "patch",
            Secret,
            meta["name"],
            {"apiVersion": "v1", "kind": "Secret", **body},
            namespace=meta["namespace"],
            patch_type=PatchType.APPLY,
            field_manager=self._field_manager,
            force=True,
        )
        self._wrote("apply", "Secret")

    async def create_event(self, event: Body) -> None:
        """Record a core/v1 Event (best effort: an Event never fails a sync)."""
        self._may_write()
        from lightkube.resources.core_v1 import Event

        obj: Any = Event.from_dict({"apiVersion": "v1", "kind": "Event", **event})
        try:
            await self._any_client.create(
                obj,
                namespace=event["metadata"]["namespace"],
            )
        except ApiError:
            return
        self._wrote("create", "Event")
