"""The packaged data: schema checks, and one generated case per entry.

For every entry a manifest with its apiVersion and kind is checked by the engine at versions before, at and after its
``deprecated-in`` and ``removed-in``, asserting the rule, status, message, replacement and line each time.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from policy_platform._internal.yamlio import load_stream
from policy_platform.engines.deprecations import DeprecationsEngine, VersionEntry, load_versions, semver
from policy_platform.engines.deprecations.versions import packaged_path
from policy_platform.model.findings import Status

TABLE = load_versions()
ENTRIES = TABLE.entries


def _id(e: VersionEntry) -> str:
    return f"{e.version}:{e.kind or '*'}"


def _before(version: str) -> str:
    v = semver.parse(version)
    assert v is not None
    if v.patch:
        return f"v{v.major}.{v.minor}.{v.patch - 1}"
    if v.minor:
        return f"v{v.major}.{v.minor - 1}.99"
    return f"v{v.major - 1}.99.99"


def _after(version: str) -> str:
    v = semver.parse(version)
    assert v is not None
    return f"v{v.major}.{v.minor + 1}.0"


def _outcomes(entry: VersionEntry, target: str) -> list[tuple[str, Status, str, tuple[str | int, ...], dict[str, str]]]:
    kind = entry.kind or "SomeKind"
    text = f"# {entry.source}\napiVersion: {entry.version}\nkind: {kind}\nmetadata:\n  name: x\n"
    (doc,) = load_stream(text, "manifest.yaml")
    engine = DeprecationsEngine(TABLE, targets={entry.component: target})
    out = []
    for o in engine.evaluate(doc):
        assert doc.locate(o.path) == (2, 1, True)  # the apiVersion line
        out.append((o.rule, o.status, o.message, o.path, dict(o.properties)))
    return out


def test_counts_and_components() -> None:
    counts = Counter(e.component for e in ENTRIES)
    assert set(counts) == {"k8s", "cert-manager", "istio"}
    assert counts["k8s"] >= 80
    assert counts["cert-manager"] == 24
    assert TABLE.data_version
    assert dict(TABLE.target_versions) == {"k8s": "v1.25.0", "istio": "v1.11.0", "cert-manager": "v1.5.3"}


def test_issue_coverage() -> None:
    """Every group version the issue names is in the table."""
    present = {e.version for e in ENTRIES}
    for version in (
        "extensions/v1beta1",
        "apps/v1beta1",
        "apps/v1beta2",
        "networking.k8s.io/v1beta1",
        "policy/v1beta1",
        "batch/v1beta1",
        "batch/v2alpha1",
        "autoscaling/v2beta1",
        "autoscaling/v2beta2",
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "storage.k8s.io/v1beta1",
        "rbac.authorization.k8s.io/v1beta1",
        "admissionregistration.k8s.io/v1beta1",
        "apiextensions.k8s.io/v1beta1",
        "certificates.k8s.io/v1beta1",
        "coordination.k8s.io/v1beta1",
        "scheduling.k8s.io/v1beta1",
        "discovery.k8s.io/v1beta1",
        "events.k8s.io/v1beta1",
        "node.k8s.io/v1beta1",
        "resource.k8s.io/v1beta1",
        "cert-manager.io/v1alpha2",
        "authentication.istio.io/v1alpha1",
    ):
        assert version in present, version


def test_every_entry_has_a_source_comment() -> None:
    """Each data line is preceded (within its group) by a comment naming a source."""
    lines = packaged_path().read_text(encoding="utf-8").splitlines()
    last_comment = ""
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#"):
            last_comment += stripped
        elif stripped.startswith("- {version:"):
            assert re.search(r"\[(guide|CL-1\.\d+|lifecycle|blog-1\.16)\]|release notes|upgrade notes", last_comment), (
                line
            )
        elif not stripped:
            continue
        if stripped.startswith(("# ----", "# ====")):
            last_comment = ""


@pytest.mark.parametrize("entry", ENTRIES, ids=_id)
def test_entry_is_consistent(entry: VersionEntry) -> None:
    assert entry.deprecated_in or entry.removed_in, "an entry must be deprecated or removed somewhere"
    if entry.deprecated_in and entry.removed_in:
        assert semver.compare(entry.deprecated_in, entry.removed_in) <= 0
    if entry.replacement_api:
        assert entry.replacement_available_in, "a replacement must say when it became available"
        assert entry.replacement_api != entry.version
    else:
        assert not entry.replacement_available_in
    assert TABLE.match(entry.version, entry.kind or "AnyKind") is not None


@pytest.mark.parametrize("entry", ENTRIES, ids=_id)
def test_entry_generated_cases(entry: VersionEntry) -> None:
    first = entry.deprecated_in or entry.removed_in
    # before anything: silent
    assert _outcomes(entry, _before(first)) == []
    what = f"{entry.version} {entry.kind or 'SomeKind'}"
    if entry.deprecated_in and entry.deprecated_in != entry.removed_in:
        for target in (entry.deprecated_in, _after(entry.deprecated_in)):
            if entry.removed_in and semver.compare(target, entry.removed_in) >= 0:
                continue
            ((rule, status, message, path, props),) = _outcomes(entry, target)
            assert (rule, status, path) == ("deprecated-api", Status.WARN, ("apiVersion",))
            assert message.startswith(f"{what} is deprecated in {entry.component} {entry.deprecated_in}")
            assert f"(target {target})" in message
            assert props["removedIn"] == entry.removed_in
            _assert_replacement(entry, message, props, target)
    if entry.removed_in:
        if entry.deprecated_in and entry.deprecated_in != entry.removed_in:
            ((rule, _s, _m, _p, _pr),) = _outcomes(entry, _before(entry.removed_in))
            assert rule == "deprecated-api"
        for target in (entry.removed_in, _after(entry.removed_in)):
            ((rule, status, message, path, props),) = _outcomes(entry, target)
            assert (rule, status, path) == ("removed-api", Status.FAIL, ("apiVersion",))
            assert message.startswith(f"{what} is removed in {entry.component} {entry.removed_in} (target {target})")
            _assert_replacement(entry, message, props, target)


def _assert_replacement(entry: VersionEntry, message: str, props: dict[str, str], target: str) -> None:
    assert props["replacementApi"] == entry.replacement_api
    assert props["component"] == entry.component
    assert props["apiVersion"] == entry.version
    if not entry.replacement_api:
        assert message.endswith("; no replacement API")
        assert props["replacementAvailable"] == "false"
        return
    available = semver.compare(target, entry.replacement_available_in) >= 0
    assert props["replacementAvailable"] == ("true" if available else "false")
    suggested = props["suggestedApi"]
    if "too, with no replacement API" in message:
        dead_end = TABLE.match(suggested, entry.kind or "SomeKind")
        assert suggested in _chain(entry) and dead_end is not None and not dead_end.replacement_api
        assert semver.compare(target, dead_end.removed_in) >= 0
        assert message.endswith(
            f"; its replacement {suggested} is removed in {entry.component} {dead_end.removed_in} too, "
            "with no replacement API"
        )
        return
    if suggested != entry.replacement_api:
        # the data's replacement is outdated at the target: the suggestion is further down the chain, available, and
        # itself neither deprecated nor removed at the target (or the end of the chain)
        chain = _chain(entry)
        assert suggested in chain, (suggested, chain)
        since = chain[suggested]
        assert semver.compare(target, since) >= 0
        assert message.endswith(f"; use {suggested} (available since {since})")
        return
    if available:
        assert message.endswith(f"; use {entry.replacement_api} (available since {entry.replacement_available_in})")
    else:
        assert f"; use {entry.replacement_api} (available from {entry.replacement_available_in}" in message


def _chain(entry: VersionEntry) -> dict[str, str]:
    """Every replacement reachable from ``entry`` through the table → when it became available."""
    out: dict[str, str] = {}
    current: VersionEntry | None = entry
    while current is not None and current.replacement_api and current.replacement_api not in out:
        out[current.replacement_api] = current.replacement_available_in
        current = TABLE.match(current.replacement_api, entry.kind or "SomeKind")
    return out
