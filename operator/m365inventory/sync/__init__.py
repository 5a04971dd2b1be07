"""One sync run of a connector: fetch from Graph → normalise → match → plan → apply."""
