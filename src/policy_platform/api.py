"""The library surface the CLI calls. Every function takes keyword arguments and returns values; none prints.

* :func:`render` — render every policy source for one environment.
* :func:`check` — the CI gate: lint values, build the app manifests, validate them against every source's policies,
  detect deprecated APIs; returns a :class:`CheckReport` whose ``exit_code`` is the gate's verdict.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policy_platform._internal.yamlio import Document, load_stream, read_text
from policy_platform.config import PlatformConfig, load_config
from policy_platform.engines.base import EngineContext, PolicyDocument
from policy_platform.engines.runner import to_findings
from policy_platform.errors import ConfigError, EnvironmentDetectionError, PolicyLoadError
from policy_platform.model.findings import (
    Finding,
    Location,
    ResourceRef,
    ScanResult,
    Severity,
    Status,
    exit_code,
)
from policy_platform.render.combine import combine
from policy_platform.render.environments import Detection, detect
from policy_platform.render.helm import render_chart
from policy_platform.render.sources import (
    RenderedPolicy,
    RenderedSource,
    chart_version,
    find_chart,
    layer_files,
    layer_values,
    render_source,
)
from policy_platform.render.values import LayeredValues, merge_into, parse_set
from policy_platform.sources import MaterializedSource, materialize_all

__all__ = ["AppBuild", "CheckReport", "RenderResult", "check", "detect_environment", "render"]


@dataclass(frozen=True, slots=True)
class RenderResult:
    config: PlatformConfig
    environment: str
    sources: tuple[RenderedSource, ...]
    policies: tuple[RenderedPolicy, ...]
    notices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AppBuild:
    """The app manifests rendered for one environment, as one stream (``helm template`` layout)."""

    release: str
    chart: str
    version: str
    text: str
    documents: tuple[Document, ...]
    templates: Mapping[int, str]  # document index -> template path
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CheckReport:
    config: PlatformConfig
    detection: Detection
    result: ScanResult
    kubernetes_version: str = ""
    sources: tuple[Mapping[str, str], ...] = ()
    notices: tuple[str, ...] = ()
    stages: Mapping[str, str] = field(default_factory=dict)
    skipped: str = ""  # why the whole gate was skipped (unknown branch)
    rendered: RenderResult | None = None
    app: AppBuild | None = None
    lint_values: Mapping[str, Any] | None = None

    @property
    def exit_code(self) -> int:
        if self.skipped:
            return 0
        return exit_code(self.result)


def detect_environment(
    *, config: PlatformConfig | str | Path, env: str | None = None, environ: Mapping[str, str] | None = None
) -> Detection:
    cfg = config if isinstance(config, PlatformConfig) else load_config(config)
    return detect(cfg, os.environ if environ is None else environ, env)


def render(
    *,
    config: PlatformConfig | str | Path,
    env: str,
    set_values: Sequence[str] = (),
    materialized: Mapping[str, MaterializedSource] | None = None,
) -> RenderResult:
    """Render every policy source of ``config`` for ``env`` and combine them (prefixes, precedence, conflicts)."""
    cfg = config if isinstance(config, PlatformConfig) else load_config(config)
    cfg.environment(env)
    roots = materialized if materialized is not None else materialize_all(cfg)
    overrides = parse_set(set_values) if set_values else None
    kube = cfg.kubernetes_version_for(env)
    rendered = tuple(
        render_source(spec, roots[spec.name].root, env, overrides=overrides, kube_version=kube)
        for spec in cfg.policy_sources
    )
    combined = combine(cfg, rendered)
    notices = [n for r in rendered for n in r.notices] + list(combined.notices)
    return RenderResult(cfg, env, rendered, combined.policies, tuple(notices))


def _app_root(cfg: PlatformConfig, roots: Mapping[str, MaterializedSource]) -> tuple[Path, str]:
    app = cfg.app
    assert app is not None
    if app.source:
        return roots[app.source].root, app.source
    return (cfg.base_dir / (app.path or ".")).resolve(), app.path or "."


def _ruleset_path(cfg: PlatformConfig, roots: Mapping[str, MaterializedSource], app_root: Path) -> Path | None:
    app = cfg.app
    if app is None or not app.ruleset:
        return None
    src, sep, rel = app.ruleset.partition(":")
    if sep and src in roots:
        return roots[src].root / rel
    return app_root / app.ruleset


def _app_chart(cfg: PlatformConfig, roots: Mapping[str, MaterializedSource]) -> tuple[Path, str, Path]:
    """The app's root directory, its display label and its chart directory."""
    app = cfg.app
    if app is None:
        raise ConfigError("no 'app' section: nothing to check", file=str(cfg.file))
    root, label = _app_root(cfg, roots)
    chart = find_chart(root, app.chart, what="app")
    if chart is None:
        raise ConfigError(f"app: no chart found under {root}", file=str(cfg.file))
    return root, label, chart


def build_app(
    cfg: PlatformConfig,
    env: str,
    roots: Mapping[str, MaterializedSource],
    values: LayeredValues,
    *,
    display_dir: str = "",
) -> AppBuild:
    """Render the app chart with its layered ``values`` into one manifest stream (``helm template`` layout)."""
    app = cfg.app
    assert app is not None
    root, label, chart = _app_chart(cfg, roots)
    release = app.release or chart.name
    rendered = render_chart(
        chart,
        values.data,
        release=release,
        namespace=app.namespace or "default",
        kube_version=cfg.kubernetes_version_for(env),
    )
    chart_label = f"{label}/{chart.relative_to(root)}" if chart != root else label
    display = f"{display_dir}/{release}.yaml" if display_dir else f"{release}.yaml"
    parts: list[str] = []
    starts: list[tuple[int, str]] = []
    line = 0
    for template, text in rendered.items():
        if not text.strip():
            continue
        chunk = f"---\n# Source: {chart_label}/{template}\n{text.rstrip()}\n"
        starts.append((line, f"{chart_label}/{template}"))
        parts.append(chunk)
        line += chunk.count("\n")
    stream = "".join(parts)
    docs = tuple(load_stream(stream, display))
    templates: dict[int, str] = {}
    for doc in docs:
        owner = ""
        for start, tpl in starts:
            if start <= doc.start_line:
                owner = tpl
        templates[doc.index] = owner
    return AppBuild(
        release=release,
        chart=chart_label,
        version=chart_version(chart),
        text=stream,
        documents=docs,
        templates=templates,
        values=values.data,
    )


SPECTRAL_STATUS = {
    0: (Status.FAIL, Severity.HIGH),
    1: (Status.WARN, Severity.MEDIUM),
    2: (Status.WARN, Severity.LOW),
    3: (Status.WARN, Severity.INFO),
}


def lint_app_values(
    ruleset_file: Path,
    ruleset_label: str,
    files: Sequence[tuple[str, Path]],
    overrides: Mapping[str, Any] | None = None,
) -> tuple[list[Finding], list[str], dict[str, Any]]:
    """Lint the layered values as one document, as the seed's ``yq`` merge + ``spectral lint`` does, but with every
    finding naming the file and line its value came from (the chart's values.yaml or an environment file).

    Layers are parsed as Spectral parses them (YAML 1.2: ``yes`` stays a string; duplicate keys are parser errors);
    Helm rendering reads the same files with Helm's own (YAML 1.1) typing. Returns findings, notices, merged values.
    """
    from policy_platform.engines.spectral import lint_layers, load_ruleset, parse_document

    ruleset = load_ruleset(ruleset_file)
    layers = [parse_document(read_text(path), shown) for shown, path in files]
    merged: dict[str, Any] = {}
    for parsed in layers:
        if isinstance(parsed.data, dict):
            merge_into(merged, parsed.data)
    if overrides:
        merge_into(merged, dict(overrides))
    findings: list[Finding] = []
    for res in lint_layers(ruleset, layers, merged):
        status, severity = SPECTRAL_STATUS.get(int(res.severity), (Status.WARN, Severity.LOW))
        path = tuple(res.path)
        file = res.source or (files[-1][0] if files else "values")
        start = res.range[0] if res.range else None
        findings.append(
            Finding(
                engine="spectral",
                policy=ruleset_label,
                rule=res.code,
                status=status,
                severity=severity,
                message=res.message,
                resource=ResourceRef(kind="Values", name=file),
                location=Location(
                    file=file,
                    path=path,
                    line=start[0] + 1 if start else None,
                    column=start[1] + 1 if start else None,
                ),
                properties={"path": ".".join(str(p) for p in path)},
            )
        )
    return findings, list(ruleset.notices), merged


def _policy_load_findings(policies: Sequence[RenderedPolicy], errors: Sequence[PolicyLoadError]) -> list[Finding]:
    """A policy that fails to load is an ``error`` finding naming it (and blocks); every other policy still runs."""
    by_place = {(p.document.file, p.document.start_line + 1): p for p in policies}
    out: list[Finding] = []
    for err in errors:
        pol = by_place.get((err.file or "", err.line or 0))
        out.append(
            Finding(
                engine="kyverno",
                policy=pol.name if pol else "",
                rule="(policy load)",
                status=Status.ERROR,
                severity=Severity.HIGH,
                message=err.message,
                location=Location(file=err.file or "", line=err.line),
                origin=pol.origin if pol else None,
            )
        )
    return out


def check(
    *,
    config: PlatformConfig | str | Path,
    env: str | None = None,
    environ: Mapping[str, str] | None = None,
    set_values: Sequence[str] = (),
    output_dir: str | Path | None = None,
    unknown_branch: str | None = None,
    cache_dir: str | Path | None = None,
    offline: bool = False,
) -> CheckReport:
    """Run the CI gate for one environment (see the module docstring)."""
    cfg = config if isinstance(config, PlatformConfig) else load_config(config)
    detection = detect(cfg, os.environ if environ is None else environ, env)
    if not detection.environment:
        policy = unknown_branch or cfg.check.unknown_branch
        if detection.source and policy == "skip":
            return CheckReport(cfg, detection, ScanResult(), skipped=detection.reason)
        raise EnvironmentDetectionError(detection.reason, file=str(cfg.file))
    app = cfg.app
    if app is None:
        raise ConfigError("no 'app' section: nothing to check", file=str(cfg.file))
    envname = detection.environment
    kube = cfg.kubernetes_version_for(envname)
    roots = materialize_all(cfg, cache_dir=Path(cache_dir) if cache_dir else None, offline=offline)
    overrides = parse_set(set_values) if set_values else None
    stages: dict[str, str] = {}
    metadata: dict[str, str] = {"environment": envname, "kubernetesVersion": kube}
    notices: list[str] = [n for m in roots.values() for n in m.notices]
    findings: list[Finding] = []

    # (a) lint the app's layered values; loading them first makes a file that does not parse an input error (exit 2)
    app_root, app_label, app_chart = _app_chart(cfg, roots)
    helm_values, app_notices = layer_values(app_root, app_chart, app.values, envname, overrides, display_root=app_label)
    notices += app_notices
    ruleset_file = _ruleset_path(cfg, roots, app_root)
    lint_merged: dict[str, Any] | None = None
    lint_blocked = False
    if ruleset_file is not None:
        label = app.ruleset if ":" in app.ruleset or not app.source else f"{app.source}/{app.ruleset}"
        value_files, _ = layer_files(
            app_root, app_chart, app.values, envname, display_root=app_label, include_chart_defaults=True
        )
        lint_findings, lint_notices, lint_merged = lint_app_values(ruleset_file, label, value_files, overrides)
        findings += lint_findings
        notices += lint_notices
        lint_blocked = any(f.status is Status.FAIL for f in lint_findings)
        stages["lint"] = "failed" if lint_blocked else "ok"
    else:
        stages["lint"] = "no ruleset configured"

    rendered: RenderResult | None = None
    app_build: AppBuild | None = None
    if lint_blocked:
        # the seed's fail-fast: no point rendering manifests if the values are invalid
        stages["build"] = stages["validate"] = stages["deprecations"] = "skipped: values lint failed"
    else:
        # (b) build the app manifests
        app_build = build_app(cfg, envname, roots, helm_values, display_dir=str(output_dir) if output_dir else "")
        stages["build"] = "ok"
        # (c) render every policy source and validate the manifests against the combined policies
        rendered = render(config=cfg, env=envname, set_values=(), materialized=roots)
        notices += list(rendered.notices)
        from policy_platform.engines.kyverno import KyvernoEngine

        engine = KyvernoEngine()
        loaded, load_errors = engine.load_tolerant([PolicyDocument(p.document, p.origin) for p in rendered.policies])
        findings += _policy_load_findings(rendered.policies, load_errors)
        ctx = EngineContext(environment=envname, kubernetes_version=kube)
        for doc in app_build.documents:
            tpl = app_build.templates.get(doc.index, "")
            findings += to_findings(
                "kyverno",
                engine.evaluate(loaded, doc, ctx),
                doc,
                audit_warn=cfg.check.audit_warn,
                extra_properties={"resourceTemplate": tpl} if tpl else None,
            )
        stages["validate"] = "ok"
        # (d) deprecated and removed APIs
        from policy_platform.engines.deprecations import DeprecationsEngine, load_versions

        dep_status = Status.FAIL if cfg.check.deprecated_apis == "fail" else Status.WARN
        table = load_versions()
        metadata["deprecationsData"] = table.data_version
        dep = DeprecationsEngine(table, targets={"k8s": kube}, deprecated_status=dep_status)
        for doc in app_build.documents:
            tpl = app_build.templates.get(doc.index, "")
            findings += to_findings(
                "deprecations",
                dep.evaluate(doc),
                doc,
                audit_warn=False,
                extra_properties={"resourceTemplate": tpl} if tpl else None,
            )
        stages["deprecations"] = "ok"

    sources_info = []
    for spec in cfg.sources:
        version = ""
        if rendered is not None:
            version = next((r.version for r in rendered.sources if r.name == spec.name), "")
        if spec.name == app.source:
            version = chart_version(app_chart)
        sources_info.append({"name": spec.name, "type": spec.type, "version": version, "pin": roots[spec.name].pin})
    return CheckReport(
        config=cfg,
        detection=detection,
        result=ScanResult.build(findings, engines=("spectral", "kyverno", "deprecations"), metadata=metadata),
        kubernetes_version=kube,
        sources=tuple(sources_info),
        notices=tuple(notices),
        stages=stages,
        rendered=rendered,
        app=app_build,
        lint_values=lint_merged,
    )
