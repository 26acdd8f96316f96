"""CLI: build, push, pull, keygen, sign, verify, lock, update, sources — exit codes and one-line errors."""

from __future__ import annotations

import io
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

try:
    from tests.oci_registry import (
        PASSWORD,
        USER,
        Registry,
        _registry_binary,
        basic_registry,
        free_port,
        isolated_cache,
        registry,
    )
except ModuleNotFoundError:  # tests/ is a package
    from tests.oci_registry import (  # type: ignore[no-redef]  # noqa: F401
        PASSWORD,
        USER,
        Registry,
        _registry_binary,
        basic_registry,
        free_port,
        isolated_cache,
        registry,
    )

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture(autouse=True)
def _cache(request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("isolated_cache")


def test_build_tarball_and_directory(cli: Cli, example: Path, tmp_path: Path) -> None:
    code, out, err = cli("build", "-c", str(example), "--all-envs", "-o", str(tmp_path / "b.tar.gz"))
    assert (code, err) == (0, "")
    assert out == f"built acme-policy-platform 1.4.0 (10 policies, 4 environment(s), 78 files) -> {tmp_path}/b.tar.gz\n"
    code, out, _ = cli("build", "-c", str(example), "--env", "prd", "-o", str(tmp_path / "dir"))
    assert code == 0
    manifest = json.loads((tmp_path / "dir" / "manifest.json").read_text())
    assert manifest["environments"] == ["prd"]


def test_build_unknown_env_is_exit_2(cli: Cli, example: Path, tmp_path: Path) -> None:
    code, out, err = cli("build", "-c", str(example), "--env", "nope", "-o", str(tmp_path / "b.tar.gz"))
    assert (code, out) == (2, "")
    assert err == (f"policy-platform: error: {example}/platform.yaml: unknown environment 'nope' "
                   f"(configured: dev, qac, stg, prd)\n")


@pytest.mark.usefixtures("registry")
def test_push_pull_sign_verify(cli: Cli, example: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    reg: Registry = request.getfixturevalue("registry")
    host = reg.host
    bundle = tmp_path / "b.tar.gz"
    assert cli("build", "-c", str(example), "-o", str(bundle))[0] == 0
    code, out, err = cli("push", str(bundle), f"{host}/cli/bundle", "--insecure-registry", host)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"pushed {host}/cli/bundle@sha256:")
    assert lines[1] == f"  tagged {host}/cli/bundle:v1.4.0"
    assert lines[-1] == f"  tagged {host}/cli/bundle:latest"
    digest = lines[0].split("@")[1].split(" ")[0]
    code, out, err = cli("pull", f"{host}/cli/bundle:v1.4.0", "-o", str(tmp_path / "pulled"), "--insecure-registry",
                         host)
    assert code == 0, err
    assert out == f"pulled {host}/cli/bundle@{digest} (acme-policy-platform 1.4.0) -> {tmp_path}/pulled\n"
    assert (tmp_path / "pulled" / "manifest.json").is_file()
    code, out, _ = cli("keygen", "-o", str(tmp_path / "k"))
    assert code == 0 and out.startswith(f"wrote {tmp_path}/k.key and {tmp_path}/k.pub (key id sha256:")
    assert (tmp_path / "k.key").stat().st_mode & 0o777 == 0o600
    code, out, err = cli("verify", f"{host}/cli/bundle:v1.4.0", "--key", str(tmp_path / "k.pub"),
                         "--insecure-registry", host)
    assert code == 2 and out == ""
    assert err == f"policy-platform: error: {host}/cli/bundle:v1.4.0: {host}/cli/bundle@{digest} is not signed " \
                  f"(no signature referrers)\n"
    code, out, err = cli("sign", f"{host}/cli/bundle:v1.4.0", "--key", str(tmp_path / "k.key"), "--insecure-registry",
                         host)
    assert code == 0, err
    assert out.startswith(f"signed {host}/cli/bundle@{digest}: signature sha256:")
    assert out.endswith(f"(referrers fallback tag {digest.replace(':', '-')})\n")
    code, out, _ = cli("verify", f"{host}/cli/bundle:v1.4.0", "--key", str(tmp_path / "k.pub"), "--insecure-registry",
                       host)
    assert (code, out) == (0, f"verified {host}/cli/bundle@{digest}\n")
    code, _, err = cli("pull", f"{host}/cli/bundle:v1.4.0", "-o", str(tmp_path / "pulled"), "--insecure-registry", host)
    assert code == 2 and err == f"policy-platform: error: output directory {tmp_path}/pulled exists and is not empty\n"


def test_push_to_unreachable_registry_is_one_line(cli: Cli, example: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "b.tar.gz"
    assert cli("build", "-c", str(example), "--env", "dev", "-o", str(bundle))[0] == 0
    host = f"127.0.0.1:{free_port()}"
    code, out, err = cli("push", str(bundle), f"{host}/x/y:v1", "--insecure-registry", host)
    assert code == 2 and out == ""
    assert re.fullmatch(rf"policy-platform: error: HEAD http://{host}/v2/x/y/blobs/sha256:[0-9a-f]{{64}}: cannot reach "
                        r"registry: \[Errno 111\] Connection refused\n", err)


def test_lock_update_sources(cli: Cli, tmp_path: Path) -> None:
    repo = tmp_path / "team.git"
    repo.mkdir()
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e",
           "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}

    def git(*args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
        return proc.stdout.decode().strip()

    git("init", "-q", "-b", "main")
    (repo / "p.yaml").write_text("apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\nspec: {}\n")
    git("add", ".")
    git("commit", "-q", "-m", "one")
    first = git("rev-parse", "HEAD")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "platform.yaml").write_text(
        "apiVersion: policy-platform/v1\nkind: Platform\nmetadata: {name: d, version: 1.0.0}\n"
        "environments: [{name: dev}]\nsources: [{name: team, type: git, url: ../team.git, ref: main}]\n")
    cfg = str(tmp_path / "p")
    code, out, err = cli("build", "-c", cfg, "-o", str(tmp_path / "o.tar.gz"))
    assert code == 0
    assert err == (f"warning: source 'team': '../team.git@main' is a mutable reference and not locked (resolved to "
                   f"{first}); run 'policy-platform lock' to pin it\n")
    code, out, _ = cli("lock", "-c", cfg)
    assert (code, out) == (0, f"team: locked ../team.git@main -> {first}\n{tmp_path}/p/platform.lock: 1 source(s) "
                              f"locked, 1 changed\n")
    code, out, _ = cli("sources", "-c", cfg, "--json")
    assert json.loads(out) == [{"name": "team", "type": "git", "ref": "../team.git@main", "pin": first, "version": "",
                                "lock": "locked", "cache": "cached"}]
    (repo / "q.yaml").write_text("x: 1\n")
    git("add", ".")
    git("commit", "-q", "-m", "two")
    second = git("rev-parse", "HEAD")
    code, _, err = cli("build", "-c", cfg, "-o", str(tmp_path / "o2.tar.gz"))
    assert (code, err) == (0, "")  # locked: no warning, old content
    code, out, _ = cli("update", "-c", cfg, "team")
    assert out.splitlines()[0] == f"team: {first} -> {second}"
    code, out, _ = cli("sources", "-c", cfg)
    assert out.splitlines()[1].split() == ["team", "git", "../team.git@main", second[:19], "locked", "cached"]


def test_push_directory_and_pull_tarball_are_identical(cli: Cli, example: Path, tmp_path: Path,
                                                       request: pytest.FixtureRequest) -> None:
    host = request.getfixturevalue("registry").host
    assert cli("build", "-c", str(example), "--env", "dev", "-o", str(tmp_path / "b.tar.gz"))[0] == 0
    assert cli("build", "-c", str(example), "--env", "dev", "-o", str(tmp_path / "dir"))[0] == 0
    code, out, err = cli("push", str(tmp_path / "dir"), f"{host}/cli/fromdir:v9.9.9", "--insecure-registry", host)
    assert code == 0, err
    assert out.splitlines()[1:] == [f"  tagged {host}/cli/fromdir:v9.9.9"]
    code, _, err = cli("pull", f"{host}/cli/fromdir:v9.9.9", "-o", str(tmp_path / "pulled.tar.gz"),
                       "--insecure-registry", host)
    assert code == 0, err
    assert (tmp_path / "pulled.tar.gz").read_bytes() == (tmp_path / "b.tar.gz").read_bytes()


def test_keygen_refuses_to_overwrite(cli: Cli, tmp_path: Path) -> None:
    assert cli("keygen", "-o", str(tmp_path / "k"))[0] == 0
    code, out, err = cli("keygen", "-o", str(tmp_path / "k"))
    assert (code, out, err) == (2, "", f"policy-platform: error: {tmp_path}/k.key already exists (use --force to "
                                       f"overwrite)\n")


def test_sign_with_a_public_key_is_a_clear_error(cli: Cli, tmp_path: Path) -> None:
    assert cli("keygen", "-o", str(tmp_path / "k"))[0] == 0
    code, _, err = cli("sign", "127.0.0.1:1/x:v1", "--key", str(tmp_path / "k.pub"))
    assert code == 2
    assert err.startswith(f"policy-platform: error: {tmp_path}/k.pub: not an unencrypted PEM private key")


def test_password_stdin_against_basic_auth_over_tls(cli: Cli, example: Path, tmp_path: Path,
                                                    request: pytest.FixtureRequest,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    reg: Registry = request.getfixturevalue("basic_registry")
    assert cli("build", "-c", str(example), "--env", "dev", "-o", str(tmp_path / "b.tar.gz"))[0] == 0
    target = f"{reg.host}/cli/basic:v1.0.0"
    code, _, err = cli("push", str(tmp_path / "b.tar.gz"), target, "--ca-file", reg.ca_file)
    assert code == 2
    assert err == (f"policy-platform: error: {reg.host}: authentication required (use --username/--password-stdin "
                   f"or docker login)\n")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code, out, err = cli("push", str(tmp_path / "b.tar.gz"), target, "--ca-file", reg.ca_file, "--username", USER,
                         "--password-stdin")
    assert code == 0, err
    assert out.startswith(f"pushed {reg.host}/cli/basic@sha256:")
    code, _, err = cli("pull", target, "-o", str(tmp_path / "p"))  # no CA: TLS verification fails
    assert code == 2 and "TLS certificate verification failed" in err and "--ca-file" in err
