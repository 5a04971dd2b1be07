"""The reconciliation core, in layers that only import downward (import-linter holds them):

- `engine`: leader election, the connector scheduler, the decisions' work queue;
- `reconcile`: one reconciler per kind (a connector's run, matches, contacts, devices, keys);
- `state`: the namespaces' shared, watch-fed workspaces, the one write path;
- `rules`: pure decisions (leadership, outcomes, schedules, match decisions, names, facts).
"""
