"""Differential tests: the compiled pattern matcher against the interpreted reference walker.

Every (pattern, resource) pair below goes through :func:`pattern.match_pattern` (closures compiled once) and
:func:`pattern_reference.match_pattern` (the walker the engine used before); status, message and path must be equal.
The scalar predicates of :func:`scalar.compile_check` are compared with :func:`scalar.validate` and the wildcard
matchers of :func:`wildcard.compile_matcher` with :func:`wildcard.match` the same way. A last test runs every
pattern of the Kyverno policy library suite (autogen forms included) over the resources of its test folder.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from policy_platform.engines.kyverno import pattern, pattern_reference, scalar, wildcard
from policy_platform.engines.kyverno.autogen import expand_rules

CONTAINER_A = {
    "name": "a",
    "image": "nginx:latest",
    "imagePullPolicy": "IfNotPresent",
    "securityContext": {"privileged": True, "runAsUser": 0, "capabilities": {"drop": ["ALL"]}},
    "resources": {"limits": {"memory": "512Mi", "cpu": "500m"}, "requests": {"memory": "1Gi"}},
    "ports": [{"containerPort": 80, "hostPort": 8080}],
    "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}, {"name": "Y", "value": "1"}],
}
CONTAINER_B = {
    "name": "b",
    "image": "redis:7",
    "imagePullPolicy": "Always",
    "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True},
    "resources": {"limits": {"memory": "128Mi", "cpu": "2"}, "requests": {"memory": "64Mi", "cpu": "0.1"}},
    "livenessProbe": {"periodSeconds": 10, "timeoutSeconds": 1.5},
}
POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "web",
        "namespace": "default",
        "labels": {"app": "web", "app.kubernetes.io/name": "web", "tier": "front"},
        "annotations": {"x.io/a-snippet": "v", "container.apparmor.security.beta.kubernetes.io/a": "runtime/default"},
    },
    "spec": {
        "containers": [CONTAINER_A, CONTAINER_B],
        "initContainers": [{"name": "init", "image": "busybox", "securityContext": {"runAsUser": 1000}}],
        "hostNetwork": False,
        "hostPID": None,
        "dnsPolicy": "",
        "priority": 10,
        "ratio": 0.5,
        "ttl": "1h30m",
        "tags": ["a", "b", "c"],
        "numbers": [1, 2, 3],
        "empty": [],
        "emptyMap": {},
        "volumes": [
            {"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}},
            {"name": "cache", "emptyDir": {}},
        ],
        "securityContext": {"runAsNonRoot": True, "sysctls": [{"name": "kernel.shm_rmid_forced", "value": "0"}]},
    },
}


def _without(data: dict[str, Any], *path: str) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node = out
    for key in path[:-1]:
        node = node[key]
    node.pop(path[-1], None)
    return out


def _deployment(pod: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "labels": {"app": "web"}},
        "spec": {"replicas": 3, "template": {"metadata": pod["metadata"], "spec": pod["spec"]}},
    }


RESOURCES: list[Any] = [
    POD,
    _without(POD, "metadata", "labels"),
    _without(POD, "spec", "initContainers"),
    _without(POD, "spec", "volumes"),
    _without(POD, "metadata", "annotations"),
    {**POD, "spec": {**POD["spec"], "containers": [CONTAINER_B]}},
    {**POD, "spec": {**POD["spec"], "containers": []}},
    {**POD, "spec": {**POD["spec"], "containers": "oops", "hostNetwork": True}},
    {**POD, "spec": {**POD["spec"], "containers": [CONTAINER_A, None, 3]}},
    {**POD, "spec": None},
    {"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1", "b": "true", "c": ""}},
    _deployment(POD),
    [],
    "text",
    None,
    0,
]

# (name, pattern): every anchor, operator, nil case, array shape and failure path
PATTERNS: list[tuple[str, Any]] = [
    ("plain match", {"metadata": {"labels": {"app": "web"}}}),
    ("plain mismatch", {"metadata": {"labels": {"app": "api"}}}),
    ("missing map", {"spec": {"securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "x"}}}}),
    ("every element", {"spec": {"containers": [{"image": "!*:latest"}]}}),
    ("every element ok", {"spec": {"containers": [{"name": "?*"}]}}),
    ("equality absent", {"spec": {"=(hostIPC)": False}}),
    ("equality present", {"spec": {"=(hostNetwork)": True}}),
    ("equality nested", {"spec": {"=(securityContext)": {"=(runAsNonRoot)": False, "=(runAsUser)": ">0"}}}),
    ("equality nil value", {"spec": {"=(hostPID)": "null"}}),
    ("equality star nil", {"spec": {"=(hostPID)": "*"}}),
    ("negation present", {"spec": {"X(hostNetwork)": "null"}}),
    ("negation absent", {"spec": {"X(hostIPC)": "null"}}),
    ("negation root", {"X(spec)": "null"}),
    ("negation in list", {"spec": {"=(volumes)": [{"X(hostPath)": "null"}]}}),
    ("negation nested list", {"spec": {"containers": [{"=(env)": [{"=(valueFrom)": {"X(secretKeyRef)": "null"}}]}]}}),
    ("condition per element", {"spec": {"containers": [{"(name)": "a", "securityContext": {"privileged": False}}]}}),
    ("condition never holds", {"spec": {"containers": [{"(name)": "zzz", "image": "x"}]}}),
    ("condition missing key", {"spec": {"containers": [{"(missing)": "x", "image": "x"}]}}),
    ("condition then fail", {"spec": {"(hostNetwork)": False, "dnsPolicy": "ClusterFirst"}}),
    ("condition skip then anchor error", {"spec": {"(hostNetwork)": True, "X(containers)": "null"}}),
    ("condition and equality", {"spec": {"(hostNetwork)": False, "=(dnsPolicy)": "x", "priority": 10}}),
    ("condition on value op", {"spec": {"containers": [{"(image)": "*:latest | !*:*", "imagePullPolicy": "Always"}]}}),
    ("nested conditions", {"spec": {"(volumes)": [{"(hostPath)": {"path": "/var/run/docker.sock"}}], "hostPID": 1}}),
    ("conditional map", {"metadata": {"labels": {"allow": "true"}}, "(spec)": {"(volumes)": [{"(hostPath)": {}}]}}),
    ("global anchor per element", {"spec": {"containers": [{"<(image)": "*:7", "name": "b"}]}}),
    ("global anchor whole rule", {"spec": {"<(hostNetwork)": True, "containers": [{"name": "x"}]}}),
    ("global anchor holds", {"spec": {"<(hostNetwork)": False, "containers": [{"name": "x"}]}}),
    ("global nested", {"spec": {"containers": [{"securityContext": {"<(privileged)": True}, "image": "redis*"}]}}),
    ("existence holds", {"spec": {"^(containers)": [{"image": "redis:*"}]}}),
    ("existence fails", {"spec": {"^(containers)": [{"image": "busybox"}]}}),
    ("existence absent key", {"spec": {"^(sidecars)": [{"image": "x"}]}}),
    ("existence not list", {"spec": {"^(hostNetwork)": [{"a": 1}]}}),
    ("existence bad pattern", {"spec": {"^(containers)": {"image": "x"}}}),
    ("existence bad item", {"spec": {"^(containers)": [{"name": "a"}, "x"]}}),
    ("existence then failure", {"spec": {"^(initContainers)": [{"name": "x"}], "hostNetwork": True}}),
    ("keys missing error", {"spec": {"containers": [{"(ports)": [{"hostPort": 1}], "image": "zzz"}]}}),
    ("add anchor literal", {"spec": {"+(hostNetwork)": False}}),
    ("add anchor star", {"spec": {"+(dnsPolicy)": "*"}}),
    ("star needs value", {"spec": {"serviceAccountName": "*"}}),
    ("star empty string", {"spec": {"dnsPolicy": "*"}}),
    ("star list", {"spec": {"tags": "*"}}),
    ("star in array", {"spec": {"containers": [{"name": "*", "image": "*"}]}}),
    ("nonempty", {"spec": {"dnsPolicy": "?*"}}),
    ("wildcard annotation key", {"metadata": {"=(annotations)": {"X(*-snippet)": "?*"}}}),
    ("wildcard label key", {"metadata": {"labels": {"app.kubernetes.io/*": "web"}}}),
    ("wildcard label key miss", {"metadata": {"labels": {"nothing/*": "?*"}}}),
    ("wildcard annotation equality", {"metadata": {"=(annotations)": {"=(container.apparmor*)": "localhost/*"}}}),
    ("wildcard template", {"spec": {"template": {"=(metadata)": {"=(annotations)": {"=(x.io/*)": "w"}}}}}),
    ("empty pattern list", {"spec": {"containers": []}}),
    ("scalar against list", {"spec": {"containers": "x"}}),
    ("scalar list pattern", {"spec": {"tags": ["?*"]}}),
    ("scalar list mismatch", {"spec": {"tags": ["a"]}}),
    ("number list", {"spec": {"numbers": [">0"]}}),
    ("positional lists", {"spec": {"nested": [[1], [2]]}}),
    ("positional short", {"data": [["a"], ["b"], ["c"]]}),
    ("list against map", {"spec": {"emptyMap": [{"a": 1}]}}),
    ("map against list", {"spec": {"tags": {"a": "b"}}}),
    ("map against scalar", {"spec": {"hostNetwork": {"a": "b"}}}),
    ("map against nil", {"spec": {"hostPID": {"a": "b"}}}),
    ("root list", [{"name": "a"}]),
    ("root scalar", "text"),
    ("root map vs scalar", {"a": 1}),
    ("int pattern", {"spec": {"priority": 10}}),
    ("int pattern miss", {"spec": {"priority": 11}}),
    ("float pattern", {"spec": {"ratio": 0.5}}),
    ("bool pattern", {"spec": {"hostNetwork": False}}),
    ("bool pattern string", {"spec": {"hostNetwork": "false"}}),
    ("null pattern", {"spec": {"hostPID": None, "dnsPolicy": None, "hostNetwork": None}}),
    ("null string pattern", {"spec": {"missing": "null"}}),
    ("ops", {"spec": {"priority": ">5 & <20", "ratio": "<1", "missing": "<10"}}),
    ("ops fail", {"spec": {"priority": ">=11"}}),
    ("range", {"spec": {"priority": "1-10", "ratio": "0-1"}}),
    ("not range", {"spec": {"priority": "1!-5"}}),
    ("not range fail", {"spec": {"priority": "5!-15"}}),
    ("quantities", {"spec": {"containers": [{"resources": {"limits": {"memory": "<=1Gi", "cpu": "<=2"}}}]}}),
    ("quantity fail", {"spec": {"containers": [{"resources": {"limits": {"memory": "<256Mi"}}}]}}),
    ("durations", {"spec": {"ttl": ">1h", "containers": [{"=(livenessProbe)": {"timeoutSeconds": "<2"}}]}}),
    ("duration fail", {"spec": {"ttl": "<=30m"}}),
    ("or and", {"spec": {"containers": [{"image": "nginx:* | redis:* & !*:6"}]}}),
    ("negated wildcard", {"spec": {"containers": [{"image": "!*:latest & !*:7"}]}}),
    ("exact equality first", {"spec": {"dnsPolicy": ""}}),
    ("quoted operators", {"data": {"a": "1", "b": "true", "c": "!x"}}),
    ("deployment autogen", {"spec": {"template": {"spec": {"containers": [{"image": "!*:latest"}]}}}}),
    ("deployment replicas", {"spec": {"replicas": "<=2"}}),
    (
        "many keys order",
        {"spec": {"=(initContainers)": [{"(name)": "init", "image": "x"}], "containers": [{"name": "a"}], "zz": 1}},
    ),
    ("global and equality", {"spec": {"<(dnsPolicy)": "", "=(hostNetwork)": True}}),
    ("sysctls", {"spec": {"=(securityContext)": {"=(sysctls)": [{"=(name)": "kernel.* | net.*", "=(value)": "!1"}]}}}),
    ("nested lists", {"spec": {"containers": [{"=(env)": [{"name": "X*"}]}]}}),
    ("nested list skip", {"spec": {"containers": [{"=(env)": [{"(name)": "Q", "value": "x"}]}]}}),
    ("nested list fail", {"spec": {"containers": [{"=(env)": [{"name": "Y"}]}]}}),
    ("nested list structure", {"spec": {"containers": [{"ports": [{"hostPort": ">0"}], "env": [{"value": "?*"}]}]}}),
    ("map in list element", {"spec": {"volumes": [{"hostPath": {"path": "*"}}]}}),
    ("expansion with condition", {"metadata": {"labels": {"(app*)": "web", "tier": "back"}}}),
    ("expansion negation", {"metadata": {"labels": {"X(tier*)": "null"}, "name": "web"}}),
    ("keys missing nested", {"spec": {"containers": [{"(securityContext)": {"(runAsUser)": 0}, "image": "zzz"}]}}),
    ("keys missing existence", {"spec": {"^(sidecars)": [{"a": 1}], "containers": [{"image": "zzz"}]}}),
    ("existence nested list", {"spec": {"containers": [{"^(ports)": [{"containerPort": 80}]}]}}),
    ("global in list element", {"spec": {"initContainers": [{"<(name)": "zzz", "image": "x"}], "hostNetwork": True}}),
    ("global in nested element", {"spec": {"containers": [{"=(env)": [{"<(name)": "X", "value": "2"}]}]}}),
    ("condition in equality", {"spec": {"=(securityContext)": {"(runAsNonRoot)": False, "runAsUser": 1}}}),
    ("negation after skip", {"spec": {"(dnsPolicy)": "x", "X(hostNetwork)": "null", "=(priority)": 1}}),
    ("plain list of lists in element", {"spec": {"containers": [{"args": [["a"]]}]}}),
    ("scalar list in element", {"spec": {"containers": [{"securityContext": {"capabilities": {"drop": ["ALL"]}}}]}}),
]


def _outcome(err: pattern.PatternError | pattern_reference.PatternError | None) -> Any:
    return None if err is None else (err.message, err.path, err.skip)


@pytest.mark.parametrize(("name", "pat"), PATTERNS, ids=[p[0] for p in PATTERNS])
def test_compiled_equals_reference(name: str, pat: Any) -> None:
    compiled = pattern.compile_pattern(pat)
    for resource in RESOURCES:
        expected = _outcome(pattern_reference.match_pattern(resource, pat))
        assert _outcome(compiled.match(resource)) == expected, (name, resource)
        assert _outcome(pattern.match_pattern(resource, pat)) == expected, (name, resource)


def test_compiled_pattern_is_reusable_across_resources() -> None:
    compiled = pattern.compile_pattern(PATTERNS[0][1])
    results = [_outcome(compiled.match(r)) for r in RESOURCES * 2]
    assert results[: len(RESOURCES)] == results[len(RESOURCES) :]


SCALAR_PATTERNS: list[Any] = [
    True, False, 0, 3, -1, 3.0, 0.5, None, "", "*", "?*", "*?", "a", " a ", "a*", "*a", "*a*", "a?c", "[ab]",
    "!a", "!*:latest", "!", ">0", ">=1", "<10", "<=1Gi", ">1h", "<2s", "0", "1000", "1e3", "1.5E+00", "500m",
    "a | b", "a|b", "a & b", ">1 & <5", "<1 | >5", "1-10", "-5-5", "1!-5", "1Ki-1Mi", "1s-1m", "true", "false",
    "null", "nginx:* | !*:* & x", "!*+* & !*=*", ">= 3", "<=  4", "!= 3", "=3", "a-b", "1-", "-1", "+1", "0x10",
]
SCALAR_VALUES: list[Any] = [
    None, True, False, 0, 1, 3, -1, 10, 1000, 3.0, 0.5, 1.5, 1e21, -0.0, "", "a", " a ", "b", "abc", "a/c", "[ab]",
    "nginx:latest", "nginx:1.2", "0", "1", "3", "10", "1000", "1e3", "500m", "1Gi", "512Mi", "2Ki", "1h", "30m",
    "2s", "1h30m", "true", "false", "null", "x+y", "a=b", "1.5E+00", "3.000000", [], ["a"], {}, {"a": 1},
]


@pytest.mark.parametrize("pat", SCALAR_PATTERNS, ids=[repr(p) for p in SCALAR_PATTERNS])
def test_compile_check_equals_validate(pat: Any) -> None:
    check = scalar.compile_check(pat)
    for value in SCALAR_VALUES:
        assert check(value) is scalar.validate(value, pat), (pat, value)


WILDCARDS = ["", "*", "**", "?", "?*", "*?", "a", "a*", "*a", "*a*", "a*b", "a?b", "*a?b*", "[ab]", ".", "a.*"]
TEXTS = ["", "a", "b", "ab", "a/b", "axb", "aab", "ba", "[ab]", ".", "a.x", "aXb", "*", "?"]


@pytest.mark.parametrize("pat", WILDCARDS, ids=[repr(p) for p in WILDCARDS])
def test_compile_matcher_equals_match(pat: str) -> None:
    matcher = wildcard.compile_matcher(pat)
    for text in [*TEXTS, pat]:
        assert matcher(text) is wildcard.match(pat, text), (pat, text)


SHARED = Path(os.environ.get("POLICY_PLATFORM_SHARED", Path(__file__).resolve().parents[3] / ".." / "shared"))
SUITE = SHARED / "conformance" / "kyverno-policies"


def _patterns_of(validate: Any, out: list[Any]) -> None:
    if not isinstance(validate, dict):
        return
    if validate.get("pattern") is not None:
        out.append(validate["pattern"])
    if isinstance(validate.get("anyPattern"), list):
        out.extend(validate["anyPattern"])
    for entry in validate.get("foreach") or []:
        _patterns_of(entry, out)


def _documents(paths: list[Path]) -> list[Any]:
    docs: list[Any] = []
    for path in paths:
        try:
            docs.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None)
        except (OSError, yaml.YAMLError):
            continue
    return docs


@pytest.mark.skipif(not SUITE.is_dir(), reason="conformance suite not present")
def test_library_patterns_equal_reference() -> None:
    pairs = 0
    for test_file in sorted(SUITE.rglob("kyverno-test.yaml")):
        test = yaml.safe_load(test_file.read_text(encoding="utf-8")) or {}
        folder = test_file.parent
        policies = _documents([folder / p for p in test.get("policies") or []])
        resources = _documents([folder / r for r in test.get("resources") or []])
        resources = [
            item for doc in resources for item in (doc.get("items") or [] if doc.get("kind") == "List" else [doc])
        ] if all(isinstance(d, dict) for d in resources) else resources
        patterns: list[Any] = []
        for policy in policies:
            if isinstance(policy, dict) and str(policy.get("apiVersion", "")).startswith("kyverno.io/"):
                try:
                    rules = expand_rules(policy)
                except Exception:  # an invalid policy: the loader reports it elsewhere
                    continue
                for rule in rules:
                    _patterns_of(rule.get("validate"), patterns)
        for pat in patterns:
            compiled = pattern.compile_pattern(pat)
            for resource in resources:
                expected = _outcome(pattern_reference.match_pattern(resource, pat))
                assert _outcome(compiled.match(resource)) == expected, (test_file, pat, resource)
                pairs += 1
    assert pairs > 1000


# --- whole engine: compiled levels against the generic dispatch with the reference walker ----------------------------


def _engine_outcomes(policy_paths: list[Path], resources: list[Any], *, reference: bool) -> list[Any]:
    from policy_platform.engines.kyverno import policy as policy_mod
    from policy_platform.engines.kyverno import validation
    from policy_platform.engines.kyverno.engine import KyvernoEngine, LoadedPolicies
    from policy_platform.engines.kyverno.inputs import load_policy_files

    mp = pytest.MonkeyPatch()
    try:
        if reference:
            # plans hold raw patterns, levels have no runner, patterns go through the interpreted walker
            mp.setattr(policy_mod, "compile_pattern", lambda p: p)
            mp.setattr(validation, "compile_level", lambda name, message, spec, plans, nesting=0: validation.Level(
                rule_name=name, message=message, spec=spec, nesting=nesting, plans=plans
            ))
            mp.setattr(validation, "match_pattern", pattern_reference.match_pattern)
        pset = load_policy_files(policy_paths)
        loaded = LoadedPolicies.build(pset.policies, pset.exceptions)
        engine = KyvernoEngine()
        out: list[Any] = []
        for resource in resources:
            for o in engine.evaluate_resource(loaded, resource):
                out.append((o.policy, o.rule, o.status, o.message, o.path))
        return out
    finally:
        mp.undo()


@pytest.mark.skipif(not SUITE.is_dir(), reason="conformance suite not present")
def test_engine_compiled_levels_equal_generic_dispatch() -> None:
    folders = 0
    outcomes = 0
    for test_file in sorted(SUITE.rglob("kyverno-test.yaml")):
        test = yaml.safe_load(test_file.read_text(encoding="utf-8")) or {}
        folder = test_file.parent
        policy_paths = [folder / p for p in test.get("policies") or []]
        texts = " ".join(p.read_text(encoding="utf-8") for p in policy_paths if p.is_file())
        if not any(k in texts for k in ("pattern:", "anyPattern:", "foreach:")):
            continue
        resources = [d for d in _documents([folder / r for r in test.get("resources") or []]) if isinstance(d, dict)]
        try:
            expected = _engine_outcomes(policy_paths, resources, reference=True)
        except Exception:  # policies the loader rejects: nothing to compare
            continue
        assert _engine_outcomes(policy_paths, resources, reference=False) == expected, test_file
        folders += 1
        outcomes += len(expected)
    assert folders > 50 and outcomes > 500


@pytest.mark.skipif(not SUITE.is_dir(), reason="conformance suite not present")
def test_engine_compiled_levels_equal_generic_dispatch_on_bench_workload() -> None:
    import random
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    try:
        import kyverno_bench as kb
    finally:
        sys.path.pop(0)
    rng = random.Random(7)
    resources = [kb.make_resource(rng, kb.KINDS[i % len(kb.KINDS)], i) for i in range(140)]
    paths = [
        p for p in kb.policy_files() if any(k in p.read_text(encoding="utf-8") for k in ("pattern:", "foreach:"))
    ]
    expected = _engine_outcomes(paths, resources, reference=True)
    assert len(expected) > 1000
    assert _engine_outcomes(paths, resources, reference=False) == expected
