"""git and archive sources, the lock file and the cache, with real repositories and files."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from helpers import POLICY, commit_file, make_git_repo, platform, tar_gz, zip_bytes

from policy_platform.config import load_config
from policy_platform.errors import IntegrityError, SourceError
from policy_platform.sources import lock_sources, materialize, materialize_all, source_statuses


def test_git_tag_is_pinned_and_cached(tmp_path: Path) -> None:
    commit = make_git_repo(tmp_path / "team.git")
    cfg = load_config(platform(tmp_path / "p", "  - {name: team, type: git, url: ../team.git, ref: v1.0.0}\n"))
    src = materialize(cfg, cfg.sources[0])
    assert src.pin == commit and src.type == "git" and src.notices == ()
    assert (src.root / "policies" / "require-labels.yaml").read_text() == POLICY.format(name="require-labels")
    assert not (src.root / ".git").exists()
    assert materialize(cfg, cfg.sources[0]).root == src.root  # cache hit


def test_git_branch_unlocked_warns_then_lock_pins_it(tmp_path: Path) -> None:
    repo = tmp_path / "team.git"
    first = make_git_repo(repo)
    cfg = load_config(platform(tmp_path / "p", "  - {name: team, type: git, url: ../team.git, ref: main, "
                                               "subdir: policies}\n"))
    src = materialize(cfg, cfg.sources[0])
    assert src.notices == (f"source 'team': '../team.git@main' is a mutable reference and not locked "
                           f"(resolved to {first}); run 'policy-platform lock' to pin it",)
    assert sorted(p.name for p in src.root.iterdir()) == ["require-labels.yaml"]
    entries, changes = lock_sources(cfg)
    assert entries["team"].pin == first and changes == [f"team: locked ../team.git@main -> {first}"]
    lock = json.loads((tmp_path / "p" / "platform.lock").read_text())
    assert lock["sources"]["team"]["type"] == "git" and lock["sources"]["team"]["content"].startswith("sha256:")
    second = commit_file(repo, "policies/more.yaml", POLICY.format(name="more"))
    locked = materialize(cfg, cfg.sources[0])
    assert locked.pin == first and locked.notices == () and not (locked.root / "more.yaml").exists()
    _, changes = lock_sources(cfg, update=["team"])
    assert changes == [f"team: {first} -> {second}"]
    assert (materialize(cfg, cfg.sources[0]).root / "more.yaml").is_file()


def test_lock_entry_not_matching_config_is_refused(tmp_path: Path) -> None:
    make_git_repo(tmp_path / "team.git")
    cfg_path = platform(tmp_path / "p", "  - {name: team, type: git, url: ../team.git, ref: v1.0.0}\n")
    lock_sources(load_config(cfg_path))
    cfg_path.write_text(cfg_path.read_text().replace("ref: v1.0.0", "ref: main"))
    cfg = load_config(cfg_path)
    with pytest.raises(IntegrityError, match=r"platform.yaml:6: source 'team': platform.lock is out of date \(ref "
                                             r"'../team.git@v1.0.0' -> '../team.git@main'\); "
                                             r"run 'policy-platform update team'"):
        materialize(cfg, cfg.sources[0])


def test_modified_cache_content_is_refused(tmp_path: Path) -> None:
    make_git_repo(tmp_path / "team.git")
    cfg = load_config(platform(tmp_path / "p", "  - {name: team, type: git, url: ../team.git, ref: v1.0.0}\n"))
    lock_sources(cfg)
    root = materialize(cfg, cfg.sources[0]).root
    (root / "policies" / "require-labels.yaml").write_text("tampered: true\n")
    with pytest.raises(IntegrityError, match=r"source 'team': content sha256:[0-9a-f]{64} does not match the pin in "
                                             r"platform.lock"):
        materialize(cfg, cfg.sources[0])


def test_offline_uses_lock_and_cache_and_names_missing_sources(tmp_path: Path, isolated_cache: Path) -> None:
    make_git_repo(tmp_path / "team.git")
    cfg = load_config(platform(tmp_path / "p", "  - {name: team, type: git, url: ../team.git, ref: v1.0.0}\n"))
    lock_sources(cfg)
    shutil.rmtree(tmp_path / "team.git")  # no "network" any more
    assert materialize(cfg, cfg.sources[0], offline=True).root.is_dir()
    shutil.rmtree(isolated_cache)
    with pytest.raises(SourceError, match=r"source 'team': [0-9a-f]{40} is not in the cache .*run without --offline"):
        materialize(cfg, cfg.sources[0], offline=True)


def test_offline_without_lock_or_cache(tmp_path: Path) -> None:
    cfg = load_config(platform(tmp_path / "p", "  - {name: team, type: git, url: ../x.git, ref: main}\n"))
    with pytest.raises(SourceError, match=r"source 'team': not locked and never fetched into the cache"):
        materialize(cfg, cfg.sources[0], offline=True)


def test_unknown_git_ref(tmp_path: Path) -> None:
    make_git_repo(tmp_path / "team.git")
    cfg = load_config(platform(tmp_path / "p", "  - {name: team, type: git, url: ../team.git, ref: v9.9.9}\n"))
    with pytest.raises(SourceError, match=r"source 'team': ref 'v9.9.9' not found in .*team.git"):
        materialize(cfg, cfg.sources[0])


def test_archive_tar_and_zip_with_sha256(tmp_path: Path) -> None:
    data = tar_gz([("pkg/policies/p.yaml", "file", POLICY.format(name="p"))])
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.tar.gz").write_bytes(data)
    z = zip_bytes({"z/q.yaml": POLICY.format(name="q")})
    (tmp_path / "p" / "b.zip").write_bytes(z)
    sha_a, sha_b = hashlib.sha256(data).hexdigest(), hashlib.sha256(z).hexdigest()
    cfg = load_config(platform(tmp_path / "p", f"  - {{name: a, type: archive, url: a.tar.gz, sha256: {sha_a}, "
                                               f"subdir: pkg}}\n"
                                               f"  - {{name: b, type: archive, url: 'file://{tmp_path}/p/b.zip', "
                                               f"sha256: {sha_b}}}\n"))
    roots = materialize_all(cfg)
    assert (roots["a"].root / "policies" / "p.yaml").is_file() and roots["a"].pin == sha_a
    assert (roots["b"].root / "z" / "q.yaml").read_text() == POLICY.format(name="q")


def test_archive_sha256_mismatch(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.tar.gz").write_bytes(tar_gz([("x.yaml", "file", "x: 1\n")]))
    spec = f"  - {{name: a, type: archive, url: a.tar.gz, sha256: '{'f' * 64}'}}\n"
    cfg = load_config(platform(tmp_path / "p", spec))
    with pytest.raises(IntegrityError, match=rf"source 'a': a.tar.gz has sha256 [0-9a-f]{{64}}, expected {'f' * 64}"):
        materialize(cfg, cfg.sources[0])


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([("../evil.yaml", "file", "x")], r"refusing path with '\.\.': '\.\./evil\.yaml'"),
        ([("/etc/evil.yaml", "file", "x")], r"refusing absolute path '/etc/evil\.yaml'"),
        ([("ok/evil", "symlink", "/etc/passwd")], r"refusing symlink 'ok/evil' -> '/etc/passwd' \(absolute target\)"),
        ([("ok/evil", "symlink", "../../x")], r"refusing symlink 'ok/evil' -> '\.\./\.\./x' \(escapes the tree\)"),
    ],
    ids=["dotdot", "absolute", "abs-symlink", "escaping-symlink"],
)
def test_unsafe_archives_are_refused(tmp_path: Path, isolated_cache: Path, entries: list[tuple[str, str, str]],
                                     message: str) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.tar.gz").write_bytes(tar_gz(entries))
    cfg = load_config(platform(tmp_path / "p", "  - {name: a, type: archive, url: a.tar.gz}\n"))
    with pytest.raises(IntegrityError, match=message):
        materialize(cfg, cfg.sources[0])
    assert not (tmp_path / "etc").exists() and not (tmp_path / "evil.yaml").exists()
    trees = isolated_cache / "trees"
    assert not trees.exists() or not any(trees.rglob("*.yaml"))  # nothing partial in the cache


def test_source_statuses(tmp_path: Path) -> None:
    make_git_repo(tmp_path / "team.git")
    (tmp_path / "p" / "local").mkdir(parents=True)
    cfg = load_config(platform(tmp_path / "p", "  - {name: team, type: git, url: ../team.git, ref: v1.0.0}\n"
                                               "  - {name: mine, type: local, path: local}\n"))
    before = {s.name: (s.locked, s.cached) for s in source_statuses(cfg)}
    assert before == {"team": ("unlocked", "missing"), "mine": ("-", "local")}
    lock_sources(cfg)
    after = {s.name: (s.locked, s.cached) for s in source_statuses(cfg)}
    assert after == {"team": ("locked", "cached"), "mine": ("-", "local")}


def test_archive_over_http_needs_an_explicit_insecure_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    served = tmp_path / "www"
    served.mkdir()
    data = tar_gz([("policies/p.yaml", "file", POLICY.format(name="p"))])
    (served / "repo.tar.gz").write_bytes(data)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(served)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = f"127.0.0.1:{server.server_address[1]}"
    try:
        sha = hashlib.sha256(data).hexdigest()
        cfg = load_config(platform(tmp_path / "p", f"  - {{name: a, type: archive, url: 'http://{host}/repo.tar.gz', "
                                                   f"sha256: '{sha}'}}\n"))
        with pytest.raises(SourceError, match=rf"source 'a': plain http URL http://{host}/repo.tar.gz \(use https"):
            materialize(cfg, cfg.sources[0])
        monkeypatch.setenv("POLICY_PLATFORM_INSECURE_REGISTRIES", host)
        src = materialize(cfg, cfg.sources[0])
        assert (src.root / "policies" / "p.yaml").read_text() == POLICY.format(name="p")
        missing = load_config(platform(tmp_path / "q", f"  - {{name: a, type: archive, "
                                                       f"url: 'http://{host}/nope.tar.gz'}}\n"))
        with pytest.raises(SourceError, match=rf"cannot download http://{host}/nope.tar.gz: HTTP 404"):
            materialize(missing, missing.sources[0])
    finally:
        server.shutdown()
        server.server_close()


def test_git_commit_ref_is_already_a_pin(tmp_path: Path) -> None:
    repo = tmp_path / "team.git"
    first = make_git_repo(repo)
    commit_file(repo, "policies/later.yaml", POLICY.format(name="later"))
    cfg = load_config(platform(tmp_path / "p", f"  - {{name: team, type: git, url: ../team.git, ref: '{first}'}}\n"))
    src = materialize(cfg, cfg.sources[0])
    assert (src.pin, src.notices) == (first, ())
    assert not (src.root / "policies" / "later.yaml").exists()


def test_update_unknown_source(tmp_path: Path) -> None:
    make_git_repo(tmp_path / "team.git")
    cfg = load_config(platform(tmp_path / "p", "  - {name: team, type: git, url: ../team.git, ref: v1.0.0}\n"))
    with pytest.raises(SourceError, match=r"unknown source\(s\): nope"):
        lock_sources(cfg, update=["nope"])
    assert not (tmp_path / "p" / "platform.lock").exists()
