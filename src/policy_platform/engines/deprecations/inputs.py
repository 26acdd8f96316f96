"""Collect the documents the ``deprecations`` command checks: files, folders, stdin and Helm charts.

* ``-`` reads standard input (shown as ``<stdin>``).
* A file named on the command line is always scanned, whatever its extension.
* A folder is walked recursively in sorted order, skipping hidden entries (``.git``). Files ending in ``.yaml``,
  ``.yml`` or ``.json`` are scanned strictly: a parse error is reported. Other files are scanned too (Pluto scans every
  file), but leniently: one that is not UTF-8 text or not YAML is skipped silently, since a folder of manifests often
  holds READMEs and scripts.
* A folder holding ``Chart.yaml`` is a Helm chart: it is rendered (default values, then ``values`` layered on top) with
  the lead's renderer and the rendered templates are scanned as ``<chart>/templates/<file>``; its files are not
  scanned raw. This is the main difference from Pluto, which skips or half-parses templates. A single file under a
  chart's ``templates/`` named on the command line is rendered too (the chart is rendered, that template's output
  kept).
* Content is decoded as JSON first when it looks like JSON (Pluto tries JSON first), else as a multi-document YAML
  stream; a document that does not parse is reported with file and line and the others are kept.

Errors that stop nothing are returned as :class:`~policy_platform.model.findings.InputError`; only an argument that does
not exist raises :class:`~policy_platform.errors.InputFileError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from policy_platform._internal.yamlio import Document, iter_stream_tolerant
from policy_platform.errors import InputFileError, PolicyPlatformError
from policy_platform.model.findings import InputError

STRICT_SUFFIXES = (".yaml", ".yml", ".json")
STDIN_NAME = "<stdin>"

#: ``render(chart_dir, values, kube_version) -> {template path: text}``
Renderer = Callable[[Path, Mapping[str, Any], str | None], dict[str, str]]


@dataclass(frozen=True, slots=True)
class Inputs:
    """Everything read: documents in input order, and the problems met on the way."""

    documents: tuple[Document, ...]
    errors: tuple[InputError, ...]


def default_renderer(chart: Path, values: Mapping[str, Any], kube_version: str | None) -> dict[str, str]:
    """Render with :func:`policy_platform.render.helm.render_chart` (imported lazily: it loads the Helm SDK)."""
    from policy_platform.render.helm import render_chart

    return render_chart(chart, values, kube_version=kube_version)


def decode(text: str, file: str) -> tuple[list[Document], list[InputError]]:
    """Decode one file's text: JSON when it parses as JSON, else a YAML stream (bad documents become errors)."""
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except ValueError:
            pass
        else:
            return [Document(data=data, file=file, index=0, start_line=0, text=text)], []
    docs: list[Document] = []
    errors: list[InputError] = []
    for item in iter_stream_tolerant(text, file):
        if isinstance(item, Document):
            docs.append(item)
        else:
            errors.append(InputError(file=file, message=item.message, line=item.line, stage="deprecations"))
    return docs, errors


def _walk(root: Path, seen: set[Path] | None = None) -> Iterator[Path]:
    """Files and chart folders under ``root``, sorted, hidden entries skipped; a chart is yielded, not entered.
    A folder reached twice through symbolic links is walked once."""
    seen = set() if seen is None else seen
    real = root.resolve()
    if real in seen:
        return
    seen.add(real)
    try:
        children = sorted(root.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise InputFileError(f"cannot list folder: {exc.strerror}", file=str(root)) from None
    for child in children:
        if child.name.startswith("."):
            continue
        if child.is_dir():
            if (child / "Chart.yaml").is_file():
                yield child
            else:
                yield from _walk(child, seen)
        elif child.is_file():
            yield child


def collect(
    paths: Sequence[str],
    *,
    stdin: TextIO | None = None,
    values: Mapping[str, Any] | None = None,
    kube_version: str | None = None,
    renderer: Renderer = default_renderer,
) -> Inputs:
    """Read every path (``-`` = ``stdin``) into documents; see the module docstring for the rules."""
    documents: list[Document] = []
    errors: list[InputError] = []

    def add(docs: list[Document], errs: list[InputError]) -> None:
        documents.extend(docs)
        errors.extend(errs)

    for arg in paths:
        if arg == "-":
            if stdin is None:
                raise InputFileError("no standard input to read", file=STDIN_NAME)
            try:
                text = stdin.read()
            except (OSError, UnicodeDecodeError) as exc:
                raise InputFileError(f"cannot read standard input: {exc}", file=STDIN_NAME) from None
            add(*decode(text, STDIN_NAME))
            continue
        path = Path(arg)
        if not path.exists():
            raise InputFileError("no such file or folder", file=arg)
        if path.is_dir():
            if (path / "Chart.yaml").is_file():
                add(*_chart(path, values or {}, kube_version, renderer))
                continue
            for item in _walk(path):
                if item.is_dir():
                    add(*_chart(item, values or {}, kube_version, renderer))
                else:
                    add(*_file(item, strict=item.suffix.lower() in STRICT_SUFFIXES))
            continue
        chart = _enclosing_chart(path)
        if chart is not None:
            docs, errs = _chart(chart, values or {}, kube_version, renderer)
            add([d for d in docs if Path(d.file) == chart / path.resolve().relative_to(chart.resolve())], errs)
            continue
        add(*_file(path, strict=True))
    return Inputs(documents=tuple(documents), errors=tuple(errors))


def _enclosing_chart(path: Path) -> Path | None:
    """The chart folder when ``path`` is a file under a chart's ``templates/`` (as the user spelled the path)."""
    parts = path.parts
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "templates":
            root = Path(*parts[:i]) if i else Path(".")
            if (root / "Chart.yaml").is_file():
                return root
    return None


def _file(path: Path, *, strict: bool) -> tuple[list[Document], list[InputError]]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        if not strict:
            return [], []
        return [], [InputError(file=name, message="not UTF-8 text", stage="deprecations")]
    except OSError as exc:
        return [], [InputError(file=name, message=f"cannot read: {exc.strerror}", stage="deprecations")]
    docs, errors = decode(text, name)
    if not strict:
        return docs, []
    return docs, errors


def _chart(
    chart: Path, values: Mapping[str, Any], kube_version: str | None, renderer: Renderer
) -> tuple[list[Document], list[InputError]]:
    try:
        rendered = renderer(chart, values, kube_version)
    except PolicyPlatformError as exc:
        return [], [InputError(file=exc.file or str(chart), message=exc.message, line=exc.line, stage="render")]
    docs: list[Document] = []
    errors: list[InputError] = []
    for rel in sorted(rendered):
        d, e = decode(rendered[rel], str(chart / rel))
        docs.extend(d)
        errors.extend(e)
    return docs, errors
