"""Document formats Spectral knows (for rule ``formats``, scoped aliases and the ``unrecognized-format`` warning).

A values file matches none of them. Detection follows Spectral's: ``swagger: "2.0"`` is ``oas2``; ``openapi: 3.x`` is
``oas3`` plus ``oas3.0``/``oas3.1``/``oas3.2``; ``asyncapi: 2.x/3.x``; ``arazzo: 1.x``; JSON Schema by ``$schema``.
"""

from __future__ import annotations

import re
from typing import Any

FORMAT_NAMES: dict[str, str] = {
    "oas2": "OpenAPI 2.0 (Swagger)",
    "oas3": "OpenAPI 3.x",
    "oas3.0": "OpenAPI 3.0.x",
    "oas3.1": "OpenAPI 3.1.x",
    "oas3.2": "OpenAPI 3.2.x",
    "asyncapi2": "AsyncAPI 2.x",
    "asyncapi3": "AsyncAPI 3.x",
    "arazzo1": "Arazzo 1.x",
    "json-schema": "JSON Schema",
    "json-schema-loose": "JSON Schema (loose)",
    "json-schema-draft4": "JSON Schema Draft 4",
    "json-schema-draft6": "JSON Schema Draft 6",
    "json-schema-draft7": "JSON Schema Draft 7",
    "json-schema-2019-09": "JSON Schema Draft 2019-09",
    "json-schema-2020-12": "JSON Schema Draft 2020-12",
}

# Aliases used by some rulesets for the same formats.
FORMAT_ALIASES: dict[str, str] = {"oas3_0": "oas3.0", "oas3_1": "oas3.1", "oas3_2": "oas3.2", "arazzo1_0": "arazzo1"}

_VERSION = re.compile(r"^(\d+)\.(\d+)")


def _version(value: Any) -> tuple[int, int] | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    found = _VERSION.match(value)
    return (int(found.group(1)), int(found.group(2))) if found else None


def detect_formats(data: Any) -> frozenset[str]:
    """The formats a document matches."""
    if not isinstance(data, dict):
        return frozenset()
    out: set[str] = set()
    swagger = data.get("swagger")
    if swagger in ("2.0", 2.0):
        out.add("oas2")
    oas = _version(data.get("openapi"))
    if oas and oas[0] == 3:
        out.add("oas3")
        if oas[1] in (0, 1, 2):
            out.add(f"oas3.{oas[1]}")
    asyncapi = _version(data.get("asyncapi"))
    if asyncapi and asyncapi[0] in (2, 3):
        out.add(f"asyncapi{asyncapi[0]}")
    arazzo = _version(data.get("arazzo"))
    if arazzo and arazzo[0] == 1:
        out.add("arazzo1")
    schema = data.get("$schema")
    if isinstance(schema, str) and "json-schema.org" in schema:
        out.add("json-schema")
        for marker, name in (("draft-04", "json-schema-draft4"), ("draft-06", "json-schema-draft6"),
                             ("draft-07", "json-schema-draft7"), ("2019-09", "json-schema-2019-09"),
                             ("2020-12", "json-schema-2020-12")):
            if marker in schema:
                out.add(name)
    return frozenset(out)
