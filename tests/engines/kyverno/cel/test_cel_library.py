"""The Kubernetes CEL libraries, evaluated through a real activation (expected values follow cel-go / Kubernetes)."""

from __future__ import annotations

from typing import Any

import pytest

from policy_platform.engines.kyverno.cel import (
    ResourceActivation,
    compile_validation,
    evaluate_validation,
)
from policy_platform.engines.kyverno.cel._program import _compile
from policy_platform.engines.kyverno.cel._quantity import QuantityError, parse_quantity

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": {}}


def value_of(expr: str) -> Any:
    """Compile ``expr`` as the engine does and evaluate it on a real activation, returning any value (not only bool)."""
    program, _ = _compile(expr, location="test", what="expression")
    return ResourceActivation(obj=POD)._run(program)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        # strings extension
        ("'hello'.charAt(1)", "e"),
        ("'hello'.charAt(5)", ""),
        ("'hello mellow'.indexOf('ello')", 1),
        ("'hello mellow'.indexOf('ello', 2)", 7),
        ("'hello mellow'.lastIndexOf('ello')", 7),
        ("'TacoCat'.lowerAscii()", "tacocat"),
        ("'TacoCÆt'.upperAscii()", "TACOCÆT"),
        ("'hello hello'.replace('he', 'we')", "wello wello"),
        ("'hello hello'.replace('he', 'we', 1)", "wello hello"),
        ("'a,b,c'.split(',')", ["a", "b", "c"]),
        ("'a,b,c'.split(',', 2)", ["a", "b,c"]),
        ("'a,b,c'.split(',', 0)", []),
        ("'tacocat'.substring(4)", "cat"),
        ("'tacocat'.substring(0, 4)", "taco"),
        ("'  \\ttrim\\n '.trim()", "trim"),
        ("['a', 'b'].join('-')", "a-b"),
        ("['a', 'b'].join()", "ab"),
        ("'abc'.reverse()", "cba"),
        ("strings.quote('a\"b\\n')", '"a\\"b\\n"'),
        # format
        ("'%s is %d years, %.2f%%'.format(['x', 3, 1.5])", "x is 3 years, 1.50%"),
        ("'%s %s %s'.format([true, null, [1, 'a']])", "true null [1, a]"),
        ("'%x %X %o %b'.format([255, 255, 8, 5])", "ff FF 10 101"),
        ("'%e'.format([1234.5])", "1.234500e+03"),
        # regex (RE2)
        ("'abc 123 def 456'.find('[0-9]+')", "123"),
        ("'abc'.find('[0-9]+')", ""),
        ("'abc 123 def 456'.findAll('[0-9]+')", ["123", "456"]),
        ("'abc 123 def 456'.findAll('[0-9]+', 1)", ["123"]),
        # lists
        ("[1, 2, 3].isSorted()", True),
        ("['b', 'a'].isSorted()", False),
        ("[1, 2, 3].sum()", 6),
        ("[1.5, 2.5].sum()", 4.0),
        ("[].sum()", 0),
        ("[3, 1, 2].min()", 1),
        ("[3, 1, 2].max()", 3),
        ("['b', 'a'].min()", "a"),
        ("[1, 2, 2, 3].indexOf(2)", 1),
        ("[1, 2, 2, 3].lastIndexOf(2)", 2),
        ("[1, 2].indexOf(9)", -1),
        # sets
        ("sets.contains([1, 2, 3], [3, 1])", True),
        ("sets.contains([1, 2], [3])", False),
        ("sets.equivalent([1, 2, 2], [2, 1])", True),
        ("sets.intersects([1, 2], [2, 5])", True),
        ("sets.intersects([1], [])", False),
        # quantity
        ("quantity('1Gi') == quantity('1024Mi')", True),
        ("quantity('1') == quantity('1000m')", True),
        ("quantity('500m').isLessThan(quantity('1'))", True),
        ("quantity('2Gi').isGreaterThan(quantity('2G'))", True),
        ("quantity('1k').compareTo(quantity('1000'))", 0),
        ("quantity('1.5').add(quantity('500m')).asInteger()", 2),
        ("quantity('1').add(2).asInteger()", 3),
        ("quantity('5').sub(quantity('2')).asInteger()", 3),
        ("quantity('5').sub(10).sign()", -1),
        ("quantity('1500m').asApproximateFloat()", 1.5),
        ("quantity('1500m').isInteger()", False),
        ("quantity('1e3').asInteger()", 1000),
        ("isQuantity('1Gi')", True),
        ("isQuantity('1GB')", False),
        ("[quantity('1'), quantity('2Gi')].isSorted()", True),
        ("[quantity('1'), quantity('500m')].sum() == quantity('1.5')", True),
        # URLs
        ("url('https://user@example.com:8443/a/b%20c?x=1&x=2&y').getScheme()", "https"),
        ("url('https://user@example.com:8443/a/b%20c?x=1&x=2&y').getHost()", "example.com:8443"),
        ("url('https://user@example.com:8443/a/b%20c?x=1&x=2&y').getHostname()", "example.com"),
        ("url('https://user@example.com:8443/a/b%20c?x=1&x=2&y').getPort()", "8443"),
        ("url('https://user@example.com:8443/a/b%20c?x=1&x=2&y').getEscapedPath()", "/a/b%20c"),
        ("url('https://example.com/?x=1&x=2&y').getQuery()", {"x": ["1", "2"], "y": [""]}),
        ("url('https://[::1]:80/').getHostname()", "::1"),
        ("url('/just/a/path').getHost()", ""),
        ("isURL('https://example.com')", True),
        ("isURL('example.com')", False),
        # IP and CIDR
        ("ip('10.0.0.1').family()", 4),
        ("ip('::1').family()", 6),
        ("ip('::1').isLoopback()", True),
        ("ip('0.0.0.0').isUnspecified()", True),
        ("ip('224.0.0.1').isLinkLocalMulticast()", True),
        ("ip('169.254.1.1').isLinkLocalUnicast()", True),
        ("ip('8.8.8.8').isGlobalUnicast()", True),
        ("ip('10.0.0.1') == ip('10.0.0.1')", True),
        ("isIP('10.0.0.256')", False),
        ("isIP('fe80::1%eth0')", False),
        ("cidr('10.0.0.0/8').containsIP(ip('10.1.2.3'))", True),
        ("cidr('10.0.0.0/8').containsIP('11.0.0.1')", False),
        ("cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16')", True),
        ("cidr('10.0.0.0/16').containsCIDR(cidr('10.0.0.0/8'))", False),
        ("cidr('10.1.2.3/8').prefixLength()", 8),
        ("cidr('10.1.2.3/8').masked() == cidr('10.0.0.0/8')", True),
        ("cidr('10.1.2.3/8').ip() == ip('10.1.2.3')", True),
        ("isCIDR('10.0.0.0/8')", True),
        ("isCIDR('10.0.0.0')", False),
        # authorizer: offline stub, every check denied
        ("authorizer.group('apps').resource('deployments').namespace('ns').name('x').check('delete').allowed()", False),
        ("authorizer.serviceAccount('ns', 'sa').resource('pods').check('get').reason()", ""),
        ("authorizer.path('/healthz').check('get').errored()", False),
        ("authorizer.requestResource.subresource('status').check('update').allowed()", False),
    ],
)
def test_library_function(expr: str, expected: Any) -> None:
    assert value_of(expr) == expected


@pytest.mark.parametrize(
    ("expr", "cause"),
    [
        ("quantity('1GB')", "quantities must match the regular expression"),
        ("'abc'.charAt(9)", "index out of range: 9"),
        ("'%d'.format(['x'])", "decimal clause can only be used on integers"),
        ("'%s %s'.format(['x'])", "index 1 out of range"),
        ("url('no-scheme')", "URL is not absolute"),
        ("quantity('1.5').asInteger()", "cannot convert value to integer"),
        ("[].min()", "min called on empty list"),
        ("1.lowerAscii()", "no such overload: lowerAscii(int)"),
        ("[1, 'a'].isSorted()", "no such overload: isSorted"),
    ],
)
def test_library_misuse_is_an_evaluation_error_naming_the_cause(expr: str, cause: str) -> None:
    compiled = compile_validation({"expressions": [{"expression": f"{expr} == {expr}"}]}, location="t")
    result = evaluate_validation(compiled, obj=POD, error_status="error")
    assert result.status == "error"
    assert result.message.startswith(f"expression '{expr} == {expr}' resulted in error: ")
    assert cause in result.message


@pytest.mark.parametrize(
    ("text", "numerator", "denominator"),
    [
        ("1Gi", 2**30, 1),
        ("100m", 1, 10),
        ("1.5k", 1500, 1),
        ("-2Ki", -2048, 1),
        ("1e-3", 1, 1000),
        ("2E", 2 * 10**18, 1),
        (".5", 1, 2),
        ("3n", 3, 10**9),
    ],
)
def test_parse_quantity(text: str, numerator: int, denominator: int) -> None:
    value = parse_quantity(text)
    assert (value.numerator, value.denominator) == (numerator, denominator)


@pytest.mark.parametrize("text", ["", "Gi", "1GB", "1 Gi", "1.2.3", "0x10"])
def test_parse_quantity_rejects(text: str) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(text)
