"""Render Helm charts with Helm's own Go SDK (helm-python-sdk), falling back to a ``helm`` binary on PATH.

``render_chart(chart_dir, values) -> {template path: text}`` with template paths relative to the chart directory
(``templates/x.yaml``). ``NOTES.txt`` and partials are dropped, as ``helm template`` does. Errors become
:class:`~policy_platform.errors.RenderError` naming the template file and line.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from policy_platform.errors import RenderError

_LOCATION = re.compile(r"\(?([^\s()]+?\.(?:ya?ml|tpl|txt|json)):(\d+)")
INSTALL_HINT = (
    "no Helm renderer available: install the SDK with `pip install helm-python-sdk==0.2.2` "
    "(Linux x86_64/aarch64, macOS arm64, Windows amd64) or put a `helm` (v3 or v4) binary on PATH"
)


@lru_cache(maxsize=1)
def _sdk() -> ModuleType | None:
    try:
        import helm_python
    except (ImportError, OSError):
        return None
    return helm_python


def renderer_name() -> str:
    if _sdk() is not None:
        return "helm-python-sdk"
    if shutil.which("helm"):
        return "helm"
    return "none"


def _error(chart_dir: Path, message: str) -> RenderError:
    """Turn Helm's message into a one-line error naming the template file and line."""
    text = " ".join(str(message).split())
    m = _LOCATION.search(text)
    if m:
        rel = m.group(1)
        rel_path = Path(rel)
        # Helm names templates "<chart name>/templates/x.yaml": map back to the chart directory.
        parts = rel_path.parts
        local = chart_dir.joinpath(*parts[1:]) if len(parts) > 1 else chart_dir / rel
        return RenderError(f"template error: {text}", file=str(local), line=int(m.group(2)))
    return RenderError(f"render failed: {text}", file=str(chart_dir))


def render_chart(
    chart_dir: str | Path,
    values: Mapping[str, Any] | None = None,
    *,
    release: str = "release-name",
    namespace: str = "default",
    kube_version: str | None = None,
) -> dict[str, str]:
    """Render ``chart_dir`` with ``values`` (already layered) and return ``{templates/x.yaml: text}``, sorted."""
    chart = Path(chart_dir)
    if not (chart / "Chart.yaml").is_file():
        raise RenderError("not a Helm chart (no Chart.yaml)", file=str(chart))
    sdk = _sdk()
    if sdk is not None:
        out = _render_sdk(sdk, chart, dict(values or {}), release, namespace, kube_version)
    elif shutil.which("helm"):
        out = _render_binary(chart, dict(values or {}), release, namespace, kube_version)
    else:
        raise RenderError(INSTALL_HINT, file=str(chart))
    result: dict[str, str] = {}
    for key in sorted(out):
        parts = Path(key).parts
        rel = str(Path(*parts[1:])) if len(parts) > 1 else key
        if Path(rel).name == "NOTES.txt" or Path(rel).name.startswith("_"):
            continue
        result[rel] = out[key]
    return result


def _render_sdk(
    sdk: ModuleType, chart: Path, values: dict[str, Any], release: str, namespace: str, kube_version: str | None
) -> dict[str, str]:
    try:
        loaded = sdk.Chart.load(str(chart))
        opts: dict[str, Any] = {"name": release, "namespace": namespace, "is_install": True}
        if kube_version:
            opts["kube_version"] = kube_version if kube_version.startswith("v") else f"v{kube_version}"
        raw = sdk._native.call_string("helm_render", loaded._raw(), json.dumps(values), json.dumps(opts))
        rendered: dict[str, str] = json.loads(raw)
    except sdk.HelmError as exc:
        raise _error(chart, getattr(exc, "detail", str(exc))) from None
    return rendered


def _render_binary(
    chart: Path, values: dict[str, Any], release: str, namespace: str, kube_version: str | None
) -> dict[str, str]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=True) as fh:
        json.dump(values, fh)
        fh.flush()
        cmd = ["helm", "template", release, str(chart), "-f", fh.name, "--namespace", namespace]
        if kube_version:
            cmd += ["--kube-version", kube_version]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)
    if proc.returncode != 0:
        raise _error(chart, proc.stderr.strip().removeprefix("Error: "))
    out: dict[str, str] = {}
    current = None
    for line in proc.stdout.splitlines(keepends=True):
        if line.startswith("# Source: "):
            current = line[len("# Source: ") :].strip()
            out.setdefault(current, "")
            continue
        if current is not None:
            out[current] += line
    return out
