"""The explicit registry of subcommands: name → module with ``HELP``, ``configure(parser)`` and ``run(args) -> int``.

A new command is one module plus one line here.
"""

from __future__ import annotations

from types import ModuleType

from policy_platform.cli.commands import (
    apply,
    build,
    check,
    deprecations,
    env,
    keygen,
    lint,
    lock,
    pull,
    push,
    render,
    sign,
    sources,
    test,
    update,
    verify,
)

COMMANDS: dict[str, ModuleType] = {
    "check": check,
    "render": render,
    "env": env,
    "deprecations": deprecations,
    "build": build,
    "keygen": keygen,
    "lint": lint,
    "lock": lock,
    "pull": pull,
    "push": push,
    "sign": sign,
    "sources": sources,
    "update": update,
    "verify": verify,
    "apply": apply,
    "test": test,
}
