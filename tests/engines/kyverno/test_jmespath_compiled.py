"""The compiled JMESPath closures against the reference tree interpreter: equal results, equal error texts."""

from __future__ import annotations

import re
from typing import Any

import pytest

from policy_platform.engines.kyverno import jmespath_dialect as jd

DOCS: list[Any] = [
    {
        "request": {
            "operation": "CREATE",
            "object": {
                "metadata": {"name": "web", "labels": {"app": "web", "tier": ""}, "annotations": None},
                "spec": {
                    "containers": [
                        {"name": "a", "image": "nginx:latest", "ports": [{"containerPort": 80}, {"hostPort": 8080}]},
                        {"name": "b", "image": "busybox", "securityContext": {"privileged": True}},
                        {"name": "c", "image": "x", "resources": {"limits": {"memory": "1Gi", "cpu": 2}}},
                    ],
                    "initContainers": [],
                    "volumes": [{"name": "v", "hostPath": {"path": "/var/run/docker.sock"}}, {"name": "w"}],
                    "replicas": 3,
                    "ratio": 0.5,
                    "zero": 0,
                    "flag": False,
                    "empty": {},
                },
            },
            "oldObject": None,
        },
        "element": {"name": "e", "values": [1, 2, 3], "nested": [[1, [2]], [3], 4, None]},
        "items": [{"k": "a", "v": 1}, {"k": "b", "v": None}, {"k": "c"}, "str", 5, None, [1]],
        "nums": [3, 1, 2],
        "strs": ["b", "a", "c"],
        "mixed": [1, "a", None, True],
        "str": "hello",
        "long": "ab" * 400,
        "n": None,
    },
    {"request": {"object": None}},
    {"request": "x"},
    {},
    [1, 2, {"a": 1}],
    None,
    "s",
    0,
]

EXPRESSIONS = [
    # fields, chains, missing keys (Kyverno: an error outside soft places)
    "request",
    "request.operation",
    "request.object.metadata.name",
    "request.object.metadata.missing",
    "request.object.metadata.missing.deeper",
    "missing.a.b",
    "request.object.metadata.annotations.x",
    "request.object.spec.replicas.x",
    "str.x",
    "request.object.metadata.labels.app.x.y.z.w.v",
    "request.object.spec.containers.a.b.c.d.e.f",
    "request.object.metadata.missing.a.b.c.d.e",
    "request.object.metadata.missing.a.b.c.d.e || 'd'",
    "request.object.metadata.labels.app.x.y.z.w.v || 'd'",
    "request.object.spec.replicas.a.b.c.d.e.f.g || 'd'",
    '"request"."object".metadata',
    "@",
    "@.request.operation",
    # indexes, slices
    "request.object.spec.containers[0].name",
    "request.object.spec.containers[-1].image",
    "request.object.spec.containers[7].name",
    "request.object.spec.containers[0].missing",
    "request.object.spec.containers[0][0]",
    "nums[1:]",
    "nums[::-1]",
    "nums[:1].x",
    "str[0]",
    "request.object.spec.containers[1:].name",
    "nums[::0]",
    # projections and flatten
    "request.object.spec.containers[].name",
    "request.object.spec.containers[*].image",
    "request.object.spec.containers[].securityContext.privileged",
    "request.object.spec.containers[].ports[].containerPort",
    "request.object.spec.containers[].ports[].hostPort",
    "request.object.spec.missing[].name",
    "request.object.spec.containers[].missing",
    "element.nested[]",
    "element.nested[][]",
    "element.nested[*]",
    "items[*].k",
    "items[].v",
    "*",
    "request.*",
    "request.object.spec.*",
    "request.object.*.name",
    "request.object.metadata.labels.*",
    "str[*]",
    "str[]",
    # filters and comparators
    "request.object.spec.containers[?name == 'a'].image",
    "request.object.spec.containers[?name != 'a'].image",
    "request.object.spec.containers[?securityContext.privileged].name",
    "request.object.spec.containers[?securityContext.privileged == `true`].name",
    "request.object.spec.containers[?resources.limits.cpu > `1`].name",
    "request.object.spec.containers[?missing].name",
    "request.object.spec.containers[?missing == null].name",
    "request.object.spec.volumes[?hostPath].hostPath.path",
    "request.object.spec.volumes[?hostPath.path == '/var/run/docker.sock'] | length(@)",
    "items[?v]",
    "items[?k > 'a']",
    "items[?v == `1`].k",
    "nums[?@ > `1`]",
    "nums[?@ >= `2`]",
    "nums[?@ < `3`]",
    "nums[?@ <= `1`]",
    "strs[?@ < 'c']",
    "mixed[?@ > `0`]",
    "request.object.spec.replicas > `2`",
    "request.object.spec.replicas < 'x'",
    "request.object.spec.zero == `false`",
    "request.object.spec.flag == `0`",
    "request.object.spec.replicas == `3.0`",
    "request.missing == `null`",
    "`[1, true]` == `[1, true]`",
    "`{\"a\": 1}` != `{\"a\": 2}`",
    # or / and / not
    "request.operation || 'BACKGROUND'",
    "request.missing || 'BACKGROUND'",
    "request.object.metadata.labels.tier || 'default'",
    "request.object.spec.initContainers || `[]`",
    "request.object.spec.empty || 'e'",
    "request.object.spec.zero || 'z'",
    "request.object.spec.flag && 'x'",
    "request.object.spec.replicas && 'x'",
    "missing && 'x'",
    "!request.object.spec.flag",
    "!request.object.spec.zero",
    "!missing",
    "!request.object.spec.empty",
    "!request.object.spec.ratio",
    # pipes
    "request.object.spec.containers | [0].name",
    "request | missing",
    "missing | @",
    "request.object.spec.containers[].name | [0]",
    "request.object.spec.containers[].name | sort(@) | join(',', @)",
    # multiselects
    "request.object.metadata.{n: name, l: labels.app, m: missing}",
    "request.object.metadata.[name, missing, labels.app]",
    "{op: request.operation, x: missing.y}",
    "[request.operation, missing]",
    "n.{a: a}",
    "n.[a]",
    "request.object.spec.containers[].{n: name, p: ports[].containerPort}",
    # literals
    "`1`",
    "`\"x\"`",
    "'raw string'",
    "`[1, 2, {\"a\": null}]`",
    "`null`",
    "`true`",
    # standard functions
    "length(request.object.spec.containers)",
    "length(missing)",
    "length(`5`)",
    "length(str)",
    "contains(strs, 'a')",
    "contains(request.object.metadata.name, 'we')",
    "starts_with(str, 'he')",
    "ends_with(str, `1`)",
    "keys(request.object.metadata.labels)",
    "values(request.object.metadata.labels)",
    "join(',', strs)",
    "join(',', nums)",
    "max(nums)",
    "min(strs)",
    "max(mixed)",
    "sort(nums)",
    "sort(mixed)",
    "sort_by(items[0:2], &k)",
    "sort_by(items[0:3], &v)",
    "sort_by(request.object.spec.containers, &name)[].name",
    "sort_by(request.object.spec.containers, &missing)",
    "max_by(request.object.spec.containers, &name).name",
    "min_by(items[0:2], &v)",
    "map(&name, request.object.spec.containers)",
    "map(&missing, request.object.spec.containers)",
    "map(&[name, image], request.object.spec.containers)",
    "to_array(str)",
    "to_number('12')",
    "to_number('x')",
    "type(n)",
    "type(missing)",
    "not_null(missing, n, 'x')",
    "not_null()",
    "abs(`-3`)",
    "ceil(request.object.spec.ratio)",
    "floor(`1.5`)",
    "avg(nums)",
    "avg(`[]`)",
    "reverse(strs)",
    "merge(request.object.metadata.labels, `{\"x\": 1}`)",
    "merge()",
    "merge(`{}`, `1`)",
    "merge(`1`)",
    "merge(request.object.metadata.labels, {breakglass: null})",
    "not_null(`1`, missing)",
    "length(`true`)",
    "abs(`true`)",
    "abs(`1.5`)",
    "avg(`[1, \"a\"]`)",
    "join(`1`, strs)",
    "contains(`1`, 'a')",
    "to_upper(`null`)",
    "starts_with(str)",
    "bogus(str)",
    "bogus(missing.x)",
    "length()",
    "length(str, str)",
    "length(&name)",
    "sort_by(nums, name)",
    "sum(nums)",
    "sum(`[]`)",
    "sum(strs)",
    # Kyverno functions
    "to_string(request.object.spec.replicas)",
    "to_string(request.object.metadata.labels)",
    "to_upper(str)",
    "to_lower('ABC')",
    "split(request.object.spec.containers[0].image, ':')",
    "split(str, '')",
    "replace_all(str, 'l', 'L')",
    "replace(str, 'l', 'L', `1`)",
    "trim('  x  ', ' ')",
    "trim_prefix(str, 'he')",
    "truncate(str, `2`)",
    "regex_match('^h.*o$', str)",
    "regex_match('(ab)+$', long)",
    "regex_match('^b', long)",
    "regex_match('(', long)",
    "regex_match('(', str)",
    "regex_replace_all('l+', str, 'L')",
    "regex_replace_all_literal('l', str, '$1')",
    "pattern_match('h*', str)",
    "pattern_match('h*', `5`)",
    "label_match(`{\"app\": \"web\"}`, request.object.metadata.labels)",
    "to_boolean('True')",
    "to_boolean('yes')",
    "add(`1`, `2`)",
    "add('1Gi', '512Mi')",
    "add('1h', `1`)",
    "subtract('2m', '30s')",
    "multiply('1Gi', `2`)",
    "divide(`1`, `0`)",
    "divide('1Gi', '512Mi')",
    "modulo(`7`, `3`)",
    "modulo(`7.5`, `3`)",
    "round(`2.567`, `2`)",
    "base64_encode(str)",
    "base64_decode(base64_encode(str))",
    "base64_decode('!!')",
    "sha256(str)",
    "path_canonicalize('/a/../b//c')",
    "semver_compare('1.2.3', '>=1.0.0')",
    "parse_json('{\"a\": [1, 2]}').a",
    "parse_json('{')",
    "parse_yaml('a: 1').a",
    "lookup(request.object.metadata.labels, 'app')",
    "lookup(nums, `1`)",
    "lookup(nums, `1.5`)",
    "items(request.object.metadata.labels, 'k', 'v')",
    "items(strs, 'i', 'v')",
    "object_from_lists(strs, nums)",
    "compare('a', 'b')",
    "equal_fold('A', 'a')",
    "image_normalize('nginx')",
    "is_external_url('http://10.0.0.1/x')",
    "time_add('2024-01-01T00:00:00Z', '1h')",
    "time_before('2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
    "time_diff('2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z')",
    "time_to_cron('2024-01-01T10:20:00Z')",
    "time_utc('2024-01-01T10:20:00+02:00')",
    "time_truncate('2024-01-01T10:20:33Z', '1h')",
    "time_parse('2006-01-02', '2024-05-06')",
    "time_add('x', '1h')",
    # functions soften missing keys in arguments, but not inside &expressions
    "to_string(missing)",
    "length(request.object.spec.containers[?missing].name)",
    "contains(request.object.spec.containers[].name, 'b')",
    "request.object.spec.containers[?contains(ports[].containerPort, `80`)].name",
    "request.object.spec.containers[?starts_with(image, 'nginx')] | length(@)",
    "element.values[?@ > `1`] | sum(@)",
    "length(request.object.spec.containers[?securityContext.privileged == `true`]) > `0`",
]


def _outcome(fn: Any, expression: str, data: Any) -> tuple[str, Any]:
    try:
        value = fn(expression, data)
    except Exception as exc:  # the error class and text are the outcome under test
        return (type(exc).__name__, re.sub(r" at 0x[0-9a-f]+>", ">", str(exc)))
    return ("ok", repr(value))


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_compiled_equals_interpreter(expression: str) -> None:
    for data in DOCS:
        assert _outcome(jd.search, expression, data) == _outcome(jd.search_interpreted, expression, data), data


@pytest.mark.parametrize("expression", ["a.", "a[?", "foo(", "[1", "a[?b ==", "a ||", ""])
def test_syntax_errors_are_the_same(expression: str) -> None:
    assert _outcome(jd.search, expression, {}) == _outcome(jd.search_interpreted, expression, {})
    assert _outcome(jd.search, expression, {})[0] == "JMESPathError"


def test_literal_is_the_same_object_each_time() -> None:
    assert jd.search("`[1]`", {}) is jd.search("`[1]`", {})


def test_compiled_is_cached() -> None:
    assert jd.compiled("a.b.c") is jd.compiled("a.b.c")


def test_missing_key_error() -> None:
    with pytest.raises(jd.UnknownKeyError, match='Unknown key "b" in path'):
        jd.search("a.b", {"a": {}})
    with pytest.raises(jd.UnknownKeyError, match='Unknown key "x" in path'):
        jd.search("sort_by(a, &x)", {"a": [{"y": 1}]})
