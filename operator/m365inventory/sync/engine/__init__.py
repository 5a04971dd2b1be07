"""The engine: who may write (leader election by Lease), when connectors sync (the
scheduler), and the per-namespace work queue that applies people's decisions."""
