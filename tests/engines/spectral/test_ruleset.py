"""Ruleset loading: extends modes, shorthands, overrides, aliases, the 'warning' notice, and located errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from policy_platform.engines.spectral import RulesetError, lint_data, lint_text, load_ruleset
from policy_platform.engines.spectral.ruleset import glob_matches, load_ruleset_data
from policy_platform.errors import PolicyLoadError

BASE = """\
rules:
  base-name:
    description: Release name is required
    given: $
    severity: error
    then: {field: name, function: truthy}
  base-optional:
    recommended: false
    given: $
    severity: info
    then: {field: limits, function: truthy}
"""


def _write(tmp: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(text, encoding="utf-8")
    return tmp / ".spectral.yaml"


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        ("extends: [./base.yaml]\n", {"base-name": 0, "base-optional": -1}),
        ("extends: [[./base.yaml, all]]\n", {"base-name": 0, "base-optional": 2}),
        ("extends: [[./base.yaml, off]]\n", {"base-name": -1, "base-optional": -1}),
        ("extends: [[./base.yaml, off]]\nrules:\n  base-optional: true\n", {"base-name": -1, "base-optional": 2}),
        ("extends: ./base.yaml\nrules:\n  base-name: hint\n", {"base-name": 3, "base-optional": -1}),
        ("extends: ./base.yaml\nrules:\n  base-name: false\n", {"base-name": -1, "base-optional": -1}),
        ("extends: ./base.yaml\nrules:\n  base-name: {severity: warn}\n", {"base-name": 1, "base-optional": -1}),
    ],
)
def test_extends_modes_and_shorthands(tmp_path: Path, top: str, expected: dict[str, int]) -> None:
    path = _write(tmp_path, {"base.yaml": BASE, ".spectral.yaml": top})
    ruleset = load_ruleset(path)
    assert {name: rule.severity for name, rule in ruleset.rules.items()} == expected


def test_extends_cycle_is_ignored(tmp_path: Path) -> None:
    path = _write(tmp_path, {
        ".spectral.yaml": "extends: ./b.yaml\nrules:\n  a: {given: $, then: {function: truthy}}\n",
        "b.yaml": "extends: ./.spectral.yaml\nrules:\n  b: {given: $, then: {function: falsy}}\n",
    })
    assert sorted(load_ruleset(path).rules) == ["a", "b"]


def test_warning_severity_is_read_as_warn_with_a_notice(tmp_path: Path) -> None:
    path = _write(tmp_path, {".spectral.yaml": "rules:\n  r:\n    given: $.replicas\n    severity: warning\n"
                                               "    then: {function: falsy}\n"})
    ruleset = load_ruleset(path)
    assert ruleset.rules["r"].severity == 1
    assert len(ruleset.notices) == 1
    assert ruleset.notices[0].endswith(":4: severity 'warning' is not a Spectral severity; read as 'warn'")
    with pytest.raises(RulesetError) as info:
        load_ruleset(path, strict=True)
    assert info.value.issues[0].line == 4
    assert info.value.issues[0].column == 15


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("rules:\n  r:\n    given: $.a\n    then: {function: nope}\n", 4, 22, "Function is not defined"),
        ("rules:\n  r:\n    given: $.a[\n    then: {function: truthy}\n", 3, 12,
         "must be a valid JSON Path expression or a reference to the existing Alias optionally paired with a JSON Path "
         "expression subset"),
        ("rules:\n  r:\n    given: '#Nope.x'\n    then: {function: truthy}\n", 3, 12, 'Alias "Nope" does not exist'),
        ("rules:\n  r:\n    given: $\n    then: {function: pattern, functionOptions: {match: 'a(?=b)'}}\n", 4, 47,
         '"pattern" function and its "match" option: regular expression /a(?=b)/ uses a lookaround, which RE2 does '
         "not support"),
        ("rules:\n  r:\n    given: $\n    then:\n      function: schema\n      functionOptions:\n"
         "        schema: {type: 12}\n", 6, 23, '"schema" function has an invalid schema at #/type'),
        ("rules:\n  r:\n    given: $\n    then: {function: casing, functionOptions: {type: upper}}\n", 4, 46,
         '"casing" function and its "type" option accept the following values: flat, camel, pascal, kebab, cobol, '
         "snake, macro"),
        ("rules:\n  r:\n    given: $\n    severity: fatal\n    then: {function: truthy}\n", 4, 15,
         'the value has to be one of: 0, 1, 2, 3 or "error", "warn", "info", "hint", "off"'),
        ("rulez: {}\n", 1, 1, "Ruleset must have rules or extends or overrides defined"),
        ("rules: {}\nextra: 1\n", 1, 1, "must NOT have additional properties"),
    ],
)
def test_invalid_rulesets_name_file_line_and_column(tmp_path: Path, text: str, line: int, column: int,
                                                    message: str) -> None:
    path = _write(tmp_path, {".spectral.yaml": text})
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    issue = info.value.issues[0]
    assert (issue.line, issue.column) == (line, column)
    assert issue.message.startswith(message)
    assert isinstance(info.value, PolicyLoadError)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(f"{issue.file}:{line}:{column} — ")


def test_unknown_rule_reference_and_builtin_rule_names(tmp_path: Path) -> None:
    path = _write(tmp_path, {".spectral.yaml": "rules:\n  nope: off\n"})
    with pytest.raises(RulesetError, match='Cannot extend non-existing rule: "nope"'):
        load_ruleset(path)
    path = _write(tmp_path, {".spectral.yaml": "extends: spectral:oas\nrules:\n  operation-tags: off\n"})
    assert load_ruleset(path).formats == ("oas2", "oas3", "oas3.0", "oas3.1", "oas3.2")


def test_overrides_and_pointer_overrides(tmp_path: Path) -> None:
    path = _write(tmp_path, {".spectral.yaml": """\
rules:
  no-latest:
    given: $..tag
    severity: error
    then: {function: pattern, functionOptions: {notMatch: ^latest$}}
overrides:
  - files: ["dev/**/*.yaml"]
    rules:
      no-latest: info
  - files: ["prod/values.yaml#/sidecar"]
    rules:
      no-latest: off
"""})
    ruleset = load_ruleset(path)
    doc = "image: {tag: latest}\nsidecar: {tag: latest}\n"
    dev = lint_text(ruleset, doc, "dev/a/values.yaml", abs_path=str(tmp_path / "dev/a/values.yaml"))
    assert [(r.path, r.severity) for r in dev] == [(("image", "tag"), 2), (("sidecar", "tag"), 2)]
    prod = lint_text(ruleset, doc, "prod/values.yaml", abs_path=str(tmp_path / "prod/values.yaml"))
    assert [(r.path, r.severity) for r in prod] == [(("image", "tag"), 0)]


def test_aliases_nest_and_take_a_tail(tmp_path: Path) -> None:
    path = _write(tmp_path, {".spectral.yaml": """\
aliases:
  Containers: ["$.containers[*]", "#Sidecars"]
  Sidecars: ["$.sidecars[*]"]
rules:
  tagged:
    given: "#Containers.image"
    then: {function: pattern, functionOptions: {match: ":"}}
"""})
    data = {"containers": [{"image": "a:1"}, {"image": "b"}], "sidecars": [{"image": "c"}]}
    results = lint_data(load_ruleset(path), data, "v.yaml")
    assert [r.path for r in results] == [("containers", 1, "image"), ("sidecars", 0, "image")]


def test_unrecognized_format_warning_for_values(tmp_path: Path) -> None:
    path = _write(tmp_path, {".spectral.yaml": "extends: spectral:oas\nrules:\n  n:\n    given: $\n"
                                               "    then: {field: name, function: truthy}\n"})
    results = lint_data(load_ruleset(path), {"replicas": 3}, "values.yaml")
    assert [(r.code, r.severity, r.path) for r in results] == [("n", 1, ()), ("unrecognized-format", 1, ())]
    assert results[1].message.startswith("The provided document does not match any of the registered formats [OpenAPI")
    assert lint_data(load_ruleset(path), {"replicas": 3}, "values.yaml", ignore_unknown_format=True)[0].code == "n"


def test_relative_ruleset_path_in_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"sub/.spectral.yaml": "rules:\n  r:\n    given: x\n    then: {function: truthy}\n"})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RulesetError) as info:
        load_ruleset("sub/.spectral.yaml")
    assert str(info.value).startswith(os.path.join("sub", ".spectral.yaml") + ":3:12 — ")


def test_documentation_urls(tmp_path: Path) -> None:
    path = _write(tmp_path, {".spectral.yaml": """\
documentationUrl: https://example.com/rules
rules:
  a: {given: $, then: {field: name, function: truthy}}
  b: {given: $, documentationUrl: https://example.com/b, then: {field: ns, function: truthy}}
"""})
    results = lint_data(load_ruleset(path), {}, "v.yaml")
    assert [(r.code, r.documentation_url) for r in results] == [
        ("a", "https://example.com/rules#a"), ("b", "https://example.com/b")]
    assert results[0].to_json()["documentationUrl"] == "https://example.com/rules#a"


@pytest.mark.parametrize(
    ("glob", "path", "matches"),
    [
        ("dev/**/*.yaml", "dev/team-a/values.yaml", True),
        ("dev/**/*.yaml", "dev/values.yaml", True),
        ("**/*.yaml", "values.yaml", True),
        ("*.prod.yaml", "values.prod.yaml", True),
        ("*.prod.yaml", "apps/values.prod.yaml", False),
        ("./values.yaml", "values.yaml", True),
        ("{dev,stg}/*.yaml", "stg/a.yaml", True),
        ("[!p]*/values.yaml", "prod/values.yaml", False),
        ("values.y?ml", "values.yml", False),
    ],
)
def test_override_globs(glob: str, path: str, matches: bool) -> None:
    assert glob_matches(glob, path) is matches


def test_custom_javascript_functions_are_named_in_the_error(tmp_path: Path) -> None:
    path = _write(tmp_path, {".spectral.yaml": "functions: [semver]\nrules:\n  r:\n    given: $\n"
                                               "    then: {function: semver}\n"})
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    assert str(info.value).endswith(
        ':5:22 — Function "semver" is a custom JavaScript function, which policy-platform cannot run; '
        "use the core functions")


def test_missing_extended_file_is_located(tmp_path: Path) -> None:
    path = _write(tmp_path, {".spectral.yaml": "extends:\n  - ./nope.yaml\n"})
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    issue = info.value.issues[0]
    assert (issue.line, issue.column) == (2, 5)
    assert issue.message.startswith('cannot extend "./nope.yaml": no such file')


def test_extension_mode_applies_to_the_rules_a_ruleset_owns(tmp_path: Path) -> None:
    """As Spectral: `[b, off]` disables b's own rules; rules b inherited keep the state b's extends gave them, and a
    root rule with `recommended: false` is off until enabled."""
    path = _write(tmp_path, {
        ".spectral.yaml": "extends: [[./b.yaml, off]]\nrules:\n"
                          "  root-optional: {recommended: false, given: $, then: {function: truthy}}\n",
        "b.yaml": "extends: ./c.yaml\nrules:\n  b-rule: {given: $, then: {function: truthy}}\n",
        "c.yaml": "rules:\n  c-rule: {given: $, then: {function: truthy}}\n",
    })
    ruleset = load_ruleset(path)
    assert {n: r.severity for n, r in ruleset.rules.items()} == {"c-rule": 1, "b-rule": -1, "root-optional": -1}


GIVEN_ERROR = ("must be a valid JSON Path expression or a reference to the existing Alias optionally paired with a "
               "JSON Path expression subset")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rules": {}, "formats": 2}, "must be an array of formats"),
        ({"rules": {}, "formats": ["oas9"]}, "must be a valid format"),
        ({"extends": [["./x.yaml", "some"]]}, 'allowed types are "off", "recommended" and "all"'),
        ({"extends": [2]}, "must be a valid ruleset"),
        ({"overrides": None}, "must be array"),
        ({"overrides": []}, "must not be empty"),
        ({"overrides": [2]}, 'must be a override, i.e. { "files": ["v2/**/*.json"], "rules": {} }'),
        ({"overrides": [{"files": ["a.yaml#/x"], "formats": ["oas3"]}]},
         "must contain rules when JSON Pointers are defined"),
        ({"overrides": [{"files": ["a.yaml#/x"], "rules": {}, "formats": ["oas3"]}]},
         "must not override any other property than rules when JSON Pointers are defined"),
        ({"overrides": [{"files": ["a.yaml#/x"], "rules": {"r": {"given": "$"}}}]},
         'the value has to be one of: 0, 1, 2, 3 or "error", "warn", "info", "hint", "off"'),
        ({"rules": {}, "aliases": None}, "must be object"),
        ({"rules": {}, "aliases": {"9a": ["$"]}},
         "to avoid confusion the name must match /^[A-Za-z][A-Za-z0-9_-]*$/ regular expression"),
        ({"rules": {}, "aliases": {"A": []}}, "must be a non-empty array of expressions"),
        ({"rules": {}, "aliases": {"A": ["foo"]}}, GIVEN_ERROR),
        ({"rules": {}, "aliases": {"A": {}}}, "targets must be present and have at least a single alias definition"),
        ({"rules": {}, "aliases": {"A": {"targets": []}}}, "targets must have at least a single alias definition"),
        ({"rules": {}, "aliases": {"A": {"targets": [{"given": ["$"]}]}}},
         "a valid target must contain given and non-empty formats"),
        ({"rules": {}, "documentationUrl": "12.foo.com"}, "must be a valid URL"),
        ({"rules": {}, "description": 2}, "must be string"),
        ({"rules": {"r": {"given": "$", "then": {"function": "truthy"}, "type": "x"}}},
         'allowed types are "style" and "validation"'),
        ({"rules": {"r": {"given": "$", "then": {}}}}, 'must have required property "function"'),
        ({"rules": {"r": {"given": [], "then": {"function": "truthy"}}}}, "must be a non-empty array"),
    ],
)
def test_validation_messages(data: dict[str, object], message: str) -> None:
    with pytest.raises(RulesetError) as info:
        load_ruleset_data(data)
    assert info.value.issues[0].message == message
