"""Kubernetes protobuf request bodies: the wire decoder, its parser, and bytes real kubectl sends.

The encoder below is the mirror of the decoder's wire format, kept tiny on purpose; the
kubectl tests check the field numbers against Kubernetes' own Go encoder.
"""
from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from rest_framework.exceptions import ParseError

from kubeviz.apiserver.errors import StatusError
from kubeviz.kubeapi import protobuf
from kubeviz.kubeapi.parsers import PARSERS, KubeProtobufParser
from kubeviz.kubeapi.protobuf import ProtobufError

# -- a tiny encoder ----------------------------------------------------------------------------


def varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative numbers travel as 10-byte two's complement, as in Go
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def key(number: int, wire_type: int) -> bytes:
    return varint(number << 3 | wire_type)


def vi(number: int, n: int) -> bytes:
    """A varint field (ints and bools)."""
    return key(number, 0) + varint(int(n))


def ld(number: int, payload: bytes | str) -> bytes:
    """A length-delimited field (strings, bytes, embedded messages)."""
    data = payload.encode() if isinstance(payload, str) else payload
    return key(number, 2) + varint(len(data)) + data


def f64(number: int, n: int) -> bytes:
    return key(number, 1) + n.to_bytes(8, "little")


def f32(number: int, n: int) -> bytes:
    return key(number, 5) + n.to_bytes(4, "little")


def m(*parts: bytes) -> bytes:
    return b"".join(parts)


def entry(number: int, k: str, v: bytes | str | None) -> bytes:
    """One map entry {1: key, 2: value}; ``v`` None leaves the value out."""
    return ld(number, ld(1, k) + (b"" if v is None else ld(2, v)))


def envelope(api_version: str, kind: str, raw: bytes, encoding: str = "", content_type: str = "") -> bytes:
    """k8s\\x00 + runtime.Unknown{typeMeta, raw, contentEncoding, contentType}, as gogo writes it."""
    type_meta = ld(1, api_version) + ld(2, kind)
    return protobuf.MAGIC + ld(1, type_meta) + ld(2, raw) + ld(3, encoding) + ld(4, content_type)


def ios_int(n: int) -> bytes:
    return vi(1, 0) + vi(2, n) + ld(3, "")


def ios_str(s: str) -> bytes:
    return vi(1, 1) + vi(2, 0) + ld(3, s)


def qty(s: str) -> bytes:
    return ld(1, s)


def meta(name: str, *extra: bytes) -> bytes:
    """ObjectMeta the way client-go's gogo code writes it: every non-pointer field, zero or not."""
    return m(
        ld(1, name), ld(2, ""), ld(3, ""), ld(4, ""), ld(5, ""), ld(6, ""), vi(7, 0), ld(8, b""), *extra,
    )


CONTAINER = m(
    ld(1, "nginx"), ld(2, "nginx:1.27"), ld(5, ""),
    ld(6, m(ld(1, "http"), vi(2, 0), vi(3, 80), ld(4, "TCP"), ld(5, ""))),
    ld(7, m(ld(1, "MODE"), ld(2, "prod"))),
    ld(7, m(ld(1, "PASSWORD"), ld(2, ""), ld(3, ld(4, m(ld(1, ld(1, "db")), ld(2, "password")))))),
    ld(8, m(entry(1, "cpu", qty("500m")), entry(1, "memory", qty("128Mi")), entry(2, "cpu", qty("250m")))),
    ld(9, m(ld(1, "data"), vi(2, 1), ld(3, "/data"), ld(4, ""), ld(6, ""))),
    ld(10, m(ld(1, ld(2, m(ld(1, "/healthz"), ld(2, ios_int(8080)), ld(3, ""), ld(4, "HTTP")))),
             vi(2, 5), vi(3, 1), vi(4, 10), vi(5, 1), vi(6, 3))),
    ld(11, m(ld(1, ld(3, m(ld(1, ios_str("http")), ld(2, "")))), vi(2, 0), vi(3, 0), vi(4, 0), vi(5, 0), vi(6, 0))),
    ld(22, m(ld(1, ld(1, m(ld(1, "cat"), ld(1, "/ready")))), vi(7, 0))),
    ld(13, "/dev/termination-log"), ld(14, "IfNotPresent"), vi(16, 0), vi(17, 0), vi(18, 0), ld(20, "File"),
)
CONTAINER_JSON = {
    "name": "nginx", "image": "nginx:1.27",
    "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"}],
    "env": [
        {"name": "MODE", "value": "prod"},
        {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
    ],
    "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "250m"}},
    "volumeMounts": [{"name": "data", "readOnly": True, "mountPath": "/data"}],
    "livenessProbe": {
        "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
        "initialDelaySeconds": 5, "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3,
    },
    "readinessProbe": {"tcpSocket": {"port": "http"}},
    "startupProbe": {"exec": {"command": ["cat", "/ready"]}, "terminationGracePeriodSeconds": 0},
    "terminationMessagePath": "/dev/termination-log", "imagePullPolicy": "IfNotPresent", "terminationMessagePolicy": "File",
}

POD_SPEC = m(
    ld(1, m(ld(1, "data"), ld(2, ld(2, m(ld(1, "Memory"), ld(2, qty("1Gi"))))))),
    ld(1, m(ld(1, "cfg"), ld(2, ld(19, m(ld(1, ld(1, "app-config")), ld(2, m(ld(1, "a"), ld(2, "a.txt"))), vi(3, 420)))))),
    ld(1, m(ld(1, "tls"), ld(2, ld(6, m(ld(1, "tls-secret"), vi(4, 1)))))),
    ld(2, CONTAINER),
    ld(20, m(ld(1, "init"), ld(2, "busybox"), ld(3, "sh"), ld(3, "-c"), ld(4, "true"), ld(8, b""))),
    ld(3, "Always"), vi(4, 30), vi(5, 600), ld(6, "ClusterFirst"), entry(7, "disk", "ssd"),
    ld(8, "web"), ld(9, ""), ld(10, "node-1"), vi(11, 0), vi(12, 0), vi(13, 0),
    ld(14, m(vi(2, 1000), key(4, 2) + varint(3) + varint(1) + varint(2) + varint(3), vi(5, 2000))),
    ld(16, ""), ld(17, ""), ld(19, "default-scheduler"),
    ld(22, m(ld(1, "dedicated"), ld(2, "Equal"), ld(3, "gpu"), ld(4, "NoExecute"), vi(5, -5))),
    ld(22, m(ld(1, ""), ld(2, "Exists"), ld(3, ""), ld(4, ""))),
    ld(24, ""), vi(25, -7), vi(30, 0),
)
POD_SPEC_JSON = {
    "volumes": [
        {"name": "data", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}},
        {"name": "cfg", "configMap": {"name": "app-config", "items": [{"key": "a", "path": "a.txt"}], "defaultMode": 420}},
        {"name": "tls", "secret": {"secretName": "tls-secret", "optional": True}},
    ],
    "containers": [CONTAINER_JSON],
    "initContainers": [{"name": "init", "image": "busybox", "command": ["sh", "-c"], "args": ["true"], "resources": {}}],
    "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "activeDeadlineSeconds": 600,
    "dnsPolicy": "ClusterFirst", "nodeSelector": {"disk": "ssd"}, "serviceAccountName": "web", "nodeName": "node-1",
    "securityContext": {"runAsUser": 1000, "supplementalGroups": [1, 2, 3], "fsGroup": 2000},
    "schedulerName": "default-scheduler",
    "tolerations": [
        {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoExecute", "tolerationSeconds": -5},
        {"operator": "Exists"},
    ],
    "priority": -7, "enableServiceLinks": False,
}

TEMPLATE = m(ld(1, meta("", entry(11, "app", "web"))), ld(2, POD_SPEC))
TEMPLATE_JSON = {"metadata": {"creationTimestamp": None, "labels": {"app": "web"}}, "spec": POD_SPEC_JSON}

SELECTOR = m(entry(1, "app", "web"), ld(2, m(ld(1, "tier"), ld(2, "In"), ld(3, "front"), ld(3, "edge"))))
SELECTOR_JSON = {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "edge"]}]}

OBJECTS = [
    pytest.param(
        envelope("v1", "Namespace", m(ld(1, meta("team-a")), ld(2, ld(1, "kubernetes")), ld(3, ld(1, "")))),
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a", "creationTimestamp": None},
         "spec": {"finalizers": ["kubernetes"]}, "status": {}},
        id="namespace",
    ),
    pytest.param(
        envelope("v1", "ConfigMap", m(
            ld(1, meta("cfg", entry(12, "note", "hi"), ld(14, "example.com/keep"))),
            entry(2, "a", "1"), entry(2, "b", "two"), entry(3, "blob", b"\xff\x00\x01"), vi(4, 0),
        )),
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "cfg", "creationTimestamp": None, "annotations": {"note": "hi"}, "finalizers": ["example.com/keep"]},
         "data": {"a": "1", "b": "two"}, "binaryData": {"blob": "/wAB"}, "immutable": False},
        id="configmap-binary-data-and-explicit-false",
    ),
    pytest.param(
        envelope("v1", "Secret", m(
            ld(1, meta("s1")), entry(2, "password", b"hunter2"), entry(2, "raw", b"\x00\xfe"), ld(3, "Opaque"),
            entry(4, "user", "admin"),
        )),
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s1", "creationTimestamp": None},
         "data": {"password": base64.b64encode(b"hunter2").decode(), "raw": "AP4="}, "type": "Opaque",
         "stringData": {"user": "admin"}},
        id="secret-bytes-are-base64",
    ),
    pytest.param(
        envelope("apps/v1", "Deployment", m(
            ld(1, meta("web", ld(3, "default") + entry(11, "app", "web"))),
            ld(2, m(
                vi(1, 0), ld(2, SELECTOR), ld(3, TEMPLATE),
                ld(4, m(ld(1, "RollingUpdate"), ld(2, m(ld(1, ios_int(0)), ld(2, ios_str("25%")))))),
                vi(5, 5), vi(6, 10), vi(7, 1), vi(9, 600),
            )),
            ld(3, b""),
        )),
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "web", "namespace": "default", "creationTimestamp": None, "labels": {"app": "web"}},
         "spec": {"replicas": 0, "selector": SELECTOR_JSON, "template": TEMPLATE_JSON,
                  "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}},
                  "minReadySeconds": 5, "revisionHistoryLimit": 10, "paused": True, "progressDeadlineSeconds": 600},
         "status": {}},
        id="deployment-full",
    ),
    pytest.param(
        envelope("v1", "Pod", m(
            ld(1, meta("p1", m(
                ld(13, m(ld(5, "apps/v1"), ld(1, "ReplicaSet"), ld(3, "web-1"), ld(4, "u-1"), vi(6, 1), vi(7, 1))),
            ))),
            ld(2, POD_SPEC),
        )),
        {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": "p1", "creationTimestamp": None, "ownerReferences": [
             {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "u-1",
              "controller": True, "blockOwnerDeletion": True}]},
         "spec": POD_SPEC_JSON},
        id="pod-with-owner",
    ),
    pytest.param(
        envelope("v1", "Service", m(
            ld(1, meta("web")),
            ld(2, m(
                ld(1, m(ld(1, "http"), ld(2, "TCP"), vi(3, 80), ld(4, ios_str("http")), vi(5, 0))),
                ld(1, m(ld(1, "metrics"), ld(2, "TCP"), vi(3, 9090), ld(4, ios_int(9091)), vi(5, 30090))),
                entry(2, "app", "web"), ld(3, "None"), ld(4, "NodePort"), ld(7, "ClientIP"), ld(10, ""),
            )),
            ld(3, ld(1, b"")),
        )),
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "creationTimestamp": None},
         "spec": {"ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": "http"},
                            {"name": "metrics", "protocol": "TCP", "port": 9090, "targetPort": 9091, "nodePort": 30090}],
                  "selector": {"app": "web"}, "clusterIP": "None", "type": "NodePort", "sessionAffinity": "ClientIP"},
         "status": {"loadBalancer": {}}},
        id="service",
    ),
    pytest.param(
        envelope("v1", "Service", m(ld(1, meta("ext")), ld(2, m(ld(4, "ExternalName"), ld(10, "db.example.com"))))),
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext", "creationTimestamp": None},
         "spec": {"type": "ExternalName", "externalName": "db.example.com"}},
        id="service-external-name",
    ),
    pytest.param(
        envelope("batch/v1", "Job", m(
            ld(1, meta("j1")),
            ld(2, m(vi(1, 2), vi(2, 4), vi(3, 120), ld(4, SELECTOR), vi(5, 1), ld(6, TEMPLATE), vi(7, 0), vi(8, 30),
                    ld(9, "Indexed"), vi(10, 0))),
            ld(3, b""),
        )),
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j1", "creationTimestamp": None},
         "spec": {"parallelism": 2, "completions": 4, "activeDeadlineSeconds": 120, "selector": SELECTOR_JSON,
                  "manualSelector": True, "template": TEMPLATE_JSON, "backoffLimit": 0, "ttlSecondsAfterFinished": 30,
                  "completionMode": "Indexed", "suspend": False},
         "status": {}},
        id="job",
    ),
    pytest.param(
        envelope("policy/v1", "Eviction", m(
            ld(1, meta("p1", ld(3, "default"))),
            ld(2, m(vi(1, 0), ld(2, m(ld(1, "u-1"), ld(2, "42"))), ld(4, "Foreground"), ld(5, "All"))),
        )),
        {"apiVersion": "policy/v1", "kind": "Eviction",
         "metadata": {"name": "p1", "namespace": "default", "creationTimestamp": None},
         "deleteOptions": {"gracePeriodSeconds": 0, "preconditions": {"uid": "u-1", "resourceVersion": "42"},
                           "propagationPolicy": "Foreground", "dryRun": ["All"]}},
        id="eviction",
    ),
    pytest.param(
        envelope("v1", "DeleteOptions", m(vi(1, 5), vi(3, 0))),
        {"apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": 5, "orphanDependents": False},
        id="delete-options-core",
    ),
    pytest.param(
        envelope("apps/v1", "DeleteOptions", ld(4, "Orphan")),
        {"apiVersion": "apps/v1", "kind": "DeleteOptions", "propagationPolicy": "Orphan"},
        id="delete-options-any-group",
    ),
]


@pytest.mark.parametrize("body,expected", OBJECTS)
def test_decodes_to_the_json_shape(body, expected):
    assert protobuf.decode(body) == expected


# -- the wire format, one rule at a time ---------------------------------------------------------


def _meta(raw: bytes) -> dict[str, Any]:
    return protobuf.decode_message(raw, "ObjectMeta")


@pytest.mark.parametrize("raw,expected", [
    # Zero scalars of omitempty fields vanish (gogo writes them; JSON would not show them).
    (meta("web"), {"name": "web", "creationTimestamp": None}),
    # ...but zero values of pointer fields stay: they were set on purpose.
    (vi(10, 0), {"deletionGracePeriodSeconds": 0}),
    # metav1.Time: seconds -> RFC 3339 in UTC; nanos are not part of the JSON form.
    (ld(8, vi(1, 1_700_000_000) + vi(2, 999)), {"creationTimestamp": "2023-11-14T22:13:20Z"}),
    (ld(8, vi(1, 0)), {"creationTimestamp": "1970-01-01T00:00:00Z"}),
    (ld(8, vi(1, -62135596800)), {"creationTimestamp": None}),
    (ld(9, vi(1, 253402300799)), {"deletionTimestamp": "9999-12-31T23:59:59Z"}),
    (ld(9, vi(1, -62135596799)), {"deletionTimestamp": "0001-01-01T00:00:01Z"}),
    # int64 as a varint, large and negative.
    (vi(7, 2**62), {"generation": 2**62}),
    (vi(10, -1), {"deletionGracePeriodSeconds": -1}),
    # Maps: repeated entries, a later key wins, a missing value is the zero value.
    (entry(11, "a", "1") + entry(11, "b", "2") + entry(11, "a", "3"), {"labels": {"a": "3", "b": "2"}}),
    (entry(12, "empty", None), {"annotations": {"empty": ""}}),
    (ld(11, ld(2, "v")), {"labels": {"": "v"}}),
    # A singular field seen twice: the last one wins.
    (ld(1, "a") + ld(1, "b"), {"name": "b"}),
    (ld(1, "a") + ld(1, ""), {}),
    # Unknown fields of every wire type are skipped, known ones around them still read.
    (ld(1, "a") + vi(99, 7) + f64(98, 1) + ld(97, b"\x01\x02") + f32(96, 3) + ld(2, "g-"),
     {"name": "a", "generateName": "g-"}),
    # UTF-8 strings.
    (ld(1, "naïve-☃"), {"name": "naïve-☃"}),
])
def test_object_meta_wire_rules(raw, expected):
    assert _meta(raw) == expected


def test_negative_int32_is_a_ten_byte_varint():
    encoded = vi(25, -7)
    assert encoded == key(25, 0) + b"\xf9" + b"\xff" * 8 + b"\x01"  # ten value bytes
    assert protobuf.decode_message(encoded, "PodSpec") == {"priority": -7}
    assert protobuf.decode_message(vi(25, 2**31 - 1), "PodSpec") == {"priority": 2**31 - 1}
    assert protobuf.decode_message(vi(25, -(2**31)), "PodSpec") == {"priority": -(2**31)}


def test_repeated_scalars_packed_or_not():
    packed = key(4, 2) + varint(3) + varint(1) + varint(2) + varint(3)
    unpacked = vi(4, 4) + vi(4, -1)
    assert protobuf.decode_message(packed + unpacked, "PodSecurityContext") == {"supplementalGroups": [1, 2, 3, 4, -1]}


@pytest.mark.parametrize("raw,expected", [
    (ios_int(8080), 8080),
    (ios_str("http"), "http"),
    (ios_str("25%"), "25%"),
    (ios_int(-1), -1),
    (b"", 0),  # an empty IntOrString is int 0, as Go reads it
    (vi(2, 7), 7),
])
def test_int_or_string(raw, expected):
    assert protobuf.decode_message(ld(3, ld(1, raw)), "ProbeHandler") == {"tcpSocket": {"port": expected}}


@pytest.mark.parametrize("raw,expected", [
    (qty("100m"), "100m"),
    (qty("1Gi"), "1Gi"),
    (b"", "0"),  # resource.Quantity's zero value is "0"
])
def test_quantity(raw, expected):
    body = ld(1, m(ld(1, "cpu"), ld(2, raw)))
    assert protobuf.decode_message(body, "ResourceRequirements") == {"limits": {"cpu": expected}}


def test_embedded_structs_are_inlined():
    """LocalObjectReference, ProbeHandler and VolumeSource are Go embedded structs: JSON inlines them."""
    volume = m(ld(1, "cfg"), ld(2, ld(19, ld(1, ld(1, "app-config")))))
    assert protobuf.decode_message(volume, "Volume") == {"name": "cfg", "configMap": {"name": "app-config"}}
    env_from = m(ld(1, "P_"), ld(2, m(ld(1, ld(1, "cfg")), vi(2, 1))))
    assert protobuf.decode_message(env_from, "EnvFromSource") == {"prefix": "P_", "configMapRef": {"name": "cfg", "optional": True}}
    probe = m(ld(1, ld(1, ld(1, "true"))), vi(2, 3))
    assert protobuf.decode_message(probe, "Probe") == {"exec": {"command": ["true"]}, "initialDelaySeconds": 3}


def test_empty_message_is_an_empty_object_and_absent_is_absent():
    assert protobuf.decode_message(ld(8, b""), "Container") == {"resources": {}}
    assert protobuf.decode_message(b"", "Container") == {}
    assert protobuf.decode_message(ld(1, b"") + ld(1, b""), "LabelSelectorRequirement") == {"key": ""}


def test_a_singular_message_seen_twice_merges():
    raw = ld(1, ld(1, "a")) + ld(1, entry(11, "app", "web"))
    assert protobuf.decode_message(raw, "Namespace") == {"metadata": {"name": "a", "labels": {"app": "web"}}}
    spec = ld(4, ld(1, "Recreate")) + ld(4, ld(2, b""))
    assert protobuf.decode_message(spec, "DeploymentSpec") == {"strategy": {"type": "Recreate", "rollingUpdate": {}}}


def test_envelope_content_type_may_name_protobuf():
    body = envelope("v1", "Namespace", ld(1, ld(1, "a")), content_type=protobuf.MEDIA_TYPE)
    assert protobuf.decode(body) == {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}


# -- malformed input: a ValueError with a message that says what is wrong ------------------------


@pytest.mark.parametrize("body,needle", [
    (b"", "does not start with the Kubernetes protobuf prefix"),
    (b'{"kind": "Namespace"}', "does not start with the Kubernetes protobuf prefix"),
    (protobuf.MAGIC, "typeMeta.kind is missing"),
    (protobuf.MAGIC + b"\x0a", "truncated varint"),
    (protobuf.MAGIC + b"\x0a\x05ab", "length 5 runs past the end"),
    (protobuf.MAGIC + b"\x08" + b"\xff" * 10 + b"\x01", "varint longer than 10 bytes"),
    (protobuf.MAGIC + key(7, 3), "unsupported wire type 3"),
    (protobuf.MAGIC + key(7, 6), "unsupported wire type 6"),
    (protobuf.MAGIC + b"\x00\x00", "field number 0"),
    (protobuf.MAGIC + vi(1, 5), "expected an embedded message"),
    (envelope("v1", "Namespace", b"", encoding="gzip"), "content encoding 'gzip' is not supported"),
    (envelope("v1", "Namespace", b"", content_type="application/json"), "content type 'application/json'"),
    (envelope("storage.k8s.io/v1", "StorageClass", b""), "protobuf bodies for StorageClass"),
    (envelope("v1", "Namespace", ld(1, ld(1, b"\xffbad"))), "metadata.name: string is not valid UTF-8"),
    (envelope("v1", "Namespace", ld(1, vi(1, 3))), "metadata.name: expected a length-delimited string"),
    (envelope("v1", "Namespace", ld(1, ld(11, vi(1, 3)))), "metadata.labels key: expected a length-delimited"),
    (envelope("v1", "Namespace", ld(1, ld(13, ld(6, b"x")))), "metadata.ownerReferences[0].controller: expected a varint"),
    (envelope("v1", "Namespace", ld(1, vi(11, 1))), "metadata.labels: expected a map entry"),
    (envelope("v1", "Namespace", ld(1, ld(8, ld(1, b"x")))), "Time field 1 must be a varint"),
    (envelope("v1", "Namespace", ld(1, ld(8, vi(1, 2**62)))), "out of range"),
    (envelope("v1", "Service", ld(2, ld(1, ld(4, vi(1, 2))))), "spec.ports[0].targetPort: IntOrString type must be 0"),
    (envelope("v1", "Secret", ld(2, b"\x0a\x09ab")), "data: length 9 runs past the end"),
])
def test_malformed_bodies_raise_value_errors(body, needle):
    with pytest.raises(ProtobufError) as info:
        protobuf.decode(body)
    assert isinstance(info.value, ValueError)
    assert needle in str(info.value)


def test_nesting_is_capped(monkeypatch):
    monkeypatch.setitem(protobuf.SCHEMAS, "Loop", {1: protobuf.Field("next", "message", msg="Loop")})
    raw = b""
    for _ in range(protobuf.MAX_DEPTH + 5):
        raw = ld(1, raw)
    with pytest.raises(ProtobufError, match="nested more than 64 deep"):
        protobuf.decode_message(raw, "Loop")
    deepest_allowed = b""
    for _ in range(protobuf.MAX_DEPTH):
        deepest_allowed = ld(1, deepest_allowed)
    result, depth = protobuf.decode_message(deepest_allowed, "Loop"), 0
    while result:
        result, depth = result["next"], depth + 1
    assert depth == protobuf.MAX_DEPTH
    with pytest.raises(ProtobufError, match="nested more than"):
        protobuf.decode_message(ld(1, deepest_allowed), "Loop")


def test_random_garbage_never_escapes_as_another_error():
    import random

    rng = random.Random(1234)
    good = OBJECTS[3].values[0]
    for _ in range(2000):
        data = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(4, len(data))] = rng.randrange(256)
        cut = rng.randint(4, len(data))
        for candidate in (bytes(data), bytes(data[:cut])):
            try:
                protobuf.decode(candidate)
            except ProtobufError:
                pass


# -- the parser ----------------------------------------------------------------------------------


def test_parser_is_registered():
    assert KubeProtobufParser in PARSERS
    assert KubeProtobufParser.media_type == "application/vnd.kubernetes.protobuf"


def test_parser_decodes_a_body():
    body = OBJECTS[0].values[0]
    assert KubeProtobufParser().parse(io.BytesIO(body))["metadata"]["name"] == "team-a"
    assert KubeProtobufParser().parse(io.BytesIO(b"")) is None


def test_parser_turns_bad_bodies_into_parse_errors():
    with pytest.raises(ParseError) as info:
        KubeProtobufParser().parse(io.BytesIO(protobuf.MAGIC + b"\x0a\x05ab"))
    assert "not a valid Kubernetes protobuf object" in str(info.value.detail)
    assert "length 5 runs past the end" in str(info.value.detail)


def test_parser_checks_the_size_first(settings):
    settings.KUBEVIZ_MAX_BODY_BYTES = 16
    with pytest.raises(StatusError) as info:
        KubeProtobufParser().parse(io.BytesIO(OBJECTS[0].values[0]))
    assert info.value.code == 413


# -- real kubectl bytes --------------------------------------------------------------------------


def _cronjob() -> dict[str, Any]:
    """A CronJob whose job template uses much of PodSpec: ``kubectl create job --from`` re-encodes it."""
    container = {
        "name": "app", "image": "nginx:1.27", "args": ["-g", "daemon off;"], "workingDir": "/srv",
        "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"}, {"containerPort": 53, "protocol": "UDP", "hostPort": 5353}],
        "env": [
            {"name": "A", "value": "1"},
            {"name": "POD", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
            {"name": "S", "valueFrom": {"secretKeyRef": {"name": "s1", "key": "password", "optional": True}}},
            {"name": "C", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "a"}}},
            {"name": "R", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu", "divisor": "1m"}}},
        ],
        "envFrom": [{"prefix": "P_", "configMapRef": {"name": "cfg"}}, {"secretRef": {"name": "s1", "optional": False}}],
        "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "250m", "memory": "64Mi"}},
        "volumeMounts": [{"name": "data", "mountPath": "/data", "readOnly": True, "subPath": "x"}, {"name": "cfg", "mountPath": "/etc/cfg"}],
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP", "httpHeaders": [{"name": "X", "value": "y"}]},
                          "initialDelaySeconds": 5, "periodSeconds": 10, "timeoutSeconds": 2, "failureThreshold": 3, "successThreshold": 1},
        "readinessProbe": {"tcpSocket": {"port": "http"}},
        "startupProbe": {"exec": {"command": ["cat", "/ok"]}, "terminationGracePeriodSeconds": 7},
        "lifecycle": {"preStop": {"sleep": {"seconds": 3}}},
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "FallbackToLogsOnError",
        "imagePullPolicy": "Always",
        "securityContext": {"runAsUser": 1000, "runAsNonRoot": True, "allowPrivilegeEscalation": False,
                            "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}, "seccompProfile": {"type": "RuntimeDefault"}},
        "stdin": True, "tty": True,
    }
    pod_spec = {
        "initContainers": [{"name": "init", "image": "busybox", "command": ["sh", "-c", "true"]}],
        "containers": [container],
        "volumes": [
            {"name": "data", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}},
            {"name": "cfg", "configMap": {"name": "cfg", "items": [{"key": "a", "path": "a.txt", "mode": 420}], "defaultMode": 292, "optional": True}},
            {"name": "sec", "secret": {"secretName": "s1", "defaultMode": 256}},
            {"name": "pvc", "persistentVolumeClaim": {"claimName": "c1", "readOnly": True}},
            {"name": "hp", "hostPath": {"path": "/var/log", "type": "Directory"}},
            {"name": "proj", "projected": {"sources": [
                {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600, "audience": "api"}},
                {"downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
            ]}},
        ],
        "restartPolicy": "OnFailure", "terminationGracePeriodSeconds": 0, "activeDeadlineSeconds": 600,
        "dnsPolicy": "ClusterFirstWithHostNet", "nodeSelector": {"disk": "ssd"}, "serviceAccountName": "sa1",
        "automountServiceAccountToken": False, "nodeName": "node-1", "hostNetwork": True,
        "securityContext": {"fsGroup": 2000, "runAsGroup": 3000, "supplementalGroups": [1, 2, 3],
                            "sysctls": [{"name": "net.ipv4.ip_forward", "value": "1"}]},
        "imagePullSecrets": [{"name": "reg"}], "hostname": "h", "subdomain": "sub",
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]}]}]},
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 5, "preference": {"matchExpressions": [{"key": "gpu", "operator": "Exists"}]}}],
            },
            "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 10, "podAffinityTerm": {
                    "labelSelector": {"matchLabels": {"app": "x"}, "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]},
                    "topologyKey": "kubernetes.io/hostname"}}]},
        },
        "schedulerName": "my-sched",
        "tolerations": [{"key": "k", "operator": "Equal", "value": "v", "effect": "NoExecute", "tolerationSeconds": -5}, {"operator": "Exists"}],
        "hostAliases": [{"ip": "10.0.0.1", "hostnames": ["a.local"]}],
        "priorityClassName": "high", "priority": -7,
        "dnsConfig": {"nameservers": ["1.1.1.1"], "options": [{"name": "ndots", "value": "2"}]},
        "readinessGates": [{"conditionType": "x/ready"}], "enableServiceLinks": False, "preemptionPolicy": "Never",
        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                                       "labelSelector": {"matchLabels": {"app": "x"}}}],
        "os": {"name": "linux"},
    }
    return {
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "cj", "namespace": "default", "uid": "1234-abcd"},
        "spec": {"schedule": "* * * * *", "jobTemplate": {
            "metadata": {"labels": {"team": "a"}, "annotations": {"x": "y"}},
            "spec": {"parallelism": 2, "completions": 4, "activeDeadlineSeconds": 120, "backoffLimit": 0,
                     "ttlSecondsAfterFinished": 30, "completionMode": "Indexed", "suspend": False, "manualSelector": True,
                     "selector": {"matchLabels": {"job": "x"}, "matchExpressions": [{"key": "k", "operator": "Exists"}]},
                     "template": {"metadata": {"labels": {"job": "x"}, "annotations": {"a": "b"}, "finalizers": ["f1"]},
                                  "spec": pod_spec}},
        }},
    }


_DISCOVERY = {
    "/api/v1": ("v1", [
        ("namespaces", "namespace", False, "Namespace"), ("configmaps", "configmap", True, "ConfigMap"),
        ("secrets", "secret", True, "Secret"), ("services", "service", True, "Service"), ("pods", "pod", True, "Pod"),
        ("nodes", "node", False, "Node"),
    ]),
    "/apis/apps/v1": ("apps/v1", [("deployments", "deployment", True, "Deployment")]),
    "/apis/batch/v1": ("batch/v1", [("jobs", "job", True, "Job"), ("cronjobs", "cronjob", True, "CronJob")]),
}


class _Recorder(BaseHTTPRequestHandler):
    """Just enough of an API server for kubectl: discovery, a few GETs, and a recorder for writes."""

    server: _RecordingServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, code: int, obj: Any) -> None:
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _not_found(self) -> None:
        self._json(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404})

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/api":
            return self._json(200, {"kind": "APIVersions", "versions": ["v1"]})
        if path == "/apis":
            groups = [{"name": g, "versions": [{"groupVersion": f"{g}/v1", "version": "v1"}],
                       "preferredVersion": {"groupVersion": f"{g}/v1", "version": "v1"}} for g in ("apps", "batch")]
            return self._json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
        if path in _DISCOVERY:
            group_version, resources = _DISCOVERY[path]
            return self._json(200, {"kind": "APIResourceList", "groupVersion": group_version, "resources": [
                {"name": n, "singularName": s, "namespaced": ns, "kind": k, "verbs": ["create", "delete", "get", "list", "patch"]}
                for n, s, ns, k in resources]})
        if path == "/apis/batch/v1/namespaces/default/cronjobs/cj":
            return self._json(200, _cronjob())
        if path == "/api/v1/nodes/node-1":
            return self._json(200, {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}, "spec": {}})
        if path == "/api/v1/pods":
            pod = {"apiVersion": "v1", "kind": "Pod", "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "i"}]},
                   "metadata": {"name": "p1", "namespace": "default", "uid": "u1", "ownerReferences": [
                       {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "x", "controller": True}]}}
            return self._json(200, {"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": [pod]})
        return self._not_found()

    def do_PATCH(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._json(200, {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}, "spec": {"unschedulable": True}})

    def _record(self) -> dict[str, Any] | None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        content_type = self.headers.get("Content-Type", "")
        self.server.requests.append((self.command, self.path, content_type, body))
        try:
            return protobuf.decode(body) if content_type == protobuf.MEDIA_TYPE else json.loads(body or b"{}")
        except ValueError as exc:
            self._json(400, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "BadRequest",
                             "code": 400, "message": str(exc)})
            return None

    def do_POST(self) -> None:
        obj = self._record()
        if obj is not None:
            self._json(201, obj)  # kubectl prints "<kind>/<name> created" from the answer

    def do_DELETE(self) -> None:
        if self._record() is not None:
            self._json(200, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": self.path.rsplit("/", 1)[-1]}})


class _RecordingServer(ThreadingHTTPServer):
    requests: list[tuple[str, str, str, bytes]]


class KubectlCapture:
    """kubectl pointed at a throwaway plain-HTTP server that records what it sends."""

    def __init__(self, root: Path) -> None:
        self.server = _RecordingServer(("127.0.0.1", 0), _Recorder)
        self.server.requests = []
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.root = root
        self.kubeconfig = root / "kubeconfig"
        self.kubeconfig.write_text(
            "apiVersion: v1\nkind: Config\n"
            f"clusters: [{{name: c, cluster: {{server: 'http://127.0.0.1:{self.server.server_port}'}}}}]\n"
            "users: [{name: u, user: {token: t}}]\n"
            "contexts: [{name: x, context: {cluster: c, user: u, namespace: default}}]\n"
            "current-context: x\n"
        )

    def kubectl(self, *args: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k.upper() not in ("KUBECONFIG", "HTTP_PROXY", "HTTPS_PROXY")}
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1"
        cmd = ["kubectl", "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.root / "cache"), *args]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
        assert result.returncode == 0, f"kubectl {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result

    def sent(self, *args: str) -> tuple[str, str, dict[str, Any]]:
        """Run kubectl; return the method, content type and decoded body of its one write."""
        before = len(self.server.requests)
        self.kubectl(*args)
        writes = self.server.requests[before:]
        assert len(writes) == 1, writes
        method, _path, content_type, body = writes[0]
        assert content_type == protobuf.MEDIA_TYPE, f"kubectl sent {content_type}"
        assert body.startswith(protobuf.MAGIC)
        return method, content_type, protobuf.decode(body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def capture(tmp_path_factory) -> Iterator[KubectlCapture]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not on PATH")
    cap = KubectlCapture(tmp_path_factory.mktemp("kubectl-protobuf"))
    yield cap
    cap.close()


kubectl = pytest.mark.kubectl


@kubectl
def test_kubectl_create_deployment(capture):
    method, _, obj = capture.sent("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3", "--port=80")
    assert method == "POST"
    assert obj["apiVersion"] == "apps/v1" and obj["kind"] == "Deployment"
    assert obj["metadata"] == {"name": "web", "labels": {"app": "web"}, "creationTimestamp": None}
    spec = obj["spec"]
    assert spec["replicas"] == 3
    assert spec["selector"] == {"matchLabels": {"app": "web"}}
    assert spec["template"]["metadata"]["labels"] == {"app": "web"}
    assert spec["template"]["spec"]["containers"] == [
        {"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}], "resources": {}},
    ]
    assert spec["strategy"] == {} and obj["status"] == {}


@kubectl
def test_kubectl_create_deployment_with_zero_replicas_and_two_images(capture):
    _, _, obj = capture.sent("create", "deployment", "multi", "--image=a", "--image=b:2", "--replicas=0")
    assert obj["spec"]["replicas"] == 0
    assert [(c["name"], c["image"]) for c in obj["spec"]["template"]["spec"]["containers"]] == [("a", "a"), ("b", "b:2")]


@kubectl
def test_kubectl_create_namespace(capture):
    _, _, obj = capture.sent("create", "namespace", "team-a")
    assert obj == {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a", "creationTimestamp": None},
                   "spec": {}, "status": {}}


@kubectl
def test_kubectl_create_configmap_with_binary_data(capture, tmp_path):
    blob = tmp_path / "blob"
    blob.write_bytes(b"\xff\x00\x01binary")
    _, _, obj = capture.sent("create", "configmap", "cfg", "--from-literal=a=1", "--from-literal=b=two", f"--from-file=blob={blob}")
    assert obj["data"] == {"a": "1", "b": "two"}
    assert obj["binaryData"] == {"blob": base64.b64encode(b"\xff\x00\x01binary").decode()}


@kubectl
def test_kubectl_create_secret_generic(capture):
    _, _, obj = capture.sent("create", "secret", "generic", "s1", "--from-literal=password=hunter2", "--type=Opaque")
    assert obj["kind"] == "Secret" and obj["type"] == "Opaque"
    assert base64.b64decode(obj["data"]["password"]) == b"hunter2"


@kubectl
def test_kubectl_create_job(capture):
    _, _, obj = capture.sent("create", "job", "j1", "--image=busybox", "--", "echo", "hi")
    assert obj["apiVersion"] == "batch/v1" and obj["kind"] == "Job"
    pod = obj["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["containers"] == [{"name": "j1", "image": "busybox", "command": ["echo", "hi"], "resources": {}}]


@kubectl
def test_kubectl_create_service_clusterip(capture):
    _, _, obj = capture.sent("create", "service", "clusterip", "web", "--tcp=80:8080", "--tcp=443")
    assert obj["spec"] == {
        "ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080},
                  {"name": "443", "protocol": "TCP", "port": 443, "targetPort": 443}],
        "selector": {"app": "web"}, "type": "ClusterIP",
    }
    assert obj["status"] == {"loadBalancer": {}}


@kubectl
def test_kubectl_create_job_from_cronjob_matches_its_own_json(capture):
    """kubectl reads the CronJob as JSON and re-encodes a Job with Go's protobuf code: the decoded
    body must be exactly what kubectl itself prints as JSON for the same object."""
    _, _, obj = capture.sent("create", "job", "j2", "--from=cronjob/cj")
    printed = json.loads(capture.kubectl("create", "job", "j2", "--from=cronjob/cj", "--dry-run=client", "-o", "json").stdout)
    assert obj == printed
    pod = obj["spec"]["template"]["spec"]
    assert pod["priority"] == -7 and pod["tolerations"][0]["tolerationSeconds"] == -5
    assert pod["terminationGracePeriodSeconds"] == 0 and pod["enableServiceLinks"] is False
    assert obj["metadata"]["ownerReferences"] == [
        {"apiVersion": "batch/v1", "kind": "CronJob", "name": "cj", "uid": "1234-abcd", "controller": True},
    ]


@kubectl
def test_kubectl_drain_without_eviction_sends_delete_options(capture):
    before = len(capture.server.requests)
    capture.kubectl("drain", "node-1", "--ignore-daemonsets", "--disable-eviction", "--grace-period=5", "--timeout=20s")
    deletes = [r for r in capture.server.requests[before:] if r[0] == "DELETE"]
    assert [(path, ctype) for _, path, ctype, _ in deletes] == [("/api/v1/namespaces/default/pods/p1", protobuf.MEDIA_TYPE)]
    assert protobuf.decode(deletes[0][3]) == {"apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": 5}


# -- the whole way through the server ------------------------------------------------------------


@kubectl
def test_kubectl_creates_through_the_live_server(kubectl_bin, kv_cluster):
    kv_cluster.kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=80")
    kv_cluster.kubectl("create", "namespace", "team-a")
    kv_cluster.kubectl("create", "configmap", "cfg", "--from-literal=a=1")
    kv_cluster.kubectl("create", "secret", "generic", "s1", "--from-literal=password=hunter2")
    kv_cluster.kubectl("create", "service", "clusterip", "web", "--tcp=80:8080")
    deploy = json.loads(kv_cluster.kubectl("get", "deploy", "web", "-o", "json").stdout)
    assert deploy["spec"]["replicas"] == 2
    assert deploy["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert deploy["spec"]["template"]["spec"]["restartPolicy"] == "Always"  # defaulted: "" was not sent on
    assert deploy["spec"]["strategy"]["type"] == "RollingUpdate"
    assert json.loads(kv_cluster.kubectl("get", "ns", "team-a", "-o", "json").stdout)["metadata"]["name"] == "team-a"
    assert json.loads(kv_cluster.kubectl("get", "cm", "cfg", "-o", "json").stdout)["data"] == {"a": "1"}
    secret = json.loads(kv_cluster.kubectl("get", "secret", "s1", "-o", "json").stdout)
    assert base64.b64decode(secret["data"]["password"]) == b"hunter2"
    svc = json.loads(kv_cluster.kubectl("get", "svc", "web", "-o", "json").stdout)
    assert svc["spec"]["ports"][0]["targetPort"] == 8080
