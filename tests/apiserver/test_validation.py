"""Invalid objects: 422 Invalid with Kubernetes' causes and wording, and nothing stored.

Wording from k8s.io/apimachinery/pkg/util/validation and pkg/apis/core/validation,
pkg/apis/apps/validation in kubernetes/kubernetes.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver import validation as v
from kubeviz.apiserver.errors import StatusError
from kubeviz.apiserver.resources import by_plural
from kubeviz.etcd import store

from .objects import container, create, deployment, get, last_seq, pod, revision, service, steps_after

REQUIRED, INVALID, NOT_SUPPORTED, DUPLICATE, FORBIDDEN = (
    "FieldValueRequired", "FieldValueInvalid", "FieldValueNotSupported", "FieldValueDuplicate", "FieldValueForbidden",
)
PORT_RANGE = "must be between 1 and 65535, inclusive"


def expect_rejected(cluster, call: Callable[[], Any], code: int = 422, reason: str = "Invalid") -> StatusError:
    """Run a write that must fail, and check it stored nothing and recorded no step."""
    rev, seq = revision(cluster), last_seq(cluster)
    with pytest.raises(StatusError) as info:
        call()
    err = info.value
    assert (err.code, err.reason) == (code, reason), err.message
    assert revision(cluster) == rev
    new_steps = steps_after(cluster, seq)
    assert [s for s in new_steps if s.step == 2] == []
    assert new_steps == []
    return err


def _with(body: dict, path: list[Any], value: Any) -> dict:
    body = copy.deepcopy(body)
    cur = body
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value
    return body


def _labelled(labels: dict) -> dict:
    return _with(pod(), ["metadata", "labels"], labels)


def _limits(requests: dict | None = None, limits: dict | None = None) -> dict:
    res: dict = {}
    if requests is not None:
        res["requests"] = requests
    if limits is not None:
        res["limits"] = limits
    return pod(containers=[container(resources=res)])


LONG = "a" * 64

CREATE_CASES = [
    # id, plural, body, field, reason, cause message
    ("pod-deadline-zero", "pods", _with(pod(), ["spec", "activeDeadlineSeconds"], 0), "spec.activeDeadlineSeconds",
     INVALID, "Invalid value: 0: must be between 1 and 4294967295, inclusive"),
    ("pod-name-uppercase", "pods", pod("Web_1"), "metadata.name", INVALID,
     f'Invalid value: "Web_1": {v.DNS1123_SUBDOMAIN_MSG}'),
    ("pod-name-dash-end", "pods", pod("web-"), "metadata.name", INVALID,
     f'Invalid value: "web-": {v.DNS1123_SUBDOMAIN_MSG}'),
    ("configmap-name-too-long", "configmaps", {"metadata": {"name": "a" * 254}}, "metadata.name", INVALID,
     f'Invalid value: "{"a" * 254}": must be no more than 253 characters'),
    ("namespace-name-with-dot", "namespaces", {"metadata": {"name": "team.a"}}, "metadata.name", INVALID,
     f'Invalid value: "team.a": {v.DNS1123_LABEL_MSG}'),
    ("no-name", "configmaps", {"metadata": {}}, "metadata.name", REQUIRED,
     "Required value: name or generateName is required"),
    ("label-key-space", "pods", _labelled({"bad key": "x"}), "metadata.labels", INVALID,
     f'Invalid value: "bad key": {v.LABEL_NAME_MSG}'),
    ("label-key-two-slashes", "pods", _labelled({"a/b/c": "x"}), "metadata.labels", INVALID,
     'Invalid value: "a/b/c": a qualified name must consist of'),
    ("label-key-bad-prefix", "pods", _labelled({"Example.com/app": "x"}), "metadata.labels", INVALID,
     f'Invalid value: "Example.com/app": prefix part {v.DNS1123_SUBDOMAIN_MSG}'),
    ("label-key-too-long", "pods", _labelled({LONG: "x"}), "metadata.labels", INVALID,
     f'Invalid value: "{LONG}": name part must be no more than 63 characters'),
    ("label-value-dash", "pods", _labelled({"app": "-web"}), "metadata.labels", INVALID,
     f'Invalid value: "-web": {v.LABEL_VALUE_MSG}'),
    ("label-value-too-long", "pods", _labelled({"app": LONG}), "metadata.labels", INVALID,
     f'Invalid value: "{LONG}": must be no more than 63 characters'),
    ("no-containers", "pods", pod(containers=[]), "spec.containers", REQUIRED, "Required value"),
    ("no-image", "pods", pod(containers=[{"name": "web"}]), "spec.containers[0].image", REQUIRED, "Required value"),
    ("no-container-name", "pods", pod(containers=[{"image": "nginx"}]), "spec.containers[0].name", REQUIRED,
     "Required value"),
    ("container-name-uppercase", "pods", pod(containers=[container("Web")]), "spec.containers[0].name", INVALID,
     f'Invalid value: "Web": {v.DNS1123_LABEL_MSG}'),
    ("duplicate-container-names", "pods", pod(containers=[container("web"), container("web")]),
     "spec.containers[1].name", DUPLICATE, 'Duplicate value: "web"'),
    ("container-port-0", "pods", pod(containers=[container(ports=[{"containerPort": 0}])]),
     "spec.containers[0].ports[0].containerPort", REQUIRED, "Required value"),
    ("container-port-70000", "pods", pod(containers=[container(ports=[{"containerPort": 70000}])]),
     "spec.containers[0].ports[0].containerPort", INVALID, f"Invalid value: 70000: {PORT_RANGE}"),
    ("container-port-protocol", "pods", pod(containers=[container(ports=[{"containerPort": 80, "protocol": "HTTP"}])]),
     "spec.containers[0].ports[0].protocol", NOT_SUPPORTED,
     'Unsupported value: "HTTP": supported values: "TCP", "UDP", "SCTP"'),
    ("pull-policy", "pods", pod(containers=[container(imagePullPolicy="Sometimes")]),
     "spec.containers[0].imagePullPolicy", NOT_SUPPORTED,
     'Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"'),
    ("negative-quantity", "pods", _limits(requests={"cpu": "-1"}), "spec.containers[0].resources.requests[cpu]", INVALID,
     'Invalid value: "-1": must be greater than or equal to 0'),
    ("requests-over-limits", "pods", _limits(requests={"cpu": "2"}, limits={"cpu": "1"}),
     "spec.containers[0].resources.requests", INVALID, 'Invalid value: "2": must be less than or equal to cpu limit of 1'),
    ("requests-over-limits-units", "pods", _limits(requests={"memory": "2Gi"}, limits={"memory": "1024Mi"}),
     "spec.containers[0].resources.requests", INVALID,
     'Invalid value: "2Gi": must be less than or equal to memory limit of 1024Mi'),
    ("pod-restart-policy", "pods", pod(restartPolicy="Sometimes"), "spec.restartPolicy", NOT_SUPPORTED,
     'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'),
    ("selector-not-matching", "deployments",
     _with(deployment(), ["spec", "template", "metadata", "labels"], {"app": "other"}),
     "spec.template.metadata.labels", INVALID,
     'Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`'),
    ("deployment-restart-never", "deployments",
     _with(deployment(), ["spec", "template", "spec", "restartPolicy"], "Never"),
     "spec.template.spec.restartPolicy", NOT_SUPPORTED, 'Unsupported value: "Never": supported values: "Always"'),
    ("negative-replicas", "deployments", deployment(replicas=-1), "spec.replicas", INVALID,
     "Invalid value: -1: must be greater than or equal to 0"),
    ("replicaset-negative-replicas", "replicasets",
     _with(deployment("web-1", replicas=-2), ["kind"], "ReplicaSet"), "spec.replicas", INVALID,
     "Invalid value: -2: must be greater than or equal to 0"),
    ("deployment-no-selector", "deployments", _with(deployment(), ["spec", "selector"], None), "spec.selector", REQUIRED,
     "Required value"),
    ("deployment-zero-surge-and-unavailable", "deployments",
     deployment(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}),
     "spec.strategy.rollingUpdate.maxUnavailable", INVALID, "Invalid value: 0: may not be 0 when `maxSurge` is 0"),
    ("recreate-with-rolling-update", "deployments",
     deployment(strategy={"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}),
     "spec.strategy.rollingUpdate", FORBIDDEN, "Forbidden: may not be specified when strategy `type` is 'Recreate'"),
    ("deployment-strategy-type", "deployments", deployment(strategy={"type": "BlueGreen"}), "spec.strategy.type",
     NOT_SUPPORTED, 'Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"'),
    ("service-no-ports", "services", service(ports=[]), "spec.ports", REQUIRED, "Required value"),
    ("service-unnamed-ports", "services", service(ports=[{"port": 80}, {"port": 443}]), "spec.ports[0].name", REQUIRED,
     "Required value"),
    ("service-duplicate-port-names", "services",
     service(ports=[{"name": "web", "port": 80}, {"name": "web", "port": 443}]),
     "spec.ports[1].name", DUPLICATE, 'Duplicate value: "web"'),
    ("service-port-0", "services", service(ports=[{"port": 0}]), "spec.ports[0].port", INVALID,
     f"Invalid value: 0: {PORT_RANGE}"),
    ("service-type", "services", service(type="Internal"), "spec.type", NOT_SUPPORTED,
     'Unsupported value: "Internal": supported values: "ClusterIP", "NodePort", "LoadBalancer", "ExternalName"'),
    ("service-node-port-range", "services", service(type="NodePort", ports=[{"port": 80, "nodePort": 80}]),
     "spec.ports[0].nodePort", INVALID,
     "Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767"),
    ("configmap-bad-key", "configmaps", {"metadata": {"name": "cm"}, "data": {"a b": "x"}}, "data[a b]", INVALID,
     'Invalid value: "a b": a valid config key must consist of'),
]


@pytest.mark.parametrize("plural,body,field,reason,message", [c[1:] for c in CREATE_CASES], ids=[c[0] for c in CREATE_CASES])
def test_invalid_create(cluster, plural, body, field, reason, message):
    strategy = by_plural(plural)
    err = expect_rejected(cluster, lambda: create(cluster, plural, body))
    causes = [c for c in err.causes if c["field"] == field]
    assert causes, err.causes
    assert causes[0]["reason"] == reason
    assert causes[0]["message"].startswith(message), causes[0]["message"]
    name = body["metadata"].get("name", "")
    kind = f"{strategy.kind}.{strategy.group}" if strategy.group else strategy.kind
    assert err.message.startswith(f'{kind} "{name}" is invalid: ')
    assert f"{field}: {message}" in err.message
    assert (err.kind, err.group, err.name) == (strategy.kind, strategy.group, name)


def test_several_causes_are_listed_in_brackets(cluster):
    body = pod(containers=[{"name": "web"}, {"name": "web", "image": "nginx"}])
    err = expect_rejected(cluster, lambda: create(cluster, "pods", body))
    assert err.message == (
        'Pod "web" is invalid: [spec.containers[0].image: Required value, '
        'spec.containers[1].name: Duplicate value: "web"]'
    )
    assert err.causes == [
        {"reason": REQUIRED, "message": "Required value", "field": "spec.containers[0].image"},
        {"reason": DUPLICATE, "message": 'Duplicate value: "web"', "field": "spec.containers[1].name"},
    ]


def test_only_one_owner_reference_may_be_the_controller(cluster):
    refs = [
        {"apiVersion": "v1", "kind": "Pod", "name": "a", "uid": "1", "controller": True},
        {"apiVersion": "v1", "kind": "Pod", "name": "b", "uid": "2", "controller": True},
        {"apiVersion": "v1", "kind": "Pod", "name": "c", "uid": "3"},
    ]
    err = expect_rejected(cluster, lambda: create(cluster, "configmaps", {"metadata": {"name": "cm", "ownerReferences": refs}}))
    assert [(c["field"], c["reason"]) for c in err.causes] == [("metadata.ownerReferences", INVALID)]
    assert err.causes[0]["message"].endswith(
        'Only one reference can have Controller set to true. Found "true" in references for Pod/a and Pod/b'
    )


def test_multiple_unnamed_service_ports_each_need_a_name(cluster):
    err = expect_rejected(cluster, lambda: create(cluster, "services", service(ports=[{"port": 80}, {"port": 443}])))
    assert [(c["field"], c["reason"]) for c in err.causes] == [
        ("spec.ports[0].name", REQUIRED), ("spec.ports[1].name", REQUIRED),
    ]


@pytest.mark.parametrize("plural,body,kind", [
    ("pods", _limits(requests={"cpu": "1.2.3"}), "Pod"),
    ("deployments", _with(deployment(), ["spec", "template", "spec", "containers", 0, "resources"],
                          {"limits": {"memory": "lots"}}), "Deployment"),
])
def test_an_unparseable_quantity_is_a_decoding_error(cluster, plural, body, kind):
    # The Go decoder refuses the object before validation: 400, not 422.
    err = expect_rejected(cluster, lambda: create(cluster, plural, body), 400, "BadRequest")
    assert err.message == (
        f'{kind} in version "v1" cannot be handled as a {kind}: quantities must match the regular expression '
        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )


def test_a_namespace_that_does_not_exist_is_404(cluster):
    err = expect_rejected(cluster, lambda: create(cluster, "pods", pod(), namespace="x"), 404, "NotFound")
    assert err.message == 'namespaces "x" not found'


def test_a_terminating_namespace_refuses_new_objects(cluster):
    create(cluster, "namespaces", {"metadata": {"name": "old"}}, None)
    # Mark it as being deleted, as the namespace lifecycle would.
    kv = store.get(cluster.pk, "/registry/namespaces/old")
    kv.value["metadata"]["deletionTimestamp"] = "2030-01-01T00:00:00Z"
    store.update(cluster.pk, kv.key, kv.value, store.Index(resource="namespaces", name="old"))
    err = expect_rejected(cluster, lambda: create(cluster, "pods", pod(), namespace="old"), 403, "Forbidden")
    assert err.message == (
        'pods "web" is forbidden: unable to create new content in namespace old because it is being terminated'
    )


# ---- updates ------------------------------------------------------------------------------------


def _update(cluster, plural: str, name: str, change: Callable[[dict], None], subresource: str | None = None):
    strategy = by_plural(plural)
    current = get(cluster, plural, name)
    change(current)
    return registry.update(cluster, strategy, "default", name, current, subresource=subresource)


def test_a_deployment_selector_is_immutable(cluster):
    create(cluster, "deployments", deployment())

    def change(d):
        d["spec"]["selector"] = {"matchLabels": {"app": "web", "tier": "front"}}
        d["spec"]["template"]["metadata"]["labels"]["tier"] = "front"

    err = expect_rejected(cluster, lambda: _update(cluster, "deployments", "web", change))
    assert [(c["field"], c["reason"]) for c in err.causes] == [("spec.selector", INVALID)]
    assert err.causes[0]["message"].endswith(": field is immutable")


def test_a_secret_type_is_immutable(cluster):
    create(cluster, "secrets", {"metadata": {"name": "s"}, "data": {}})
    err = expect_rejected(cluster, lambda: _update(cluster, "secrets", "s", lambda s: s.update(type="kubernetes.io/tls")))
    assert err.causes == [{"reason": INVALID, "field": "type", "message": 'Invalid value: "kubernetes.io/tls": field is immutable'}]


@pytest.mark.parametrize("change", [
    lambda p: p["spec"]["containers"][0].update(ports=[{"containerPort": 80}]),
    lambda p: p["spec"]["containers"].append(container("extra")),
    lambda p: p["spec"].update(restartPolicy="Never"),
    lambda p: p["spec"].update(nodeSelector={"disk": "ssd"}),
], ids=["ports", "new-container", "restart-policy", "node-selector"])
def test_pod_spec_updates_other_than_image_are_forbidden(cluster, change):
    create(cluster, "pods", pod())
    err = expect_rejected(cluster, lambda: _update(cluster, "pods", "web", change))
    assert [(c["field"], c["reason"]) for c in err.causes] == [("spec", FORBIDDEN)]
    assert err.causes[0]["message"].startswith(
        "Forbidden: pod updates may not change fields other than `spec.containers[*].image`"
    )


@pytest.mark.parametrize("change,path,value", [
    (lambda p: p["spec"]["containers"][0].update(image="nginx:1.28"), ("containers", 0, "image"), "nginx:1.28"),
    (lambda p: p["spec"].update(activeDeadlineSeconds=60), ("activeDeadlineSeconds",), 60),
], ids=["image", "active-deadline"])
def test_pod_image_and_deadline_updates_are_allowed(cluster, change, path, value):
    create(cluster, "pods", pod())
    updated = _update(cluster, "pods", "web", change)
    cur = updated["spec"]
    for p in path:
        cur = cur[p]
    assert cur == value


def test_an_invalid_update_keeps_the_stored_object(cluster):
    created = create(cluster, "deployments", deployment())
    expect_rejected(cluster, lambda: _update(cluster, "deployments", "web", lambda d: d["spec"].update(replicas=-3)))
    assert get(cluster, "deployments", "web") == created
