"""The built-in rulesets ``spectral:oas``, ``spectral:asyncapi`` and ``spectral:arazzo``, as they act on values files.

Every rule in them is gated on an API format, so on a Helm values document none runs; what remains visible is their
formats (a values file matches none: one ``unrecognized-format`` warning) and the OAS aliases other rulesets may use.
Rule names of a built-in ruleset may be referenced (``operation-tags: off``) without an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class BuiltinRuleset:
    name: str
    formats: tuple[str, ...]
    aliases: dict[str, Any]


_OPERATION_METHODS = "[get,put,post,delete,options,head,patch,trace]"

BUILTINS: dict[str, BuiltinRuleset] = {
    "spectral:oas": BuiltinRuleset(
        "spectral:oas",
        ("oas2", "oas3", "oas3.0", "oas3.1", "oas3.2"),
        {
            "PathItem": ["$.paths[*]"],
            "OperationObject": [f"#PathItem{_OPERATION_METHODS}"],
            "ArrayProperties": {
                "targets": [
                    {"formats": ["oas2", "oas3.0"], "given": ['$..[?(@ && @.type=="array")]']},
                    {"formats": ["oas3.1"], "given": [
                        '$..[?(@ && @.type=="array")]',
                        '$..[?(@ && @.type && @.type.constructor.name === "Array" && @.type.includes("array"))]',
                    ]},
                ],
            },
            "SecurityRequirementObject": ["$.security[*]", "#OperationObject.security[*]"],
            "ResponseObject": {
                "targets": [
                    {"formats": ["oas2"], "given": ["#OperationObject.responses[*]", "$.responses[*]"]},
                    {"formats": ["oas3"], "given": ["#OperationObject.responses[*]", "$.components.responses[*]"]},
                ],
            },
            "LinkObject": {
                "targets": [
                    {"formats": ["oas3"], "given": ["$.components.links[*]", "#ResponseObject.links[*]"]},
                ],
            },
        },
    ),
    "spectral:asyncapi": BuiltinRuleset("spectral:asyncapi", ("asyncapi2", "asyncapi3"), {}),
    "spectral:arazzo": BuiltinRuleset("spectral:arazzo", ("arazzo1",), {}),
}
