"""The engine API the check gate uses: outcomes, statuses, messages, paths and lines through the runner."""

from __future__ import annotations

import pytest

from policy_platform._internal.yamlio import Document, load_stream
from policy_platform.engines.base import EngineContext
from policy_platform.engines.deprecations import DeprecationsEngine, load_versions
from policy_platform.engines.deprecations.inputs import decode
from policy_platform.engines.runner import to_findings
from policy_platform.errors import UsageError
from policy_platform.model.findings import Severity, Status

TABLE = load_versions()

STREAM = """\
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: web
  namespace: shop
---
# a comment line
apiVersion: apps/v1
kind: Deployment
metadata: {name: fine}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
kind: FlowSchema
metadata: {name: fs}
---
kind: List
apiVersion: v1
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: cm}
  - apiVersion: batch/v1beta1
    kind: CronJob
    metadata: {name: nightly, namespace: ops}
---
replicaCount: 3
image: {tag: latest}
---
just a string
"""


def _findings(engine: DeprecationsEngine, text: str, context: EngineContext | None = None) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for doc in load_stream(text, "rendered.yaml"):
        for f in to_findings("deprecations", engine.evaluate(doc, context), doc, audit_warn=False):
            assert f.location is not None
            out.append((f.rule, f.status, f.severity, f.location.line, f.location.column, f.message))
    return out


def test_outcomes_at_v1_29() -> None:
    engine = DeprecationsEngine(TABLE, targets={"k8s": "v1.29.0"})
    assert engine.name == "deprecations"
    assert _findings(engine, STREAM) == [
        (
            "removed-api",
            Status.FAIL,
            Severity.HIGH,
            1,
            1,
            "extensions/v1beta1 Ingress is removed in k8s v1.22.0 (target v1.29.0); use networking.k8s.io/v1 "
            "(available since v1.19.0)",
        ),
        (
            "deprecated-api",
            Status.WARN,
            Severity.MEDIUM,
            12,
            1,
            "flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is deprecated in k8s v1.29.0 and removed in v1.32.0 "
            "(target v1.29.0); use flowcontrol.apiserver.k8s.io/v1 (available since v1.29.0)",
        ),
        (
            "removed-api",
            Status.FAIL,
            Severity.HIGH,
            22,
            5,
            "batch/v1beta1 CronJob is removed in k8s v1.25.0 (target v1.29.0); use batch/v1 (available since v1.21.0)",
        ),
    ]


def test_list_items_have_item_paths_and_properties() -> None:
    engine = DeprecationsEngine(TABLE, targets={"k8s": "v1.29.0"})
    docs = load_stream(STREAM, "rendered.yaml")
    (outcome,) = list(engine.evaluate(docs[3]))
    assert outcome.policy == "deprecated-apis"
    assert outcome.path == ("items", 1, "apiVersion")
    assert dict(outcome.properties) == {
        "apiVersion": "batch/v1beta1",
        "kind": "CronJob",
        "deprecatedIn": "v1.21.0",
        "removedIn": "v1.25.0",
        "replacementApi": "batch/v1",
        "replacementAvailableIn": "v1.21.0",
        "component": "k8s",
        "replacementAvailable": "true",
        "targetVersion": "v1.29.0",
        "suggestedApi": "batch/v1",
    }


def test_non_kubernetes_documents_yield_nothing() -> None:
    engine = DeprecationsEngine(TABLE, targets={"k8s": "v1.29.0"})
    for data in ({"replicaCount": 3}, "text", [1, 2], None, {"apiVersion": "extensions/v1beta1"}, {"kind": "Ingress"},
                 {"apiVersion": 1, "kind": "Ingress"}, {"items": []}):
        assert list(engine.evaluate(Document(data=data, file="x.yaml"))) == []


def test_deprecated_status_is_configurable() -> None:
    engine = DeprecationsEngine(TABLE, targets={"k8s": "v1.29.0"}, deprecated_status=Status.FAIL)
    rules = [(r, s) for r, s, *_ in _findings(engine, STREAM)]
    assert rules == [("removed-api", Status.FAIL), ("deprecated-api", Status.FAIL), ("removed-api", Status.FAIL)]


def test_context_kubernetes_version_overrides_k8s_target() -> None:
    engine = DeprecationsEngine(TABLE, targets={"k8s": "v1.29.0"})
    found = _findings(engine, STREAM, EngineContext(kubernetes_version="1.21.0"))
    assert [(r, s, line) for r, s, _sev, line, _c, _m in found] == [
        ("deprecated-api", Status.WARN, 1),
        ("deprecated-api", Status.WARN, 22),
    ]
    assert found[0][5] == (
        "extensions/v1beta1 Ingress is deprecated in k8s v1.14.0 and removed in v1.22.0 (target v1.21.0); "
        "use networking.k8s.io/v1 (available since v1.19.0)"
    )
    with pytest.raises(UsageError, match="invalid Kubernetes version 'next'"):
        list(engine.evaluate(load_stream(STREAM, "x")[0], EngineContext(kubernetes_version="next")))


@pytest.mark.parametrize(
    ("manifest", "target", "message"),
    [
        (
            "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\n",
            "v1.25.0",
            "policy/v1beta1 PodSecurityPolicy is removed in k8s v1.25.0 (target v1.25.0); no replacement API",
        ),
        (
            "apiVersion: autoscaling/v2beta1\nkind: HorizontalPodAutoscaler\n",
            "v1.22.0",
            "autoscaling/v2beta1 HorizontalPodAutoscaler is deprecated in k8s v1.22.0 and removed in v1.25.0 "
            "(target v1.22.0); use autoscaling/v2 (available from v1.23.0, not yet in the target)",
        ),
        (
            "apiVersion: storage.k8s.io/v1beta1\nkind: VolumeAttributesClass\n",
            "v1.35.0",
            "storage.k8s.io/v1beta1 VolumeAttributesClass is deprecated in k8s v1.34.0 and removed in v1.37.0 "
            "(target v1.35.0); use storage.k8s.io/v1 (available since v1.34.0)",
        ),
        (
            "apiVersion: certificates.k8s.io/v1alpha1\nkind: ClusterTrustBundle\n",
            "v1.35.0",
            "certificates.k8s.io/v1alpha1 ClusterTrustBundle is deprecated in k8s v1.34.0 (target v1.35.0); "
            "use certificates.k8s.io/v1beta1 (available since v1.33.0)",
        ),
        (
            "apiVersion: config.istio.io/v1alpha2\nkind: handler\n",
            "v1.9.0",
            "config.istio.io/v1alpha2 handler is removed in istio v1.8.0 (target v1.9.0); no replacement API",
        ),
    ],
)
def test_message_variants(manifest: str, target: str, message: str) -> None:
    (doc,) = load_stream(manifest, "m.yaml")
    component = "istio" if "istio" in manifest else "k8s"
    (outcome,) = list(DeprecationsEngine(TABLE, targets={component: target}).evaluate(doc))
    assert outcome.message == message


def test_components_restrict_the_engine() -> None:
    (doc,) = load_stream("apiVersion: cert-manager.io/v1alpha2\nkind: Certificate\n", "c.yaml")
    assert [o.rule for o in DeprecationsEngine(TABLE, targets={"cert-manager": "v1.6.0"}).evaluate(doc)] == [
        "removed-api"
    ]
    assert list(DeprecationsEngine(TABLE, targets={"cert-manager": "v1.6.0"}, components=["k8s"]).evaluate(doc)) == []


def test_load_returns_the_table() -> None:
    engine = DeprecationsEngine(TABLE)
    assert engine.load(()) is TABLE
    assert engine.targets["k8s"].text == "v1.25.0"


def test_json_documents_are_decoded_with_lines() -> None:
    text = '{\n  "kind": "Ingress",\n  "apiVersion": "networking.k8s.io/v1beta1",\n  "metadata": {"name": "j"}\n}\n'
    docs, errors = decode(text, "ing.json")
    assert errors == []
    (outcome,) = list(DeprecationsEngine(TABLE, targets={"k8s": "v1.22.0"}).evaluate(docs[0]))
    assert outcome.rule == "removed-api"
    assert docs[0].locate(outcome.path) == (3, 3, True)


def test_decode_reports_bad_documents_and_keeps_the_rest() -> None:
    text = "apiVersion: batch/v1beta1\nkind: CronJob\n---\nkey: [unclosed\n---\napiVersion: v1\nkind: Pod\n"
    docs, errors = decode(text, "mixed.yaml")
    assert [d.data["kind"] for d in docs] == ["CronJob", "Pod"]
    (err,) = errors
    assert (err.file, err.line) == ("mixed.yaml", 5)
    assert err.message.startswith("invalid YAML")


@pytest.mark.parametrize(
    ("api_version", "kind", "target", "ending"),
    [
        # the data's replacement is current: it is named as is
        ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", "v1.27.0",
         "; use flowcontrol.apiserver.k8s.io/v1beta3 (available since v1.26.0)"),
        # v1beta3 is itself deprecated at v1.29 and v1 is available: follow the chain
        ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", "v1.29.0",
         "; use flowcontrol.apiserver.k8s.io/v1 (available since v1.29.0)"),
        ("flowcontrol.apiserver.k8s.io/v1beta2", "PriorityLevelConfiguration", "v1.33.0",
         "; use flowcontrol.apiserver.k8s.io/v1 (available since v1.29.0)"),
        ("storage.k8s.io/v1alpha1", "CSIStorageCapacity", "v1.23.0",
         "; use storage.k8s.io/v1beta1 (available since v1.21.0)"),
        ("storage.k8s.io/v1alpha1", "CSIStorageCapacity", "v1.24.0",
         "; use storage.k8s.io/v1 (available since v1.24.0)"),
        # extensions/v1beta1 PodSecurityPolicy -> policy/v1beta1, itself removed in v1.25 with no replacement
        ("extensions/v1beta1", "PodSecurityPolicy", "v1.20.0", "; use policy/v1beta1 (available since v1.10.0)"),
        ("extensions/v1beta1", "PodSecurityPolicy", "v1.30.0",
         "; its replacement policy/v1beta1 is removed in k8s v1.25.0 too, with no replacement API"),
    ],
)
def test_replacement_chain(api_version: str, kind: str, target: str, ending: str) -> None:
    (doc,) = load_stream(f"apiVersion: {api_version}\nkind: {kind}\n", "m.yaml")
    (outcome,) = list(DeprecationsEngine(TABLE, targets={"k8s": target}).evaluate(doc))
    assert outcome.message.endswith(ending)
    assert outcome.properties["replacementApi"] == TABLE.match(api_version, kind).replacement_api  # type: ignore[union-attr]
