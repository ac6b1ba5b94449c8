"""StorageClass, PersistentVolume(Claim), IngressClass, Ingress and NetworkPolicy: defaults,
the admission plugins that fill default classes, and validation with Kubernetes' words
(pkg/apis/core/validation, pkg/apis/storage/validation, pkg/apis/networking/validation)."""
from __future__ import annotations

import copy
from typing import Any

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.errors import StatusError
from kubeviz.apiserver.resources import by_plural

Obj = dict[str, Any]
CLUSTER_SCOPED = {"storageclasses", "persistentvolumes", "ingressclasses"}


def pv(**spec: Any) -> Obj:
    base = {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/data/pv1"}}
    return {"metadata": {"name": "pv1"}, "spec": {**base, **spec}}


def pvc(**spec: Any) -> Obj:
    base = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    return {"metadata": {"name": "data"}, "spec": {**base, **spec}}


def ingress(**spec: Any) -> Obj:
    base = {"rules": [{"host": "shop.example", "http": {"paths": [
        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}
    return {"metadata": {"name": "web"}, "spec": {**base, **spec}}


def netpol(**spec: Any) -> Obj:
    return {"metadata": {"name": "db"}, "spec": {"podSelector": {"matchLabels": {"app": "db"}}, **spec}}


def create(cluster, plural: str, body: Obj) -> Obj:
    ns = None if plural in CLUSTER_SCOPED else "default"
    return registry.create(cluster, by_plural(plural), ns, copy.deepcopy(body))


def at(obj: Obj, path: str) -> Any:
    for part in path.split("."):
        obj = obj[int(part)] if isinstance(obj, list) else obj[part]
    return obj


DEFAULTS = [
    ("storageclasses", {"metadata": {"name": "fast"}, "provisioner": "example.com/ssd"}, "reclaimPolicy", "Delete"),
    ("storageclasses", {"metadata": {"name": "fast"}, "provisioner": "example.com/ssd"}, "volumeBindingMode", "Immediate"),
    ("persistentvolumes", pv(), "spec.persistentVolumeReclaimPolicy", "Retain"),
    ("persistentvolumes", pv(), "spec.volumeMode", "Filesystem"),
    ("persistentvolumes", pv(), "status.phase", "Pending"),
    ("persistentvolumeclaims", pvc(), "spec.storageClassName", "standard"),  # DefaultStorageClass admission
    ("persistentvolumeclaims", pvc(storageClassName=""), "spec.storageClassName", ""),  # "" asks for no class
    ("persistentvolumeclaims", pvc(), "spec.volumeMode", "Filesystem"),
    ("persistentvolumeclaims", pvc(), "status.phase", "Pending"),
    ("ingresses", ingress(), "spec.ingressClassName", "nginx"),  # DefaultIngressClass admission
    ("networkpolicies", netpol(), "spec.policyTypes", ["Ingress"]),
    ("networkpolicies", netpol(egress=[{}]), "spec.policyTypes", ["Ingress", "Egress"]),
    ("networkpolicies", netpol(ingress=[{"ports": [{"port": 5432}]}]), "spec.ingress.0.ports.0.protocol", "TCP"),
]


@pytest.mark.parametrize("plural,body,path,expected", DEFAULTS, ids=[f"{d[0]}:{d[2]}" for d in DEFAULTS])
def test_defaults(cluster, plural, body, path, expected):
    assert at(create(cluster, plural, body), path) == expected


INVALID = [
    ("storageclasses", {"metadata": {"name": "x"}}, "provisioner", "Required value"),
    ("storageclasses", {"metadata": {"name": "x"}, "provisioner": "a/b", "reclaimPolicy": "Recycle"}, "reclaimPolicy",
     'Unsupported value: "Recycle": supported values: "Delete", "Retain"'),
    ("storageclasses", {"metadata": {"name": "x"}, "provisioner": "a/b", "volumeBindingMode": "Later"}, "volumeBindingMode",
     'Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"'),
    ("persistentvolumes", pv(capacity=None), "spec.capacity", "Required value"),
    ("persistentvolumes", pv(accessModes=[]), "spec.accessModes", "Required value: at least 1 access mode is required"),
    ("persistentvolumes", pv(accessModes=["ReadWriteSometimes"]), "spec.accessModes",
     'Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"'),
    ("persistentvolumes", pv(hostPath=None), "spec", "Required value: must specify a volume type"),
    ("persistentvolumes", pv(nfs={"server": "a", "path": "/"}), "spec.nfs", "Forbidden: may not specify more than 1 volume type"),
    ("persistentvolumes", pv(capacity={"storage": "0"}), "spec.capacity[storage]", "must be greater than zero"),
    ("persistentvolumeclaims", pvc(resources={}), "spec.resources[storage]", "Required value"),
    ("persistentvolumeclaims", pvc(accessModes=None), "spec.accessModes", "Required value: at least 1 access mode is required"),
    ("persistentvolumeclaims", pvc(accessModes=["ReadWriteOncePod", "ReadWriteOnce"]), "spec.accessModes",
     "Forbidden: may not use ReadWriteOncePod with other access modes"),
    ("ingressclasses", {"metadata": {"name": "x"}, "spec": {}}, "spec.controller", "Required value"),
    ("ingresses", ingress(rules=[]), "spec", "either `defaultBackend` or `rules` must be specified"),
    ("ingresses", ingress(rules=[{"http": {"paths": [{"path": "/", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]),
     "spec.rules[0].http.paths[0].pathType", "Required value: pathType must be specified"),
    ("ingresses", ingress(rules=[{"http": {"paths": [{"path": "shop", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]),
     "spec.rules[0].http.paths[0].path", "must be an absolute path"),
    ("ingresses", ingress(rules=[{"http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {}}}}]}}]),
     "spec.rules[0].http.paths[0].backend.service.port", "port name or number is required"),
    ("ingresses", ingress(rules=[{"host": "10.0.0.1", "http": {"paths": [{"path": "/", "pathType": "Exact", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]),
     "spec.rules[0].host", "must be a DNS name, not an IP address"),
    ("networkpolicies", netpol(policyTypes=["Sideways"]), "spec.policyTypes[0]",
     'Unsupported value: "Sideways": supported values: "Egress", "Ingress"'),
    ("networkpolicies", netpol(ingress=[{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["192.168.0.0/16"]}}]}]),
     "spec.ingress[0].from[0].ipBlock.except[0]", "must be a strict subset of `cidr`"),
    ("networkpolicies", netpol(ingress=[{"from": [{"ipBlock": {"cidr": "ten"}}]}]),
     "spec.ingress[0].from[0].ipBlock.cidr", "must be a valid CIDR value"),
    ("networkpolicies", netpol(ingress=[{"ports": [{"port": 8000, "endPort": 7000}]}]),
     "spec.ingress[0].ports[0].endPort", "must be greater than or equal to `port`"),
]


@pytest.mark.parametrize("plural,body,field,words", INVALID, ids=[f"{c[0]}:{c[2]}" for c in INVALID])
def test_validation(cluster, plural, body, field, words):
    with pytest.raises(StatusError) as refused:
        create(cluster, plural, body)
    err = refused.value
    assert (err.code, err.reason) == (422, "Invalid")
    causes = err.status()["details"]["causes"]
    assert any(c["field"] == field and words in c["message"] for c in causes), causes


UPDATES = [
    ("storageclasses", {"metadata": {"name": "fast"}, "provisioner": "a.io/one"}, lambda o: o.update(provisioner="a.io/two"),
     "provisioner", "Forbidden: updates to provisioner are forbidden."),
    ("persistentvolumeclaims", pvc(), lambda o: o["spec"].update(accessModes=["ReadWriteMany"]),
     "spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"),
    ("ingressclasses", {"metadata": {"name": "x"}, "spec": {"controller": "a.io/c"}}, lambda o: o["spec"].update(controller="b.io/c"),
     "spec.controller", "field is immutable"),
]


@pytest.mark.parametrize("plural,body,change,field,words", UPDATES, ids=[u[0] for u in UPDATES])
def test_immutable_fields(cluster, plural, body, change, field, words):
    created = create(cluster, plural, body)
    change(created)
    ns = None if plural in CLUSTER_SCOPED else "default"
    with pytest.raises(StatusError) as refused:
        registry.update(cluster, by_plural(plural), ns, created["metadata"]["name"], created)
    causes = refused.value.status()["details"]["causes"]
    assert any(c["field"] == field and words in c["message"] for c in causes), causes


def test_a_fresh_cluster_has_default_storage_and_ingress_classes(cluster):
    sc = registry.get(cluster, by_plural("storageclasses"), None, "standard")
    ic = registry.get(cluster, by_plural("ingressclasses"), None, "nginx")
    assert (sc["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"], sc["volumeBindingMode"]) == ("true", "Immediate")
    assert ic["metadata"]["annotations"]["ingressclass.kubernetes.io/is-default-class"] == "true"
