"""The evaluation error of the CEL slow path (kept apart so the interpreter itself is imported only when needed)."""

from __future__ import annotations

__all__ = ["CelRuntimeError"]


class CelRuntimeError(Exception):
    """An evaluation error (a CEL error value); ``str()`` is cel-go-like text."""
