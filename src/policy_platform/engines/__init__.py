"""Policy engines. Each engine satisfies :class:`policy_platform.engines.base.Engine`."""
