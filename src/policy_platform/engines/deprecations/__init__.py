"""engines/deprecations."""
