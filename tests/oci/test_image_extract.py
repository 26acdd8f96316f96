"""Sub-path extraction from hand-built images: whiteouts, opaque dirs, hard links, symlinks, platforms, safety."""

from __future__ import annotations

import pytest
from tests.oci_registry import Registry, push_image, push_index

from policy_platform.errors import IntegrityError, SourceError
from policy_platform.oci.client import RegistryClient
from policy_platform.oci.image import extract_path, select_image

BASE = [
    ("repos", "dir", ""),
    ("repos/sec", "dir", ""),
    ("repos/sec/keep.yaml", "file", "keep: 1\n"),
    ("repos/sec/old.yaml", "file", "old: 1\n"),
    ("repos/sec/opaque", "dir", ""),
    ("repos/sec/opaque/lower.yaml", "file", "lower\n"),
    ("repos/sec/gone", "dir", ""),
    ("repos/sec/gone/a.yaml", "file", "a\n"),
    ("repos/other/x.yaml", "file", "not ours\n"),
    ("etc/os-release", "file", "ID=scratch\n"),
]
UPPER = [
    ("repos/sec/opaque/upper.yaml", "file", "upper\n"),
    ("repos/sec/opaque/.wh..wh..opq", "file", ""),  # after a new file in the same tar: must not hide it
    ("repos/sec/.wh.old.yaml", "file", ""),
    ("repos/sec/.wh.gone", "file", ""),
    ("repos/sec/keep.yaml", "file", "keep: 2\n"),
    ("repos/sec/link.yaml", "hardlink", "repos/sec/keep.yaml"),
    ("repos/sec/rel", "symlink", "keep.yaml"),
]


def _files(tree: object) -> dict[str, str]:
    from policy_platform.oci.tree import Tree

    assert isinstance(tree, Tree)
    return {p: (n.data.decode() if n.kind == "file" else f"{n.kind}:{n.target}") for p, n in tree.files()
            if n.kind != "dir"}


@pytest.mark.parametrize("docker", [False, True], ids=["oci", "docker-v2s2"])
def test_whiteouts_opaque_and_links(registry: Registry, docker: bool) -> None:
    repo = f"images/layers-{'docker' if docker else 'oci'}"
    with RegistryClient(registry.host, registry.options()) as client:
        push_image(client, repo, "v1", [BASE, UPPER], docker=docker)
        image = select_image(client, repo, "v1")
        tree = extract_path(client, repo, image, "/repos/sec/")
    assert _files(tree) == {
        "keep.yaml": "keep: 2\n",
        "link.yaml": "keep: 2\n",  # a hard link refers to the earlier entry of the same tar
        "opaque/upper.yaml": "upper\n",
        "rel": "symlink:keep.yaml",
    }


@pytest.mark.parametrize("compression", ["zstd", "none"])
def test_zstd_and_uncompressed_layers(registry: Registry, compression: str) -> None:
    repo = f"images/layers-{compression}"
    with RegistryClient(registry.host, registry.options()) as client:
        push_image(client, repo, "v1", [BASE, UPPER], compression=compression)
        tree = extract_path(client, repo, select_image(client, repo, "v1"), "/repos/sec/")
    assert _files(tree)["keep.yaml"] == "keep: 2\n"
    assert "old.yaml" not in _files(tree)


def test_whiteout_on_ancestor_wipes_the_subpath(registry: Registry) -> None:
    repo = "images/ancestor"
    with RegistryClient(registry.host, registry.options()) as client:
        push_image(client, repo, "v1", [BASE, [("repos/.wh.sec", "file", "")],
                                         [("repos/sec/new.yaml", "file", "new\n")]])
        tree = extract_path(client, repo, select_image(client, repo, "v1"), "repos/sec")
    assert _files(tree) == {"new.yaml": "new\n"}


def test_escaping_symlink_is_refused(registry: Registry) -> None:
    repo = "images/evil-link"
    with RegistryClient(registry.host, registry.options()) as client:
        push_image(client, repo, "v1", [[("repos/sec/evil", "symlink", "/etc/os-release")]])
        with pytest.raises(IntegrityError, match=r"refusing symlink 'evil' -> '/etc/os-release' \(absolute target\)"):
            extract_path(client, repo, select_image(client, repo, "v1"), "/repos/sec/")
        push_image(client, repo, "v2", [[("repos/sec/up", "symlink", "../../etc/os-release")]])
        with pytest.raises(IntegrityError, match=r"refusing symlink 'up' -> '../../etc/os-release' \(escapes"):
            extract_path(client, repo, select_image(client, repo, "v2"), "/repos/sec/")


def test_dotdot_member_is_refused(registry: Registry) -> None:
    repo = "images/dotdot"
    with RegistryClient(registry.host, registry.options()) as client:
        push_image(client, repo, "v1", [[("repos/sec/../../x", "file", "x")]])
        with pytest.raises(IntegrityError, match=r"refusing path with '\.\.': 'repos/sec/\.\./\.\./x'"):
            extract_path(client, repo, select_image(client, repo, "v1"), "/repos/sec/")


def test_multi_arch_index_selects_platform(registry: Registry) -> None:
    repo = "images/multi"
    with RegistryClient(registry.host, registry.options()) as client:
        amd = push_image(client, repo, "amd", [[("repos/sec/arch.txt", "file", "amd64\n")]])
        arm = push_image(client, repo, "arm", [[("repos/sec/arch.txt", "file", "arm64\n")]],
                         platform=("linux", "arm64"))
        index = push_index(client, repo, "v1", [(amd[0], amd[1], "linux", "amd64"), (arm[0], arm[1], "linux", "arm64")])
        default = select_image(client, repo, "v1")
        chosen = select_image(client, repo, "v1", "linux/arm64")
        assert (default.index_digest, default.manifest.digest, default.platform) == (index, amd[0], "linux/amd64")
        assert (chosen.manifest.digest, chosen.platform) == (arm[0], "linux/arm64")
        assert _files(extract_path(client, repo, chosen, "/repos/sec/")) == {"arch.txt": "arm64\n"}
        with pytest.raises(SourceError, match=r"no image for platform linux/s390x \(available: linux/amd64, "
                                              r"linux/arm64\)"):
            select_image(client, repo, "v1", "linux/s390x")


def test_missing_subpath_is_an_error(registry: Registry) -> None:
    repo = "images/empty"
    with RegistryClient(registry.host, registry.options()) as client:
        push_image(client, repo, "v1", [[("repos/other/a", "file", "a")]])
        with pytest.raises(SourceError, match=r"the image has nothing under /repos/sec/"):
            extract_path(client, repo, select_image(client, repo, "v1"), "/repos/sec/")
