"""The explicit registry of subcommands: name → module (``HELP``, ``configure(parser)``, ``run(args) -> int``).

Modules are imported only when their command runs (or for the top-level ``--help``), so that starting
``policy-platform check`` does not pay for importing every engine. A new command is one module plus one line here.
"""

from __future__ import annotations

import importlib
from types import ModuleType

_PKG = "policy_platform.cli.commands"

COMMANDS: dict[str, str] = {
    "check": f"{_PKG}.check",
    "render": f"{_PKG}.render",
    "env": f"{_PKG}.env",
    "lint": f"{_PKG}.lint",
    "apply": f"{_PKG}.apply",
    "test": f"{_PKG}.test",
    "deprecations": f"{_PKG}.deprecations",
    "sources": f"{_PKG}.sources",
    "lock": f"{_PKG}.lock",
    "update": f"{_PKG}.update",
    "build": f"{_PKG}.build",
    "push": f"{_PKG}.push",
    "pull": f"{_PKG}.pull",
    "keygen": f"{_PKG}.keygen",
    "sign": f"{_PKG}.sign",
    "verify": f"{_PKG}.verify",
}


def load(name: str) -> ModuleType:
    """The module of command ``name`` (KeyError for an unknown name)."""
    return importlib.import_module(COMMANDS[name])
