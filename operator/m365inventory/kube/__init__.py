"""Kubernetes I/O: reads, server-side-apply writes, status, Secrets and Events (an I/O edge)."""
