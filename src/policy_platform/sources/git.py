"""``type: git``: a repository reached through the git CLI (``url``, ``ref`` = tag, branch or commit, ``subdir``).

Resolution uses ``git ls-remote`` (tags peeled, then branches); a 40-hex ``ref`` is already a pin. Fetching clones
into a temporary bare repository, then ``git archive`` of the pinned commit is unpacked with the safe tar reader, so
``.git`` never reaches the cache. Git itself verifies object hashes.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import tempfile
from pathlib import Path

from policy_platform.config.model import SourceSpec
from policy_platform.errors import SourceError
from policy_platform.oci.tree import tree_from_tar
from policy_platform.sources.base import FetchContext, Pin

_SHA = re.compile(r"[0-9a-f]{40}")
GIT_TIMEOUT = 600.0


def run_git(args: list[str], *, cwd: Path | None = None, what: str = "git") -> bytes:
    """The one place git runs: no prompts, a timeout, errors as :class:`SourceError` with git's first message line."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="true", LC_ALL="C")
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, env=env, timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError as exc:
        raise SourceError(f"{what}: git is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise SourceError(f"{what}: git {args[0]} timed out") from exc
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.decode(errors="replace").splitlines() if ln.strip()]
        msg = next((ln for ln in lines if ln.startswith(("fatal:", "error:"))), lines[0] if lines else "")
        raise SourceError(f"{what}: git {args[0]} failed: {msg.strip()}")
    return proc.stdout


def repo_url(spec: SourceSpec, base_dir: Path) -> str:
    url = spec.url
    if "://" in url or url.startswith("git@") or re.match(r"^[\w.-]+@[\w.-]+:", url):
        return url
    path = Path(url)
    return str(path if path.is_absolute() else (base_dir / path).resolve())


class GitSource:
    def resolve(self, spec: SourceSpec, ctx: FetchContext) -> Pin:
        if _SHA.fullmatch(spec.ref):
            return Pin(pin=spec.ref)
        url = repo_url(spec, ctx.base_dir)
        out = run_git(["ls-remote", "--", url], what=ctx.what).decode()
        refs: dict[str, str] = {}
        for line in out.splitlines():
            sha, _, name = line.partition("\t")
            refs[name] = sha
        ref = spec.ref
        if not ref:
            if "HEAD" in refs:
                return Pin(pin=refs["HEAD"], mutable=True)
            raise SourceError(f"{ctx.what}: {url} has no HEAD; set 'ref'")
        for name, mutable in (
            (f"refs/tags/{ref}^{{}}", False),
            (f"refs/tags/{ref}", False),
            (f"refs/heads/{ref}", True),
            (ref, ref.startswith("refs/heads/")),
        ):
            if name in refs:
                return Pin(pin=refs[name], mutable=mutable)
        raise SourceError(f"{ctx.what}: ref '{ref}' not found in {url} (no such tag, branch or commit)")

    def fetch(self, spec: SourceSpec, pin: Pin, dest: Path, ctx: FetchContext) -> None:
        url = repo_url(spec, ctx.base_dir)
        with tempfile.TemporaryDirectory(prefix="pp-git-") as tmp:
            git_dir = Path(tmp) / "repo.git"
            run_git(["init", "-q", "--bare", str(git_dir)], what=ctx.what)
            try:
                run_git(["--git-dir", str(git_dir), "fetch", "-q", "--depth", "1", url, pin.pin], what=ctx.what)
            except SourceError:
                run_git(
                    ["--git-dir", str(git_dir), "fetch", "-q", url, "+refs/heads/*:refs/heads/*",
                     "+refs/tags/*:refs/tags/*"],
                    what=ctx.what,
                )
            try:
                run_git(["--git-dir", str(git_dir), "cat-file", "-e", f"{pin.pin}^{{commit}}"], what=ctx.what)
            except SourceError as exc:
                raise SourceError(f"{ctx.what}: commit {pin.pin} not found in {url}") from exc
            tar = run_git(["--git-dir", str(git_dir), "archive", "--format=tar", pin.pin], what=ctx.what)
        tree = tree_from_tar(io.BytesIO(tar), f"{ctx.what} ({url}@{pin.pin[:12]})", subdir=spec.subdir)
        if not tree.nodes:
            raise SourceError(f"{ctx.what}: '{spec.subdir or '.'}' is empty or missing at {pin.pin[:12]}")
        tree.write(dest, ctx.what)
