"""engines/kyverno."""
