"""`policy-platform lint`: formats, exit codes, failure threshold, bad input (exit 2, one clear message)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

Cli = Callable[..., tuple[int, str, str]]

RULESET = """\
rules:
  required-fields:
    given: $
    severity: error
    then: {field: name, function: truthy}
  replica-count:
    given: $.replicas
    severity: warn
    then:
      function: schema
      functionOptions: {schema: {type: integer, maximum: 10}}
"""
SEED_VALUES = "namespace: prod\nreplicas: 20\nimage:\n  repository: nginx\n  tag: latest\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".spectral.yaml").write_text(RULESET, encoding="utf-8")
    (tmp_path / "values.yaml").write_text(SEED_VALUES, encoding="utf-8")
    (tmp_path / "good.yaml").write_text("name: web\nreplicas: 3\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_json_results_with_ranges(cli: Cli, workdir: Path) -> None:
    code, out, err = cli("lint", "-q", "-f", "json", "-r", ".spectral.yaml", "values.yaml", "good.yaml")
    assert code == 1, err
    results = json.loads(out)
    source = str(workdir / "values.yaml")  # absolute, as Spectral prints it
    assert results == [
        {"code": "required-fields", "path": [], "message": '"name" property must be truthy', "severity": 0,
         "range": {"start": {"line": 0, "character": 0}, "end": {"line": 4, "character": 13}}, "source": source},
        {"code": "replica-count", "path": ["replicas"], "message": '"replicas" property must be <= 10', "severity": 1,
         "range": {"start": {"line": 1, "character": 10}, "end": {"line": 1, "character": 12}},
         "source": source},
    ]


def test_stylish_is_the_default(cli: Cli, workdir: Path) -> None:
    code, out, _ = cli("lint", "--relative-paths", "values.yaml")
    assert code == 1
    assert out == (
        "\n"
        "values.yaml\n"
        "  1:1    error  required-fields  \"name\" property must be truthy\n"
        " 2:11  warning  replica-count    \"replicas\" property must be <= 10  replicas\n"
        "\n"
        "\u2716 2 problems (1 error, 1 warning, 0 infos, 0 hints)\n"
    )


def test_text_and_github_actions_formats(cli: Cli, workdir: Path) -> None:
    _, out, _ = cli("lint", "-q", "-f", "text", "--relative-paths", "values.yaml")
    assert out == (
        'values.yaml:1:1 error required-fields ""name" property must be truthy"\n'
        'values.yaml:2:11 warning replica-count ""replicas" property must be <= 10"'
    )
    _, out, _ = cli("lint", "-q", "-f", "github-actions", "values.yaml")
    assert out.splitlines()[1] == (
        "::warning title=replica-count,file=values.yaml,col=11,endColumn=13,line=2,endLine=2::"
        '"replicas" property must be <= 10'
    )


def test_junit_lists_only_failures_and_sarif_is_valid(cli: Cli, workdir: Path) -> None:
    _, out, _ = cli("lint", "-q", "-f", "junit", "--relative-paths", "values.yaml")
    assert out.count("<testcase") == 1
    assert '<testcase time="0" name="org.spectral.required-fields(#)" classname="values">' in out
    assert "<![CDATA[line 1, col 1, \"name\" property must be truthy (required-fields) at path #]]>" in out
    _, out, _ = cli("lint", "-q", "-f", "sarif", "values.yaml")
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["rules"] == [
        {"id": "required-fields", "shortDescription": {"text": "No description."}},
        {"id": "replica-count", "shortDescription": {"text": "No description."}},
    ]
    assert run["artifacts"] == [{"location": {"uri": "values.yaml"}}]
    assert [(r["ruleId"], r["level"], r["ruleIndex"], r["locations"][0]["physicalLocation"]["region"])
            for r in run["results"]] == [
        ("required-fields", "error", 0, {"startLine": 1, "startColumn": 1, "endLine": 5, "endColumn": 14}),
        ("replica-count", "warning", 1, {"startLine": 2, "startColumn": 11, "endLine": 2, "endColumn": 13}),
    ]


def test_fail_severity_and_display_only_failures(cli: Cli, workdir: Path) -> None:
    (workdir / "warn.yaml").write_text("name: x\nreplicas: 11\n", encoding="utf-8")
    assert cli("lint", "-q", "-f", "json", "warn.yaml")[0] == 0
    assert cli("lint", "-q", "-f", "json", "-F", "warn", "warn.yaml")[0] == 1
    assert cli("lint", "-q", "-f", "json", "--fail-severity=hint", "warn.yaml")[0] == 1
    code, out, _ = cli("lint", "-q", "-f", "json", "-D", "values.yaml")
    assert code == 1
    assert [r["code"] for r in json.loads(out)] == ["required-fields"]


def test_no_results_message_unless_quiet(cli: Cli, workdir: Path) -> None:
    code, out, _ = cli("lint", "good.yaml")
    assert (code, out) == (0, "No results with a severity of 'error' found!")
    assert cli("lint", "-F", "warn", "good.yaml")[1] == "No results with a severity of 'warn' or higher found!"
    assert cli("lint", "-q", "good.yaml")[1] == ""


def test_globs_are_expanded_by_the_program_in_locale_order(cli: Cli, workdir: Path) -> None:
    (workdir / "apps" / "B").mkdir(parents=True)
    (workdir / "apps" / "a").mkdir(parents=True)
    (workdir / "apps" / "B" / "values.yaml").write_text("replicas: 1\n", encoding="utf-8")
    (workdir / "apps" / "a" / "values.yaml").write_text("replicas: 1\n", encoding="utf-8")
    code, out, _ = cli("lint", "-q", "-f", "json", "--relative-paths", "apps/**/*.yaml")
    assert code == 1
    assert [r["source"] for r in json.loads(out)] == ["apps/a/values.yaml", "apps/B/values.yaml"]
    (workdir / "apps" / "a" / "extra.yml").write_text("replicas: 1\n", encoding="utf-8")
    code, out, _ = cli("lint", "-q", "-f", "json", "--relative-paths", "apps/a/*.{yaml,yml}")
    assert [r["source"] for r in json.loads(out)] == ["apps/a/extra.yml", "apps/a/values.yaml"]


def test_broken_document_is_a_parser_result_and_everything_parsed_is_linted(cli: Cli, workdir: Path) -> None:
    (workdir / "broken.yaml").write_text("name: web\nreplicas: [1, 2\n", encoding="utf-8")
    (workdir / "multi.yaml").write_text("name: a\n---\nname: b\n", encoding="utf-8")
    code, out, _ = cli("lint", "-q", "-f", "json", "--relative-paths", "broken.yaml", "multi.yaml", "values.yaml")
    assert code == 1
    results = json.loads(out)
    assert [(r["source"], r["code"], r["severity"], r["message"]) for r in results] == [
        # Spectral's wording for an unclosed flow list; what parsed is still linted: replicas is the list [1, 2]
        ("broken.yaml", "parser", 0, "Unexpected end of the stream within a flow collection"),
        ("broken.yaml", "replica-count", 1, '"replicas" property type must be integer'),
        ("multi.yaml", "parser", 0, "Expected a single document in the stream, but found more"),
        ("values.yaml", "required-fields", 0, '"name" property must be truthy'),
        ("values.yaml", "replica-count", 1, '"replicas" property must be <= 10'),
    ]
    assert results[1]["range"]["start"] == {"line": 2, "character": 0}  # the end of the stream
    assert results[2]["range"]["start"] == {"line": 1, "character": 0}


def test_duplicate_keys_follow_parser_options(cli: Cli, workdir: Path) -> None:
    (workdir / "dup.yaml").write_text("name: a\nname: b\nreplicas: 1\n", encoding="utf-8")
    _, out, _ = cli("lint", "-q", "-f", "json", "dup.yaml")
    assert [(r["code"], r["message"], r["path"], r["severity"]) for r in json.loads(out)] == [
        ("parser", "Duplicate key: name", ["name"], 0)]
    (workdir / "quiet.yaml").write_text(RULESET + "parserOptions: {duplicateKeys: off}\n", encoding="utf-8")
    code, out, _ = cli("lint", "-q", "-f", "json", "-r", "quiet.yaml", "dup.yaml")
    assert (code, json.loads(out)) == (0, [])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lint", "missing.yaml"),
         "No files found to lint. Please check your file path and extension and try again (missing.yaml)"),
        (("lint", "-r", "nope.yaml", "values.yaml"), "nope.yaml: ruleset file not found"),
    ],
)
def test_fatal_usage_errors_exit_2(cli: Cli, workdir: Path, args: tuple[str, ...], message: str) -> None:
    code, out, err = cli(*args)
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err


def test_unmatched_globs(cli: Cli, workdir: Path) -> None:
    code, _, err = cli("lint", "-f", "json", "good.yaml", "nothing/*.yaml")
    assert code == 0
    assert "Glob pattern `nothing/*.yaml` did not match any files" in err
    code, out, err = cli("lint", "--fail-on-unmatched-globs", "good.yaml", "nothing/*.yaml")
    assert (code, out) == (2, "")
    assert "Unmatched glob patterns: `nothing/*.yaml`" in err


def test_no_ruleset_found(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "v.yaml").write_text("a: 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("lint", "v.yaml")
    assert (code, out) == (2, "")
    assert "No ruleset has been found" in err


def test_invalid_ruleset_lists_every_problem_with_location(cli: Cli, workdir: Path) -> None:
    (workdir / "bad.yaml").write_text(
        "rules:\n  a:\n    given: $\n    then: {function: semver}\n"
        "  b:\n    given: nope\n    then: {function: truthy}\n",
        encoding="utf-8",
    )
    code, out, err = cli("lint", "-r", "bad.yaml", "values.yaml")
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines[1] == "Error #1: bad.yaml:4:22 — Function is not defined"
    assert lines[2].startswith("Error #2: bad.yaml:6:12 — must be a valid JSON Path expression")


def test_warning_severity_prints_a_notice_and_lints(cli: Cli, workdir: Path) -> None:
    (workdir / "seed.yaml").write_text(RULESET.replace("severity: warn", "severity: warning"), encoding="utf-8")
    code, out, err = cli("lint", "-q", "-f", "json", "-r", "seed.yaml", "values.yaml")
    assert code == 1
    assert "seed.yaml:8: severity 'warning' is not a Spectral severity; read as 'warn'" in err
    assert [r["severity"] for r in json.loads(out)] == [0, 1]
    assert cli("lint", "--strict", "-r", "seed.yaml", "values.yaml")[0] == 2


def test_filter_runtime_error_aborts_like_spectral(cli: Cli, workdir: Path) -> None:
    (workdir / "f.yaml").write_text("rules:\n  r:\n    given: \"$..[?(@.tag == 'latest')]\"\n"
                                    "    then: {function: truthy}\n", encoding="utf-8")
    (workdir / "n.yaml").write_text("affinity: null\n", encoding="utf-8")
    code, out, err = cli("lint", "-r", "f.yaml", "n.yaml")
    assert (code, out) == (2, "")
    assert "Cannot read properties of null (reading 'tag')" in err


def test_several_formats_and_outputs(cli: Cli, workdir: Path) -> None:
    code, out, _ = cli("lint", "-q", "-f", "json,junit", "--output.junit", "report.xml", "values.yaml")
    assert code == 1
    assert [r["code"] for r in json.loads(out)] == ["required-fields", "replica-count"]
    assert (workdir / "report.xml").read_text(encoding="utf-8").startswith('<?xml version="1.0"')
    code, out, _ = cli("lint", "-q", "-f", "text", "-o", "out.txt", "values.yaml")
    assert (code, out) == (1, "")
    assert (workdir / "out.txt").read_text(encoding="utf-8").startswith(f"{workdir / 'values.yaml'}:1:1 error ")
    code, _, err = cli("lint", "-f", "json", "-f", "text", "-o", "x", "values.yaml")
    assert code == 2
    assert "Multiple outputs have to be provided" in err
    assert cli("lint", "-f", "pretty-much", "values.yaml")[0] == 2


def test_stdin_document(cli: Cli, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("replicas: 50\n"))
    code, out, _ = cli("lint", "-q", "-f", "json", "--stdin-filepath", "cd/values.prd.yaml", "-")
    assert code == 1
    assert [(r["code"], r["source"]) for r in json.loads(out)] == [
        ("required-fields", "cd/values.prd.yaml"), ("replica-count", "cd/values.prd.yaml")]


def test_code_climate_and_teamcity(cli: Cli, workdir: Path) -> None:
    _, out, _ = cli("lint", "-q", "-f", "gitlab", "values.yaml")
    issues = json.loads(out)
    assert issues[1] == {
        "type": "issue", "check_name": "replica-count", "description": '"replicas" property must be <= 10',
        "categories": ["Style"], "severity": "major", "fingerprint": "values.yaml:replicas:replica-count",
        "location": {"path": "values.yaml", "positions": {"begin": {"line": 1, "column": 10},
                                                           "end": {"line": 1, "column": 12}}},
    }
    _, out, _ = cli("lint", "-q", "-f", "teamcity", "--relative-paths", "values.yaml")
    assert out.splitlines()[3] == (
        "##teamcity[inspection typeId='replica-count' file='values.yaml' line='2' "
        "message='warning -- \"replicas\" property must be <= 10' SEVERITY='WARNING']"
    )
