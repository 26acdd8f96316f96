"""Reporters: pure functions of a result that return text."""
