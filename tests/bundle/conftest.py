"""Registry fixtures (tests/oci_registry.py) and an isolated cache for every test here."""

from __future__ import annotations

import pytest

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
