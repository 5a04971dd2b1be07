"""`make bench`: the operator against a synthetic MSP, measured.

The bench runs the real operator process against the local control plane and the Graph
simulator, and reports counts (Graph requests, Kubernetes writes, objects) next to wall time,
CPU and peak memory, so a user sees what a sync costs and how that grows with an MSP's size.
See docs/benchmarks.md.
"""
