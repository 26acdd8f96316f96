"""The explicit registry of subcommands: name → module with ``HELP``, ``configure(parser)`` and ``run(args) -> int``.

A new command is one module plus one line here.
"""

from __future__ import annotations

from types import ModuleType

from policy_platform.cli.commands import check, deprecations, env, render

COMMANDS: dict[str, ModuleType] = {
    "check": check,
    "render": render,
    "env": env,
    "deprecations": deprecations,
}
