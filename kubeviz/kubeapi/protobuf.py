"""Decode Kubernetes protobuf request bodies (``application/vnd.kubernetes.protobuf``).

kubectl's typed-clientset commands (``create deployment|namespace|configmap|secret|job|service``,
``drain``'s evictions) send their bodies as protobuf, not JSON. The rest of the server only
understands the JSON shape of an object, so this module turns such a body into exactly the
dict the JSON encoding of the same Go object would give. Responses stay JSON.

The wire decoder is small and schema driven. Every field number below was taken from the
``generated.proto`` files of Kubernetes (``k8s.io/api`` ``core/v1``, ``apps/v1``, ``batch/v1``,
``policy/v1``; ``k8s.io/apimachinery`` ``pkg/apis/meta/v1``, ``pkg/util/intstr``,
``pkg/api/resource``, ``pkg/runtime``). Field numbers are never guessed: a field that is not in
the tables is skipped, not misread.

Zero values: gogo-protobuf, which Kubernetes uses, writes every non-pointer field, so an empty
``metadata.namespace`` or ``restartPolicy`` arrives as an explicit ``""``. Go's JSON encoding
drops those (``omitempty``), and the defaulting code here relies on the key being absent, so a
zero scalar is dropped unless the field is a Go pointer or has no ``omitempty`` (``keep``),
exactly where JSON would show it. Absent fields stay absent; an encoded message, even an empty
one, gives ``{}``, like a Go struct in JSON. A ``metav1.Time`` with no content is the zero time,
which JSON shows as ``null``.
"""
from __future__ import annotations

import base64
import datetime as _dt
from dataclasses import dataclass
from typing import Any

MAGIC = b"k8s\x00"
MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAX_DEPTH = 64

_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_ZERO_TIME_SECONDS = -62135596800  # Go's time.Time{} in Unix seconds


class ProtobufError(ValueError):
    """A body that is not a well-formed Kubernetes protobuf object (answered with 400)."""


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a message: its JSON name, how to decode it, and JSON's zero-value rule.

    ``kind`` is a scalar (string, bytes, bool, int32, int64), ``message`` (with ``msg``, a key
    of ``SCHEMAS``), ``map`` (entries {1: key, 2: value}; ``value`` is the value's kind and
    ``msg`` its message, if any), or a Kubernetes special: ``time``, ``quantity``, ``intstr``.
    """

    name: str
    kind: str
    msg: str | None = None
    repeated: bool = False
    keep: bool = False
    inline: bool = False
    value: str = "string"


# -- schema helpers: short names keep the tables readable ------------------------------------


def _s(name: str, keep: bool = False) -> Field:
    return Field(name, "string", keep=keep)


def _b(name: str, keep: bool = False) -> Field:
    return Field(name, "bool", keep=keep)


def _i32(name: str, keep: bool = False) -> Field:
    return Field(name, "int32", keep=keep)


def _i64(name: str, keep: bool = False) -> Field:
    return Field(name, "int64", keep=keep)


def _m(name: str, msg: str, inline: bool = False) -> Field:
    return Field(name, "message", msg=msg, inline=inline)


def _rs(name: str) -> Field:
    return Field(name, "string", repeated=True)


def _ri32(name: str) -> Field:
    return Field(name, "int32", repeated=True)


def _ri64(name: str) -> Field:
    return Field(name, "int64", repeated=True)


def _rm(name: str, msg: str) -> Field:
    return Field(name, "message", msg=msg, repeated=True)


def _map(name: str, value: str = "string", msg: str | None = None) -> Field:
    return Field(name, "map", msg=msg, value=value)


def _time(name: str) -> Field:
    return Field(name, "time")


def _qty(name: str) -> Field:
    return Field(name, "quantity")


def _ios(name: str) -> Field:
    return Field(name, "intstr")


Schema = dict[int, Field]

# k8s.io/apimachinery/pkg/runtime/generated.proto
_RUNTIME: dict[str, Schema] = {
    "TypeMeta": {1: _s("apiVersion"), 2: _s("kind")},
    "Unknown": {
        1: _m("typeMeta", "TypeMeta"),
        2: Field("raw", "raw"),
        3: _s("contentEncoding"),
        4: _s("contentType"),
    },
}

# k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto
_META: dict[str, Schema] = {
    "ObjectMeta": {
        1: _s("name"),
        2: _s("generateName"),
        3: _s("namespace"),
        4: _s("selfLink"),
        5: _s("uid"),
        6: _s("resourceVersion"),
        7: _i64("generation"),
        8: _time("creationTimestamp"),
        9: _time("deletionTimestamp"),
        10: _i64("deletionGracePeriodSeconds", keep=True),
        11: _map("labels"),
        12: _map("annotations"),
        13: _rm("ownerReferences", "OwnerReference"),
        14: _rs("finalizers"),
        17: _rm("managedFields", "ManagedFieldsEntry"),
    },
    "OwnerReference": {
        5: _s("apiVersion", keep=True),
        1: _s("kind", keep=True),
        3: _s("name", keep=True),
        4: _s("uid", keep=True),
        6: _b("controller", keep=True),
        7: _b("blockOwnerDeletion", keep=True),
    },
    "ManagedFieldsEntry": {
        1: _s("manager"),
        2: _s("operation"),
        3: _s("apiVersion"),
        4: _time("time"),
        6: _s("fieldsType"),
        8: _s("subresource"),
        # 7: fieldsV1 (raw JSON bytes) is skipped: it is bookkeeping a client never needs to send.
    },
    "LabelSelector": {
        1: _map("matchLabels"),
        2: _rm("matchExpressions", "LabelSelectorRequirement"),
    },
    "LabelSelectorRequirement": {
        1: _s("key", keep=True),
        2: _s("operator", keep=True),
        3: _rs("values"),
    },
    "DeleteOptions": {
        1: _i64("gracePeriodSeconds", keep=True),
        2: _m("preconditions", "Preconditions"),
        3: _b("orphanDependents", keep=True),
        4: _s("propagationPolicy", keep=True),
        5: _rs("dryRun"),
    },
    "Preconditions": {1: _s("uid", keep=True), 2: _s("resourceVersion", keep=True)},
    "Condition": {
        1: _s("type", keep=True),
        2: _s("status", keep=True),
        3: _i64("observedGeneration"),
        4: _time("lastTransitionTime"),
        5: _s("reason", keep=True),
        6: _s("message", keep=True),
    },
}

# k8s.io/api/core/v1/generated.proto
_CORE: dict[str, Schema] = {
    "Namespace": {1: _m("metadata", "ObjectMeta"), 2: _m("spec", "NamespaceSpec"), 3: _m("status", "NamespaceStatus")},
    "NamespaceSpec": {1: _rs("finalizers")},
    "NamespaceStatus": {1: _s("phase"), 2: _rm("conditions", "NamespaceCondition")},
    "NamespaceCondition": {
        1: _s("type", keep=True),
        2: _s("status", keep=True),
        4: _time("lastTransitionTime"),
        5: _s("reason"),
        6: _s("message"),
    },
    "ConfigMap": {
        1: _m("metadata", "ObjectMeta"),
        2: _map("data"),
        3: _map("binaryData", "bytes"),
        4: _b("immutable", keep=True),
    },
    "Secret": {
        1: _m("metadata", "ObjectMeta"),
        2: _map("data", "bytes"),
        3: _s("type"),
        4: _map("stringData"),
        5: _b("immutable", keep=True),
    },
    "ServiceAccount": {
        1: _m("metadata", "ObjectMeta"),
        2: _rm("secrets", "ObjectReference"),
        3: _rm("imagePullSecrets", "LocalObjectReference"),
        4: _b("automountServiceAccountToken", keep=True),
    },
    "ObjectReference": {
        1: _s("kind"),
        2: _s("namespace"),
        3: _s("name"),
        4: _s("uid"),
        5: _s("apiVersion"),
        6: _s("resourceVersion"),
        7: _s("fieldPath"),
    },
    "LocalObjectReference": {1: _s("name")},
    "ResourceQuota": {
        1: _m("metadata", "ObjectMeta"),
        2: _m("spec", "ResourceQuotaSpec"),
        3: _m("status", "ResourceQuotaStatus"),
    },
    "ResourceQuotaSpec": {
        1: _map("hard", "quantity"),
        2: _rs("scopes"),
        3: _m("scopeSelector", "ScopeSelector"),
    },
    "ScopeSelector": {1: _rm("matchExpressions", "ScopedResourceSelectorRequirement")},
    "ScopedResourceSelectorRequirement": {
        1: _s("scopeName", keep=True),
        2: _s("operator", keep=True),
        3: _rs("values"),
    },
    "ResourceQuotaStatus": {1: _map("hard", "quantity"), 2: _map("used", "quantity")},
    "Service": {1: _m("metadata", "ObjectMeta"), 2: _m("spec", "ServiceSpec"), 3: _m("status", "ServiceStatus")},
    "ServiceSpec": {
        1: _rm("ports", "ServicePort"),
        2: _map("selector"),
        3: _s("clusterIP"),
        4: _s("type"),
        5: _rs("externalIPs"),
        7: _s("sessionAffinity"),
        8: _s("loadBalancerIP"),
        9: _rs("loadBalancerSourceRanges"),
        10: _s("externalName"),
        11: _s("externalTrafficPolicy"),
        12: _i32("healthCheckNodePort"),
        13: _b("publishNotReadyAddresses"),
        14: _m("sessionAffinityConfig", "SessionAffinityConfig"),
        17: _s("ipFamilyPolicy", keep=True),
        18: _rs("clusterIPs"),
        19: _rs("ipFamilies"),
        20: _b("allocateLoadBalancerNodePorts", keep=True),
        21: _s("loadBalancerClass", keep=True),
        22: _s("internalTrafficPolicy", keep=True),
        23: _s("trafficDistribution", keep=True),
    },
    "ServicePort": {
        1: _s("name"),
        2: _s("protocol"),
        3: _i32("port", keep=True),
        4: _ios("targetPort"),
        5: _i32("nodePort"),
        6: _s("appProtocol", keep=True),
    },
    "SessionAffinityConfig": {1: _m("clientIP", "ClientIPConfig")},
    "ClientIPConfig": {1: _i32("timeoutSeconds", keep=True)},
    "ServiceStatus": {1: _m("loadBalancer", "LoadBalancerStatus"), 2: _rm("conditions", "Condition")},
    "LoadBalancerStatus": {1: _rm("ingress", "LoadBalancerIngress")},
    "LoadBalancerIngress": {1: _s("ip"), 2: _s("hostname"), 3: _s("ipMode", keep=True)},
    "Pod": {1: _m("metadata", "ObjectMeta"), 2: _m("spec", "PodSpec"), 3: _m("status", "PodStatus")},
    "PodTemplateSpec": {1: _m("metadata", "ObjectMeta"), 2: _m("spec", "PodSpec")},
    "PodSpec": {
        1: _rm("volumes", "Volume"),
        2: _rm("containers", "Container"),
        3: _s("restartPolicy"),
        4: _i64("terminationGracePeriodSeconds", keep=True),
        5: _i64("activeDeadlineSeconds", keep=True),
        6: _s("dnsPolicy"),
        7: _map("nodeSelector"),
        8: _s("serviceAccountName"),
        9: _s("serviceAccount"),
        10: _s("nodeName"),
        11: _b("hostNetwork"),
        12: _b("hostPID"),
        13: _b("hostIPC"),
        14: _m("securityContext", "PodSecurityContext"),
        15: _rm("imagePullSecrets", "LocalObjectReference"),
        16: _s("hostname"),
        17: _s("subdomain"),
        18: _m("affinity", "Affinity"),
        19: _s("schedulerName"),
        20: _rm("initContainers", "Container"),
        21: _b("automountServiceAccountToken", keep=True),
        22: _rm("tolerations", "Toleration"),
        23: _rm("hostAliases", "HostAlias"),
        24: _s("priorityClassName"),
        25: _i32("priority", keep=True),
        26: _m("dnsConfig", "PodDNSConfig"),
        27: _b("shareProcessNamespace", keep=True),
        28: _rm("readinessGates", "PodReadinessGate"),
        29: _s("runtimeClassName", keep=True),
        30: _b("enableServiceLinks", keep=True),
        31: _s("preemptionPolicy", keep=True),
        32: _map("overhead", "quantity"),
        33: _rm("topologySpreadConstraints", "TopologySpreadConstraint"),
        35: _b("setHostnameAsFQDN", keep=True),
        36: _m("os", "PodOS"),
        37: _b("hostUsers", keep=True),
        38: _rm("schedulingGates", "PodSchedulingGate"),
        40: _m("resources", "ResourceRequirements"),
    },
    "PodStatus": {
        1: _s("phase"),
        2: _rm("conditions", "PodCondition"),
        3: _s("message"),
        4: _s("reason"),
        5: _s("hostIP"),
        6: _s("podIP"),
        7: _time("startTime"),
        9: _s("qosClass"),
        11: _s("nominatedNodeName"),
    },
    "PodCondition": {
        1: _s("type", keep=True),
        2: _s("status", keep=True),
        3: _time("lastProbeTime"),
        4: _time("lastTransitionTime"),
        5: _s("reason"),
        6: _s("message"),
        7: _i64("observedGeneration"),
    },
    "Affinity": {
        1: _m("nodeAffinity", "NodeAffinity"),
        2: _m("podAffinity", "PodAffinity"),
        3: _m("podAntiAffinity", "PodAffinity"),  # PodAntiAffinity has the same two fields
    },
    "NodeAffinity": {
        1: _m("requiredDuringSchedulingIgnoredDuringExecution", "NodeSelector"),
        2: _rm("preferredDuringSchedulingIgnoredDuringExecution", "PreferredSchedulingTerm"),
    },
    "NodeSelector": {1: _rm("nodeSelectorTerms", "NodeSelectorTerm")},
    "NodeSelectorTerm": {
        1: _rm("matchExpressions", "NodeSelectorRequirement"),
        2: _rm("matchFields", "NodeSelectorRequirement"),
    },
    "NodeSelectorRequirement": {1: _s("key", keep=True), 2: _s("operator", keep=True), 3: _rs("values")},
    "PreferredSchedulingTerm": {1: _i32("weight", keep=True), 2: _m("preference", "NodeSelectorTerm")},
    "PodAffinity": {
        1: _rm("requiredDuringSchedulingIgnoredDuringExecution", "PodAffinityTerm"),
        2: _rm("preferredDuringSchedulingIgnoredDuringExecution", "WeightedPodAffinityTerm"),
    },
    "PodAffinityTerm": {
        1: _m("labelSelector", "LabelSelector"),
        2: _rs("namespaces"),
        3: _s("topologyKey", keep=True),
        4: _m("namespaceSelector", "LabelSelector"),
        5: _rs("matchLabelKeys"),
        6: _rs("mismatchLabelKeys"),
    },
    "WeightedPodAffinityTerm": {1: _i32("weight", keep=True), 2: _m("podAffinityTerm", "PodAffinityTerm")},
    "PodOS": {1: _s("name", keep=True)},
    "PodSchedulingGate": {1: _s("name", keep=True)},
    "PodReadinessGate": {1: _s("conditionType", keep=True)},
    "PodDNSConfig": {1: _rs("nameservers"), 2: _rs("searches"), 3: _rm("options", "PodDNSConfigOption")},
    "PodDNSConfigOption": {1: _s("name"), 2: _s("value", keep=True)},
    "HostAlias": {1: _s("ip", keep=True), 2: _rs("hostnames")},
    "Toleration": {
        1: _s("key"),
        2: _s("operator"),
        3: _s("value"),
        4: _s("effect"),
        5: _i64("tolerationSeconds", keep=True),
    },
    "TopologySpreadConstraint": {
        1: _i32("maxSkew", keep=True),
        2: _s("topologyKey", keep=True),
        3: _s("whenUnsatisfiable", keep=True),
        4: _m("labelSelector", "LabelSelector"),
        5: _i32("minDomains", keep=True),
        6: _s("nodeAffinityPolicy", keep=True),
        7: _s("nodeTaintsPolicy", keep=True),
        8: _rs("matchLabelKeys"),
    },
    "PodSecurityContext": {
        1: _m("seLinuxOptions", "SELinuxOptions"),
        2: _i64("runAsUser", keep=True),
        3: _b("runAsNonRoot", keep=True),
        4: _ri64("supplementalGroups"),
        5: _i64("fsGroup", keep=True),
        6: _i64("runAsGroup", keep=True),
        7: _rm("sysctls", "Sysctl"),
        8: _m("windowsOptions", "WindowsSecurityContextOptions"),
        9: _s("fsGroupChangePolicy", keep=True),
        10: _m("seccompProfile", "SeccompProfile"),
        11: _m("appArmorProfile", "AppArmorProfile"),
        12: _s("supplementalGroupsPolicy", keep=True),
        13: _s("seLinuxChangePolicy", keep=True),
    },
    "SecurityContext": {
        1: _m("capabilities", "Capabilities"),
        2: _b("privileged", keep=True),
        3: _m("seLinuxOptions", "SELinuxOptions"),
        4: _i64("runAsUser", keep=True),
        5: _b("runAsNonRoot", keep=True),
        6: _b("readOnlyRootFilesystem", keep=True),
        7: _b("allowPrivilegeEscalation", keep=True),
        8: _i64("runAsGroup", keep=True),
        9: _s("procMount", keep=True),
        10: _m("windowsOptions", "WindowsSecurityContextOptions"),
        11: _m("seccompProfile", "SeccompProfile"),
        12: _m("appArmorProfile", "AppArmorProfile"),
    },
    "Capabilities": {1: _rs("add"), 2: _rs("drop")},
    "SELinuxOptions": {1: _s("user"), 2: _s("role"), 3: _s("type"), 4: _s("level")},
    "SeccompProfile": {1: _s("type", keep=True), 2: _s("localhostProfile", keep=True)},
    "AppArmorProfile": {1: _s("type", keep=True), 2: _s("localhostProfile", keep=True)},
    "WindowsSecurityContextOptions": {
        1: _s("gmsaCredentialSpecName", keep=True),
        2: _s("gmsaCredentialSpec", keep=True),
        3: _s("runAsUserName", keep=True),
        4: _b("hostProcess", keep=True),
    },
    "Sysctl": {1: _s("name", keep=True), 2: _s("value", keep=True)},
    "Container": {
        1: _s("name", keep=True),
        2: _s("image"),
        3: _rs("command"),
        4: _rs("args"),
        5: _s("workingDir"),
        6: _rm("ports", "ContainerPort"),
        7: _rm("env", "EnvVar"),
        8: _m("resources", "ResourceRequirements"),
        9: _rm("volumeMounts", "VolumeMount"),
        10: _m("livenessProbe", "Probe"),
        11: _m("readinessProbe", "Probe"),
        12: _m("lifecycle", "Lifecycle"),
        13: _s("terminationMessagePath"),
        14: _s("imagePullPolicy"),
        15: _m("securityContext", "SecurityContext"),
        16: _b("stdin"),
        17: _b("stdinOnce"),
        18: _b("tty"),
        19: _rm("envFrom", "EnvFromSource"),
        20: _s("terminationMessagePolicy"),
        21: _rm("volumeDevices", "VolumeDevice"),
        22: _m("startupProbe", "Probe"),
        23: _rm("resizePolicy", "ContainerResizePolicy"),
        24: _s("restartPolicy", keep=True),
    },
    "ContainerPort": {
        1: _s("name"),
        2: _i32("hostPort"),
        3: _i32("containerPort", keep=True),
        4: _s("protocol"),
        5: _s("hostIP"),
    },
    "ContainerResizePolicy": {1: _s("resourceName", keep=True), 2: _s("restartPolicy", keep=True)},
    "EnvVar": {1: _s("name", keep=True), 2: _s("value"), 3: _m("valueFrom", "EnvVarSource")},
    "EnvVarSource": {
        1: _m("fieldRef", "ObjectFieldSelector"),
        2: _m("resourceFieldRef", "ResourceFieldSelector"),
        3: _m("configMapKeyRef", "ConfigMapKeySelector"),
        4: _m("secretKeyRef", "SecretKeySelector"),
    },
    "ObjectFieldSelector": {1: _s("apiVersion"), 2: _s("fieldPath", keep=True)},
    "ResourceFieldSelector": {1: _s("containerName"), 2: _s("resource", keep=True), 3: _qty("divisor")},
    "ConfigMapKeySelector": {
        1: _m("localObjectReference", "LocalObjectReference", inline=True),
        2: _s("key", keep=True),
        3: _b("optional", keep=True),
    },
    "SecretKeySelector": {
        1: _m("localObjectReference", "LocalObjectReference", inline=True),
        2: _s("key", keep=True),
        3: _b("optional", keep=True),
    },
    "EnvFromSource": {
        1: _s("prefix"),
        2: _m("configMapRef", "ConfigMapEnvSource"),
        3: _m("secretRef", "SecretEnvSource"),
    },
    "ConfigMapEnvSource": {
        1: _m("localObjectReference", "LocalObjectReference", inline=True),
        2: _b("optional", keep=True),
    },
    "SecretEnvSource": {
        1: _m("localObjectReference", "LocalObjectReference", inline=True),
        2: _b("optional", keep=True),
    },
    "ResourceRequirements": {
        1: _map("limits", "quantity"),
        2: _map("requests", "quantity"),
        3: _rm("claims", "ResourceClaim"),
    },
    "ResourceClaim": {1: _s("name", keep=True), 2: _s("request")},
    "VolumeMount": {
        1: _s("name", keep=True),
        2: _b("readOnly"),
        3: _s("mountPath", keep=True),
        4: _s("subPath"),
        5: _s("mountPropagation", keep=True),
        6: _s("subPathExpr"),
        7: _s("recursiveReadOnly", keep=True),
    },
    "VolumeDevice": {1: _s("name", keep=True), 2: _s("devicePath", keep=True)},
    "Probe": {
        1: _m("handler", "ProbeHandler", inline=True),
        2: _i32("initialDelaySeconds"),
        3: _i32("timeoutSeconds"),
        4: _i32("periodSeconds"),
        5: _i32("successThreshold"),
        6: _i32("failureThreshold"),
        7: _i64("terminationGracePeriodSeconds", keep=True),
    },
    "ProbeHandler": {
        1: _m("exec", "ExecAction"),
        2: _m("httpGet", "HTTPGetAction"),
        3: _m("tcpSocket", "TCPSocketAction"),
        4: _m("grpc", "GRPCAction"),
    },
    "Lifecycle": {
        1: _m("postStart", "LifecycleHandler"),
        2: _m("preStop", "LifecycleHandler"),
        3: _s("stopSignal", keep=True),
    },
    "LifecycleHandler": {
        1: _m("exec", "ExecAction"),
        2: _m("httpGet", "HTTPGetAction"),
        3: _m("tcpSocket", "TCPSocketAction"),
        4: _m("sleep", "SleepAction"),
    },
    "SleepAction": {1: _i64("seconds", keep=True)},
    "ExecAction": {1: _rs("command")},
    "HTTPGetAction": {
        1: _s("path"),
        2: _ios("port"),
        3: _s("host"),
        4: _s("scheme"),
        5: _rm("httpHeaders", "HTTPHeader"),
    },
    "HTTPHeader": {1: _s("name", keep=True), 2: _s("value", keep=True)},
    "TCPSocketAction": {1: _ios("port"), 2: _s("host")},
    "GRPCAction": {1: _i32("port", keep=True), 2: _s("service", keep=True)},
    "Volume": {1: _s("name", keep=True), 2: _m("volumeSource", "VolumeSource", inline=True)},
    "VolumeSource": {
        1: _m("hostPath", "HostPathVolumeSource"),
        2: _m("emptyDir", "EmptyDirVolumeSource"),
        6: _m("secret", "SecretVolumeSource"),
        10: _m("persistentVolumeClaim", "PersistentVolumeClaimVolumeSource"),
        16: _m("downwardAPI", "DownwardAPIVolumeSource"),
        19: _m("configMap", "ConfigMapVolumeSource"),
        26: _m("projected", "ProjectedVolumeSource"),
    },
    "HostPathVolumeSource": {1: _s("path", keep=True), 2: _s("type", keep=True)},
    "EmptyDirVolumeSource": {1: _s("medium"), 2: _qty("sizeLimit")},
    "SecretVolumeSource": {
        1: _s("secretName"),
        2: _rm("items", "KeyToPath"),
        3: _i32("defaultMode", keep=True),
        4: _b("optional", keep=True),
    },
    "ConfigMapVolumeSource": {
        1: _m("localObjectReference", "LocalObjectReference", inline=True),
        2: _rm("items", "KeyToPath"),
        3: _i32("defaultMode", keep=True),
        4: _b("optional", keep=True),
    },
    "KeyToPath": {1: _s("key", keep=True), 2: _s("path", keep=True), 3: _i32("mode", keep=True)},
    "PersistentVolumeClaimVolumeSource": {1: _s("claimName", keep=True), 2: _b("readOnly")},
    "DownwardAPIVolumeSource": {1: _rm("items", "DownwardAPIVolumeFile"), 2: _i32("defaultMode", keep=True)},
    "DownwardAPIVolumeFile": {
        1: _s("path", keep=True),
        2: _m("fieldRef", "ObjectFieldSelector"),
        3: _m("resourceFieldRef", "ResourceFieldSelector"),
        4: _i32("mode", keep=True),
    },
    "ProjectedVolumeSource": {1: _rm("sources", "VolumeProjection"), 2: _i32("defaultMode", keep=True)},
    "VolumeProjection": {
        1: _m("secret", "SecretProjection"),
        2: _m("downwardAPI", "DownwardAPIProjection"),
        3: _m("configMap", "ConfigMapProjection"),
        4: _m("serviceAccountToken", "ServiceAccountTokenProjection"),
    },
    "SecretProjection": {
        1: _m("localObjectReference", "LocalObjectReference", inline=True),
        2: _rm("items", "KeyToPath"),
        4: _b("optional", keep=True),
    },
    "ConfigMapProjection": {
        1: _m("localObjectReference", "LocalObjectReference", inline=True),
        2: _rm("items", "KeyToPath"),
        4: _b("optional", keep=True),
    },
    "DownwardAPIProjection": {1: _rm("items", "DownwardAPIVolumeFile")},
    "ServiceAccountTokenProjection": {
        1: _s("audience"),
        2: _i64("expirationSeconds", keep=True),
        3: _s("path", keep=True),
    },
}

# k8s.io/api/apps/v1/generated.proto
_APPS: dict[str, Schema] = {
    "Deployment": {1: _m("metadata", "ObjectMeta"), 2: _m("spec", "DeploymentSpec"), 3: _m("status", "DeploymentStatus")},
    "DeploymentSpec": {
        1: _i32("replicas", keep=True),
        2: _m("selector", "LabelSelector"),
        3: _m("template", "PodTemplateSpec"),
        4: _m("strategy", "DeploymentStrategy"),
        5: _i32("minReadySeconds"),
        6: _i32("revisionHistoryLimit", keep=True),
        7: _b("paused"),
        9: _i32("progressDeadlineSeconds", keep=True),
        10: _s("podReplacementPolicy", keep=True),
    },
    "DeploymentStrategy": {1: _s("type"), 2: _m("rollingUpdate", "RollingUpdateDeployment")},
    "RollingUpdateDeployment": {1: _ios("maxUnavailable"), 2: _ios("maxSurge")},
    "DeploymentStatus": {
        1: _i64("observedGeneration"),
        2: _i32("replicas"),
        3: _i32("updatedReplicas"),
        4: _i32("availableReplicas"),
        5: _i32("unavailableReplicas"),
        6: _rm("conditions", "DeploymentCondition"),
        7: _i32("readyReplicas"),
        8: _i32("collisionCount", keep=True),
        9: _i32("terminatingReplicas", keep=True),
    },
    "DeploymentCondition": {
        1: _s("type", keep=True),
        2: _s("status", keep=True),
        4: _s("reason"),
        5: _s("message"),
        6: _time("lastUpdateTime"),
        7: _time("lastTransitionTime"),
    },
    "ReplicaSet": {1: _m("metadata", "ObjectMeta"), 2: _m("spec", "ReplicaSetSpec"), 3: _m("status", "ReplicaSetStatus")},
    "ReplicaSetSpec": {
        1: _i32("replicas", keep=True),
        2: _m("selector", "LabelSelector"),
        3: _m("template", "PodTemplateSpec"),
        4: _i32("minReadySeconds"),
    },
    "ReplicaSetStatus": {
        1: _i32("replicas", keep=True),
        2: _i32("fullyLabeledReplicas"),
        3: _i64("observedGeneration"),
        4: _i32("readyReplicas"),
        5: _i32("availableReplicas"),
        7: _i32("terminatingReplicas", keep=True),
    },
}

# k8s.io/api/batch/v1/generated.proto
_BATCH: dict[str, Schema] = {
    "Job": {1: _m("metadata", "ObjectMeta"), 2: _m("spec", "JobSpec"), 3: _m("status", "JobStatus")},
    "JobSpec": {
        1: _i32("parallelism", keep=True),
        2: _i32("completions", keep=True),
        3: _i64("activeDeadlineSeconds", keep=True),
        4: _m("selector", "LabelSelector"),
        5: _b("manualSelector", keep=True),
        6: _m("template", "PodTemplateSpec"),
        7: _i32("backoffLimit", keep=True),
        8: _i32("ttlSecondsAfterFinished", keep=True),
        9: _s("completionMode", keep=True),
        10: _b("suspend", keep=True),
        12: _i32("backoffLimitPerIndex", keep=True),
        13: _i32("maxFailedIndexes", keep=True),
        14: _s("podReplacementPolicy", keep=True),
        15: _s("managedBy", keep=True),
    },
    "JobStatus": {
        2: _time("startTime"),
        3: _time("completionTime"),
        4: _i32("active"),
        5: _i32("succeeded"),
        6: _i32("failed"),
        7: _s("completedIndexes"),
        9: _i32("ready", keep=True),
        10: _s("failedIndexes", keep=True),
        11: _i32("terminating", keep=True),
    },
    "CronJob": {1: _m("metadata", "ObjectMeta"), 2: _m("spec", "CronJobSpec"), 3: _m("status", "CronJobStatus")},
    "CronJobStatus": {
        1: _rm("active", "ObjectReference"),
        4: _time("lastScheduleTime"),
        5: _time("lastSuccessfulTime"),
    },
    "CronJobSpec": {
        1: _s("schedule", keep=True),
        2: _i64("startingDeadlineSeconds", keep=True),
        3: _s("concurrencyPolicy"),
        4: _b("suspend", keep=True),
        5: _m("jobTemplate", "JobTemplateSpec"),
        6: _i32("successfulJobsHistoryLimit", keep=True),
        7: _i32("failedJobsHistoryLimit", keep=True),
        8: _s("timeZone", keep=True),
    },
    "JobTemplateSpec": {1: _m("metadata", "ObjectMeta"), 2: _m("spec", "JobSpec")},
}

# k8s.io/api/policy/v1/generated.proto (Eviction is the same in policy/v1beta1)
_POLICY: dict[str, Schema] = {
    "Eviction": {1: _m("metadata", "ObjectMeta"), 2: _m("deleteOptions", "DeleteOptions")},
    "PodDisruptionBudget": {
        1: _m("metadata", "ObjectMeta"),
        2: _m("spec", "PodDisruptionBudgetSpec"),
        3: _m("status", "PodDisruptionBudgetStatus"),
    },
    "PodDisruptionBudgetStatus": {
        1: _i64("observedGeneration"),
        2: _map("disruptedPods", "time"),
        3: _i32("disruptionsAllowed", keep=True),
        4: _i32("currentHealthy", keep=True),
        5: _i32("desiredHealthy", keep=True),
        6: _i32("expectedPods", keep=True),
        7: _rm("conditions", "Condition"),
    },
    "PodDisruptionBudgetSpec": {
        1: _ios("minAvailable"),
        2: _m("selector", "LabelSelector"),
        3: _ios("maxUnavailable"),
        4: _s("unhealthyPodEvictionPolicy", keep=True),
    },
}

# k8s.io/api/scheduling/v1/generated.proto (kubectl create priorityclass)
_SCHEDULING: dict[str, Schema] = {
    "PriorityClass": {1: _m("metadata", "ObjectMeta"), 2: _i32("value", keep=True), 3: _b("globalDefault"),
                      4: _s("description"), 5: _s("preemptionPolicy", keep=True)},
}

# k8s.io/api/autoscaling/v1/generated.proto (kubectl autoscale)
_AUTOSCALING: dict[str, Schema] = {
    "HorizontalPodAutoscalerV1": {1: _m("metadata", "ObjectMeta"), 2: _m("spec", "HorizontalPodAutoscalerSpecV1"),
                                  3: _m("status", "HorizontalPodAutoscalerStatusV1")},
    "HorizontalPodAutoscalerSpecV1": {1: _m("scaleTargetRef", "CrossVersionObjectReference"), 2: _i32("minReplicas", keep=True),
                                      3: _i32("maxReplicas", keep=True), 4: _i32("targetCPUUtilizationPercentage", keep=True)},
    "CrossVersionObjectReference": {1: _s("kind"), 2: _s("name"), 3: _s("apiVersion")},
    "HorizontalPodAutoscalerStatusV1": {1: _i64("observedGeneration"), 2: _time("lastScaleTime"),
                                        3: _i32("currentReplicas", keep=True), 4: _i32("desiredReplicas", keep=True),
                                        5: _i32("currentCPUUtilizationPercentage", keep=True)},
}

SCHEMAS: dict[str, Schema] = {**_RUNTIME, **_META, **_CORE, **_APPS, **_BATCH, **_POLICY, **_SCHEDULING, **_AUTOSCALING}

# (apiVersion, kind) -> top-level message. None as apiVersion: any group version (DeleteOptions
# is registered in every group version, so client-go stamps it with the client's own).
KINDS: dict[tuple[str | None, str], str] = {
    ("v1", "Namespace"): "Namespace",
    ("v1", "ConfigMap"): "ConfigMap",
    ("v1", "Secret"): "Secret",
    ("v1", "Service"): "Service",
    ("v1", "ServiceAccount"): "ServiceAccount",
    ("v1", "Pod"): "Pod",
    ("v1", "ResourceQuota"): "ResourceQuota",
    ("apps/v1", "Deployment"): "Deployment",
    ("apps/v1", "ReplicaSet"): "ReplicaSet",
    ("batch/v1", "Job"): "Job",
    ("batch/v1", "CronJob"): "CronJob",
    ("policy/v1", "Eviction"): "Eviction",
    ("policy/v1beta1", "Eviction"): "Eviction",
    ("policy/v1", "PodDisruptionBudget"): "PodDisruptionBudget",
    ("scheduling.k8s.io/v1", "PriorityClass"): "PriorityClass",
    ("autoscaling/v1", "HorizontalPodAutoscaler"): "HorizontalPodAutoscalerV1",
    (None, "DeleteOptions"): "DeleteOptions",
}

# RBAC, the reviews and LimitRange (k8s.io/api rbac/v1, authorization/v1, authentication/v1,
# core/v1 generated.proto): ``kubectl create role|rolebinding|clusterrole…`` and ``auth can-i``.
SCHEMAS.update({
    "PolicyRule": {1: _rs("verbs"), 2: _rs("apiGroups"), 3: _rs("resources"), 4: _rs("resourceNames"),
                   5: _rs("nonResourceURLs")},
    "Role": {1: _m("metadata", "ObjectMeta"), 2: _rm("rules", "PolicyRule")},
    "ClusterRole": {1: _m("metadata", "ObjectMeta"), 2: _rm("rules", "PolicyRule"),
                    3: _m("aggregationRule", "AggregationRule")},
    "AggregationRule": {1: _rm("clusterRoleSelectors", "LabelSelector")},
    "Subject": {1: _s("kind", keep=True), 2: _s("apiGroup"), 3: _s("name", keep=True), 4: _s("namespace")},
    "RoleRef": {1: _s("apiGroup", keep=True), 2: _s("kind", keep=True), 3: _s("name", keep=True)},
    "RoleBinding": {1: _m("metadata", "ObjectMeta"), 2: _rm("subjects", "Subject"), 3: _m("roleRef", "RoleRef")},
    "ResourceAttributes": {1: _s("namespace"), 2: _s("verb"), 3: _s("group"), 4: _s("version"), 5: _s("resource"),
                           6: _s("subresource"), 7: _s("name")},
    "NonResourceAttributes": {1: _s("path"), 2: _s("verb")},
    "ExtraValue": {1: _rs("items")},
    "SubjectAccessReviewSpec": {1: _m("resourceAttributes", "ResourceAttributes"),
                                2: _m("nonResourceAttributes", "NonResourceAttributes"), 3: _s("user"),
                                4: _rs("groups"), 6: _s("uid")},
    "SelfSubjectAccessReview": {1: _m("metadata", "ObjectMeta"), 2: _m("spec", "SubjectAccessReviewSpec")},
    "SubjectAccessReview": {1: _m("metadata", "ObjectMeta"), 2: _m("spec", "SubjectAccessReviewSpec")},
    "SelfSubjectReview": {1: _m("metadata", "ObjectMeta")},
    "SelfSubjectRulesReview": {1: _m("metadata", "ObjectMeta"), 2: _m("spec", "SelfSubjectRulesReviewSpec")},
    "SelfSubjectRulesReviewSpec": {1: _s("namespace")},
    # k8s.io/api/authentication/v1/generated.proto (kubectl create token)
    "TokenRequest": {1: _m("metadata", "ObjectMeta"), 2: _m("spec", "TokenRequestSpec")},
    "TokenRequestSpec": {1: _rs("audiences"), 3: _m("boundObjectRef", "BoundObjectReference"),
                         4: _i64("expirationSeconds", keep=True)},
    "BoundObjectReference": {1: _s("kind"), 2: _s("apiVersion"), 3: _s("name"), 4: _s("uid")},
    "LimitRange": {1: _m("metadata", "ObjectMeta"), 2: _m("spec", "LimitRangeSpec")},
    "LimitRangeSpec": {1: _rm("limits", "LimitRangeItem")},
    "LimitRangeItem": {1: _s("type", keep=True), 2: _map("max", "quantity"), 3: _map("min", "quantity"),
                       4: _map("default", "quantity"), 5: _map("defaultRequest", "quantity"),
                       6: _map("maxLimitRequestRatio", "quantity")},
})
KINDS.update({
    ("rbac.authorization.k8s.io/v1", "Role"): "Role",
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): "ClusterRole",
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): "RoleBinding",
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): "RoleBinding",
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"): "SelfSubjectAccessReview",
    ("authorization.k8s.io/v1", "SubjectAccessReview"): "SubjectAccessReview",
    ("authentication.k8s.io/v1", "SelfSubjectReview"): "SelfSubjectReview",
    ("authentication.k8s.io/v1beta1", "SelfSubjectReview"): "SelfSubjectReview",
    ("authentication.k8s.io/v1alpha1", "SelfSubjectReview"): "SelfSubjectReview",
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview"): "SelfSubjectRulesReview",
    ("authentication.k8s.io/v1", "TokenRequest"): "TokenRequest",
    ("v1", "LimitRange"): "LimitRange",
})

_ZERO: dict[str, Any] = {"string": "", "bytes": "", "bool": False, "int32": 0, "int64": 0}
# A map entry without a value holds the value type's zero, as Go's decoder leaves it.
_MAP_ZERO: dict[str, Any] = {**_ZERO, "quantity": "0", "time": None, "intstr": 0}


# -- wire level --------------------------------------------------------------------------------


class _Reader:
    """A bounds-checked cursor over one message's bytes."""

    __slots__ = ("buf", "pos", "end")

    def __init__(self, buf: bytes | memoryview) -> None:
        self.buf = memoryview(buf)
        self.pos = 0
        self.end = len(self.buf)

    def at_end(self) -> bool:
        return self.pos >= self.end

    def varint(self, path: str) -> int:
        result = 0
        for shift in range(0, 70, 7):
            if self.pos >= self.end:
                raise ProtobufError(f"{path}: truncated varint")
            byte = self.buf[self.pos]
            self.pos += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result & 0xFFFFFFFFFFFFFFFF
        raise ProtobufError(f"{path}: varint longer than 10 bytes")

    def take(self, n: int, path: str) -> memoryview:
        if n < 0 or n > self.end - self.pos:
            raise ProtobufError(f"{path}: length {n} runs past the end of the data")
        chunk = self.buf[self.pos:self.pos + n]
        self.pos += n
        return chunk



def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _signed32(value: int) -> int:
    """Go's int32(v): a negative int32 travels as a 10-byte sign-extended varint."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def _text(chunk: memoryview, path: str) -> str:
    try:
        return bytes(chunk).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtobufError(f"{path}: string is not valid UTF-8 (byte {exc.start})") from None


def _fields(data: memoryview, path: str) -> list[tuple[int, int, Any]]:
    """Split a message into (field number, wire type, raw value); varints come back as ints."""
    reader = _Reader(data)
    out: list[tuple[int, int, Any]] = []
    while not reader.at_end():
        key = reader.varint(path)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise ProtobufError(f"{path}: field number 0 is not allowed")
        if wire_type == _VARINT:
            out.append((number, wire_type, reader.varint(path)))
        elif wire_type == _BYTES:
            out.append((number, wire_type, reader.take(reader.varint(path), path)))
        elif wire_type == _FIXED64:
            out.append((number, wire_type, int.from_bytes(reader.take(8, path), "little")))
        elif wire_type == _FIXED32:
            out.append((number, wire_type, int.from_bytes(reader.take(4, path), "little")))
        else:
            raise ProtobufError(f"{path}: unsupported wire type {wire_type} for field {number}")
    return out


# -- typed decoding ----------------------------------------------------------------------------


def _scalar(kind: str, wire_type: int, raw: Any, path: str) -> Any:
    if kind in ("string", "bytes"):
        if wire_type != _BYTES:
            raise ProtobufError(f"{path}: expected a length-delimited {kind}, got wire type {wire_type}")
        return _text(raw, path) if kind == "string" else base64.b64encode(bytes(raw)).decode("ascii")
    if wire_type != _VARINT:
        raise ProtobufError(f"{path}: expected a varint {kind}, got wire type {wire_type}")
    if kind == "bool":
        return raw != 0
    if kind == "int32":
        return _signed32(raw)
    if kind == "int64":
        return _signed64(raw)
    raise ProtobufError(f"{path}: unknown scalar kind {kind}")  # pragma: no cover - schema bug


def _packed(kind: str, chunk: memoryview, path: str) -> list[Any]:
    reader = _Reader(chunk)
    values: list[Any] = []
    while not reader.at_end():
        values.append(_scalar(kind, _VARINT, reader.varint(path), path))
    return values


def _time_value(chunk: memoryview, path: str) -> str | None:
    """metav1.Time: {1: seconds, 2: nanos}; JSON shows whole seconds in RFC 3339, UTC."""
    seconds = 0
    for number, wire_type, raw in _fields(chunk, path):
        if number in (1, 2) and wire_type != _VARINT:
            raise ProtobufError(f"{path}: Time field {number} must be a varint")
        if number == 1:
            seconds = _signed64(raw)
    if not len(chunk) or seconds == _ZERO_TIME_SECONDS:
        return None  # the zero time (an empty message, or 0001-01-01): JSON null
    try:
        t = _EPOCH + _dt.timedelta(seconds=seconds)
    except OverflowError:
        raise ProtobufError(f"{path}: time {seconds}s since the epoch is out of range") from None
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z"


def _quantity_value(chunk: memoryview, path: str) -> str:
    text = "0"  # resource.Quantity's zero value serializes as "0"
    for number, wire_type, raw in _fields(chunk, path):
        if number == 1:
            text = _scalar("string", wire_type, raw, path)
    return text


def _intstr_value(chunk: memoryview, path: str) -> int | str:
    kind, int_val, str_val = 0, 0, ""
    for number, wire_type, raw in _fields(chunk, path):
        if number == 1:
            kind = _signed64(_scalar("int64", wire_type, raw, path))
        elif number == 2:
            int_val = _scalar("int32", wire_type, raw, path)
        elif number == 3:
            str_val = _scalar("string", wire_type, raw, path)
    if kind == 0:
        return int_val
    if kind == 1:
        return str_val
    raise ProtobufError(f"{path}: IntOrString type must be 0 (int) or 1 (string), got {kind}")


def _value(kind: str, msg: str | None, wire_type: int, raw: Any, path: str, depth: int) -> Any:
    """Decode one value of ``kind`` (scalar, message or special)."""
    if kind in _ZERO:
        return _scalar(kind, wire_type, raw, path)
    if wire_type != _BYTES:
        raise ProtobufError(f"{path}: expected an embedded message, got wire type {wire_type}")
    if kind == "message":
        assert msg is not None
        return decode_message(raw, msg, path, depth + 1)
    if kind == "time":
        return _time_value(raw, path)
    if kind == "quantity":
        return _quantity_value(raw, path)
    if kind == "intstr":
        return _intstr_value(raw, path)
    if kind == "raw":
        return bytes(raw)
    raise ProtobufError(f"{path}: unknown field kind {kind}")  # pragma: no cover - schema bug


def _map_entry(field: Field, chunk: memoryview, path: str, depth: int) -> tuple[str, Any]:
    key = ""
    value: Any = {} if field.value == "message" else _MAP_ZERO[field.value]
    for number, wire_type, raw in _fields(chunk, path):
        if number == 1:
            key = _scalar("string", wire_type, raw, f"{path} key")
        elif number == 2:
            value = _value(field.value, field.msg, wire_type, raw, f"{path}[{key!r}]", depth + 1)
    return key, value


def decode_message(data: bytes | memoryview, schema: str, path: str = "", depth: int = 0) -> dict[str, Any]:
    """Decode one message by its schema name into its JSON-shaped dict."""
    if depth > MAX_DEPTH:
        raise ProtobufError(f"{path or schema}: messages nested more than {MAX_DEPTH} deep")
    fields = SCHEMAS[schema]
    out: dict[str, Any] = {}
    for number, wire_type, raw in _fields(memoryview(data), path or schema):
        field = fields.get(number)
        if field is None:
            continue  # unknown field: skipped, as protobuf readers do
        where = f"{path}.{field.name}" if path else field.name
        if field.kind == "map":
            if wire_type != _BYTES:
                raise ProtobufError(f"{where}: expected a map entry, got wire type {wire_type}")
            key, value = _map_entry(field, raw, where, depth)
            out.setdefault(field.name, {})[key] = value
        elif field.repeated:
            items = out.setdefault(field.name, [])
            if wire_type == _BYTES and field.kind in ("bool", "int32", "int64"):
                items.extend(_packed(field.kind, raw, where))
            else:
                items.append(_value(field.kind, field.msg, wire_type, raw, f"{where}[{len(items)}]", depth))
        elif field.inline:
            out.update(_value(field.kind, field.msg, wire_type, raw, path, depth))
        else:
            value = _value(field.kind, field.msg, wire_type, raw, where, depth)
            if field.kind in _ZERO and not field.keep and value == _ZERO[field.kind]:
                out.pop(field.name, None)  # omitempty: JSON would not show it
            elif field.kind == "message" and isinstance(out.get(field.name), dict):
                out[field.name].update(value)  # a repeated singular message merges
            else:
                out[field.name] = value
    return out


def decode_object(api_version: str, kind: str, raw: bytes | memoryview) -> dict[str, Any]:
    """Decode an object's message (the envelope's ``raw``) given its TypeMeta."""
    schema = KINDS.get((api_version, kind)) or KINDS.get((None, kind))
    if schema is None:
        raise ProtobufError(
            f"protobuf bodies for {kind} ({api_version or 'no apiVersion'}) are not supported; "
            "send the object as JSON or YAML instead"
        )
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind} if api_version else {"kind": kind}
    obj.update(decode_message(raw, schema))
    return obj


def decode(body: bytes) -> dict[str, Any]:
    """Decode a whole ``application/vnd.kubernetes.protobuf`` body: magic, Unknown envelope, object."""
    if not body.startswith(MAGIC):
        raise ProtobufError("the body does not start with the Kubernetes protobuf prefix 'k8s\\x00'")
    envelope = decode_message(memoryview(body)[len(MAGIC):], "Unknown", "envelope")
    type_meta = envelope.get("typeMeta") or {}
    kind = type_meta.get("kind", "")
    if not kind:
        raise ProtobufError("envelope: typeMeta.kind is missing")
    encoding = envelope.get("contentEncoding", "")
    if encoding:
        raise ProtobufError(f"envelope: content encoding {encoding!r} is not supported")
    content_type = envelope.get("contentType", "")
    if content_type and content_type != MEDIA_TYPE:
        raise ProtobufError(f"envelope: content type {content_type!r} is not supported")
    return decode_object(type_meta.get("apiVersion", ""), kind, envelope.get("raw", b""))
