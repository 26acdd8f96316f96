"""Reading policies, resources, values and user info the way the Kyverno CLI does (files, folders, ``-``, Lists)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policy_platform._internal.yamlio import Document, iter_stream_tolerant, load_single, read_text
from policy_platform.engines.kyverno.exceptions import PolicyException, is_exception, load_exception
from policy_platform.engines.kyverno.match import as_map
from policy_platform.engines.kyverno.policy import Policy, is_policy, load_policy
from policy_platform.errors import InputFileError, PolicyLoadError
from policy_platform.model.findings import InputError

YAML_SUFFIXES = (".yaml", ".yml", ".json")


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders walked recursively for YAML/JSON files (hidden entries skipped), sorted."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if f.is_file() and f.suffix in YAML_SUFFIXES and not any(part.startswith(".") for part in rel):
                    out.append(f)
        else:
            out.append(p)
    return out


def read_documents(path: str | Path) -> tuple[list[Document], list[InputError]]:
    """Documents of a file (``-`` is stdin); a document that does not parse is an error, the rest still load."""
    name = str(path)
    if name == "-":
        text = sys.stdin.read()
        name = "<stdin>"
    else:
        try:
            text = read_text(path)
        except InputFileError as exc:
            return [], [InputError(file=name, message=exc.message, stage="read")]
    docs: list[Document] = []
    errors: list[InputError] = []
    for item in iter_stream_tolerant(text, name):
        if isinstance(item, InputFileError):
            errors.append(InputError(file=name, message=item.message, line=item.line, stage="parse"))
        else:
            docs.append(item)
    return docs, errors


def expand_lists(doc: Document) -> list[tuple[Document, dict[str, Any]]]:
    """A resource document, or the items of a ``kind: List`` (each paired with its data)."""
    data = doc.data
    if isinstance(data, dict) and data.get("kind") == "List" and isinstance(data.get("items"), list):
        return [(doc, item) for item in data["items"] if isinstance(item, dict)]
    if isinstance(data, dict):
        return [(doc, data)]
    return []


@dataclass(slots=True)
class PolicySet:
    policies: list[Policy] = field(default_factory=list)
    exceptions: list[PolicyException] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    failed_names: dict[str, str] = field(default_factory=dict)


def load_policy_files(paths: Iterable[str | Path]) -> PolicySet:
    """Every ClusterPolicy/Policy/PolicyException in ``paths``; invalid ones become errors (never silently dropped)."""
    out = PolicySet()
    for path in expand_paths(paths):
        docs, errors = read_documents(path)
        out.errors.extend(errors)
        for doc in docs:
            _add_policy_doc(out, doc)
    return out


def _add_policy_doc(out: PolicySet, doc: Document) -> None:
    data = doc.data
    line = doc.start_line + 1
    try:
        if is_policy(data):
            out.policies.append(load_policy(data, file=doc.file, line=line))
        elif is_exception(data):
            out.exceptions.append(load_exception(data, file=doc.file, line=line))
    except PolicyLoadError as exc:
        out.errors.append(InputError(file=doc.file, message=exc.message, line=line, stage="policy"))
        meta = data.get("metadata") if isinstance(data, dict) else None
        if isinstance(meta, dict) and meta.get("name"):
            name = str(meta["name"])
            if data.get("kind") == "Policy":
                name = f"{meta.get('namespace') or 'default'}/{name}"
            out.failed_names[name] = exc.message


def load_resources(paths: Iterable[str | Path]) -> tuple[list[tuple[Document, dict[str, Any]]], list[InputError]]:
    """Resource documents (Lists expanded; exact duplicates removed) and the files/documents that failed."""
    resources: list[tuple[Document, dict[str, Any]]] = []
    errors: list[InputError] = []
    seen: set[tuple[str, str, str, str]] = set()
    for path in expand_paths(paths) if not any(str(p) == "-" for p in paths) else [Path(str(p)) for p in paths]:
        docs, errs = read_documents(path)
        errors.extend(errs)
        for doc in docs:
            for d, data in expand_lists(doc):
                meta = as_map(data.get("metadata"))
                key = (
                    str(data.get("apiVersion")),
                    str(data.get("kind")),
                    str(meta.get("namespace") or ""),
                    str(meta.get("name") or ""),
                )
                if key in seen and key[3]:
                    continue
                seen.add(key)
                resources.append((d, data))
    return resources, errors


def load_yaml_mapping(path: str | Path, what: str) -> Any:
    doc = load_single(path)
    if doc.data is not None and not isinstance(doc.data, dict):
        raise InputFileError(f"{what} must be a mapping", file=str(path))
    return doc.data
