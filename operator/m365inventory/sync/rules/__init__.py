"""Pure rules of the sync: data in, data out, no I/O (import-linter holds it to that)."""
