"""Cross-check of each Pod Security check against the library's pattern-based ``pod-security/*`` policies.

The Kyverno library implements every Pod Security Standards control as an ordinary policy, with hundreds of test
resources (Pods, Deployments, CronJobs) in the conformance suite. For each (policy folder, rule) the table below names
the check it implements; a resource is expected to fail that check exactly when the library expects the rule to
fail. Differences that are Kyverno's own (documented beside the table) are listed explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from policy_platform.engines.kyverno.podsecurity._evaluate import _evaluate, _pod_of

SHARED = Path(os.environ.get("POLICY_PLATFORM_SHARED", Path(__file__).resolve().parents[4] / ".." / "shared"))
BASE = SHARED / "conformance" / "kyverno-policies" / "pod-security"

# (folder, rule) -> (level, check id, field suffix the rule is about or "" for the whole check)
TABLE: dict[tuple[str, str], tuple[str, str, str]] = {
    ("baseline/disallow-capabilities", "adding-capabilities"): ("baseline", "capabilities_baseline", ""),
    ("baseline/disallow-host-namespaces", "host-namespaces"): ("baseline", "hostNamespaces", ""),
    ("baseline/disallow-host-path", "host-path"): ("baseline", "hostPathVolumes", ""),
    ("baseline/disallow-host-ports", "host-ports-none"): ("baseline", "hostPorts", ""),
    ("baseline/disallow-host-process", "host-process-containers"): ("baseline", "windowsHostProcess", ""),
    ("baseline/disallow-privileged-containers", "privileged-containers"): ("baseline", "privileged", ""),
    ("baseline/disallow-proc-mount", "check-proc-mount"): ("baseline", "procMount", ""),
    ("baseline/restrict-apparmor-profiles", "app-armor"): ("baseline", "appArmorProfile", ""),
    ("baseline/restrict-seccomp", "check-seccomp"): ("baseline", "seccompProfile_baseline", ""),
    ("baseline/restrict-sysctls", "check-sysctls"): ("baseline", "sysctls", ""),
    ("restricted/disallow-capabilities-strict", "require-drop-all"): ("restricted", "capabilities_restricted", ".drop"),
    ("restricted/disallow-capabilities-strict", "adding-capabilities-strict"): (
        "restricted", "capabilities_restricted", ".add"
    ),
    ("restricted/disallow-privilege-escalation", "privilege-escalation"): (
        "restricted", "allowPrivilegeEscalation", ""
    ),
    ("restricted/require-run-as-non-root-user", "run-as-non-root-user"): ("restricted", "runAsUser", ""),
    ("restricted/require-run-as-nonroot", "run-as-non-root"): ("restricted", "runAsNonRoot", ""),
    ("restricted/restrict-seccomp-strict", "check-seccomp-strict"): ("restricted", "seccompProfile_restricted", ""),
    ("restricted/restrict-volume-types", "restricted-volumes"): ("restricted", "restrictedVolumes", ""),
}

# Kyverno's podSecurity reads a CronJob's pod metadata from spec.jobTemplate.metadata (validate_pss.go), so an
# AppArmor annotation on the pod template of a CronJob is not seen; the pattern policy sees it.
KYVERNO_QUIRKS = {("baseline/restrict-apparmor-profiles", "app-armor", "CronJob", "badcronjob01")}


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]


def _cases(folder: str) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    test_dir = BASE / folder / ".kyverno-test"
    test = yaml.safe_load((test_dir / "kyverno-test.yaml").read_text())
    resources = {(d["kind"], d["metadata"]["name"]): d for r in test["resources"] for d in _docs(test_dir / r)}
    out = []
    for expected in test["results"]:
        rule = expected["rule"].removeprefix("autogen-cronjob-").removeprefix("autogen-")
        for name in expected["resources"]:
            out.append((rule, expected["kind"], name, expected["result"], resources[(expected["kind"], name)]))
    return out


FOLDERS = sorted({folder for folder, _ in TABLE}) if BASE.is_dir() else []


@pytest.mark.skipif(not FOLDERS, reason=f"conformance suite not found at {BASE}")
@pytest.mark.parametrize("folder", FOLDERS)
def test_check_agrees_with_the_library_policy(folder: str) -> None:
    checked = 0
    disagreements = []
    for rule, kind, name, expected, resource in _cases(folder):
        if (folder, rule) not in TABLE or expected == "skip":
            continue
        level, check_id, suffix = TABLE[(folder, rule)]
        pod = _pod_of(resource)
        assert pod is not None, (kind, name)
        failures = [f for f in _evaluate(level, None, pod[0], pod[1]) if f.id == check_id]
        if suffix:
            failures = [f for f in failures if any(e.field.endswith(suffix) for e in f.errors)]
        got = "fail" if failures else "pass"
        checked += 1
        if got != expected and (folder, rule, kind, name) not in KYVERNO_QUIRKS:
            disagreements.append(f"{rule} {kind}/{name}: library {expected}, check {got}")
    assert checked > 0
    assert disagreements == []
