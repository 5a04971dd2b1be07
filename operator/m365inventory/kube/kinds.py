"""lightkube resource classes for the six kinds, built from the one table in model.resources."""

from __future__ import annotations

from functools import cache

from lightkube.generic_resource import GenericNamespacedResource, create_namespaced_resource

from m365inventory.model import resources


@cache
def resource_of(kind: resources.Kind) -> type[GenericNamespacedResource]:
    """The lightkube class that reads and writes `kind`."""
    return create_namespaced_resource(resources.GROUP, resources.VERSION, kind.kind, kind.plural)
