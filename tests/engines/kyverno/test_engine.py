"""KyvernoEngine end to end on small policies: match/exclude, autogen, handlers, actions, messages and paths."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from policy_platform._internal.yamlio import Document, load_stream
from policy_platform.engines.base import EngineContext, PolicyDocument
from policy_platform.engines.kyverno import KyvernoEngine, Options, Values
from policy_platform.errors import PolicyLoadError
from policy_platform.model.findings import Severity, Status

POLICY = """
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-team
  annotations:
    policies.kyverno.io/severity: high
    policies.kyverno.io/category: Best Practices
    policies.kyverno.io/title: Require team
spec:
  validationFailureAction: Enforce
  rules:
  - name: check-team
    match:
      any:
      - resources:
          kinds: [Pod]
    exclude:
      any:
      - resources:
          namespaces: [kube-system]
    validate:
      message: "label team is required on {{ request.object.metadata.name }}"
      pattern:
        metadata:
          labels:
            team: "?*"
  - name: no-latest
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      message: "no latest tag"
      deny:
        conditions:
          any:
          - key: "{{ images.containers.*.tag }}"
            operator: AnyIn
            value: [latest]
"""


def _policies(text: str) -> list[PolicyDocument]:
    return [PolicyDocument(d) for d in load_stream(text, "policy.yaml")]


Outcome = tuple[str, str, str]


def _run(policy: str, resource: dict[str, Any], options: Options | None = None) -> list[Outcome]:
    engine = KyvernoEngine(options)
    loaded = engine.load(_policies(policy))
    doc = Document(data=resource, file="r.yaml")
    return [(o.rule, o.status.value, o.message) for o in engine.evaluate(loaded, doc, EngineContext())]


def pod(
    name: str = "web", labels: dict[str, str] | None = None, image: str = "nginx:1.25", ns: str | None = None
) -> Any:
    meta: dict[str, Any] = {"name": name}
    if labels is not None:
        meta["labels"] = labels
    if ns:
        meta["namespace"] = ns
    spec = {"containers": [{"name": "c", "image": image}]}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def deployment(labels: dict[str, str] | None = None, image: str = "nginx:1.25") -> Any:
    template = pod(labels=labels, image=image)
    del template["apiVersion"], template["kind"]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "dep"},
        "spec": {"template": template},
    }


def test_pass_and_fail_with_message_and_path() -> None:
    engine = KyvernoEngine()
    loaded = engine.load(_policies(POLICY))
    out = list(engine.evaluate(loaded, Document(data=pod(image="nginx:latest"), file="r.yaml"), EngineContext()))
    assert [(o.policy, o.rule, o.status) for o in out] == [
        ("require-team", "check-team", Status.FAIL),
        ("require-team", "no-latest", Status.FAIL),
    ]
    first = out[0]
    assert first.message == (
        "validation error: label team is required on web. rule check-team failed at path /metadata/labels/"
    )
    assert first.path == ("metadata", "labels")
    assert first.severity is Severity.HIGH
    assert dict(first.properties) == {
        "kind": "ClusterPolicy",
        "category": "Best Practices",
        "title": "Require team",
        "action": "Enforce",
    }
    assert out[1].message == "no latest tag"


def test_exclude_namespace_gives_no_outcome() -> None:
    assert _run(POLICY, pod(ns="kube-system")) == [("no-latest", "pass", "validation rule 'no-latest' passed.")]


def test_other_kinds_give_nothing() -> None:
    assert _run(POLICY, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}) == []


def test_autogen_rules_for_controllers() -> None:
    out = _run(POLICY, deployment(labels={"team": "a"}, image="nginx:latest"))
    assert out == [
        ("autogen-check-team", "pass", "validation rule 'autogen-check-team' passed."),
        ("autogen-no-latest", "fail", "no latest tag"),
    ]
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "c"},
        "spec": {"jobTemplate": {"spec": {"template": pod(labels={})}}},
    }
    assert [(r, s) for r, s, _ in _run(POLICY, cron)] == [
        ("autogen-cronjob-check-team", "fail"),
        ("autogen-cronjob-no-latest", "pass"),
    ]


def test_autogen_disabled_by_annotation() -> None:
    text = POLICY.replace(
        "    policies.kyverno.io/severity: high",
        "    policies.kyverno.io/severity: high\n    pod-policies.kyverno.io/autogen-controllers: none",
    )
    assert _run(text, deployment()) == []


FOREACH = """
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: fe}
spec:
  rules:
  - name: limits
    match:
      any:
      - resources: {kinds: [Pod]}
    context:
    - name: maxmem
      variable: {value: 1Gi}
    validate:
      message: "too much memory"
      foreach:
      - list: request.object.spec.containers
        preconditions:
          all:
          - key: "{{ element.name }}"
            operator: NotEquals
            value: sidecar
        deny:
          conditions:
            any:
            - key: "{{ element.resources.limits.memory || '0' }}"
              operator: GreaterThan
              value: "{{ maxmem }}"
"""


def _pod_mem(*containers: tuple[str, str]) -> Any:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": n, "resources": {"limits": {"memory": m}}} for n, m in containers]},
    }


@pytest.mark.parametrize(
    ("containers", "status"),
    [
        ((("app", "512Mi"),), "pass"),
        ((("app", "2Gi"),), "fail"),
        ((("sidecar", "2Gi"),), "skip"),  # no element applied: Kyverno answers skip "rule skipped"
    ],
)
def test_foreach(containers: tuple[tuple[str, str], ...], status: str) -> None:
    out = _run(FOREACH, _pod_mem(*containers))
    assert [(r, s) for r, s, _ in out] == [("limits", status)]
    if status == "fail":
        assert out[0][2] == "validation failure: too much memory"


MISSING = """
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: missing}
spec:
  rules:
  - name: uses-api
    match:
      any:
      - resources: {kinds: [Pod]}
    context:
    - name: registries
      apiCall: {urlPath: /api/v1/namespaces}
    validate:
      deny:
        conditions:
          any:
          - key: "{{ registries.items[0] }}"
            operator: Equals
            value: x
"""


def test_cluster_context_without_value_is_error_and_values_inject_it() -> None:
    out = _run(MISSING, pod())
    assert out[0][:2] == ("uses-api", "error")
    assert 'Unknown key "registries"' in out[0][2]
    rule_values = {"name": "uses-api", "values": {"registries": {"items": ["x"]}}}
    values = Values.parse({"policies": [{"name": "missing", "rules": [rule_values]}]})
    assert _run(MISSING, pod(), Options(values=values))[0][:2] == ("uses-api", "fail")


def test_scored_false_turns_fail_into_warn_and_audit_is_reported() -> None:
    text = POLICY.replace("validationFailureAction: Enforce", "validationFailureAction: Audit").replace(
        "    policies.kyverno.io/severity: high", '    policies.kyverno.io/scored: "false"'
    )
    engine = KyvernoEngine()
    loaded = engine.load(_policies(text))
    out = list(engine.evaluate(loaded, Document(data=pod(), file="r.yaml"), EngineContext()))
    assert (out[0].rule, out[0].status, out[0].properties["action"]) == ("check-team", Status.WARN, "Audit")


def test_failure_action_overrides() -> None:
    text = POLICY.replace(
        "  validationFailureAction: Enforce",
        "  validationFailureAction: Enforce\n  validationFailureActionOverrides:\n"
        "  - action: Audit\n    namespaces: [dev-*]",
    )
    engine = KyvernoEngine()
    loaded = engine.load(_policies(text))
    dev = list(engine.evaluate(loaded, Document(data=pod(ns="dev-1"), file="r"), EngineContext()))
    prd = list(engine.evaluate(loaded, Document(data=pod(ns="prd"), file="r"), EngineContext()))
    assert dev[0].properties["action"] == "Audit"
    assert prd[0].properties["action"] == "Enforce"


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        (lambda p: p["spec"].update(rulez=[]), "spec: unknown field 'rulez'"),
        (lambda p: p["spec"].update(rules=[]), "spec.rules must be a non-empty list"),
        (lambda p: p["spec"]["rules"][0].pop("match"), "match is required"),
        (lambda p: p["spec"]["rules"][0]["validate"].update(patern={}), "unknown field 'patern'"),
        (lambda p: p["spec"].update(validationFailureAction="Block"), "must be Enforce or Audit, got 'Block'"),
    ],
)
def test_invalid_policy_raises_with_file_and_line(mutation: Any, message: str) -> None:
    data = yaml.safe_load(POLICY)
    mutation(data)
    doc = Document(data=data, file="bad.yaml", start_line=4)
    with pytest.raises(PolicyLoadError, match=message) as info:
        KyvernoEngine().load([PolicyDocument(doc)])
    assert str(info.value).startswith("bad.yaml:5: ")


def test_bad_jmespath_is_an_error_result_for_that_rule_only() -> None:
    text = POLICY.replace("{{ images.containers.*.tag }}", "{{ images.containers.[ }}")
    out = _run(text, pod())
    assert out[0][:2] == ("check-team", "fail")
    assert out[1][0] == "no-latest" and out[1][1] == "error"
    assert "invalid JMESPath expression" in out[1][2] and "rule no-latest" in out[1][2]


def test_offline_rule_types_skip() -> None:
    text = """
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: mut}
spec:
  rules:
  - name: add-label
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge: {metadata: {labels: {a: b}}}
"""
    assert _run(text, pod()) == [("add-label", "skip", "skip: mutate rules are not supported offline")]


def test_namespaced_policy_applies_in_its_namespace_only() -> None:
    text = POLICY.replace("kind: ClusterPolicy", "kind: Policy")
    text = text.replace("  name: require-team", "  name: require-team\n  namespace: prod")
    engine = KyvernoEngine()
    loaded = engine.load(_policies(text))
    assert list(engine.evaluate(loaded, Document(data=pod(ns="dev"), file="r"), EngineContext())) == []
    out = list(engine.evaluate(loaded, Document(data=pod(ns="prod"), file="r"), EngineContext()))
    assert out[0].policy == "prod/require-team"


def test_policy_exception_skips_rule() -> None:
    exc = """
apiVersion: kyverno.io/v2
kind: PolicyException
metadata: {name: allow-web, namespace: ops}
spec:
  exceptions:
  - policyName: require-team
    ruleNames: [check-*]
  match:
    any:
    - resources: {kinds: [Pod], names: [web]}
"""
    out = _run(POLICY + "---\n" + exc, pod(name="web"))
    assert out[0] == ("check-team", "skip", "rule skipped due to policy exception ops/allow-web")
    assert _run(POLICY + "---\n" + exc, pod(name="api"))[0][:2] == ("check-team", "fail")


OPERATIONS = """
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: ops}
spec:
  validationFailureAction: Enforce
  rules:
  - name: deny-delete
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "{{ request.object.metadata.name }} cannot be deleted"
      deny:
        conditions:
          any:
          - key: "{{ request.operation }}"
            operator: Equals
            value: DELETE
  - name: team-label
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      pattern:
        metadata:
          labels:
            team: "?*"
"""


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("CREATE", [("deny-delete", "pass"), ("team-label", "fail")]),
        # Enforce + UPDATE + allowExistingViolations: the old object (a copy offline) fails too, so skip
        ("UPDATE", [("deny-delete", "pass"), ("team-label", "skip")]),
        # DELETE: request.object reads oldObject; pattern rules give no response
        ("DELETE", [("deny-delete", "fail")]),
    ],
)
def test_operations_from_values(operation: str, expected: list[tuple[str, str]]) -> None:
    values = Values.parse({"globalValues": {"request.operation": operation}})
    out = _run(OPERATIONS, pod(), Options(values=values))
    assert [(r, s) for r, s, _ in out] == expected
    if operation == "DELETE":
        assert out[0][2] == "web cannot be deleted"


SELECTORS = """
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: sel}
spec:
  rules:
  - name: prod-only
    match:
      any:
      - resources:
          kinds: [Pod]
          namespaceSelector:
            matchLabels: {env: prod}
    validate:
      deny: {}
  - name: admins-excluded
    match: {any: [{resources: {kinds: [Pod]}}]}
    exclude:
      any:
      - clusterRoles: [cluster-admin]
    validate:
      deny:
        conditions:
          any:
          - key: "{{ request.userInfo.username }}"
            operator: Equals
            value: "dev-*"
"""


def test_namespace_selector_and_user_info() -> None:
    values = Values.parse({"namespaceSelector": [{"name": "shop", "labels": {"env": "prod"}}]})
    assert [(r, s) for r, s, _ in _run(SELECTORS, pod(ns="shop"), Options(values=values))] == [
        ("prod-only", "fail"),
        ("admins-excluded", "error"),  # no user info offline: request.userInfo is an unknown key
    ]
    assert [r for r, _, _ in _run(SELECTORS, pod(ns="other"), Options(values=values))] == ["admins-excluded"]
    dev = {"userInfo": {"username": "dev-anna", "groups": []}, "clusterRoles": []}
    admin = {"userInfo": {"username": "root"}, "clusterRoles": ["cluster-admin"]}
    assert _run(SELECTORS, pod(ns="other"), Options(user_info=dev)) == [
        ("admins-excluded", "fail", "validation error: rule admins-excluded failed")
    ]
    assert _run(SELECTORS, pod(ns="other"), Options(user_info=admin)) == []


def test_list_documents_are_expanded_with_item_paths() -> None:
    engine = KyvernoEngine()
    loaded = engine.load(_policies(POLICY))
    doc = Document(data={"apiVersion": "v1", "kind": "List", "items": [pod(labels={"team": "a"}), pod()]}, file="l")
    out = [(o.rule, o.status.value, o.path) for o in engine.evaluate(loaded, doc, EngineContext())]
    assert out == [
        ("check-team", "pass", ("items", 0)),
        ("no-latest", "pass", ("items", 0)),
        ("check-team", "fail", ("items", 1, "metadata", "labels")),
        ("no-latest", "pass", ("items", 1)),
    ]


def test_load_tolerant_keeps_the_good_policies() -> None:
    bad = POLICY.replace("  rules:", "  rulez:").replace("name: require-team", "name: broken")
    docs = _policies(POLICY + "---\n" + bad)
    loaded, errors = KyvernoEngine().load_tolerant(docs)
    assert [p.name for p in loaded.policies] == ["require-team"]
    assert [str(e) for e in errors] == [
        f"policy.yaml:{docs[1].document.start_line + 1}: ClusterPolicy broken: spec: unknown field 'rulez'"
    ]


def test_field_chain_on_a_scalar_is_null() -> None:
    from policy_platform.engines.kyverno.jmespath_dialect import search

    assert search("a.b.c", {"a": {"b": "text"}}) is None


REFERENCES = """
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: refs}
spec:
  rules:
  - name: requests-within-limits
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      pattern:
        spec:
          containers:
          - resources:
              requests:
                memory: "$(<=./../../limits/memory)"
              limits:
                memory: "2048Mi"
"""


@pytest.mark.parametrize(
    ("requests", "limits", "status"),
    # references resolve inside the pattern: requests must be <= the pattern's limits (2048Mi), limits == 2048Mi
    [("1Gi", "2Gi", "pass"), ("2Gi", "2Gi", "pass"), ("3Gi", "2Gi", "fail"), ("1Gi", "1Gi", "fail")],
)
def test_pattern_references(requests: str, limits: str, status: str) -> None:
    p = pod()
    p["spec"]["containers"][0]["resources"] = {"requests": {"memory": requests}, "limits": {"memory": limits}}
    assert [(r, s) for r, s, _ in _run(REFERENCES, p)] == [("requests-within-limits", status)]
