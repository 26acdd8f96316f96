"""Build the bundle: rendered policies per environment + every source tree + ``manifest.json``.

Layout (the seed's ``/repos/<name>/`` kept as is)::

    manifest.json                                   bundle name/version, sources, policies, per-file sha256 index
    policies/<env>/<source>/<kind>-[<ns>-]<name>.yaml  one rendered policy per file, with provenance annotations
    repos/<source>/...                              each source tree as materialized (``.git`` excluded)

Conflicts across sources follow :func:`policy_platform.render.combine.combine` (prefix, precedence, else an error
naming both origins). Written out as a directory or as a reproducible ``.tar.gz`` (see :mod:`.tarball`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from policy_platform._internal.fs import atomic_write_bytes
from policy_platform.bundle.tarball import tar_gz
from policy_platform.config.model import PlatformConfig, SourceSpec
from policy_platform.errors import SourceError, UsageError
from policy_platform.render.combine import combine, identity
from policy_platform.render.sources import chart_version, find_chart, render_source
from policy_platform.sources import MaterializedSource, materialize_all

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_Dumper: type[Any] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
POLICY_KINDS_WITH_ACTION = frozenset({"ClusterPolicy", "Policy"})


@dataclass(frozen=True, slots=True)
class Bundle:
    """Every file of the bundle (``manifest.json`` included) and the parsed manifest."""

    files: Mapping[str, bytes]
    executables: frozenset[str]
    manifest: Mapping[str, Any]
    notices: tuple[str, ...] = ()

    def tarball(self) -> tuple[bytes, str]:
        """(reproducible tar.gz bytes, diff_id of the uncompressed tar)."""
        return tar_gz(self.files, self.executables)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def read_tree(root: Path) -> tuple[dict[str, bytes], set[str]]:
    """Regular files under ``root`` (``.git`` skipped; symlinks followed only when they stay inside ``root``)."""
    files: dict[str, bytes] = {}
    executables: set[str] = set()
    real_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        here = Path(dirpath)
        for link in [d for d in dirnames if (here / d).is_symlink()]:
            dirnames.remove(link)
        for name in sorted(filenames):
            path = here / name
            if path.is_symlink():
                try:
                    path.resolve(strict=True).relative_to(real_root)
                except (ValueError, OSError):
                    continue
                if not path.is_file():
                    continue
            elif not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            files[rel] = path.read_bytes()
            if os.access(path, os.X_OK):
                executables.add(rel)
    return files, executables


def failure_action(data: Mapping[str, Any]) -> str:
    """The effective validation failure action of a Kyverno policy (``Audit`` by default), ``""`` for other kinds."""
    if data.get("kind") not in POLICY_KINDS_WITH_ACTION:
        return ""
    spec = data.get("spec") or {}
    action = spec.get("validationFailureAction") if isinstance(spec, dict) else None
    if not action and isinstance(spec, dict):
        for rule in spec.get("rules") or []:
            validate = rule.get("validate") if isinstance(rule, dict) else None
            if isinstance(validate, dict) and validate.get("failureAction"):
                action = validate["failureAction"]
                break
    text = str(action or "Audit")
    return text[:1].upper() + text[1:].lower()


def _source_ref(spec: SourceSpec) -> str:
    if spec.type == "local":
        return spec.path
    if spec.type == "git":
        return f"{spec.url}@{spec.ref}" if spec.ref else spec.url
    if spec.type == "archive":
        return spec.url
    return spec.ref


def _policy_file(env: str, source: str, kind: str, namespace: str, name: str) -> str:
    stem = f"{kind.lower()}-{namespace}-{name}" if namespace else f"{kind.lower()}-{name}"
    return f"policies/{env}/{source}/{stem}.yaml"


def environments_for(config: PlatformConfig, env: Sequence[str] | None, all_envs: bool) -> list[str]:
    configured = [e.name for e in config.environments]
    if env:
        for name in env:
            config.environment(name)
        return list(dict.fromkeys(env))
    if all_envs or configured:
        if not configured:
            raise UsageError("--all-envs: the configuration has no environments")
        return configured
    return ["default"]


def build_bundle(
    config: PlatformConfig,
    *,
    environments: Sequence[str],
    materialized: Mapping[str, MaterializedSource] | None = None,
) -> Bundle:
    """Render ``environments`` and assemble the bundle in memory (nothing written)."""
    roots = materialized if materialized is not None else materialize_all(config)
    files: dict[str, bytes] = {}
    executables: set[str] = set()
    notices: list[str] = []
    policies: dict[str, dict[str, Any]] = {}
    versions: dict[str, str] = {}
    for env in environments:
        kube = config.kubernetes_version_for(env) if env != "default" else config.kubernetes_version
        rendered = [render_source(s, roots[s.name].root, env, kube_version=kube) for s in config.policy_sources]
        for r in rendered:
            versions[r.name] = r.version
            notices.extend(f"[{env}] {n}" for n in r.notices)
        combined = combine(config, rendered)
        notices.extend(f"[{env}] {n}" for n in combined.notices)
        for pol in combined.policies:
            key = identity(pol)
            data = pol.document.data
            text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True)
            body = text.encode("utf-8")
            path = _policy_file(env, pol.origin.source, pol.kind, pol.namespace, pol.name)
            if path in files:
                raise SourceError(f"two policies of source '{pol.origin.source}' map to {path} in environment {env}")
            files[path] = body
            entry = policies.setdefault(
                key,
                {
                    "name": pol.name,
                    "kind": pol.kind,
                    "namespace": pol.namespace,
                    "source": pol.origin.source,
                    "template": pol.origin.template,
                    "environments": {},
                },
            )
            entry["environments"][env] = {
                "enabled": True,
                "failureAction": failure_action(data),
                "path": path,
                "sha256": sha256_hex(body),
            }
    sources: dict[str, Any] = {}
    for spec in config.sources:
        src = roots[spec.name]
        tree, execs = read_tree(src.root)
        for rel, data in tree.items():
            files[f"repos/{spec.name}/{rel}"] = data
        executables.update(f"repos/{spec.name}/{rel}" for rel in execs)
        version = versions.get(spec.name)
        if version is None:
            chart = find_chart(src.root, spec.chart, what=f"source '{spec.name}'")
            version = chart_version(chart) if chart is not None else ""
        info: dict[str, Any] = {"type": spec.type, "ref": _source_ref(spec), "pin": src.pin, "version": version}
        if spec.subdir:
            info["subdir"] = spec.subdir
        if src.platform:
            info["platform"] = src.platform
        if spec.prefix:
            info["prefix"] = spec.prefix
        sources[spec.name] = info
    for entry in policies.values():
        for env in environments:
            entry["environments"].setdefault(env, {"enabled": False})
        template = files.get(f"repos/{entry['source']}/{entry['template']}")
        if template is None and entry["template"]:
            chart = find_chart(roots[entry["source"]].root, config.source(entry["source"]).chart)
            if chart is not None:
                rel = chart.relative_to(roots[entry["source"]].root).as_posix()
                template = files.get(f"repos/{entry['source']}/{rel}/{entry['template']}")
        entry["sha256"] = sha256_hex(template) if template is not None else ""
    manifest = {
        "apiVersion": "policy-platform/v1",
        "kind": "Bundle",
        "formatVersion": FORMAT_VERSION,
        "name": config.name,
        "version": config.version,
        "environments": list(environments),
        "precedence": list(config.precedence),
        "sources": sources,
        "policies": [policies[k] for k in sorted(policies)],
        "overrides": sorted(n for n in notices if " overrides " in n),
        "files": {p: {"sha256": sha256_hex(files[p]), "size": len(files[p])} for p in sorted(files)},
    }
    files[MANIFEST] = canonical_json(manifest)
    return Bundle(files=files, executables=frozenset(executables), manifest=manifest, notices=tuple(notices))


def write_bundle(bundle: Bundle, out: Path) -> Path:
    """Write ``bundle`` to ``out``: a ``.tar.gz``/``.tgz`` file, else a directory (replaced atomically)."""
    if out.name.endswith((".tar.gz", ".tgz")):
        data, _ = bundle.tarball()
        atomic_write_bytes(out, data)
        return out
    if out.exists() and not out.is_dir():
        raise UsageError(f"output {out} exists and is not a directory")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for path, data in bundle.files.items():
            target = tmp / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            os.chmod(target, 0o755 if path in bundle.executables else 0o644)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
