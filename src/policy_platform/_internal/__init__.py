"""Private helpers (no public API): YAML loading with lazy positions, atomic writes."""
