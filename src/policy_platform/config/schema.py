"""A small declarative schema language for configuration files.

Validation errors name the file, the key path (``sources[1].ref``) and the line; unknown keys are errors that list the
allowed ones. Schemas are values: :class:`Obj`, :class:`ListOf`, :class:`MapOf`, :class:`Scalar`, :class:`OneOf`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from policy_platform._internal.yamlio import Document
from policy_platform.errors import ConfigError

Path_ = tuple[str | int, ...]


def key_path(path: Path_) -> str:
    out = ""
    for seg in path:
        out += f"[{seg}]" if isinstance(seg, int) else (f".{seg}" if out else str(seg))
    return out or "(document)"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


class Schema:
    def check(self, value: Any, path: Path_, doc: Document) -> None:
        raise NotImplementedError

    def fail(self, message: str, path: Path_, doc: Document) -> ConfigError:
        return ConfigError(f"{key_path(path)}: {message}", file=doc.file, line=doc.line_of(path))


@dataclass(frozen=True)
class Scalar(Schema):
    """A string, number or boolean; ``enum`` and ``pattern`` restrict strings."""

    kind: str = "string"  # string | boolean | integer | number
    enum: tuple[str, ...] = ()
    pattern: str = ""
    hint: str = ""

    def check(self, value: Any, path: Path_, doc: Document) -> None:
        ok = {
            "string": isinstance(value, str),
            "boolean": isinstance(value, bool),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
        }[self.kind]
        if not ok:
            raise self.fail(f"expected a {self.kind}, got {_type_name(value)}", path, doc)
        if self.enum and value not in self.enum:
            raise self.fail(f"{value!r} is not one of: {', '.join(self.enum)}", path, doc)
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise self.fail(f"{value!r} is not valid{': ' + self.hint if self.hint else ''}", path, doc)


@dataclass(frozen=True)
class ListOf(Schema):
    item: Schema
    min_items: int = 0
    accept_single: bool = False  # a lone item is accepted as a one-element list

    def check(self, value: Any, path: Path_, doc: Document) -> None:
        if self.accept_single and not isinstance(value, list):
            self.item.check(value, path, doc)
            return
        if not isinstance(value, list):
            raise self.fail(f"expected a list, got {_type_name(value)}", path, doc)
        if len(value) < self.min_items:
            raise self.fail(f"expected at least {self.min_items} item(s)", path, doc)
        for i, item in enumerate(value):
            self.item.check(item, (*path, i), doc)


@dataclass(frozen=True)
class MapOf(Schema):
    value: Schema

    def check(self, value: Any, path: Path_, doc: Document) -> None:
        if not isinstance(value, dict):
            raise self.fail(f"expected a mapping, got {_type_name(value)}", path, doc)
        for k, v in value.items():
            if not isinstance(k, str):
                raise self.fail(f"key {k!r} must be a string", path, doc)
            self.value.check(v, (*path, k), doc)


@dataclass(frozen=True)
class Obj(Schema):
    """A mapping with known keys; unknown keys are errors."""

    fields: Mapping[str, Schema]
    required: tuple[str, ...] = ()
    extra: Schema | None = None  # schema for any other key (None: unknown keys are errors)

    def check(self, value: Any, path: Path_, doc: Document) -> None:
        if not isinstance(value, dict):
            raise self.fail(f"expected a mapping, got {_type_name(value)}", path, doc)
        for k, v in value.items():
            if k in self.fields:
                self.fields[k].check(v, (*path, k), doc)
            elif self.extra is not None:
                self.extra.check(v, (*path, k), doc)
            else:
                allowed = ", ".join(sorted(self.fields))
                raise self.fail(f"unknown key (allowed: {allowed})", (*path, k), doc)
        for k in self.required:
            if k not in value:
                raise self.fail(f"missing required key '{k}'", path, doc)


@dataclass(frozen=True)
class OneOf(Schema):
    """The first alternative whose ``accepts`` predicate holds is checked (e.g. a string or a mapping form)."""

    options: tuple[tuple[str, Schema], ...] = field(default=())

    def check(self, value: Any, path: Path_, doc: Document) -> None:
        for type_name, schema in self.options:
            if _type_name(value) == type_name:
                schema.check(value, path, doc)
                return
        expected = " or ".join(t for t, _ in self.options)
        raise self.fail(f"expected a {expected}, got {_type_name(value)}", path, doc)
