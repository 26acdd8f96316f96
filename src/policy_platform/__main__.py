"""``python -m policy_platform``."""

from policy_platform.cli.main import entry

entry()
