"""Render one policy source for one environment, with per-policy provenance.

A source is a Helm chart (``chart:`` in the config, the source root when it holds ``Chart.yaml``, or the only chart
under ``charts/``) or a plain folder of YAML policies, used as is. Chart values are layered: chart ``values.yaml``
(implicit) → ``cd/values.yaml`` → ``cd/<env>/values.yaml`` (or ``cd/values.<env>.yaml``) → ``--set`` overrides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policy_platform._internal.yamlio import Document, load_single, load_stream, read_text
from policy_platform.config.model import SourceSpec
from policy_platform.errors import ConfigError, RenderError
from policy_platform.model.findings import Origin
from policy_platform.render.helm import render_chart
from policy_platform.render.values import LayeredValues, layer, merge_into

ANNOTATION_PREFIX = "policy-platform.io/"
DEFAULT_LAYERS = ("cd/values.yaml", "cd/{env}/values.yaml")
POLICY_KINDS = frozenset({"ClusterPolicy", "Policy", "PolicyException", "ClusterCleanupPolicy", "CleanupPolicy"})


@dataclass(frozen=True, slots=True)
class RenderedPolicy:
    """One rendered document of a source, annotated with its provenance."""

    name: str
    kind: str
    namespace: str
    document: Document
    origin: Origin


@dataclass(frozen=True, slots=True)
class RenderedSource:
    name: str
    version: str
    chart: str  # chart path relative to the source root; "" for a plain folder
    environment: str
    documents: tuple[RenderedPolicy, ...]
    values_layers: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    merged_values: Mapping[str, Any] | None = None


def find_chart(root: Path, explicit: str = "", *, what: str = "source") -> Path | None:
    """The chart directory of a source tree, or None for a plain folder."""
    if explicit:
        chart = (root / explicit).resolve()
        if not (chart / "Chart.yaml").is_file():
            raise ConfigError(f"{what}: chart '{explicit}' has no Chart.yaml", file=str(chart))
        return chart
    if (root / "Chart.yaml").is_file():
        return root
    charts_dir = root / "charts"
    found = sorted(p.parent for p in charts_dir.glob("*/Chart.yaml")) if charts_dir.is_dir() else []
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise ConfigError(
            f"{what}: several charts under charts/ ({names}); set 'chart:' in platform.yaml", file=str(root)
        )
    return found[0] if found else None


def chart_version(chart: Path) -> str:
    doc = load_single(chart / "Chart.yaml")
    data = doc.data if isinstance(doc.data, dict) else {}
    return str(data.get("version", "")) if data else ""


def env_layer_paths(root: Path, pattern: str, env: str) -> list[Path]:
    """Resolve one layer pattern; ``cd/{env}/values.yaml`` falls back to ``cd/values.{env}.yaml`` (not both)."""
    path = root / pattern.format(env=env)
    if pattern == "cd/{env}/values.yaml":
        alt = root / f"cd/values.{env}.yaml"
        if path.is_file() and alt.is_file():
            raise ConfigError(
                f"both {path.relative_to(root)} and {alt.relative_to(root)} exist; keep one", file=str(root)
            )
        if not path.is_file() and alt.is_file():
            return [alt]
    return [path]


def layer_files(
    root: Path,
    chart: Path | None,
    patterns: Sequence[str],
    env: str,
    *,
    display_root: str = "",
    include_chart_defaults: bool = False,
) -> tuple[list[tuple[str, Path]], list[str]]:
    """The values files to layer for ``env``, in order, as (display name, path); and notices for missing env layers."""
    files: list[tuple[str, Path]] = []
    notices: list[str] = []
    if include_chart_defaults and chart is not None and (chart / "values.yaml").is_file():
        files.append((_display(display_root, root, chart / "values.yaml"), chart / "values.yaml"))
    for pattern in patterns:
        for path in env_layer_paths(root, pattern, env):
            shown = _display(display_root, root, path)
            if path.is_file():
                files.append((shown, path))
            elif "{env}" in pattern:
                notices.append(f"{shown}: no values for environment '{env}'; using the common layers only")
    return files, notices


def layer_values(
    root: Path,
    chart: Path | None,
    patterns: Sequence[str],
    env: str,
    overrides: Mapping[str, Any] | None = None,
    *,
    display_root: str = "",
    include_chart_defaults: bool = False,
) -> tuple[LayeredValues, list[str]]:
    """Layer the values files of a source for ``env``; return the values and notices (missing environment layers)."""
    files, notices = layer_files(
        root, chart, patterns, env, display_root=display_root, include_chart_defaults=include_chart_defaults
    )
    values = LayeredValues()
    for shown, path in files:
        layer(values, load_single(path, display=shown))
    if overrides:
        merge_into(values.data, dict(overrides))
        values.layers.append("--set")
    return values, notices


def _display(prefix: str, root: Path, path: Path) -> str:
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        return str(path)
    return f"{prefix}/{rel}" if prefix else str(rel)


def render_source(
    spec: SourceSpec,
    root: Path,
    env: str,
    *,
    overrides: Mapping[str, Any] | None = None,
    kube_version: str | None = None,
) -> RenderedSource:
    """Render ``spec`` (materialized at ``root``) for ``env``."""
    chart = find_chart(root, spec.chart, what=f"source '{spec.name}'")
    if chart is None:
        return _plain_folder(spec, root, env)
    version = chart_version(chart)
    values, notices = layer_values(root, chart, spec.values or DEFAULT_LAYERS, env, overrides, display_root=spec.name)
    rendered = render_chart(
        chart,
        values.data,
        release=spec.release or spec.name,
        namespace=spec.namespace or "default",
        kube_version=kube_version,
    )
    chart_rel = _display("", root, chart)
    docs: list[RenderedPolicy] = []
    for template, text in rendered.items():
        template_path = f"{chart_rel}/{template}" if chart_rel not in ("", ".") else template
        display = f"{spec.name}/{template_path}"
        docs.extend(_annotate(load_stream(text, display), spec.name, version, template_path, env))
    return RenderedSource(
        name=spec.name,
        version=version,
        chart=chart_rel,
        environment=env,
        documents=tuple(docs),
        values_layers=tuple(values.layers),
        notices=tuple(notices),
        merged_values=values.data,
    )


def _plain_folder(spec: SourceSpec, root: Path, env: str) -> RenderedSource:
    docs: list[RenderedPolicy] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if (
            any(part.startswith(".") for part in rel.parts)
            or path.suffix not in (".yaml", ".yml")
            or not path.is_file()
        ):
            continue
        if rel.parts[0] == "cd" or path.name == "kyverno-test.yaml":
            continue
        text = read_text(path)
        docs.extend(_annotate(load_stream(text, f"{spec.name}/{rel}"), spec.name, "", str(rel), env))
    return RenderedSource(name=spec.name, version="", chart="", environment=env, documents=tuple(docs))


def _annotate(documents: list[Document], source: str, version: str, template: str, env: str) -> list[RenderedPolicy]:
    out: list[RenderedPolicy] = []
    for doc in documents:
        data = doc.data
        if not isinstance(data, dict):
            raise RenderError(
                f"expected a Kubernetes object, got {type(data).__name__}", file=doc.file, line=doc.start_line + 1
            )
        meta = data.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise RenderError("metadata must be a mapping", file=doc.file, line=doc.line_of(("metadata",)))
        annotations = meta.get("annotations")
        if annotations is None:
            annotations = meta["annotations"] = {}
        if not isinstance(annotations, dict):
            raise RenderError(
                "metadata.annotations must be a mapping", file=doc.file, line=doc.line_of(("metadata", "annotations"))
            )
        annotations[ANNOTATION_PREFIX + "source"] = source
        annotations[ANNOTATION_PREFIX + "source-version"] = version
        annotations[ANNOTATION_PREFIX + "template"] = template
        annotations[ANNOTATION_PREFIX + "environment"] = env
        origin = Origin(source=source, version=version, template=template, environment=env)
        out.append(
            RenderedPolicy(
                name=str(meta.get("name", "")),
                kind=str(data.get("kind", "")),
                namespace=str(meta.get("namespace", "") or ""),
                document=doc,
                origin=origin,
            )
        )
    return out
