"""Builders for source tests: real git repositories, archives and platform.yaml files in temp dirs."""

from __future__ import annotations

import io
import subprocess
import tarfile
import zipfile
from pathlib import Path

POLICY = """\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: {name}
spec:
  validationFailureAction: Audit
  rules: []
"""


def git(cwd: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True).stdout.decode().strip()


def make_git_repo(path: Path) -> str:
    """A repo with policies/require-labels.yaml on main, tagged v1.0.0; returns the commit."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    (path / "policies").mkdir()
    (path / "policies" / "require-labels.yaml").write_text(POLICY.format(name="require-labels"))
    (path / "README.md").write_text("team repo\n")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "v1")
    git(path, "tag", "-a", "v1.0.0", "-m", "v1.0.0")
    return git(path, "rev-parse", "HEAD")


def commit_file(repo: Path, rel: str, text: str) -> str:
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text(text)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", f"add {rel}")
    return git(repo, "rev-parse", "HEAD")


def platform(root: Path, sources: str) -> Path:
    """Write platform.yaml with the given YAML block under ``sources:``."""
    root.mkdir(parents=True, exist_ok=True)
    text = ("apiVersion: policy-platform/v1\nkind: Platform\nmetadata: {name: demo, version: 1.0.0}\n"
            "environments: [{name: dev}]\nsources:\n" + sources)
    (root / "platform.yaml").write_text(text)
    return root / "platform.yaml"


def tar_gz(entries: list[tuple[str, str, str]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, kind, data in entries:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(data.encode())
                tar.addfile(info, io.BytesIO(data.encode()))
            else:
                info.type = tarfile.SYMTYPE
                info.linkname = data
                tar.addfile(info)
    return buf.getvalue()


def zip_bytes(entries: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()
