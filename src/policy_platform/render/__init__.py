"""Rendering: values layering, Helm rendering and per-source policy rendering with provenance."""
