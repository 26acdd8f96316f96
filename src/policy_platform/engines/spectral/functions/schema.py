"""``schema``: validate the value against a JSON Schema, with Spectral's (ajv + better-ajv-errors) messages.

Options: ``schema`` (required, an object); ``dialect``: ``auto`` (from ``$schema``, else draft 7), ``draft4``,
``draft6``, ``draft7``, ``draft2019-09``, ``draft2020-12``; ``allErrors`` (default false: only the first error, in
ajv's keyword order). Formats ``email``, ``uri``, ``date-time``, ``date``, ``time``, ``ipv4``, ``ipv6``, ``uuid``,
``hostname`` are checked. An invalid schema is a ruleset error at load time.

Messages name the property and use ajv's wording: ``"replicas" property must be <= 10``,
``"replicas" property type must be integer``, ``"image" property must have required property "repository"``,
``Item at index 0 must be integer``, ``Object must have required property "y"``; a missing value gives
``"securityContext" property must exist``. The result path is the target path plus the error's instance path.

Example::

    functionOptions:
      schema: {type: integer, minimum: 1, maximum: 10}
"""

from __future__ import annotations

import ast
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

import re2

from policy_platform.engines.spectral.functions._base import FunctionContext, FunctionResult, check_keys
from policy_platform.engines.spectral.jsregex import JsRegex, JsRegexError, compile_js
from policy_platform.engines.spectral.jsvalue import UNDEFINED, print_value, to_string

NAME = "schema"

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

DIALECTS = ("draft4", "draft6", "draft7", "draft2019-09", "draft2020-12")


def _validator_class(dialect: str) -> Any:
    """The jsonschema validator class of a dialect (jsonschema is imported only when a schema rule is loaded)."""
    import jsonschema

    return {
        "draft4": jsonschema.Draft4Validator,
        "draft6": jsonschema.Draft6Validator,
        "draft7": jsonschema.Draft7Validator,
        "draft2019-09": jsonschema.Draft201909Validator,
        "draft2020-12": jsonschema.Draft202012Validator,
    }[dialect]

_SCHEMA_URIS = (
    ("draft-04", "draft4"),
    ("draft-06", "draft6"),
    ("draft-07", "draft7"),
    ("2019-09", "draft2019-09"),
    ("2020-12", "draft2020-12"),
)

# ajv v8 evaluates `type`, then untyped keywords, then the number, string, array and object groups.
_ORDER = [
    "$ref", "type", "const", "enum", "not", "anyOf", "oneOf", "allOf", "if", "then", "else",
    "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum", "multipleOf",
    "maxLength", "minLength", "pattern", "format",
    "maxItems", "minItems", "uniqueItems", "additionalItems", "prefixItems", "items", "contains", "unevaluatedItems",
    "maxProperties", "minProperties", "required", "dependentRequired", "dependencies", "propertyNames",
    "additionalProperties", "properties", "patternProperties", "dependentSchemas", "unevaluatedProperties",
]
_RANK = {k: i for i, k in enumerate(_ORDER)}

# Format checks run on document data: RE2 only (linear time).
_EMAIL = re2.compile(r"(?i)^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@"
                     r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
                     r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_URI = re2.compile(r"(?i)^[a-z][a-z0-9+\-.]*:[^\s]*$")
_UUID = re2.compile(r"(?i)^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$")
_HOSTNAME = re2.compile(r"(?i)^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?$")
_DATE_TIME = re2.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[tT ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
                         r"(?:[zZ]|[+-][0-9]{2}:?[0-9]{2})$")
_TIME = re2.compile(r"^[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[zZ]|[+-][0-9]{2}:?[0-9]{2})?$")


def _check_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _check_date_time(text: str) -> bool:
    if not _DATE_TIME.search(text):
        return False
    try:
        datetime.fromisoformat(text.replace("z", "+00:00").replace("Z", "+00:00").replace("t", "T"))
    except ValueError:
        return False
    return True


def _check_time(text: str) -> bool:
    if not _TIME.search(text):
        return False
    try:
        time.fromisoformat(text[:8])
    except ValueError:
        return False
    return True


def _check_ip(version: int) -> Any:
    def check(text: str) -> bool:
        try:
            return ipaddress.ip_address(text).version == version
        except ValueError:
            return False

    return check


_FORMATS: dict[str, Any] = {
    "email": lambda t: bool(_EMAIL.search(t)),
    "uri": lambda t: bool(_URI.search(t)),
    "uuid": lambda t: bool(_UUID.search(t)),
    "hostname": lambda t: len(t.rstrip(".")) <= 253 and bool(_HOSTNAME.search(t)),
    "date-time": _check_date_time,
    "date": _check_date,
    "time": _check_time,
    "ipv4": _check_ip(4),
    "ipv6": _check_ip(6),
}


def _int_range(bits: int) -> Any:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def check(value: Any) -> bool:
        return float(value).is_integer() and low <= value <= high

    return check


_BASE64 = re2.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")

# OpenAPI formats Spectral registers with ajv: for numbers (int32, int64, float, double) or strings (byte).
_NUMBER_FORMATS: dict[str, Any] = {
    "int32": _int_range(32),
    "int64": _int_range(64),
    "float": lambda v: True,
    "double": lambda v: True,
}


def _format_checker() -> Any:
    import jsonschema

    checker = jsonschema.FormatChecker(formats=())
    for name, func in {**_FORMATS, "byte": lambda t: bool(_BASE64.search(t))}.items():
        checker.checks(name)(lambda value, f=func: not isinstance(value, str) or f(value))
    for name, func in _NUMBER_FORMATS.items():
        checker.checks(name)(
            lambda value, f=func: isinstance(value, bool) or not isinstance(value, int | float) or f(value)
        )
    return checker


def _schema_patterns(schema: Any) -> Iterator[str]:
    """Every regex a schema holds (``pattern`` values and ``patternProperties`` keys)."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            elif key == "patternProperties" and isinstance(value, dict):
                yield from (k for k in value if isinstance(k, str))
                for sub in value.values():
                    yield from _schema_patterns(sub)
            elif key not in ("enum", "const", "default", "examples"):
                yield from _schema_patterns(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _schema_patterns(item)


def _js_validator_class(base: Any) -> Any:
    """``base`` with ``pattern``, ``patternProperties`` and ``additionalProperties`` on JavaScript regexes (RE2),
    as ajv evaluates them (``u`` flag), instead of Python's backtracking ``re``."""
    from jsonschema import exceptions as js_exceptions
    from jsonschema import validators as js_validators

    cache: dict[str, JsRegex] = {}

    def regex(source: str) -> JsRegex:
        found = cache.get(source)
        if found is None:
            found = cache[source] = compile_js(source, "u")
        return found

    def pattern(validator: Any, source: str, instance: Any, schema: Any) -> Iterator[Any]:
        del schema
        if validator.is_type(instance, "string") and not regex(source).test(instance):
            yield js_exceptions.ValidationError(f"{instance!r} does not match {source!r}")

    def pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any, schema: Any) -> Iterator[Any]:
        del schema
        if not validator.is_type(instance, "object"):
            return
        for source, subschema in patterns.items():
            rx = regex(source)
            for key, value in instance.items():
                if rx.test(key):
                    yield from validator.descend(value, subschema, path=key, schema_path=source)

    def additional_properties(validator: Any, extra: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if not validator.is_type(instance, "object"):
            return
        declared = schema.get("properties", {}) or {}
        patterns = [regex(p) for p in (schema.get("patternProperties", {}) or {})]
        extras = [k for k in instance if k not in declared and not any(rx.test(k) for rx in patterns)]
        if extra is False:
            if extras:
                yield js_exceptions.ValidationError(f"Additional properties are not allowed ({extras!r} unexpected)")
        elif isinstance(extra, dict):
            for key in extras:
                yield from validator.descend(instance[key], extra, path=key)

    return js_validators.extend(base, {  # type: ignore[no-untyped-call]
        "pattern": pattern,
        "patternProperties": pattern_properties,
        "additionalProperties": additional_properties,
    })


def detect_dialect(schema: Any) -> str:
    uri = schema.get("$schema") if isinstance(schema, dict) else None
    if isinstance(uri, str):
        for marker, name in _SCHEMA_URIS:
            if marker in uri:
                return name
    return "draft7"


def check_options(options: Any) -> str | None:
    problem = check_keys(
        NAME, options, ("schema", "dialect", "allErrors", "prepareResults"), ("schema",),
        '{ "schema": { /* any JSON Schema can be defined here */ } , '
        '{ "schema": { "type": "object" }, "dialect": "auto" }',
    )
    if problem:
        return problem
    if not isinstance(options["schema"], dict):
        return '"schema" function and its "schema" option accepts only the following types: object'
    dialect = options.get("dialect", "auto")
    if dialect != "auto" and dialect not in DIALECTS:
        return ('"schema" function and its "dialect" option accepts only the following values: "auto", '
                + ", ".join(f'"{d}"' for d in DIALECTS))
    if "allErrors" in options and not isinstance(options["allErrors"], bool):
        return '"schema" function and its "allErrors" option accepts only the following types: boolean'
    from jsonschema import exceptions as js_exceptions

    cls = _validator_class(detect_dialect(options["schema"]) if dialect == "auto" else dialect)
    try:
        cls.check_schema(options["schema"])
    except js_exceptions.SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        return f'"schema" function has an invalid schema{f" at #/{where}" if where else ""}: {exc.message}'
    for source in _schema_patterns(options["schema"]):
        try:
            compile_js(source, "u")
        except JsRegexError as exc:
            return f'"schema" function has an invalid schema: {exc}'
    return None


def prepare(options: Any) -> Any:
    dialect = options.get("dialect", "auto")
    cls = _validator_class(detect_dialect(options["schema"]) if dialect == "auto" else dialect)
    validator = _js_validator_class(cls)(options["schema"], format_checker=_format_checker())
    return {"validator": validator, "allErrors": options.get("allErrors", False) is True}


def _sort_key(error: ValidationError) -> tuple[int, ...]:
    keys = [p for p in error.relative_schema_path if isinstance(p, str) and p in _RANK]
    return tuple(_RANK.get(k, len(_ORDER)) for k in keys[:1]) or (len(_ORDER),)


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return to_string(value)
    return to_string(value) if not isinstance(value, str) else value


def ajv_message(error: ValidationError) -> tuple[str, list[str | int]]:
    """(ajv's message, extra instance-path segments) for one jsonschema error."""
    kw = str(error.validator)
    v: Any = error.validator_value
    inst = error.instance
    extra: list[str | int] = []
    schema = error.schema if isinstance(error.schema, dict) else {}
    if kw == "type":
        types = v if isinstance(v, list) else [v]
        return "must be " + ",".join(str(t) for t in types), extra
    if kw in ("maximum", "minimum"):
        exclusive = schema.get("exclusiveMaximum" if kw == "maximum" else "exclusiveMinimum") is True
        op = ("<" if kw == "maximum" else ">") + ("" if exclusive else "=")
        return f"must be {op} {_fmt(v)}", extra
    if kw == "exclusiveMaximum":
        return f"must be < {_fmt(v)}", extra
    if kw == "exclusiveMinimum":
        return f"must be > {_fmt(v)}", extra
    if kw == "multipleOf":
        return f"must be multiple of {_fmt(v)}", extra
    if kw == "maxLength":
        return f"must NOT have more than {v} characters", extra
    if kw == "minLength":
        return f"must NOT have fewer than {v} characters", extra
    if kw == "pattern":
        return f'must match pattern "{v}"', extra
    if kw == "format":
        return f'must match format "{v}"', extra
    if kw in ("maxItems", "minItems"):
        return f"must NOT have {'more' if kw == 'maxItems' else 'fewer'} than {v} items", extra
    if kw in ("maxProperties", "minProperties"):
        return f"must NOT have {'more' if kw == 'maxProperties' else 'fewer'} than {v} properties", extra
    if kw == "required":
        missing = next((p for p in v if isinstance(inst, dict) and p not in inst), v[0] if v else "")
        return f"must have required property '{missing}'", extra
    if kw in ("dependentRequired", "dependencies"):
        for prop, deps in (v or {}).items():
            if isinstance(inst, dict) and prop in inst and isinstance(deps, list):
                lacking = [d for d in deps if d not in inst]
                if lacking:
                    word = "property" if len(deps) == 1 else "properties"
                    return f"must have {word} {', '.join(deps)} when property {prop} is present", extra
        return "must match dependencies", extra
    if kw == "uniqueItems":
        return "must NOT have duplicate items", extra
    if kw == "enum":
        return "must be equal to one of the allowed values", extra
    if kw == "const":
        return "must be equal to constant", extra
    if kw == "not":
        return "must NOT be valid", extra
    if kw == "anyOf":
        return "must match a schema in anyOf", extra
    if kw == "oneOf":
        return "must match exactly one schema in oneOf", extra
    if kw == "contains":
        return "must contain at least 1 valid item(s)", extra
    if kw == "propertyNames":
        return "property name must be valid", extra
    if kw == "unevaluatedProperties":
        return "must NOT have unevaluated properties", extra
    if (kw in ("items", "additionalItems", "unevaluatedItems") and v is False) or kw == "prefixItems":
        limit = len(schema.get("prefixItems", schema.get("items", []) if kw == "additionalItems" else []) or [])
        return f"must NOT have more than {limit} items", extra
    if kw == "additionalProperties":
        return "must NOT have additional properties", extra
    if kw == "if":
        return 'must match "then" schema', extra
    if kw == "false":
        return "boolean schema is false", extra
    return error.message, extra


def _extras(instance: Any, schema: Any) -> list[str]:
    """The members ``additionalProperties`` rejected: neither declared nor matching a ``patternProperties`` regex."""
    if not isinstance(instance, dict) or not isinstance(schema, dict):
        return []
    declared = schema.get("properties") or {}
    patterns = [compile_js(p, "u") for p in (schema.get("patternProperties") or {})]
    return [k for k in instance if k not in declared and not any(rx.test(k) for rx in patterns)]


def _pretty_name(segment: str | int | None, value: Any) -> str:
    if segment is None:
        kind = "object" if value is None or isinstance(value, dict | list) else {
            bool: "boolean", str: "string"}.get(type(value), "number")
        return kind[:1].upper() + kind[1:]
    if isinstance(segment, int) or (isinstance(segment, str) and segment.isdigit()):
        return f"Item at index {segment}"
    return f'"{segment}" property'


def _clean(message: str) -> str:
    return message.replace("'", '"').replace("NOT", "not")


@dataclass(slots=True)
class _AjvError:
    """One error as ajv would report it: keyword, instance path (from the validated value), message and details."""

    keyword: str
    path: tuple[str, ...]
    message: str
    instance: Any
    allowed: list[Any]
    extra_property: str | None = None


def _flatten(error: ValidationError, all_errors: bool) -> list[ValidationError]:
    """ajv reports the failures inside ``anyOf``/``oneOf`` branches next to the composite error (each branch stops at
    its first error unless ``allErrors``); jsonschema nests them in ``context``."""
    out: list[ValidationError] = []
    if str(error.validator) in ("anyOf", "oneOf") and error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            key = sub.relative_schema_path[0] if sub.relative_schema_path else 0
            branches.setdefault(key, []).append(sub)
        for branch in branches.values():
            branch.sort(key=_sort_key)
            for sub in branch if all_errors else branch[:1]:
                out.extend(_flatten(sub, all_errors))
    out.append(error)
    return out


def _missing_property(error: ValidationError) -> str:
    """The property a jsonschema ``required`` error is about (one error per missing property)."""
    message = error.message
    suffix = " is a required property"
    if message.endswith(suffix):
        quoted = message[: -len(suffix)]
        try:
            value = ast.literal_eval(quoted)
        except (ValueError, SyntaxError):
            return quoted
        return str(value)
    return ""


def _ajv_errors(errors: list[ValidationError]) -> list[_AjvError]:
    out: list[_AjvError] = []
    for error in errors:
        raw, _ = ajv_message(error)
        path = tuple(str(p) for p in error.absolute_path)
        keyword = str(error.validator)
        if keyword == "additionalProperties":
            extras: list[str | None] = list(_extras(error.instance, error.schema)) or [None]
            for extra in extras:
                out.append(_AjvError(keyword, path, raw, error.instance, [], extra))
            continue
        if keyword == "required":
            missing = _missing_property(error)
            if missing:
                raw = f"must have required property '{missing}'"
        allowed = list(error.validator_value) if keyword == "enum" and isinstance(error.validator_value, list) else []
        out.append(_AjvError(keyword, path, raw, error.instance, allowed))
    return out


def _filter_redundant(errors: list[_AjvError]) -> list[_AjvError]:
    """better-ajv-errors' pruning: at an instance path with a ``required`` error only the last such error stays and
    everything below goes; an ``anyOf`` error goes when there are errors below it; enum-only errors go when a sibling
    has errors; several enum errors at one path merge their allowed values."""
    by_path: dict[tuple[str, ...], list[_AjvError]] = {}
    for error in errors:
        by_path.setdefault(error.path, []).append(error)
    dropped: set[tuple[str, ...]] = set()
    for path in sorted(by_path, key=len):
        if any(path[: len(d)] == d and path != d for d in dropped):
            continue
        group = by_path[path]
        required = [e for e in group if e.keyword == "required"]
        if required:
            by_path[path] = [required[-1]]
            dropped.add(path)
    kept: dict[tuple[str, ...], list[_AjvError]] = {
        p: g for p, g in by_path.items() if not any(p[: len(d)] == d and p != d for d in dropped)
    }
    for path, group in list(kept.items()):
        has_children = any(len(p) > len(path) and p[: len(path)] == path for p in kept)
        if has_children and any(e.keyword == "anyOf" for e in group):
            kept[path] = []
        elif group and all(e.keyword == "enum" for e in group):
            siblings = [p for p in kept if len(p) == len(path) and p[:-1] == path[:-1] and p != path and kept[p]]
            if path and siblings:
                kept[path] = []
            elif len(group) > 1:
                merged = list(dict.fromkeys(v for e in group for v in e.allowed))
                kept[path] = [_AjvError("enum", path, group[0].message, group[0].instance, merged)]
    return [e for group in kept.values() for e in group]


def run(value: Any, options: Any, context: FunctionContext) -> list[FunctionResult]:
    path = context.path
    if value is UNDEFINED:
        return [FunctionResult('#{{print("property")}}must exist', path)]
    from referencing.exceptions import Unresolvable

    validator = options["validator"]
    try:
        raw_errors = list(validator.iter_errors(value))
    except Unresolvable:
        # Spectral ignores $ref errors for rules on the resolved document (the default, ``resolved: true``).
        return []
    if not raw_errors:
        return []
    raw_errors.sort(key=_sort_key)
    all_errors = options["allErrors"]
    flat = [e for top in (raw_errors if all_errors else raw_errors[:1]) for e in _flatten(top, all_errors)]
    errors = _filter_redundant(_ajv_errors(flat))
    results: list[FunctionResult] = []
    for error in errors:
        segment: str | int | None
        if error.path:
            segment = error.path[-1]
        elif path:
            segment = path[-1]
        else:
            segment = None
        name = _pretty_name(segment, error.instance)
        if error.keyword == "type":
            if segment is None:
                text = f"Value type {error.message}"
            elif name.startswith("Item at index"):
                text = f"{name} {error.message}"
            else:
                text = f"{name} type {error.message}"
        elif error.keyword == "additionalProperties" and error.extra_property is not None:
            text = f'Property "{error.extra_property}" is not expected to be here'
        elif error.keyword == "enum":
            allowed = ", ".join(print_value(v) for v in error.allowed)
            text = f"{name} {error.message}: {allowed}"
            best = _best_match(error.instance, error.allowed)
            if best is not None:
                text += f". Did you mean {print_value(best)}?"
        else:
            text = f"{name} {_clean(error.message)}"
        results.append(FunctionResult(text, (*path, *error.path)))
    return results


def _leven(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _best_match(value: Any, allowed: list[Any]) -> Any:
    if not value and value != 0:
        return None
    text = value if isinstance(value, str) else json.dumps(value)
    scored = sorted(((_leven(to_string(a), text), i, a) for i, a in enumerate(allowed)), key=lambda t: (t[0], t[1]))
    if not scored:
        return None
    weight, _, best = scored[0]
    if len(allowed) == 1 or weight < len(to_string(best)):
        return best
    return None
