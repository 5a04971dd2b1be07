"""m365inventory: document Microsoft 365 tenants as Kubernetes resources."""
