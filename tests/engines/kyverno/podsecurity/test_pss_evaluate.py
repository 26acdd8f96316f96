"""evaluate_pod_security: pod extraction, levels, versions, exclusions and Kyverno's exact message format."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from policy_platform.engines.kyverno.podsecurity import PodSecurityResult, evaluate_pod_security
from policy_platform.engines.kyverno.podsecurity import _evaluate as pss_evaluate

RESTRICTED_OK: dict[str, Any] = {
    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [
        {
            "name": "app",
            "image": "ghcr.io/acme/app:1.0",
            "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        }
    ],
}


def pod(spec: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", **metadata}, "spec": spec}


def with_container(**security: Any) -> dict[str, Any]:
    spec = copy.deepcopy(RESTRICTED_OK)
    spec["containers"][0]["securityContext"].update(security)
    return spec


def run(resource: dict[str, Any], **ps: Any) -> PodSecurityResult:
    return evaluate_pod_security({"level": "restricted", "version": "latest", **ps}, resource, rule_name="r")


def test_pass_message() -> None:
    assert run(pod(RESTRICTED_OK)) == PodSecurityResult("pass", "Validation rule 'r' passed.")


def test_fail_message_lists_checks_in_registry_order() -> None:
    spec = with_container(privileged=True, allowPrivilegeEscalation=True)
    spec["hostNetwork"] = True
    result = run(pod(spec))
    assert result.status == "fail"
    assert result.message == (
        "Validation rule 'r' failed. It violates PodSecurity \"restricted:latest\": "
        "(Forbidden reason: allowPrivilegeEscalation != false, field error list: "
        "[spec.containers[0].securityContext.allowPrivilegeEscalation is forbidden, forbidden values found: true])"
        "(Forbidden reason: host namespaces, field error list: "
        "[spec.hostNetwork is forbidden, forbidden values found: true])"
        "(Forbidden reason: privileged, field error list: "
        "[spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])"
    )
    assert [c.id for c in result.checks] == ["allowPrivilegeEscalation", "hostNamespaces", "privileged"]


def test_required_value_and_metadata_fields_are_formatted_like_kyverno() -> None:
    spec = copy.deepcopy(RESTRICTED_OK)
    del spec["containers"][0]["securityContext"]["capabilities"]
    resource = pod(spec, annotations={"container.apparmor.security.beta.kubernetes.io/app": "unconfined"})
    result = run(resource)
    assert result.message.endswith(
        "(Forbidden reason: forbidden AppArmor profile, field error list: "
        "[spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/app] is forbidden, "
        "forbidden values found: unconfined])"
        "(Forbidden reason: unrestricted capabilities, field error list: "
        "[spec.containers[0].securityContext.capabilities.drop: Required value])"
    )


@pytest.mark.parametrize(
    ("kind", "wrap", "field"),
    [
        ("Deployment", lambda s: {"template": {"spec": s}}, "spec.template.spec.hostPID"),
        ("StatefulSet", lambda s: {"template": {"spec": s}}, "spec.template.spec.hostPID"),
        ("Job", lambda s: {"template": {"spec": s}}, "spec.template.spec.hostPID"),
        ("CronJob", lambda s: {"jobTemplate": {"spec": {"template": {"spec": s}}}},
         "spec.jobTemplate.spec.template.spec.hostPID"),
    ],
)
def test_controllers_use_their_pod_template_and_rewrite_fields(kind: str, wrap: Any, field: str) -> None:
    spec = copy.deepcopy(RESTRICTED_OK)
    spec["hostPID"] = True
    resource = {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "d"}, "spec": wrap(spec)}
    result = run(resource)
    assert result.status == "fail"
    assert f"[{field} is forbidden, forbidden values found: true]" in result.message
    assert run({**resource, "spec": wrap(RESTRICTED_OK)}).status == "pass"


def test_cronjob_metadata_comes_from_the_job_template_like_kyverno() -> None:
    annotated = {"annotations": {"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}}
    cronjob = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "c"},
        "spec": {"jobTemplate": {"metadata": annotated, "spec": {"template": {"spec": RESTRICTED_OK}}}},
    }
    assert run(cronjob).status == "fail"
    cronjob["spec"]["jobTemplate"]["spec"]["template"]["metadata"] = cronjob["spec"]["jobTemplate"].pop("metadata")
    assert run(cronjob).status == "pass"


def test_other_kinds_are_an_error() -> None:
    result = run({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})
    assert result == PodSecurityResult(
        "error", "Error while getting new resource: could not find correct resource type"
    )


@pytest.mark.parametrize(
    ("level", "version", "status"),
    [
        ("privileged", "latest", "pass"),
        ("baseline", "latest", "pass"),  # restricted-only failures do not count at baseline
        ("restricted", "latest", "fail"),
        ("restricted", "v1.21", "pass"),  # capabilities_restricted starts at 1.22
        ("restricted", "v1.22", "fail"),
    ],
)
def test_levels_and_versions(level: str, version: str, status: str) -> None:
    spec = copy.deepcopy(RESTRICTED_OK)
    spec["containers"][0]["securityContext"]["capabilities"] = {"drop": ["ALL"], "add": ["NET_ADMIN"]}
    spec["containers"][0]["securityContext"]["capabilities"]["add"] = ["NET_BIND_SERVICE", "CHOWN"]
    result = evaluate_pod_security({"level": level, "version": version}, pod(spec), rule_name="r")
    assert result.status == status, result.message


def test_pinned_version_runs_every_applicable_check_version_like_kyverno() -> None:
    spec = with_container(allowPrivilegeEscalation=True)
    result = evaluate_pod_security({"level": "restricted", "version": "v1.29"}, pod(spec), rule_name="r")
    # allowPrivilegeEscalation has versions 1.8 and 1.25: Kyverno reports the failure once per version
    assert [c.id for c in result.checks] == ["allowPrivilegeEscalation", "allowPrivilegeEscalation"]
    assert 'PodSecurity "restricted:v1.29"' in result.message


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"level": "strict"}, "podSecurity.level must be one of privileged, baseline, restricted, got 'strict'"),
        ({"level": "baseline", "version": "1.29"}, "podSecurity.version must be 'latest' or 'v1.<minor>', got '1.29'"),
        ({"level": "baseline", "version": "v2.0"}, "podSecurity.version must be 'latest' or 'v1.<minor>'"),
        ({"level": "baseline", "exclude": [{"controlName": "Nope"}]},
         "podSecurity.exclude[0].controlName: unknown control 'Nope'"),
        ({"level": "baseline", "exclude": {"controlName": "Seccomp"}}, "podSecurity.exclude must be a list"),
        ({"level": "baseline", "exclude": [{"controlName": "Seccomp", "images": "x"}]},
         "podSecurity.exclude[0].images must be a list of strings"),
    ],
)
def test_invalid_spec_raises_value_error(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        evaluate_pod_security(spec, pod(RESTRICTED_OK), rule_name="r")
    assert str(info.value).startswith(message)


def test_exclude_by_control_name_at_pod_level() -> None:
    spec = copy.deepcopy(RESTRICTED_OK)
    spec["hostNetwork"] = True
    exclude = [{"controlName": "Host Namespaces"}]
    assert run(pod(spec), exclude=exclude).status == "pass"


def test_exclude_restricted_field_with_values() -> None:
    spec = copy.deepcopy(RESTRICTED_OK)
    spec["securityContext"]["sysctls"] = [{"name": "kernel.msgmax"}, {"name": "fs.mqueue.msg_max"}]
    field = "spec.securityContext.sysctls[*].name"
    only_one = [{"controlName": "Sysctls", "restrictedField": field, "values": ["kernel.*"]}]
    result = run(pod(spec), exclude=only_one)
    assert result.status == "fail"
    remaining = "spec.securityContext.sysctls[1].name is forbidden, forbidden values found: fs.mqueue.msg_max"
    assert remaining in result.message
    assert "kernel.msgmax" not in result.message
    both = [{"controlName": "Sysctls", "restrictedField": field, "values": ["kernel.*", "fs.*"]}]
    assert run(pod(spec), exclude=both).status == "pass"
    other_field = [{"controlName": "Sysctls", "restrictedField": "spec.hostNetwork", "values": ["*"]}]
    assert run(pod(spec), exclude=other_field).status == "fail"


def test_exclude_by_image_is_per_container() -> None:
    spec = copy.deepcopy(RESTRICTED_OK)
    spec["containers"].append({**copy.deepcopy(spec["containers"][0]), "name": "side", "image": "docker.io/envoy:1"})
    for container in spec["containers"]:
        container["securityContext"]["capabilities"]["add"] = ["SYS_ADMIN"]
    exclude = [{"controlName": "Capabilities", "images": ["ghcr.io/acme/*"]}]
    result = run(pod(spec), exclude=exclude)
    assert result.status == "fail"
    assert "spec.containers[1].securityContext.capabilities.add" in result.message
    assert "spec.containers[0]" not in result.message
    exclude_all = [{"controlName": "Capabilities", "images": ["ghcr.io/acme/*", "docker.io/envoy:?"]}]
    assert run(pod(spec), exclude=exclude_all).status == "pass"


def test_exclude_by_image_and_restricted_field() -> None:
    spec = with_container(privileged=True)
    field = "spec.containers[*].securityContext.privileged"
    exclude = [{"controlName": "Privileged Containers", "images": ["ghcr.io/acme/app:*"], "restrictedField": field,
                "values": ["true"]}]
    assert run(pod(spec), exclude=exclude).status == "pass"
    wrong_value = [{**exclude[0], "values": ["false"]}]
    assert run(pod(spec), exclude=wrong_value).status == "fail"


def test_pod_level_exclusion_results_shared_across_resources_respect_annotations() -> None:
    """The reduced pod of a pod-level exclusion is memoized across resources by content: equal spec, different
    AppArmor annotations must still give each resource its own answer (annotations are part of the key)."""
    exclude = [{"controlName": "AppArmor"}]
    bad = {"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}
    spec = copy.deepcopy(RESTRICTED_OK)
    spec["hostNetwork"] = True  # a failure the exclusion does not cover, so the exclusion is evaluated
    clean = run(pod(spec), exclude=exclude)  # evaluated (and memoized) first: its reduced pod has no AppArmor error
    first = run(pod(copy.deepcopy(spec), annotations=bad), exclude=exclude)
    second = run(pod(copy.deepcopy(spec), annotations=dict(bad)), exclude=exclude)
    assert [c.id for c in clean.checks] == ["hostNamespaces"]
    assert [c.id for c in first.checks] == ["hostNamespaces"]  # AppArmor excluded
    assert second == first
    assert run(pod(copy.deepcopy(spec), annotations=bad)).checks[0].id == "appArmorProfile"  # not excluded


def test_checks_of_alternating_specs_see_their_own_containers() -> None:
    """Checks share the container list of the spec they run on; alternating specs must not see each other's."""
    good = pod(RESTRICTED_OK)
    bad = pod(with_container(privileged=True))
    for _ in range(2):
        assert run(good).status == "pass"
        result = run(bad)
        assert [c.id for c in result.checks] == ["privileged"]
        assert "spec.containers[0].securityContext.privileged is forbidden" in result.message


RULE_SPECS: list[dict[str, Any]] = [
    {"level": "baseline", "version": "latest"},
    {"level": "restricted", "version": "latest"},
    {"level": "restricted", "version": "v1.24"},
    {"level": "restricted", "version": "latest", "exclude": [{"controlName": "Seccomp", "images": ["*"]}]},
    {"level": "restricted", "version": "latest",
     "exclude": [{"controlName": "Capabilities", "images": ["redis*"], "restrictedField":
                  "spec.containers[*].securityContext.capabilities.add", "values": ["NET_ADMIN"]}]},
    {"level": "restricted", "version": "latest", "exclude": [{"controlName": "Host Namespaces"}]},
    # a pod-level exclusion removes one error per error of the reduced pod (one fake container): with two containers
    # lacking drop ALL, one error must remain
    {"level": "restricted", "version": "latest", "exclude": [{"controlName": "Capabilities"}]},
]


def test_rules_sharing_one_memo_agree_with_rules_evaluated_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rules of one resource share check results through the per-resource memo (incl. the temporary reduced pods of
    exclusions); every rule must give exactly what it gives evaluated on its own, without any memo."""
    spec = with_container(privileged=True, capabilities={"add": ["NET_ADMIN"], "drop": ["ALL"]})
    spec["containers"].append({"name": "cache", "image": "redis:7", "securityContext": {"runAsUser": 0}})
    spec["hostNetwork"] = True
    del spec["securityContext"]["seccompProfile"]
    two = copy.deepcopy(RESTRICTED_OK)
    two["containers"] = [{"name": n, "image": "nginx", "securityContext": {"allowPrivilegeEscalation": False}}
                         for n in ("a", "b")]
    assert evaluate_pod_security(RULE_SPECS[-1], pod(two), rule_name="r").status == "fail"
    for resource in (pod(spec), pod(RESTRICTED_OK), pod(with_container(allowPrivilegeEscalation=True)), pod(two)):
        memo: dict[Any, Any] = {}
        for i, rule in enumerate(RULE_SPECS * 2):
            shared = evaluate_pod_security(rule, resource, rule_name=f"r{i}", memo=memo)
            monkeypatch.setattr(pss_evaluate, "_SHARED", {})  # nor the cross-resource memo
            alone = evaluate_pod_security(copy.deepcopy(rule), copy.deepcopy(resource), rule_name=f"r{i}")
            assert shared == alone, rule
