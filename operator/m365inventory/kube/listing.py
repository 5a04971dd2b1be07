"""Decode a list response into plain objects without their managedFields, one at a time.

A run lists the namespace's documentation once (20,000 Contacts and 10,000 DeviceMatches at
the bench's default scale). Two measured costs shaped this (Kubernetes 1.33, 10,000 Contacts,
API server CPU seconds per list):

- Paging (`limit` + `continue`) makes the API server read every page after the first from
  etcd: 6.1 s in pages of 500, 4.9 s in pages of 5,000, against 1.3 s for one unpaged list,
  which the API server answers from its watch cache. client-go's informers list unpaged for
  the same reason.
- gzip, which httpx asks for by default, cost the API server another 0.9 s of those 1.3 s (and
  us the inflating); the operator talks to its API server over the cluster network.

So one unpaged, uncompressed response is read, its items are kept as undecoded slices of it,
and each item is decoded on demand into the fields a run reads: `metadata.managedFields`
(half of an object's JSON) is skipped by the decoder and never becomes Python objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

Body = dict[str, Any]
UNSET: Any = msgspec.UNSET


class _Metadata(msgspec.Struct, omit_defaults=True):
    """ObjectMeta without managedFields (and the long-gone selfLink)."""

    name: str = UNSET
    generateName: str = UNSET
    namespace: str = UNSET
    uid: str = UNSET
    resourceVersion: str = UNSET
    generation: int = UNSET
    creationTimestamp: str = UNSET
    deletionTimestamp: str = UNSET
    deletionGracePeriodSeconds: int = UNSET
    labels: dict[str, str] = UNSET
    annotations: dict[str, str] = UNSET
    ownerReferences: list[Body] = UNSET
    finalizers: list[str] = UNSET


class _Object(msgspec.Struct, omit_defaults=True):
    apiVersion: str = UNSET
    kind: str = UNSET
    metadata: _Metadata = UNSET
    spec: Any = UNSET
    status: Any = UNSET


class _List(msgspec.Struct):
    items: list[msgspec.Raw] | None = None


_list_decoder = msgspec.json.Decoder(_List)
_object_decoder = msgspec.json.Decoder(_Object)


def _plain(struct: msgspec.Struct) -> Body:
    return {
        key: value
        for key in struct.__struct_fields__
        if (value := getattr(struct, key)) is not UNSET
    }


def items(data: bytes | bytearray) -> Iterator[Body]:
    """The list's items as plain dicts without managedFields, decoded as they are taken."""
    for raw in _list_decoder.decode(data).items or ():
        obj = _object_decoder.decode(raw)
        body = _plain(obj)
        if obj.metadata is not UNSET:
            body["metadata"] = _plain(obj.metadata)
        yield body
