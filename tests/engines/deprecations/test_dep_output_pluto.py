"""Pluto's own golden outputs (``pkg/api/output_test.go``, ``ExampleInstance_DisplayOutput_*``), ported.

Pluto's examples pad with ``-`` so that whitespace is visible, and Go compares example output after trimming
surrounding whitespace; we do the same. Their fixtures: two removed ``extensions/v1beta1`` Deployments (one with a
namespace and a file path) and one ``apps/v1`` Deployment that is deprecated but not removed, all of component ``foo``
at target ``v1.16.0``. The exit-code table is ``TestGetReturnCode``.
"""

from __future__ import annotations

import pytest

from policy_platform.engines.deprecations import Detection, VersionEntry, assess, semver
from policy_platform.engines.deprecations.exitcode import exit_code
from policy_platform.engines.deprecations.output import OutputOptions, render

TARGET = "v1.16.0"


def _detection(name: str, entry: VersionEntry, *, namespace: str = "", file: str = "") -> Detection:
    target = semver.parse(TARGET)
    assert target is not None
    verdict = assess(entry, target)
    return Detection(
        entry=entry,
        name=name,
        namespace=namespace,
        file=file,
        line=None,
        column=None,
        doc_index=0,
        path=("apiVersion",),
        target=TARGET,
        deprecated=verdict.deprecated,
        removed=verdict.removed,
        replacement_available=verdict.replacement_available,
    )


EXT = VersionEntry("extensions/v1beta1", "Deployment", "v1.9.0", "v1.16.0", "apps/v1", "v1.10.0", "foo")
ONE = _detection("some name one", EXT, namespace="pluto-namespace", file="path-to-file")
TWO = _detection("some name two", EXT)
DEP_NOT_REMOVED = _detection(
    "deprecated not removed", VersionEntry("apps/v1", "Deployment", "v1.16.0", "", "none", "", "foo")
)
CUSTOM = ("NAMESPACE", "NAME", "DEPRECATED IN", "DEPRECATED", "REPLACEMENT", "VERSION", "KIND", "COMPONENT", "FILEPATH")

EXAMPLES = {
    "normal": (
        "normal",
        [ONE, TWO, DEP_NOT_REMOVED],
        (),
        """
NAME-------------------- KIND-------- VERSION------------- REPLACEMENT-- REMOVED-- DEPRECATED-- REPL AVAIL--
some name one----------- Deployment-- extensions/v1beta1-- apps/v1------ true----- true-------- true--------
some name two----------- Deployment-- extensions/v1beta1-- apps/v1------ true----- true-------- true--------
deprecated not removed-- Deployment-- apps/v1------------- none--------- false---- true-------- true--------
""",
    ),
    "onlyShowRemoved": (
        "normal",
        [ONE, TWO],
        (),
        """
NAME----------- KIND-------- VERSION------------- REPLACEMENT-- REMOVED-- DEPRECATED-- REPL AVAIL--
some name one-- Deployment-- extensions/v1beta1-- apps/v1------ true----- true-------- true--------
some name two-- Deployment-- extensions/v1beta1-- apps/v1------ true----- true-------- true--------
""",
    ),
    "wide": (
        "wide",
        [ONE, TWO],
        (),
        """
NAME----------- NAMESPACE-------- KIND-------- VERSION------------- REPLACEMENT-- DEPRECATED-- DEPRECATED IN-- REMOVED-- REMOVED IN-- REPL AVAIL-- REPL AVAIL IN--
some name one-- pluto-namespace-- Deployment-- extensions/v1beta1-- apps/v1------ true-------- v1.9.0--------- true----- v1.16.0----- true-------- v1.10.0--------
some name two-- <UNKNOWN>-------- Deployment-- extensions/v1beta1-- apps/v1------ true-------- v1.9.0--------- true----- v1.16.0----- true-------- v1.10.0--------
""",  # noqa: E501
    ),
    "custom": (
        "custom",
        [ONE, TWO],
        CUSTOM,
        """
NAMESPACE-------- NAME----------- DEPRECATED IN-- DEPRECATED-- REPLACEMENT-- VERSION------------- KIND-------- COMPONENT-- FILEPATH------
pluto-namespace-- some name one-- v1.9.0--------- true-------- apps/v1------ extensions/v1beta1-- Deployment-- foo-------- path-to-file--
<UNKNOWN>-------- some name two-- v1.9.0--------- true-------- apps/v1------ extensions/v1beta1-- Deployment-- foo-------- <UNKNOWN>-----
""",  # noqa: E501
    ),
    "markdown": (
        "markdown",
        [ONE, TWO],
        (),
        """
|     NAME      |    NAMESPACE    |    KIND    |      VERSION       | REPLACEMENT | DEPRECATED | DEPRECATED IN | REMOVED | REMOVED IN | REPL AVAIL | REPL AVAIL IN |
|---------------|-----------------|------------|--------------------|-------------|------------|---------------|---------|------------|------------|---------------|
| some name one | pluto-namespace | Deployment | extensions/v1beta1 | apps/v1     | true       | v1.9.0        | true    | v1.16.0    | true       | v1.10.0       |
| some name two | <UNKNOWN>       | Deployment | extensions/v1beta1 | apps/v1     | true       | v1.9.0        | true    | v1.16.0    | true       | v1.10.0       |
""",  # noqa: E501
    ),
    "markdown_customcolumns": (
        "markdown",
        [ONE, TWO],
        CUSTOM,
        """
|    NAMESPACE    |     NAME      | DEPRECATED IN | DEPRECATED | REPLACEMENT |      VERSION       |    KIND    | COMPONENT |   FILEPATH   |
|-----------------|---------------|---------------|------------|-------------|--------------------|------------|-----------|--------------|
| pluto-namespace | some name one | v1.9.0        | true       | apps/v1     | extensions/v1beta1 | Deployment | foo       | path-to-file |
| <UNKNOWN>       | some name two | v1.9.0        | true       | apps/v1     | extensions/v1beta1 | Deployment | foo       | <UNKNOWN>    |
""",  # noqa: E501
    ),
    "json": (
        "json",
        [ONE, TWO],
        (),
        '{"items":[{"name":"some name one","filePath":"path-to-file","namespace":"pluto-namespace","api":{"version":'
        '"extensions/v1beta1","kind":"Deployment","deprecated-in":"v1.9.0","removed-in":"v1.16.0","replacement-api":'
        '"apps/v1","replacement-available-in":"v1.10.0","component":"foo"},"deprecated":true,"removed":true,'
        '"replacementAvailable":true},{"name":"some name two","api":{"version":"extensions/v1beta1","kind":'
        '"Deployment","deprecated-in":"v1.9.0","removed-in":"v1.16.0","replacement-api":"apps/v1",'
        '"replacement-available-in":"v1.10.0","component":"foo"},"deprecated":true,"removed":true,'
        '"replacementAvailable":true}],"target-versions":{"foo":"v1.16.0"}}',
    ),
    "yaml": (
        "yaml",
        [ONE, TWO],
        (),
        """
items:
    - name: some name one
      filePath: path-to-file
      namespace: pluto-namespace
      api:
        version: extensions/v1beta1
        kind: Deployment
        deprecated-in: v1.9.0
        removed-in: v1.16.0
        replacement-api: apps/v1
        replacement-available-in: v1.10.0
        component: foo
      deprecated: true
      removed: true
      replacementAvailable: true
    - name: some name two
      api:
        version: extensions/v1beta1
        kind: Deployment
        deprecated-in: v1.9.0
        removed-in: v1.16.0
        replacement-api: apps/v1
        replacement-available-in: v1.10.0
        component: foo
      deprecated: true
      removed: true
      replacementAvailable: true
target-versions:
    foo: v1.16.0
""",
    ),
    "csv": (
        "csv",
        [ONE, TWO],
        (),
        """
NAME,NAMESPACE,KIND,VERSION,REPLACEMENT,DEPRECATED,DEPRECATED IN,REMOVED,REMOVED IN,REPL AVAIL,REPL AVAIL IN
some name one,pluto-namespace,Deployment,extensions/v1beta1,apps/v1,true,v1.9.0,true,v1.16.0,true,v1.10.0
some name two,<UNKNOWN>,Deployment,extensions/v1beta1,apps/v1,true,v1.9.0,true,v1.16.0,true,v1.10.0
""",
    ),
    "csv_customcolumns": (
        "csv",
        [ONE, TWO],
        CUSTOM,
        """
NAMESPACE,NAME,DEPRECATED IN,DEPRECATED,REPLACEMENT,VERSION,KIND,COMPONENT,FILEPATH
pluto-namespace,some name one,v1.9.0,true,apps/v1,extensions/v1beta1,Deployment,foo,path-to-file
<UNKNOWN>,some name two,v1.9.0,true,apps/v1,extensions/v1beta1,Deployment,foo,<UNKNOWN>
""",
    ),
}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_pluto_example(name: str) -> None:
    fmt, detections, columns, want = EXAMPLES[name]
    options = OutputOptions(columns=columns, targets={"foo": TARGET}, padchar="-")
    got = render(fmt, detections, options, matched_any=True)
    assert got.strip() == want.strip()


def test_csv_no_headers() -> None:
    got = render("csv", [ONE, TWO], OutputOptions(no_headers=True), matched_any=True)
    assert got == (
        "some name one,pluto-namespace,Deployment,extensions/v1beta1,apps/v1,true,v1.9.0,true,v1.16.0,true,v1.10.0\n"
        "some name two,<UNKNOWN>,Deployment,extensions/v1beta1,apps/v1,true,v1.9.0,true,v1.16.0,true,v1.10.0\n"
    )


def test_empty_outputs() -> None:
    assert render("normal", [], OutputOptions(), matched_any=True) == "No output to display\n"
    assert render("wide", [], OutputOptions(), matched_any=False) == (
        "There were no resources found with known deprecated apiVersions.\n"
    )


def test_text_table_trailing_padding_and_blank_line() -> None:
    """Real padding is spaces, every cell (the last too) is padded, and a blank line follows the table."""
    got = render("normal", [TWO], OutputOptions(), matched_any=True)
    header = ["NAME", " KIND", " VERSION", " REPLACEMENT", " REMOVED", " DEPRECATED", " REPL AVAIL"]
    cells = ["some name two", " Deployment", " extensions/v1beta1", " apps/v1", " true", " true", " true"]
    widths = [max(len(h), len(c)) + 2 for h, c in zip(header, cells, strict=True)]
    assert widths == [15, 13, 21, 14, 10, 13, 13]
    assert got == (
        "".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
        + "\n"
        + "".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
        + "\n\n"
    )
    assert got.splitlines()[1].endswith(" true        ")


def _rc(entry: VersionEntry, **flags: bool) -> int:
    return exit_code([_detection("x", entry)], **flags)


RETURN_CODES = [
    ("empty return zero", None, {}, 0),
    ("version is deprecated return two", VersionEntry("", "", "v1.16.0", "v1.20.0", component="foo"), {}, 4),
    (
        "version is deprecated ignore deprecations",
        VersionEntry("", "", "v1.16.0", "v1.20.0", component="foo"),
        {"ignore_deprecations": True},
        4,
    ),
    ("version is removed", VersionEntry("", "", "v1.12.0", "v1.16.0", component="foo"), {}, 4),
    (
        "version is removed and replacement is unavailable",
        VersionEntry("", "", "v1.16.0", "v1.16.0", replacement_available_in="v1.17.0", component="foo"),
        {"ignore_unavailable_replacements": True},
        3,
    ),
    (
        "version is deprecated and replacement is unavailable",
        VersionEntry("", "", "v1.16.0", "v1.20.0", replacement_available_in="v1.17.0", component="foo"),
        {},
        4,
    ),
    (
        "version is deprecated and replacement is unavailable but ignored",
        VersionEntry("", "", "v1.16.0", "v1.20.0", replacement_available_in="v1.17.0", component="foo"),
        {"ignore_unavailable_replacements": True},
        0,
    ),
]


@pytest.mark.parametrize(("name", "entry", "flags", "want"), RETURN_CODES, ids=[r[0] for r in RETURN_CODES])
def test_get_return_code(name: str, entry: VersionEntry | None, flags: dict[str, bool], want: int) -> None:
    got = exit_code([], **flags) if entry is None else _rc(entry, **flags)
    assert got == want, name


# ---- list-versions (``ExampleInstance_PrintVersionList_*`` and ``ExampleInstance_printVersionsTabular*``)
LIST_DEPLOYMENT = VersionEntry("extensions/v1beta1", "Deployment", "v1.9.0", "v1.16.0", "apps/v1", "v1.10.0", "k8s")
LIST_CUSTOM = VersionEntry("testname", "testkind", "", "", "", "", "custom")


@pytest.mark.parametrize(
    ("entries", "fmt", "no_headers", "want"),
    [
        (
            [LIST_DEPLOYMENT, LIST_CUSTOM],
            "normal",
            False,
            """
KIND-------- NAME---------------- DEPRECATED IN-- REMOVED IN-- REPLACEMENT-- REPL AVAIL IN-- COMPONENT--
Deployment-- extensions/v1beta1-- v1.9.0--------- v1.16.0----- apps/v1------ v1.10.0-------- k8s--------
testkind---- testname------------ n/a------------ n/a--------- n/a---------- n/a------------ custom-----
""",
        ),
        (
            [LIST_DEPLOYMENT, LIST_CUSTOM],
            "wide",
            True,
            """
Deployment-- extensions/v1beta1-- v1.9.0-- v1.16.0-- apps/v1-- v1.10.0-- k8s-----
testkind---- testname------------ n/a----- n/a------ n/a------ n/a------ custom--
""",
        ),
        (
            [LIST_DEPLOYMENT],
            "json",
            False,
            '{"deprecated-versions":[{"version":"extensions/v1beta1","kind":"Deployment","deprecated-in":"v1.9.0",'
            '"removed-in":"v1.16.0","replacement-api":"apps/v1","replacement-available-in":"v1.10.0","component":"k8s"}]}',
        ),
        (
            [LIST_DEPLOYMENT],
            "yaml",
            False,
            """
deprecated-versions:
    - version: extensions/v1beta1
      kind: Deployment
      deprecated-in: v1.9.0
      removed-in: v1.16.0
      replacement-api: apps/v1
      replacement-available-in: v1.10.0
      component: k8s
""",
        ),
    ],
)
def test_pluto_list_versions(entries: list[VersionEntry], fmt: str, no_headers: bool, want: str) -> None:
    from policy_platform.engines.deprecations.output.listing import render_versions

    assert render_versions(entries, fmt, no_headers=no_headers, padchar="-").strip() == want.strip()


def test_list_versions_bad_format_and_data_version() -> None:
    from policy_platform.engines.deprecations.output.listing import render_versions
    from policy_platform.errors import UsageError

    with pytest.raises(UsageError, match=r"must be one of \(normal\|wide\|json\|yaml\)"):
        render_versions([LIST_DEPLOYMENT], "foo")
    assert render_versions([], "yaml", data_version="2026.11.0") == (
        "deprecated-versions: []\ndata-version: 2026.11.0\n"
    )


# ---- ``TestVersion_IsDeprecatedIn`` / ``IsRemovedIn`` / ``isReplacementAvailableIn``. Pluto's "bad semVer" and
# "target version missing for component" cases return false there; here an invalid target is refused up front
# (test_dep_versions_load.py) and an entry without a target is not assessed (test_entries_without_target_...).
CHECKS = [
    ("not yet 1.15.0", "v1.15.0", "v1.16.0", False),
    ("equal values", "v1.16.0", "v1.16.0", True),
    ("greater than", "v1.17.0", "v1.16.0", True),
    ("blank - no", "v1.16.0", "", False),
]


@pytest.mark.parametrize(("name", "target", "version", "want"), CHECKS, ids=[c[0] for c in CHECKS])
def test_pluto_version_checks(name: str, target: str, version: str, want: bool) -> None:
    t = semver.parse(target)
    assert t is not None
    deprecated = assess(VersionEntry("a/v1", deprecated_in=version, component="foo"), t)
    removed = assess(VersionEntry("a/v1", removed_in=version, component="foo"), t)
    available = assess(VersionEntry("a/v1", replacement_available_in=version, component="foo"), t)
    assert (deprecated.deprecated, removed.removed, available.replacement_available) == (want, want, want), name


def test_entries_without_target_are_not_reported() -> None:
    from policy_platform._internal.yamlio import load_stream
    from policy_platform.engines.deprecations import VersionTable, detect

    table = VersionTable(entries=(VersionEntry("a/v1", "K", "v1.0.0", "v1.0.0", component="two"),))
    (doc,) = load_stream("apiVersion: a/v1\nkind: K\n", "k.yaml")
    assert list(detect(table, {"one": semver.parse("v9.0.0")}, doc)) == []  # type: ignore[dict-item]
    (match,) = detect(table, {}, doc, all_matches=True)
    assert (match.deprecated, match.removed, match.target) == (False, False, "")
