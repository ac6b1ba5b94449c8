"""Defaults filled on create, as Kubernetes' SetDefaults_* functions and admission plugins do.

References: kubernetes/kubernetes pkg/apis/core/v1/defaults.go (SetDefaults_PodSpec,
SetDefaults_Container, SetDefaults_Pod, SetDefaults_Service, SetDefaults_Secret,
SetDefaults_Namespace), pkg/apis/apps/v1/defaults.go (SetDefaults_Deployment,
SetDefaults_ReplicaSet), plugin/pkg/admission/defaulttolerationseconds, and
pkg/apis/core/helper/qos (ComputePodQOS).
"""
from __future__ import annotations

import base64
import ipaddress
import re
from typing import Any

import pytest

from kubeviz.apiserver.kinds.podspec import image_pull_policy

from .objects import container, create, deployment, pod, replicaset, service


def at(obj: Any, path: str) -> Any:
    """Follow a dotted path with [i] indexes: ``spec.containers[0].image``."""
    cur = obj
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        cur = cur[int(part[1:-1])] if part.startswith("[") else cur[part]
    return cur


# ---- Pod -------------------------------------------------------------------------------

POD_DEFAULTS = [
    ("spec.restartPolicy", "Always"),
    ("spec.dnsPolicy", "ClusterFirst"),
    ("spec.terminationGracePeriodSeconds", 30),
    ("spec.schedulerName", "default-scheduler"),
    ("spec.securityContext", {}),
    ("spec.enableServiceLinks", True),
    ("spec.serviceAccountName", "default"),
    ("spec.containers[0].terminationMessagePath", "/dev/termination-log"),
    ("spec.containers[0].terminationMessagePolicy", "File"),
    ("spec.containers[0].imagePullPolicy", "IfNotPresent"),
    ("spec.containers[0].resources", {}),
    ("status.phase", "Pending"),
    ("status.qosClass", "BestEffort"),
    ("metadata.namespace", "default"),
    ("kind", "Pod"),
    ("apiVersion", "v1"),
]


def test_pod_defaults(cluster):
    created = create(cluster, "pods", pod())
    assert {path: at(created, path) for path, _ in POD_DEFAULTS} == dict(POD_DEFAULTS)


@pytest.mark.parametrize("settings,seconds", [
    ({}, 300),  # kube-apiserver's --default-not-ready-toleration-seconds default
    ({"defaultTolerationSeconds": 20}, 20),  # a cluster started with a shorter one
])
def test_pod_gets_the_two_default_not_ready_and_unreachable_tolerations(cluster, settings, seconds):
    cluster.settings = settings
    cluster.save(update_fields=["settings"])
    created = create(cluster, "pods", pod())
    assert created["spec"]["tolerations"] == [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": seconds},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": seconds},
    ]


@pytest.mark.parametrize("tolerations,expected_keys", [
    # An own not-ready toleration is kept and only unreachable is added.
    ([{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60}],
     ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]),
    # An empty effect tolerates NoExecute too.
    ([{"key": "node.kubernetes.io/unreachable", "operator": "Exists"}],
     ["node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready"]),
    ([{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": ""}],
     ["node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready"]),
    # An empty key with operator Exists tolerates every taint: nothing is added.
    ([{"operator": "Exists"}], [None]),
    # A NoSchedule toleration does not count.
    ([{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoSchedule"}],
     ["node.kubernetes.io/not-ready", "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]),
])
def test_default_tolerations_respect_the_pods_own(cluster, tolerations, expected_keys):
    created = create(cluster, "pods", pod(tolerations=tolerations))
    assert [t.get("key") for t in created["spec"]["tolerations"]] == expected_keys
    assert created["spec"]["tolerations"][: len(tolerations)] == tolerations


@pytest.mark.parametrize("image,policy", [
    ("nginx", "Always"),
    ("nginx:latest", "Always"),
    ("nginx:1.27", "IfNotPresent"),
    ("docker.io/library/nginx", "Always"),
    ("registry.local:5000/team/nginx", "Always"),
    ("registry.local:5000/team/nginx:2.0", "IfNotPresent"),
    ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
    ("nginx:latest@sha256:" + "a" * 64, "Always"),
    ("nginx:1.27@sha256:" + "a" * 64, "IfNotPresent"),
])
def test_image_pull_policy_follows_the_tag(cluster, image, policy):
    assert image_pull_policy(image) == policy
    created = create(cluster, "pods", pod(containers=[container(image=image)]))
    assert created["spec"]["containers"][0]["imagePullPolicy"] == policy


def test_an_explicit_image_pull_policy_is_kept(cluster):
    created = create(cluster, "pods", pod(containers=[container(image="nginx", imagePullPolicy="Never")]))
    assert created["spec"]["containers"][0]["imagePullPolicy"] == "Never"


@pytest.mark.parametrize("resources,requests", [
    ({"limits": {"cpu": "500m", "memory": "128Mi"}}, {"cpu": "500m", "memory": "128Mi"}),
    ({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "250m"}}, {"cpu": "250m", "memory": "1Gi"}),
    ({"requests": {"cpu": "100m"}}, {"cpu": "100m"}),
])
def test_pod_requests_are_copied_from_limits(cluster, resources, requests):
    created = create(cluster, "pods", pod(
        containers=[container(resources=resources)],
        initContainers=[container("init", resources=resources)],
    ))
    assert created["spec"]["containers"][0]["resources"]["requests"] == requests
    assert created["spec"]["initContainers"][0]["resources"]["requests"] == requests


def test_a_pod_template_keeps_limits_without_requests(cluster):
    # SetDefaults_Pod copies limits to requests on a Pod only, "not a v1.PodTemplate".
    body = deployment()
    body["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1", "memory": "1Gi"}}
    created = create(cluster, "deployments", body)
    assert created["spec"]["template"]["spec"]["containers"][0]["resources"] == {"limits": {"cpu": "1", "memory": "1Gi"}}


@pytest.mark.parametrize("containers,qos", [
    ([container()], "BestEffort"),
    ([container(resources={"limits": {"cpu": "1", "memory": "1Gi"}})], "Guaranteed"),
    ([container(resources={"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1000m", "memory": "1024Mi"}})],
     "Guaranteed"),
    ([container(resources={"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}})], "Burstable"),
    ([container(resources={"limits": {"cpu": "1"}})], "Burstable"),
    ([container(resources={"requests": {"memory": "64Mi"}})], "Burstable"),
    # Only cpu and memory decide the class.
    ([container(resources={"requests": {"ephemeral-storage": "1Gi"}})], "BestEffort"),
    ([container(resources={"limits": {"cpu": "1", "memory": "1Gi"}}), container("side")], "Burstable"),
    ([container(resources={"limits": {"cpu": "1", "memory": "1Gi"}}),
      container("side", resources={"limits": {"cpu": "100m", "memory": "10Mi"}})], "Guaranteed"),
])
def test_qos_class(cluster, containers, qos):
    created = create(cluster, "pods", pod(containers=containers))
    assert created["status"]["qosClass"] == qos


def test_pod_status_sent_on_create_is_replaced(cluster):
    body = pod()
    body["status"] = {"phase": "Running", "podIP": "10.0.0.1"}
    created = create(cluster, "pods", body)
    assert created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


# ---- Deployment and ReplicaSet -----------------------------------------------------------

DEPLOYMENT_DEFAULTS = [
    ("spec.replicas", 1),
    ("spec.strategy", {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}),
    ("spec.revisionHistoryLimit", 10),
    ("spec.progressDeadlineSeconds", 600),
    ("metadata.generation", 1),
    ("spec.template.spec.restartPolicy", "Always"),
    ("spec.template.spec.dnsPolicy", "ClusterFirst"),
    ("spec.template.spec.terminationGracePeriodSeconds", 30),
    ("spec.template.spec.schedulerName", "default-scheduler"),
    ("spec.template.spec.containers[0].imagePullPolicy", "IfNotPresent"),
    ("spec.template.metadata.creationTimestamp", None),
    ("apiVersion", "apps/v1"),
]


def test_deployment_defaults(cluster):
    created = create(cluster, "deployments", deployment())
    assert {path: at(created, path) for path, _ in DEPLOYMENT_DEFAULTS} == dict(DEPLOYMENT_DEFAULTS)


@pytest.mark.parametrize("spec,path,expected", [
    ({"replicas": 0}, "spec.replicas", 0),
    ({"replicas": None}, "spec.replicas", 1),
    ({"strategy": {"type": "Recreate"}}, "spec.strategy", {"type": "Recreate"}),
    ({"strategy": {"rollingUpdate": {"maxSurge": 2}}}, "spec.strategy",
     {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2, "maxUnavailable": "25%"}}),
    ({"revisionHistoryLimit": 0}, "spec.revisionHistoryLimit", 0),
    ({"progressDeadlineSeconds": 60}, "spec.progressDeadlineSeconds", 60),
])
def test_deployment_defaults_keep_what_was_given(cluster, spec, path, expected):
    created = create(cluster, "deployments", deployment(**spec))
    assert at(created, path) == expected


def test_deployment_generation_and_status_on_create(cluster):
    body = deployment()
    body["metadata"]["generation"] = 7
    body["status"] = {"replicas": 3}
    created = create(cluster, "deployments", body)
    assert created["metadata"]["generation"] == 1
    assert created["status"] == {}


REPLICASET_DEFAULTS = [
    ("spec.replicas", 1),
    ("metadata.generation", 1),
    ("spec.template.spec.restartPolicy", "Always"),
    ("status", {"replicas": 0}),
]


def test_replicaset_defaults(cluster):
    created = create(cluster, "replicasets", replicaset())
    assert {path: at(created, path) for path, _ in REPLICASET_DEFAULTS} == dict(REPLICASET_DEFAULTS)


# ---- Service -------------------------------------------------------------------------------

SERVICE_DEFAULTS = [
    ("spec.type", "ClusterIP"),
    ("spec.sessionAffinity", "None"),
    ("spec.ports[0].protocol", "TCP"),
    ("spec.ports[0].targetPort", 80),
    ("spec.internalTrafficPolicy", "Cluster"),
    ("spec.ipFamilies", ["IPv4"]),
    ("spec.ipFamilyPolicy", "SingleStack"),
    ("status", {"loadBalancer": {}}),
]


def test_service_defaults(cluster):
    created = create(cluster, "services", service())
    assert {path: at(created, path) for path, _ in SERVICE_DEFAULTS} == dict(SERVICE_DEFAULTS)


@pytest.mark.parametrize("port,target", [
    ({"port": 8080}, 8080),
    ({"port": 8080, "targetPort": 0}, 8080),
    ({"port": 8080, "targetPort": ""}, 8080),
    ({"port": 8080, "targetPort": 9090}, 9090),
    ({"port": 8080, "targetPort": "http"}, "http"),
])
def test_service_target_port_defaults_to_port(cluster, port, target):
    created = create(cluster, "services", service(ports=[port]))
    assert created["spec"]["ports"][0]["targetPort"] == target


def test_cluster_ips_are_allocated_inside_the_service_cidr_and_unique(cluster):
    cidr = ipaddress.ip_network("10.96.0.0/12")
    ips = {"10.96.0.1"}  # the kubernetes service's
    for i in range(8):
        created = create(cluster, "services", service(f"svc-{i}"))
        ip = created["spec"]["clusterIP"]
        assert ipaddress.ip_address(ip) in cidr
        assert created["spec"]["clusterIPs"] == [ip]
        assert ip not in ips
        ips.add(ip)


def test_a_requested_cluster_ip_and_headless_none_are_kept(cluster):
    assert create(cluster, "services", service("fixed", clusterIP="10.100.0.10"))["spec"]["clusterIPs"] == ["10.100.0.10"]
    headless = create(cluster, "services", service("headless", clusterIP="None"))
    assert (headless["spec"]["clusterIP"], headless["spec"]["clusterIPs"]) == ("None", ["None"])


@pytest.mark.parametrize("stype", ["NodePort", "LoadBalancer"])
def test_node_ports_are_allocated_in_range_and_unique(cluster, stype):
    created = create(cluster, "services", service(type=stype, ports=[{"name": "a", "port": 80}, {"name": "b", "port": 81}]))
    node_ports = [p["nodePort"] for p in created["spec"]["ports"]]
    assert all(30000 <= n <= 32767 for n in node_ports)
    assert len(set(node_ports)) == 2
    assert created["spec"]["externalTrafficPolicy"] == "Cluster"
    other = create(cluster, "services", service("other", type="NodePort"))
    assert other["spec"]["ports"][0]["nodePort"] not in node_ports


def test_a_cluster_ip_service_gets_no_node_port(cluster):
    created = create(cluster, "services", service())
    assert "nodePort" not in created["spec"]["ports"][0]
    assert "externalTrafficPolicy" not in created["spec"]


def test_load_balancer_allocates_node_ports_by_default(cluster):
    created = create(cluster, "services", service(type="LoadBalancer"))
    assert created["spec"]["allocateLoadBalancerNodePorts"] is True


# ---- Secret, ConfigMap, Namespace ------------------------------------------------------------


def test_secret_defaults_to_opaque_and_merges_string_data(cluster):
    created = create(cluster, "secrets", {
        "metadata": {"name": "s"},
        "data": {"a": base64.b64encode(b"old").decode(), "b": base64.b64encode(b"keep").decode()},
        "stringData": {"a": "new", "c": "héllo"},
    })
    assert created["type"] == "Opaque"
    assert "stringData" not in created
    decoded = {k: base64.b64decode(v).decode() for k, v in created["data"].items()}
    assert decoded == {"a": "new", "b": "keep", "c": "héllo"}


def test_a_secret_type_is_kept(cluster):
    created = create(cluster, "secrets", {"metadata": {"name": "tok"}, "type": "kubernetes.io/basic-auth",
                                          "stringData": {"username": "u", "password": "p"}})
    assert created["type"] == "kubernetes.io/basic-auth"


def test_namespace_defaults(cluster):
    created = create(cluster, "namespaces", {"metadata": {"name": "team-a", "labels": {"owner": "me"}}}, None)
    assert created["metadata"]["labels"] == {"owner": "me", "kubernetes.io/metadata.name": "team-a"}
    assert created["status"] == {"phase": "Active"}
    assert created["spec"] == {"finalizers": ["kubernetes"]}
    assert "namespace" not in created["metadata"]


def test_the_namespace_name_label_cannot_be_overridden(cluster):
    created = create(cluster, "namespaces", {"metadata": {"name": "team-b", "labels": {"kubernetes.io/metadata.name": "x"}}}, None)
    assert created["metadata"]["labels"]["kubernetes.io/metadata.name"] == "team-b"


# ---- metadata the registry fills ------------------------------------------------------------


@pytest.mark.parametrize("plural,body", [
    ("pods", pod("")),
    ("configmaps", {"metadata": {}}),
    ("deployments", deployment("")),
])
def test_generate_name_appends_five_characters(cluster, plural, body):
    body["metadata"] = {"generateName": "web-"}
    created = create(cluster, plural, body)
    name = created["metadata"]["name"]
    assert re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", name), name
    assert created["metadata"]["generateName"] == "web-"


def test_generate_name_prefix_is_cut_to_58_characters(cluster):
    created = create(cluster, "configmaps", {"metadata": {"generateName": "x" * 70}})
    assert len(created["metadata"]["name"]) == 63
    assert created["metadata"]["name"].startswith("x" * 58)


def test_generate_name_gives_distinct_names(cluster):
    names = {create(cluster, "configmaps", {"metadata": {"generateName": "cm-"}})["metadata"]["name"] for _ in range(5)}
    assert len(names) == 5


def test_a_given_name_wins_over_generate_name(cluster):
    created = create(cluster, "configmaps", {"metadata": {"name": "fixed", "generateName": "cm-"}})
    assert created["metadata"]["name"] == "fixed"


def test_registry_sets_uid_timestamp_and_resource_version(cluster):
    body = {"metadata": {"name": "cm", "uid": "mine", "resourceVersion": "999", "creationTimestamp": "2000-01-01T00:00:00Z"}}
    created = create(cluster, "configmaps", body)
    meta = created["metadata"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", meta["uid"])
    assert meta["creationTimestamp"] != "2000-01-01T00:00:00Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["creationTimestamp"])
    assert meta["resourceVersion"] != "999"
    assert "generation" not in meta
