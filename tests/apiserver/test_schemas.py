"""The kinds' compact schemas: every field Kubernetes has (checked against the official
Python client's models, generated from Kubernetes' own OpenAPI), detailed for every
served kind, and no shipped manifest (lessons, exercises, cluster templates) that strict
field validation would refuse."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes.client.models as k8s_models
import pytest
import yaml

from kubeviz.apiserver import schemas
from kubeviz.apiserver.resources import all_resources

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

# Our definition -> the Python client's model of the same Kubernetes type.
MODELS = {
    "CronJob": "V1CronJob", "CronJobSpec": "V1CronJobSpec", "JobTemplateSpec": "V1JobTemplateSpec",
    "CronJobStatus": "V1CronJobStatus",
    "HorizontalPodAutoscalerV1": "V1HorizontalPodAutoscaler",
    "HorizontalPodAutoscalerSpecV1": "V1HorizontalPodAutoscalerSpec",
    "HorizontalPodAutoscalerStatusV1": "V1HorizontalPodAutoscalerStatus",
    "CrossVersionObjectReferenceV1": "V1CrossVersionObjectReference",
    **{name: f"V2{name}" for name in (
        "HorizontalPodAutoscaler", "HorizontalPodAutoscalerSpec", "HorizontalPodAutoscalerStatus",
        "HorizontalPodAutoscalerBehavior", "HorizontalPodAutoscalerCondition", "HPAScalingRules",
        "HPAScalingPolicy", "CrossVersionObjectReference", "MetricSpec", "MetricStatus", "MetricTarget",
        "MetricValueStatus", "MetricIdentifier", "ResourceMetricSource", "ContainerResourceMetricSource",
        "PodsMetricSource", "ObjectMetricSource", "ExternalMetricSource", "ResourceMetricStatus",
        "ContainerResourceMetricStatus", "PodsMetricStatus", "ObjectMetricStatus", "ExternalMetricStatus",
    )},
    "EventV1": "EventsV1Event", "EventSeries": "EventsV1EventSeries", "Subject": "RbacV1Subject",
    **{name: f"V1{name}" for name in (
        "PriorityClass", "EventSource", "PodTemplate", "ControllerRevision", "ServiceAccount",
        "LocalObjectReference", "StorageClass", "TopologySelectorTerm", "TopologySelectorLabelRequirement",
        "PersistentVolume", "PersistentVolumeSpec", "PersistentVolumeStatus", "HostPathVolumeSource",
        "LocalVolumeSource", "NFSVolumeSource", "CSIPersistentVolumeSource", "SecretReference",
        "VolumeNodeAffinity", "NodeSelector", "NodeSelectorTerm", "NodeSelectorRequirement",
        "PersistentVolumeClaim", "PersistentVolumeClaimSpec", "PersistentVolumeClaimStatus",
        "PersistentVolumeClaimCondition", "VolumeResourceRequirements", "TypedLocalObjectReference",
        "TypedObjectReference", "ModifyVolumeStatus", "VolumeHealthStatus", "VolumeHealthCondition",
        "PersistentVolumeClaimVolumeSource", "Ingress", "IngressSpec", "IngressBackend",
        "IngressServiceBackend", "ServiceBackendPort", "IngressRule", "HTTPIngressRuleValue",
        "HTTPIngressPath", "IngressTLS", "IngressStatus", "IngressLoadBalancerStatus",
        "IngressLoadBalancerIngress", "IngressPortStatus", "IngressClass", "IngressClassSpec",
        "IngressClassParametersReference", "NetworkPolicy", "NetworkPolicySpec", "NetworkPolicyIngressRule",
        "NetworkPolicyEgressRule", "NetworkPolicyPeer", "NetworkPolicyPort", "IPBlock", "Role", "ClusterRole",
        "RoleBinding", "ClusterRoleBinding", "PolicyRule", "AggregationRule", "RoleRef",
        "SelfSubjectAccessReview", "SelfSubjectAccessReviewSpec", "ResourceAttributes",
        "FieldSelectorAttributes", "LabelSelectorAttributes", "FieldSelectorRequirement",
        "NonResourceAttributes", "SubjectAccessReviewStatus", "SubjectAccessReview", "SubjectAccessReviewSpec",
        "SelfSubjectRulesReview", "SelfSubjectRulesReviewSpec", "SubjectRulesReviewStatus", "ResourceRule",
        "NonResourceRule", "SelfSubjectReview", "SelfSubjectReviewStatus", "UserInfo", "ResourceQuota",
        "ResourceQuotaSpec", "ScopeSelector", "ScopedResourceSelectorRequirement", "ResourceQuotaStatus",
        "LimitRange", "LimitRangeSpec", "LimitRangeItem", "PodDisruptionBudgetStatus",
    )},
}


@pytest.mark.parametrize("name,model", sorted(MODELS.items()))
def test_definition_has_every_field_kubernetes_has(name, model):
    cls = getattr(k8s_models, model)
    assert set(schemas.definitions()[name].fields) == set(cls.attribute_map.values())


def test_every_served_kind_is_detailed_below_its_top_level():
    """spec and status are definitions, so kubectl explain goes down and Strict checks inside."""
    shallow = [
        f"{s.kind}.{field}"
        for s in all_resources()
        for field, f in schemas.for_strategy(s).fields.items()
        if field in ("spec", "status", "template", "rules", "subjects", "roleRef") and f.type == "object"
    ]
    assert shallow == []


def test_hpa_versions_keep_kubernetes_names_and_shapes():
    by_gvk = {s.version: schemas.for_strategy(s) for s in all_resources() if s.kind == "HorizontalPodAutoscaler"}
    assert by_gvk["v1"].full_name == "io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler"
    assert by_gvk["v2"].full_name == "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler"
    spec_v1 = schemas.definitions()[by_gvk["v1"].fields["spec"].type]
    assert spec_v1.full_name == "io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec"
    assert "targetCPUUtilizationPercentage" in spec_v1.fields and "metrics" not in spec_v1.fields


def _manifests(value: Any) -> Iterator[dict]:
    """Every Kubernetes object in a fixture: mappings with apiVersion and kind, and the
    YAML documents inside strings (``manifest: |`` blocks) and Markdown yaml fences."""
    if isinstance(value, dict):
        if isinstance(value.get("apiVersion"), str) and isinstance(value.get("kind"), str):
            yield value
            return
        for item in value.values():
            yield from _manifests(item)
    elif isinstance(value, list):
        for item in value:
            yield from _manifests(item)
    elif isinstance(value, str) and "apiVersion:" in value and "kind:" in value:
        for block in re.findall(r"```ya?ml\n(.*?)```", value, re.S) or [value]:
            try:
                docs = list(yaml.safe_load_all(block))
            except yaml.YAMLError:
                continue  # prose that mentions the words, or a deliberately broken manifest
            for doc in docs:
                yield from _manifests(doc)


def _shipped() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix in (".yaml", ".yml"):
            docs: Any = list(yaml.safe_load_all(path.read_text()))
        elif path.suffix == ".md":
            docs = path.read_text()
        else:
            continue
        for obj in _manifests(docs):
            out.append((f"{path.relative_to(FIXTURES)}:{obj['kind']}/{obj.get('metadata', {}).get('name', '')}", obj))
    return out


SHIPPED = _shipped()


def test_shipped_content_has_manifests_of_the_new_kinds():
    kinds = {obj["kind"] for _, obj in SHIPPED}
    assert {"HorizontalPodAutoscaler", "PersistentVolumeClaim", "Deployment", "Service"} <= kinds


@pytest.mark.parametrize("where,obj", SHIPPED, ids=[w for w, _ in SHIPPED])
def test_shipped_manifest_passes_strict_validation(where, obj):
    group, _, version = obj["apiVersion"].rpartition("/")
    strategy = next((s for s in all_resources() if (s.group, s.version, s.kind) == (group, version, obj["kind"])), None)
    if strategy is None:
        pytest.skip(f"{obj['apiVersion']} {obj['kind']} is not served (an exercise about an unserved kind)")
    assert schemas.unknown_fields(strategy, obj) == []
