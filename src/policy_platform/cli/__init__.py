"""The command-line interface: a thin layer over :mod:`policy_platform.api`."""
