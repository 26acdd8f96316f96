"""The CEL-to-closures compiler against the reference interpreter: a differential table (values, error texts and
other exceptions must be identical), a differential run over the conformance cel tier, and a few exact values."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
from typing import Any

import pytest
from tests.engines.kyverno.cel.celtier import SUITE, cel_folders, cel_rules

from policy_platform.engines.kyverno.cel import compile_validation, evaluate_validation
from policy_platform.engines.kyverno.cel._compiler import ROOTS, RuleVariables, compile_expression
from policy_platform.engines.kyverno.cel._errors import CelRuntimeError
from policy_platform.engines.kyverno.cel._interpreter import Interpreter, _Opt, _Type
from policy_platform.engines.kyverno.cel._library import authorizer_stub
from policy_platform.engines.kyverno.cel._program import ResourceActivation

POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "web",
        "namespace": "prod",
        "labels": {"app": "web", "tier": "front"},
        "annotations": {"pod.kubernetes.io/lifetime": "4h"},
    },
    "spec": {
        "containers": [
            {"name": "a", "image": "nginx:1.25", "ports": [{"containerPort": 80}],
             "resources": {"limits": {"memory": "1Gi", "cpu": "500m"}}},
            {"name": "b", "image": "envoy:latest",
             "securityContext": {"runAsNonRoot": True, "privileged": False, "capabilities": {"add": ["NET_RAW"]}},
             "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "s"}}}, {"name": "Y", "value": "y"}]},
        ],
        "volumes": [{"name": "v", "hostPath": {"path": "/var/run/docker.sock"}}],
        "replicas": 3,
        "ratio": 1.5,
        "nothing": None,
        "flag": True,
        "list": [1, 2.0, "x", None, True],
    },
}

VARIABLES = [
    ("n", "size(object.spec.containers)"),
    ("names", "object.spec.containers.map(c, c.name)"),
    ("bad", "object.nope"),
    ("uses_bad", "variables.bad + 1"),
    ("allowed", "['nginx', 'envoy']"),
    ("later", "variables.n * 10"),
    ("optional", "object.spec.?nope"),
]


def bindings() -> dict[str, Any]:
    return {
        "object": POD,
        "oldObject": None,
        "request": {"operation": "CREATE", "userInfo": {"username": "u", "groups": ["g"]}, "name": "web"},
        "namespaceObject": {"metadata": {"name": "prod"}},
        "authorizer": authorizer_stub(),
        "params": {"max": 2, "names": ["a"]},
        "variables": {},
    }


def _tagged(value: Any) -> Any:
    """A value with its types made explicit (``1 == 1.0 == True`` in Python, not in CEL)."""
    if isinstance(value, list | tuple):
        return ("list", [_tagged(v) for v in value])
    if isinstance(value, dict):
        return ("map", sorted(((repr(_tagged(k)), _tagged(v)) for k, v in value.items()), key=repr))
    if isinstance(value, _Opt):
        return ("optional", value.present, _tagged(value.value))
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    return (type(value).__name__, value)


def outcome(run: Any) -> Any:
    try:
        return ("value", _tagged(run()))
    except CelRuntimeError as err:
        return ("error", str(err))
    except Exception as err:  # the interpreter's own exceptions on data it does not handle
        return ("exception", type(err).__name__)


def interpreted(expr: str) -> Any:
    interp = Interpreter(bindings(), VARIABLES)
    return outcome(lambda: interp.evaluate(expr))


def rule_variables(pairs: list[tuple[str, str]]) -> RuleVariables:
    variables = RuleVariables(frozenset(name for name, _ in pairs))
    for name, src in pairs:
        variables.add(name, compile_expression(src, variables))
    return variables


def compiled(expr: str) -> Any:
    variables = rule_variables(VARIABLES)
    program = compile_expression(expr, variables)
    assert program is not None, expr
    b = bindings()
    return outcome(lambda: program.run(b, {}))


EXPRESSIONS = [
    # literals and arithmetic
    "1", "-1", "1.5", "0x10", "7u", "'a'", '"b"', "r'\\t'", "b'ab'", "true", "false", "null", "'a\\tb'", "'\\u00e9'",
    "'\\q'", "1 + 2 * 3 - 4 / 2 % 3", "7 / 2", "-7 / 2", "-7 % 2", "7 % -2", "1.0 / 0.0", "-1.0 / 0.0", "0.0 / 0.0",
    "1 / 0", "1 % 0", "1.5 % 2.0", "9223372036854775807 + 1", "-9223372036854775807 - 2", "9223372036854775807 * 2",
    "-(-9223372036854775807 - 1)", "-'a'", "-true", "-1.5", "1 + 1.0", "1 + 'a'", "'a' + 'b'", "b'a' + b'b'",
    "[1] + [2]", "[1] + 'a'", "{'a': 1} + {}", "2 * 3.0", "'a' * 2",
    # comparisons and equality
    "1 == 1.0", "1 == 1", "1 != 2", "'a' == 'a'", "'a' == 1", "null == null", "null == 1", "[1, 2] == [1.0, 2.0]",
    "[1] == [1, 2]", "{'a': 1} == {'a': 1.0}", "{'a': 1} == {'b': 1}", "true == 1", "1 < 2", "1 < 2.5", "2.5 <= 2",
    "'a' < 'b'", "'a' < 1", "true < false", "false < true", "b'a' < b'b'", "[1] < [2]", "null < null",
    "object.spec.replicas > 2", "object.spec.ratio >= 1.5", "object.spec.replicas == 3.0",
    "type(1) == int", "type('') == string", "type(object) == map", "type(null) == null_type", "type(1.0)",
    "type(type(1))", "int == int", "int == string", "type([]) == list",
    # in
    "1 in [1, 2]", "1.0 in [1, 2]", "'a' in ['a']", "'a' in {'a': 1}", "'z' in object.metadata.labels",
    "'app' in object.metadata.labels", "1 in 'abc'", "[1] in [[1]]", "'x' in object.spec.list", "null in [null]",
    "'nginx' in variables.allowed", "1 in variables.allowed", "[1] in {'a': 1}",
    # logic with error absorption
    "true && false", "true || false", "!true", "!1", "object.nope || true", "true || object.nope",
    "object.nope && false", "false && object.nope", "object.nope && true", "true && object.nope",
    "object.nope || false", "object.nope || object.other", "1 && true", "1 && false", "true && 1", "false || 1",
    "1 || true", "1 || 2", "object.nope && 1", "1 && object.nope", "1 || object.nope",
    "true ? 1 : 2", "false ? 1 : object.nope", "1 ? 2 : 3", "object.nope ? 1 : 2",
    # field selection, indexes, has
    "object.metadata.name", "object.metadata.nope", "object.spec.nothing", "object.spec.nothing.x",
    "object.spec.replicas.x", "object.spec.containers.x", "object.spec.containers[0].name",
    "object.spec.containers[2]", "object.spec.containers[-1]", "object.spec.containers[1.0].name",
    "object.spec.containers[1.5]", "object.spec.containers['a']", "object.spec.containers[true]",
    "object.metadata.labels['app']", "object.metadata.labels['nope']", "object['kind']", "object[1]",
    "'abc'[0]", "{1: 'a'}[1]", "{1: 'a'}[1.0]", "{'a': 1}.a", "{'a': 1}.b", "[[1]][0][0]",
    "has(object.spec)", "has(object.nope)", "has(object.spec.nothing.x)", "has(object.spec.replicas.x)",
    "has(object)", "has(object.?spec)", "has(object.spec.containers[0].image)", "has(variables.n)",
    "has(variables.nope)", "has({'a': 1}.a)", "has(optional.of({'a': 1}).a)", "has(optional.none().a)",
    ".object.kind", "nope", "nope.x", "request.operation", "request.userInfo.groups", "params.max",
    "namespaceObject.metadata.name", "oldObject", "oldObject.x", "variables", "variables.nope", "int", "map",
    # variables
    "variables.n", "variables.n * 2", "variables.names.join(',')", "variables.bad", "variables.bad == 1",
    "variables.uses_bad", "variables.later", "variables.bad || true", "variables.?n", "variables.?nope",
    "variables.?bad", "variables.optional", "variables.optional.orValue(1)", "variables.n.x",
    "object.spec.containers.all(variables, variables.name != '')",
    # macros
    "object.spec.containers.all(c, has(c.image))", "object.spec.containers.exists(c, c.name == 'b')",
    "object.spec.containers.exists(c, c.securityContext.runAsNonRoot)",
    "object.spec.containers.exists(c, c.securityContext.privileged)",
    "object.spec.containers.all(c, c.securityContext.privileged)",
    "object.spec.containers.all(c, c.securityContext.runAsNonRoot)",
    "object.spec.containers.all(c, 1)", "object.spec.containers.exists(c, 1)", "[1, 2].all(x, x > 0 ? 1 : true)",
    "object.spec.containers.exists_one(c, c.name.startsWith('a'))",
    "object.spec.containers.exists_one(c, c.securityContext.privileged)", "[1, 2].exists_one(x, 1)",
    "object.spec.containers.map(c, c.name)", "object.spec.containers.map(c, c.name == 'b', c.image)",
    "object.spec.containers.map(c, 1, c.image)", "object.spec.containers.map(c, c.nope)",
    "object.spec.containers.filter(c, has(c.securityContext)).size()", "[1, 2].filter(x, 1)",
    "object.metadata.labels.all(k, k.size() > 2)", "object.metadata.labels.map(k, object.metadata.labels[k])",
    "1.all(x, true)", "'abc'.exists(x, true)", "null.map(x, x)", "[1].all(1, true)", "[1].all(x)",
    "[1].all(x, y, x > 0)", "[[1, 2], [3]].all(x, x.all(x, x > 0))", "[1, 2].map(x, [x].map(y, x + y))",
    "[1, 2].map(x, x).map(x, x * 2)", "[1].all(object, object == 1) && object.kind == 'Pod'",
    "cel.bind(x, 1, x + 1)", "cel.bind(cs, object.spec.containers, cs.size())", "cel.bind(x, object.nope, 1)",
    "cel.bind(1, 1, 1)", "cel.bind(x, 1)", "[1, 2].all(x, cel.bind(y, x * 2, y > x))",
    # optionals
    "object.?spec.?containers.orValue([]).size()", "object.spec.?initContainers.orValue([])",
    "object.metadata.?labels[?'app'].orValue('')", "object.metadata.?labels[?'nope'].orValue('d')",
    "object.metadata.?annotations.?x.hasValue()", "object.metadata.?annotations.hasValue()",
    "object.spec.containers[?1].?securityContext.?runAsNonRoot.orValue(false)",
    "object.spec.containers[?5].orValue({}) == {}", "object.spec.containers[?-1]", "object.spec.containers[?'a']",
    "object.spec.containers.map(c, c.?securityContext.?privileged.orValue(true))",
    "object.spec.containers.all(c, c.?image.orValue('').startsWith('n') || c.name == 'b')",
    "object.?spec.containers.orValue([]).size()", "object.?spec.optMap(s, s.containers.size()).orValue(0)",
    "object.?nope.optMap(s, 1).orValue(0)", "object.?spec.optFlatMap(s, s.?containers).orValue([]).size()",
    "object.?spec.optFlatMap(s, s.containers)", "object.spec.optMap(s, 1)", "object.?spec.optMap(1, 1)",
    "object.?spec.?containers == optional.of(object.spec.containers)", "object.?status == optional.none()",
    "object.spec.containers[0].name.orValue('x')", "object.spec.containers[0].name.or(optional.of('x'))",
    "optional.of(object.spec).or(optional.none()).value().containers.size()", "optional.none().or(optional.of(1))",
    "cel.bind(p, object.metadata.?labels.orValue({}), p.app)", "object.?spec.replicas", "object.?spec.nope",
    "object.?spec.?replicas.?x", "object.?spec.replicas.x", "object.?spec.containers[0]", "object.?nope.x.y",
    "object.?spec.containers[5]", "object.spec.?nothing.?x", "object.spec.?nothing.orValue(1)",
    "optional.of(1).?x", "optional.of({'a': 1}).a", "optional.of({'a': 1}).b", "optional.of([1])[0]",
    "optional.of([1])[?3]", "optional.none()[0]", "optional.of({'a': {'b': 1}}).?a.b",
    "optional.of(optional.of(1)).value().value()", "optional.of(1).value()", "optional.none().value()",
    "optional.none().hasValue()", "optional.of(1).hasValue()", "1.hasValue()", "1.value()",
    "optional.ofNonZeroValue('').hasValue()", "optional.ofNonZeroValue([1]).value()", "optional.of(1).orValue(2)",
    "optional.none().orValue(object.nope)", "optional.of(1).orValue(object.nope)", "object.nope.orValue(1)",
    "1.orValue(2)", "object.metadata.?labels['app']", "object.metadata.?labels[?'app'].value()",
    "{'a': optional.of(1)}.a.orValue(2)", "[optional.none()][0].orValue(2)", "{'a': optional.none()}.?a",
    "{'a': 1}[?'a']", "{1: 2}[?1]", "[1, 2][?1]", "[1, 2][?1].orValue(3)", "object.?spec.?list[?2]",
    "object.?spec[?'replicas'].orValue(0) + 1", "object.?spec.?replicas.orValue(0) > 1",
    "object.spec.?containers[?0].?image.orValue('x').startsWith('nginx')",
    "object.spec.containers[0].?resources.?limits.?memory.hasValue()",
    # conversions and strings
    "int('42')", "int('x')", "int(2.9)", "int(1e100)", "int(true)", "uint(1)", "double(1)", "double('1.5')",
    "double('x')", "string(1)", "string(1.5)", "string(2.0)", "string(true)", "string(b'a')", "string(null)",
    "bool('true')", "bool('x')", "bytes('a')", "dyn(1)", "size('abc')", "size([1])", "size({})", "size(1)",
    "'abc'.size()", "size(b'ab')", "'abc'.startsWith('a')", "'abc'.endsWith('c')", "'abc'.contains('b')",
    "'abc'.startsWith(1)", "1.startsWith('a')", "'abc'.matches('^a.c$')", "'abc'.matches('[')",
    "object.metadata.name.matches('^w')", "1.matches('a')", "'a'.matches(1)", "matches('abc', 'b')",
    "'x'.matches(object.metadata.name)", "'a,b'.split(',')", "'a,b,c'.split(',', 2)", "'abc'.split('')",
    "'hello'.charAt(1)", "'hello'.charAt(9)", "'hello'.indexOf('l')", "'hello'.lastIndexOf('l')",
    "'hello'.lastIndexOf('l', 2)", "'Hello'.lowerAscii()", "'Hello'.upperAscii()", "'aaa'.replace('a', 'b', 2)",
    "'hello'.substring(1, 3)", "'hello'.substring(9)", "'  x '.trim()", "['a', 'b'].join('-')", "[1].join()",
    "'abc'.reverse()", "[1, 2].reverse()", "strings.quote('a\"b')", "'%s is %d'.format(['a', 1])",
    "'%.2f'.format([1.5])", "'%d'.format(['x'])", "'%s'.format([[1, 'a', null, true, 1.0]])", "'%x'.format([255])",
    "'abc1d2'.find('[0-9]')", "'abc1d2'.findAll('[0-9]')", "'abc'.nope()", "nope(1)", "x.y.z()",
    "sets.contains([1, 2], [1])", "sets.equivalent([1], [1, 1])", "sets.intersects([1], [2])", "sets.nope(1)",
    "[1, 3, 2].isSorted()", "[1, 2].sum()", "[].sum()", "[1, 2].min()", "[2, 1].max()", "[].min()",
    "['a', 1].max()", "[1, 2, 1].indexOf(1)", "[1, 2, 1].lastIndexOf(1)",
    # durations, timestamps
    "duration('1h30m') > duration('90m')", "duration('1h30m') == duration('90m')", "duration('x')", "duration(1)",
    "duration(object.metadata.annotations['pod.kubernetes.io/lifetime']) > duration('8h')",
    "!(duration('0s') > duration('8h'))", "duration('1h') + duration('1m')", "-duration('1h')",
    "timestamp('2024-01-01T00:00:00Z') < timestamp('2024-06-01T00:00:00Z')", "timestamp('x')",
    "timestamp('2024-01-01T00:00:00Z') + duration('1h')", "timestamp('2024-01-01T00:00:00Z') - duration('1h')",
    "string(duration('90s'))", "int(duration('90s'))",
    # Kubernetes libraries
    "quantity('1Gi').isGreaterThan(quantity('1G'))", "quantity('1Gi') == quantity('1024Mi')", "quantity('x')",
    "isQuantity('1Gi')", "isQuantity('x')", "quantity('1').add(1).asInteger()", "quantity('1.5').asInteger()",
    "quantity('500m').asApproximateFloat()", "quantity('1').compareTo(quantity('2'))", "quantity('1').sign()",
    "quantity('-1').sub(quantity('1')).isInteger()", "[quantity('1'), quantity('2')].sum().asInteger()",
    "object.spec.containers.all(c, quantity(c.?resources.?limits.?memory.orValue('0')).isLessThan(quantity('2Gi')))",
    "url('https://a.b:8080/p?q=1').getHost()", "url('https://a.b:8080/p?q=1').getPort()",
    "url('https://a.b/p?q=1&q=2').getQuery()", "url('x')", "isURL('/p')", "url('https://[::1]:80/').getHostname()",
    "url('http://a/p').getScheme() + url('http://a/p').getEscapedPath()",
    "ip('10.0.0.1').family()", "ip('::1').isLoopback()", "ip('x')", "isIP('1.2.3.4')", "isIP('x')",
    "cidr('10.0.0.0/8').containsIP('10.1.2.3')", "cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16')",
    "cidr('10.0.0.0/8').prefixLength()", "cidr('10.1.2.3/8').masked() == cidr('10.0.0.0/8')",
    "isCIDR('10.0.0.0/8')", "ip('224.0.0.1').isLinkLocalMulticast()", "ip('8.8.8.8').isGlobalUnicast()",
    "ip('0.0.0.0').isUnspecified()", "ip('fe80::1').isLinkLocalUnicast()", "cidr('10.0.0.0/8').ip()",
    "authorizer.group('apps').resource('deployments').namespace('ns').name('x').check('create').allowed()",
    "authorizer.requestResource.check('update').reason()", "authorizer.serviceAccount('ns', 'sa').check('x')",
    "authorizer.path('/x').check('get').errored()", "authorizer.check(1)", "1.allowed()",
    # lists and maps literals
    "[1, 'a', null]", "{'a': [1, {'b': 2}]}", "{object.kind: 1}", "{[1]: 2}", "[object.nope, 1]",
    "{'a': 1, 'a': 2}", "[1, 2][0] + [3][0]", "{'k': object.metadata.name}.k",
    # fused forms: !has(), optional chains ending in orValue over maps, optionals and other values
    "!has(object.spec)", "!has(object.nope)", "!has(object.spec.replicas.x)", "!has(optional.none().a)",
    "!has(variables.n)", "!has(variables.nope)", "!has(object.?spec)", "!has(object)", "!has(object.nope.x)",
    "{'a': optional.of({'b': 1})}.a.?b.orValue(2)", "{'a': optional.none()}.a.?b.orValue(2)",
    "[{'a': 1}][?0].a.orValue(0)", "object.spec.?containers[0].name.orValue('')",
    "object.spec.?containers[5].name.orValue('')", "object.?spec.?list[?1].orValue(0)",
    "object.spec.?list[?9].orValue(0)", "{'a': [1]}.?a[0].orValue(2)", "{'a': 'x'}.?a.b.orValue(1)",
    "{'a': 'x'}.?a.?b.orValue(1)", "{'a': {'b': null}}.?a.b.?c.orValue(1)", "{'a': {'b': 1}}.?a.c.orValue(1)",
    "{'a': {'b': 1}}.?a['c'].orValue(1)", "{'a': {1: 2}}.?a[1].orValue(0)", "{'a': {1: 2}}.?a[?2].orValue(0)",
    "{'a': {'b': optional.none()}}.?a.b.orValue(1)", "{'a': {'b': optional.none()}}.?a.?b.orValue(1)",
    "optional.none().?a.orValue(1)", "optional.of({'a': 2}).?a.orValue(1)", "1.?a.orValue(2)",
    "object.metadata.?labels.?app.hasValue()", "object.metadata.?labels.?nope.hasValue()",
    "object.metadata.?labels.app.hasValue()", "object.metadata.?labels.?app.or(optional.of('z'))",
    "object.metadata.?nope.?app.or(optional.of('z'))", "object.metadata.?labels.?app.orValue(object.nope)",
    "object.metadata.?nope.?app.orValue(object.nope)", "[optional.of(1)][0].orValue(2)",
    "{'a': optional.of(1)}.a.orValue(2)", "{'a': {'b': optional.of(1)}}.a.b.orValue(2)",
    "has(object.spec.containers.x)", "!has(object.spec.containers.x)", "has(object.metadata.labels.app)",
    "!has(object.metadata.labels.app)", "has(object.spec.nope.x)", "!has(object.spec.nope.x)",
    "has(object.spec.nothing.x)", "has(optional.of({'a': {'b': 1}}).a.b)", "!has(optional.none().a.b)",
    "has({'a': optional.none()}.a.b)", "has({'a': 1}.a.b)", "has(1.a.b)", "!has(object.spec.containers[0].image.x)",
    "object.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.capabilities.add) || false)",
    # comprehensions written inline by the code generator
    "[1, 2, 3].filter(x, x > 1, true)", "[1, 2].exists_one(x, y, x == 1)", "{'a': 1, 'b': 2}.filter(k, k == 'a')",
    "{'a': 1}.map(k, k)", "[1, 2].map(x, x > 1, x * 10)", "[1, 2].map(x, object.nope, x)",
    "[1, 2].filter(x, object.nope)", "[1, 2].map(x, object.nope)", "[].map(x, object.nope)", "[].exists_one(x, 1)",
    "[1, 1].exists_one(x, x == 1)", "object.spec.containers.filter(c, c.name == 'b').map(c, c.image)",
    "object.spec.containers.map(c, c.?securityContext.?privileged.orValue(false))",
    "object.spec.containers.filter(c, c.securityContext.privileged == false)", "1.filter(x, true)",
    "object.spec.containers.map(c, c.name).filter(n, n.startsWith('a')).size() == 1",
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_compiled_closures_agree_with_the_interpreter(expr: str) -> None:
    assert compiled(expr) == interpreted(expr)


_OPERANDS = ("true", "false", "object.nope", "1", "object.other")
LOGIC_CHAINS = [
    text
    for op in ("&&", "||")
    for a, b, c in itertools.product(_OPERANDS, repeat=3)
    for text in (f"{a} {op} {b} {op} {c}", f"{a} {op} ({b} {op} {c})")
] + ["true && true && true && object.nope", "false || false || 1 || object.nope || true", "1 || 2 || 3 || false"]


@pytest.mark.parametrize("expr", LOGIC_CHAINS)
def test_compiled_logic_chains_agree_with_the_interpreter(expr: str) -> None:
    assert compiled(expr) == interpreted(expr)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("object.spec.containers.exists(c, c.securityContext.runAsNonRoot)", True),
        ("object.spec.containers.all(c, c.securityContext.privileged)", False),
        ("object.?spec.?containers.orValue([]).size()", 2),
        ("object.metadata.?labels[?'nope'].orValue('d')", "d"),
        ("object.?status", _Opt(False)),
        ("object.metadata.?labels[?'app']", _Opt(True, "web")),
        ("variables.names.join(',') + '/' + string(variables.later)", "a,b/20"),
        ("type(object)", _Type("map")),
        ("duration('1h') + duration('1m')", dt.timedelta(minutes=61)),
        ("'nginx' in variables.allowed && !('x' in variables.allowed)", True),
    ],
)
def test_compiled_values(expr: str, expected: Any) -> None:
    assert compiled(expr) == ("value", _tagged(expected))


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("object.spec.containers.exists(c, c.securityContext.privileged)", "no such key: securityContext"),
        ("9223372036854775807 + 1", "integer overflow"),
        ("1 / 0", "division by zero"),
        ("1 + 'a'", "no such overload: _+_(int, string)"),
        ("variables.uses_bad", 'composited variable "uses_bad" fails to evaluate: '
                               'composited variable "bad" fails to evaluate: no such key: nope'),
        ("nope", "undeclared reference to 'nope'"),
        ("optional.none().value()", "optional.none() dereference"),
    ],
)
def test_compiled_errors(expr: str, message: str) -> None:
    assert compiled(expr) == ("error", message)


def test_roots_are_the_activation_bindings() -> None:
    assert set(ResourceActivation(obj=POD)._bindings) == ROOTS


def test_a_variable_is_evaluated_at_most_once_per_rule_and_resource() -> None:
    calls: list[str] = []
    compiled_rule = compile_validation(
        {
            "variables": [{"name": "x", "expression": "object.metadata.name.lowerAscii()"}],
            "expressions": [
                {"expression": "variables.x == 'web'"},
                {"expression": "variables.x.size() == 3"},
                {"expression": "variables.x == 'nope'", "messageExpression": "'got ' + variables.x"},
            ],
        },
        location="t",
    )
    program = compiled_rule.variable_programs.programs["x"]
    assert program is not None
    original = program.fn

    def counting(frame: list[Any]) -> Any:
        calls.append("x")
        return original(frame)

    object.__setattr__(program, "fn", counting)
    try:
        result = evaluate_validation(compiled_rule, activation=ResourceActivation(obj=POD))
    finally:
        object.__setattr__(program, "fn", original)
    assert (result.status, result.message) == ("fail", "got web")
    assert calls == ["x"]


def test_uncovered_sources_are_not_compiled() -> None:
    assert compile_expression("Foo{a: 1}") is None
    assert compile_expression("1 +") is None


def test_a_constant_variable_is_folded_into_expressions() -> None:
    compiled_rule = compile_validation(
        {"variables": [{"name": "allowed", "expression": "['a', 'b']"}],
         "expressions": [{"expression": "object.metadata.name in variables.allowed"}]},
        location="t",
    )
    program = compiled_rule.variable_programs.programs["allowed"]
    assert program is not None and program.constant and program.value == ["a", "b"]
    assert evaluate_validation(compiled_rule, obj={"metadata": {"name": "b"}}).status == "pass"


# ------------------------------------------------------------------------------------------ differential run

@pytest.mark.skipif(not cel_folders(), reason=f"conformance suite not found at {SUITE}")
def test_compiled_closures_agree_with_the_interpreter_on_the_cel_tier() -> None:
    """Every expression, variable and precondition of every cel-tier rule on every resource of its test."""
    compared = 0
    disagreements = []
    for folder, rule, objects in cel_rules():
            cel = rule["validate"]["cel"]
            variables = [(v["name"], v["expression"]) for v in cel.get("variables") or []]
            compiled_variables = rule_variables(variables)
            sources = [e["expression"] for e in cel["expressions"]] + [src for _, src in variables]
            sources += [e["messageExpression"] for e in cel["expressions"] if "messageExpression" in e]
            sources += [p["expression"] for p in rule.get("celPreconditions") or []]
            for obj in objects:
                activation = ResourceActivation(obj=obj)
                interp = Interpreter(activation._bindings, variables)
                cache: dict[Any, Any] = {}
                for src in sources:
                    program = compile_expression(src, compiled_variables)
                    assert program is not None, src
                    fast = outcome(functools.partial(program.run, activation._bindings, cache))
                    slow = outcome(functools.partial(interp.evaluate, src))
                    compared += 1
                    if fast != slow:
                        disagreements.append(f"{folder}: {src!r} on {obj['metadata']['name']}: {fast} vs {slow}")
    assert compared > 3000
    assert disagreements == []


def test_results_of_static_messages_are_shared_and_message_expressions_evaluated_per_resource() -> None:
    rule = compile_validation(
        {"expressions": [
            {"expression": "object.metadata.name != 'a'", "message": "not a"},
            {"expression": "object.metadata.name != 'b'", "messageExpression": "'got ' + object.metadata.name"},
        ]},
        location="t",
    )
    first = evaluate_validation(rule, obj={"metadata": {"name": "a"}})
    again = evaluate_validation(rule, obj={"metadata": {"name": "a"}})
    assert (first.status, first.message) == ("fail", "not a")
    assert again is first
    assert evaluate_validation(rule, obj={"metadata": {"name": "b"}}).message == "got b"
    assert evaluate_validation(rule, obj={"metadata": {"name": "c"}}).status == "pass"
