"""The versions table: which apiVersion/kind pairs are deprecated or removed, and in which release of which component.

The file format is Pluto's ``versions.yaml`` (``deprecated-versions`` and ``target-versions``), plus an optional
``data-version`` string of our own::

    data-version: "2026.11"
    deprecated-versions:
      - version: extensions/v1beta1        # apiVersion, matched exactly (case-sensitive, no group aliasing)
        kind: Ingress                      # "" = every kind of that apiVersion
        deprecated-in: v1.14.0             # "" = not deprecated (or unknown)
        removed-in: v1.22.0                # "" = not removed (or not announced)
        replacement-api: networking.k8s.io/v1
        replacement-available-in: v1.19.0
        component: k8s                     # each component has its own target version
    target-versions: {k8s: v1.25.0}

:func:`load_versions` reads the packaged table and then each ``--additional-versions`` file in order. An entry in a
later file with the same (version, kind) as an earlier one **replaces** it (Pluto refuses such duplicates; the issue
asks for overrides); later ``target-versions`` replace earlier ones per component. Within one file a repeated
(version, kind) is an error. Every problem raises :class:`~policy_platform.errors.PolicyLoadError` naming the
file and line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from policy_platform._internal.yamlio import Document, load_stream, read_text
from policy_platform.engines.deprecations import semver
from policy_platform.errors import InputFileError, PolicyLoadError, UsageError

PACKAGED_NAME = "versions.yaml"

#: YAML key → VersionEntry attribute, in Pluto's field order (also the order of the JSON/YAML ``api`` object).
FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "version": "version",
        "kind": "kind",
        "deprecated-in": "deprecated_in",
        "removed-in": "removed_in",
        "replacement-api": "replacement_api",
        "replacement-available-in": "replacement_available_in",
        "component": "component",
    }
)
_SEMVER_FIELDS = ("deprecated-in", "removed-in", "replacement-available-in")
_TOP_KEYS = ("data-version", "deprecated-versions", "target-versions")


@dataclass(frozen=True, slots=True)
class VersionEntry:
    """One row of the table. Empty strings mean "unknown / not applicable", as in Pluto."""

    version: str
    kind: str = ""
    deprecated_in: str = ""
    removed_in: str = ""
    replacement_api: str = ""
    replacement_available_in: str = ""
    component: str = "k8s"
    source: str = ""  # "file:line" of the entry, for messages; not part of the data

    def as_dict(self) -> dict[str, str]:
        """The entry in Pluto's key names and order."""
        return {key: getattr(self, attr) for key, attr in FIELDS.items()}


@dataclass(frozen=True, slots=True)
class VersionTable:
    """The loaded table: entries in file order, default targets per component, and the data version."""

    entries: tuple[VersionEntry, ...]
    target_versions: Mapping[str, str] = field(default_factory=dict)
    data_version: str = ""
    files: tuple[str, ...] = ()
    _index: Mapping[tuple[str, str], VersionEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], VersionEntry] = {}
        for entry in self.entries:
            index.setdefault((entry.version, entry.kind), entry)
        object.__setattr__(self, "_index", MappingProxyType(index))

    def match(self, api_version: str, kind: str) -> VersionEntry | None:
        """The entry for ``api_version``/``kind``: an exact kind first, then a wildcard (``kind: ""``) entry.

        A wildcard match returns a copy carrying the object's kind, as Pluto does.
        """
        entry = self._index.get((api_version, kind))
        if entry is not None:
            return entry
        wild = self._index.get((api_version, ""))
        if wild is not None:
            return replace(wild, kind=kind)
        return None

    def components(self) -> tuple[str, ...]:
        """Every component named by an entry, sorted."""
        return tuple(sorted({e.component for e in self.entries}))


def packaged_path() -> Path:
    """The path of the packaged ``versions.yaml``."""
    return Path(str(resources.files("policy_platform.engines.deprecations").joinpath(PACKAGED_NAME)))


def load_versions(additional: Iterable[str | Path] = (), *, include_packaged: bool = True) -> VersionTable:
    """Load the packaged table, then overlay every file of ``additional`` in order."""
    order: list[tuple[str, str]] = []
    merged: dict[tuple[str, str], VersionEntry] = {}
    targets: dict[str, str] = {}
    data_version = ""
    files: list[str] = []
    paths: list[Path] = [packaged_path()] if include_packaged else []
    paths.extend(Path(p) for p in additional)
    for path in paths:
        parsed = parse_versions_file(path)
        files.append(str(path))
        for entry in parsed.entries:
            key = (entry.version, entry.kind)
            if key not in merged:
                order.append(key)
            merged[key] = entry
        targets.update(parsed.target_versions)
        data_version = parsed.data_version or data_version
    return VersionTable(
        entries=tuple(merged[k] for k in order),
        target_versions=MappingProxyType(targets),
        data_version=data_version,
        files=tuple(files),
    )


def parse_versions_file(path: str | Path) -> VersionTable:
    """Parse and validate one versions file (no overlay)."""
    name = str(path)
    try:
        text = read_text(path)
    except InputFileError as exc:
        raise PolicyLoadError(f"versions file: {exc.message}", file=name) from None
    return parse_versions_text(text, name)


def parse_versions_text(text: str, name: str) -> VersionTable:
    """Parse and validate the text of a versions file called ``name``."""
    try:
        docs = load_stream(text, name)
    except InputFileError as exc:
        raise PolicyLoadError(exc.message, file=name, line=exc.line) from None
    if len(docs) != 1:
        raise PolicyLoadError(f"expected one YAML document, found {len(docs)}", file=name)
    doc = docs[0]
    data = doc.data
    if not isinstance(data, dict):
        raise _err(doc, (), "expected a mapping with 'deprecated-versions' (and optionally 'target-versions')")
    for key in data:
        if key not in _TOP_KEYS:
            raise _err(doc, (key,), f"unknown key '{key}' (expected one of: {', '.join(_TOP_KEYS)})")
    data_version = data.get("data-version", "")
    if data_version is None:
        data_version = ""
    if not isinstance(data_version, str | int | float):
        raise _err(doc, ("data-version",), "'data-version' must be a string")
    raw_entries = data.get("deprecated-versions")
    if raw_entries is None:
        raw_entries = []
    if not isinstance(raw_entries, list):
        raise _err(doc, ("deprecated-versions",), "'deprecated-versions' must be a list")
    entries: list[VersionEntry] = []
    seen: dict[tuple[str, str], int] = {}
    for i, raw in enumerate(raw_entries):
        entry = _entry(doc, i, raw)
        key = (entry.version, entry.kind)
        if key in seen:
            first = doc.line_of(("deprecated-versions", seen[key]))
            raise _err(
                doc,
                ("deprecated-versions", i),
                f"duplicate entry for version '{entry.version}' kind '{entry.kind}' (first at line {first})",
            )
        seen[key] = i
        entries.append(entry)
    targets = _targets(doc, data.get("target-versions"))
    return VersionTable(entries=tuple(entries), target_versions=targets, data_version=str(data_version), files=(name,))


def _entry(doc: Document, i: int, raw: Any) -> VersionEntry:
    path: tuple[str | int, ...] = ("deprecated-versions", i)
    if not isinstance(raw, dict):
        raise _err(doc, path, "each entry must be a mapping")
    values: dict[str, str] = {}
    for key, raw_value in raw.items():
        if key not in FIELDS:
            raise _err(doc, (*path, key), f"unknown key '{key}' (expected one of: {', '.join(FIELDS)})")
        value = "" if raw_value is None else raw_value
        if not isinstance(value, str):
            raise _err(doc, (*path, key), f"'{key}' must be a string, got {type(value).__name__} {value!r}")
        values[key] = value.strip()
    if not values.get("version"):
        raise _err(doc, path, "entry has no 'version' (the apiVersion to match)")
    if any(ch.isspace() for ch in values["version"]):
        raise _err(doc, (*path, "version"), f"invalid apiVersion '{values['version']}'")
    if not values.get("component"):
        raise _err(doc, path, "entry has no 'component' (e.g. k8s)")
    for key in _SEMVER_FIELDS:
        text = values.get(key, "")
        if text and not semver.is_valid(text):
            raise _err(doc, (*path, key), f"'{key}' is not a valid version: '{text}' (expected e.g. v1.22.0)")
    line = doc.line_of(path)
    return VersionEntry(
        **{FIELDS[k]: v for k, v in values.items()},
        source=f"{doc.file}:{line}" if line else doc.file,
    )


def _targets(doc: Document, raw: Any) -> Mapping[str, str]:
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, dict):
        raise _err(doc, ("target-versions",), "'target-versions' must be a mapping of component to version")
    out: dict[str, str] = {}
    for component, version in raw.items():
        if not isinstance(component, str) or not isinstance(version, str):
            raise _err(doc, ("target-versions", str(component)), "target versions must be strings")
        normalized = normalize_version(version)
        if normalized is None:
            raise _err(
                doc, ("target-versions", component), f"invalid target version '{version}' for component '{component}'"
            )
        out[component] = normalized
    return MappingProxyType(out)


def _err(doc: Document, path: tuple[str | int, ...], message: str) -> PolicyLoadError:
    return PolicyLoadError(message, file=doc.file, line=doc.line_of(path))


def normalize_version(text: str) -> str | None:
    """``v1.29.0`` stays; ``1.29`` becomes ``v1.29``; ``None`` when it is not a version at all."""
    text = text.strip()
    if not text:
        return None
    candidate = text if text.startswith("v") else f"v{text}"
    return candidate if semver.is_valid(candidate) else None


def parse_target_versions(specs: Sequence[str], *, option: str = "--target-versions") -> dict[str, str]:
    """Parse ``k8s=v1.29.0,istio=v1.20.0`` (repeatable) into a mapping; raise :class:`UsageError` when malformed."""
    out: dict[str, str] = {}
    for spec in specs:
        for raw_part in spec.split(","):
            part = raw_part.strip()
            if not part:
                continue
            component, sep, version = part.partition("=")
            component, version = component.strip(), version.strip()
            if not sep or not component or not version:
                raise UsageError(f"{option} '{spec}': expected component=version, e.g. k8s=v1.29.0")
            normalized = normalize_version(version)
            if normalized is None:
                raise UsageError(
                    f"{option} '{spec}': '{version}' is not a valid version for '{component}' (expected e.g. v1.29.0)"
                )
            out[component] = normalized
    return out


def resolve_targets(
    table: VersionTable, overrides: Mapping[str, str] | None = None, components: Sequence[str] | None = None
) -> dict[str, semver.Version]:
    """Default targets of ``table`` updated by ``overrides``, parsed; every selected component must have one.

    ``components`` restricts the components considered (``--components``); ``None`` means all in the table.
    """
    merged: dict[str, str] = dict(table.target_versions)
    for component, version in (overrides or {}).items():
        normalized = normalize_version(version)
        if normalized is None:
            raise UsageError(f"invalid target version '{version}' for component '{component}' (expected e.g. v1.29.0)")
        merged[component] = normalized
    present = table.components()
    selected = present if components is None else tuple(c for c in components if c in present)
    if components is not None and not selected:
        raise UsageError(f"cannot find deprecations for zero components (asked for: {', '.join(components)})")
    missing = [c for c in selected if c not in merged]
    if missing:
        raise UsageError(
            f"no target version for component(s) {', '.join(missing)}: pass --target-versions "
            + ",".join(f"{c}=vX.Y.Z" for c in missing)
        )
    out: dict[str, semver.Version] = {}
    for component, version in merged.items():
        parsed = semver.parse(version)
        if parsed is None:  # pragma: no cover - normalize_version guarantees validity
            raise UsageError(f"invalid target version '{version}' for component '{component}'")
        out[component] = parsed
    return out
