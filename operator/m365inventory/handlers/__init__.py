"""kopf handlers: thin adapters from watch events to the sync layer.

Importing this package registers the handlers with kopf's default registry.
"""

from m365inventory.handlers import cache, connectors, lifecycle, matches

__all__ = ["cache", "connectors", "lifecycle", "matches"]
