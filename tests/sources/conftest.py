"""Registry fixtures (tests/oci_registry.py) and an isolated cache for every test here."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# tests/ holds the shared registry helpers: importable whether or not tests/ is a package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from oci_registry import (  # noqa: F401
    _registry_binary,
    basic_registry,
    isolated_cache,
    own_registry,
    registry,
    token_registry,
)


@pytest.fixture(autouse=True)
def _cache(request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("isolated_cache")
