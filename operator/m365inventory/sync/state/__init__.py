"""What the operator knows of a namespace: the shared, watch-fed workspace and its tables;
every write to documentation goes through it."""

from m365inventory.sync.state.workspace import Namespaces, Workspace

__all__ = ["Namespaces", "Workspace"]
