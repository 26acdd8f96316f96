"""Path safety for everything unpacked from archives, bundles and image layers.

Member names are normalised (``./`` stripped); a ``..`` component, an absolute name or a symlink whose target leaves
the extracted tree (absolute, or climbing above the root) is refused with an :class:`IntegrityError` naming the
archive and the member. Nothing is ever followed outside the destination.
"""

from __future__ import annotations

import posixpath

from policy_platform.errors import IntegrityError


def normalize_member(name: str, what: str, *, allow_absolute: bool = False) -> str:
    """``./a/b/`` → ``a/b``; refuse ``..`` and (unless ``allow_absolute``) absolute names. ``""`` is the root."""
    raw = name.replace("\\", "/") if "\\" in name and "/" not in name else name
    if raw.startswith("/") and not allow_absolute:
        raise IntegrityError(f"{what}: refusing absolute path '{name}'")
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise IntegrityError(f"{what}: refusing path with '..': '{name}'")
    return "/".join(parts)


def check_symlink(rel: str, target: str, what: str) -> str:
    """Validate a symlink at ``rel`` (relative to the tree root) pointing at ``target``; return the resolved path."""
    if target.startswith("/"):
        raise IntegrityError(f"{what}: refusing symlink '{rel}' -> '{target}' (absolute target)")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
    if resolved == ".." or resolved.startswith(("../", "/")):
        raise IntegrityError(f"{what}: refusing symlink '{rel}' -> '{target}' (escapes the tree)")
    return "" if resolved == "." else resolved


def under(path: str, root: str) -> str | None:
    """``path`` relative to ``root`` (both normalised), or None when outside. ``root == ""`` means everything."""
    if not root:
        return path
    if path == root:
        return ""
    if path.startswith(root + "/"):
        return path[len(root) + 1 :]
    return None
