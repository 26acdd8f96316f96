"""Tree semantics (last entry wins; files replace directories and their subtrees) and safe-path rules."""

from __future__ import annotations

import pytest

from policy_platform.errors import IntegrityError
from policy_platform.oci.safepath import check_symlink, normalize_member, under
from policy_platform.oci.tree import Node, Tree

F = Node("file", b"x")
D = Node("dir")


@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        ([("a/b/c", F), ("a/b", F)], {"a/b": "file"}),  # a file replaces a directory implied by children
        ([("a/b", D), ("a/b/c", F), ("a", F)], {"a": "file"}),
        ([("a", F), ("a/b", F)], {"a/b": "file"}),  # an entry below a file replaces the file
        ([("a/b", F), ("a/b", D)], {"a/b": "dir"}),
        ([("a/b", F), ("a/c", F), ("a/b", Node("symlink", target="c"))], {"a/b": "symlink", "a/c": "file"}),
        ([("ab/c", F), ("a", F)], {"ab/c": "file", "a": "file"}),  # prefix of a name is not an ancestor
    ],
)
def test_put(ops: list[tuple[str, Node]], expected: dict[str, str]) -> None:
    tree = Tree()
    for path, node in ops:
        tree.put(path, node)
    assert {p: n.kind for p, n in tree.nodes.items()} == expected


def test_remove_children_and_subtree() -> None:
    tree = Tree()
    for path in ("a/x", "a/y/z", "ab", "b"):
        tree.put(path, F)
    tree.remove_children("a")
    assert sorted(tree.nodes) == ["ab", "b"]
    tree.remove_subtree("ab")
    assert sorted(tree.nodes) == ["b"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("./a/b/", "a/b"), ("a//b/./c", "a/b/c"), (".", ""), ("", "")],
)
def test_normalize(name: str, expected: str) -> None:
    assert normalize_member(name, "t") == expected


@pytest.mark.parametrize(
    ("rel", "target", "resolved"),
    [("a/l", "b", "a/b"), ("a/l", "../c", "c"), ("l", ".", "")],
)
def test_symlinks_inside(rel: str, target: str, resolved: str) -> None:
    assert check_symlink(rel, target, "t") == resolved


@pytest.mark.parametrize(("rel", "target"), [("l", ".."), ("a/l", "../../x"), ("l", "/etc/passwd")])
def test_symlinks_escaping(rel: str, target: str) -> None:
    with pytest.raises(IntegrityError, match=rf"t: refusing symlink '{rel}' -> '{target}'"):
        check_symlink(rel, target, "t")


def test_under() -> None:
    assert (under("repos/a/x", "repos/a"), under("repos/a", "repos/a"), under("repos/ab", "repos/a")) == ("x", "", None)
