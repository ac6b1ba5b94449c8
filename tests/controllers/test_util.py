"""Pure helpers of the Deployment controller: fenceposts, hashing, replica arithmetic."""
from __future__ import annotations

import re

import pytest

from kubeviz.apiserver import errors
from kubeviz.controllers.deployment_util import (
    find_new_replica_set,
    get_proportion,
    max_surge,
    max_unavailable,
    new_rs_new_replicas,
    set_new_replica_set_annotations,
)
from kubeviz.controllers.hashing import ALPHANUMS, compute_hash, equal_ignore_hash, fnv32a, safe_encode
from kubeviz.controllers.intstr import resolve_fenceposts, scaled_value
from kubeviz.controllers.replicaset import slow_start_batch


@pytest.mark.parametrize("value,total,up,expected", [
    (2, 10, True, 2), ("25%", 10, True, 3), ("25%", 10, False, 2), ("25%", 3, True, 1), ("25%", 3, False, 0),
    ("100%", 7, False, 7), ("0%", 7, True, 0), ("1%", 1, True, 1), ("1%", 1, False, 0),
])
def test_scaled_value_rounds_like_kubernetes(value, total, up, expected):
    assert scaled_value(value, total, up) == expected


@pytest.mark.parametrize("surge,unavailable,desired,expected", [
    ("25%", "25%", 4, (1, 1)), ("25%", "25%", 3, (1, 0)), ("0%", "1%", 2, (0, 1)), (0, "1%", 10, (0, 1)),
    (3, 2, 10, (3, 2)), ("50%", 0, 5, (3, 0)),
])
def test_resolve_fenceposts(surge, unavailable, desired, expected):
    assert resolve_fenceposts(surge, unavailable, desired) == expected


def dep(replicas: int = 10, surge: object = 3, unavailable: object = 2, kind: str = "RollingUpdate") -> dict:
    strategy: dict = {"type": kind}
    if kind == "RollingUpdate":
        strategy["rollingUpdate"] = {"maxSurge": surge, "maxUnavailable": unavailable}
    return {"metadata": {"name": "web", "annotations": {"team": "blue"}}, "spec": {
        "replicas": replicas, "strategy": strategy, "template": {"metadata": {"labels": {"app": "web"}}}}}


def rs(name: str, replicas: int, *, annotations: dict | None = None, created: str = "2025-01-01T00:00:00Z", image: str = "a") -> dict:
    return {"metadata": {"name": name, "uid": name, "creationTimestamp": created, "annotations": annotations or {}},
            "spec": {"replicas": replicas, "template": {"metadata": {"labels": {"app": "web", "pod-template-hash": name}},
                                                          "spec": {"containers": [{"name": "c", "image": image}]}}},
            "status": {}}


def test_surge_and_unavailable_of_a_deployment():
    assert (max_surge(dep()), max_unavailable(dep())) == (3, 2)
    assert (max_surge(dep(kind="Recreate")), max_unavailable(dep(kind="Recreate"))) == (0, 0)
    assert max_unavailable(dep(replicas=2, unavailable=5)) == 2


@pytest.mark.parametrize("old,new,expected", [
    (10, 0, 3),    # room for maxSurge more pods
    (10, 3, 3),    # 13 pods already: cannot grow
    (7, 3, 6),     # 10 pods: 3 more allowed
    (0, 8, 10),    # never beyond the desired count
])
def test_new_rs_new_replicas(old, new, expected):
    rss = [rs("old", old), rs("new", new)]
    assert new_rs_new_replicas(dep(), rss, rss[1]) == expected


def test_recreate_new_rs_takes_everything():
    assert new_rs_new_replicas(dep(kind="Recreate"), [rs("new", 0)], rs("new", 0)) == 10


def test_proportion_scales_by_max_replicas_annotation():
    # Deployment scaled from 10 (max 13) to 20 (max 23): a replica set with 5 of 13 grows to 9.
    annotated = rs("a", 5, annotations={"deployment.kubernetes.io/max-replicas": "13"})
    assert get_proportion(annotated, dep(replicas=20), 10, 0) == 4
    assert get_proportion(annotated, dep(replicas=20), 10, 8) == 2  # never more than what is left


def test_find_new_replica_set_ignores_the_hash_label():
    d = dep()
    d["spec"]["template"] = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "b"}]}}
    rss = [rs("one", 1, image="a"), rs("two", 1, image="b")]
    assert find_new_replica_set(d, rss)["metadata"]["name"] == "two"


def test_revision_annotations_on_rollback():
    old = rs("one", 0, annotations={"deployment.kubernetes.io/revision": "1"})
    assert set_new_replica_set_annotations(dep(), old, "3", True)
    annotations = old["metadata"]["annotations"]
    assert annotations["deployment.kubernetes.io/revision"] == "3"
    assert annotations["deployment.kubernetes.io/revision-history"] == "1"
    assert annotations["team"] == "blue"  # the Deployment's own annotations are copied
    assert not set_new_replica_set_annotations(dep(), old, "3", True)


def test_new_replica_set_annotations_record_desired_and_max():
    fresh = rs("new", 0)
    set_new_replica_set_annotations(dep(), fresh, "1", False)
    annotations = fresh["metadata"]["annotations"]
    assert annotations["deployment.kubernetes.io/desired-replicas"] == "10"
    assert annotations["deployment.kubernetes.io/max-replicas"] == "13"
    assert "deployment.kubernetes.io/revision-history" not in annotations


def test_hash_is_stable_and_shaped_like_kubernetes():
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    h = compute_hash(template)
    assert h == compute_hash({"spec": template["spec"], "metadata": {"labels": {"app": "web"}, "creationTimestamp": None}})
    assert re.fullmatch(f"[{ALPHANUMS}]{{1,10}}", h)
    assert compute_hash(template, 1) != h
    assert compute_hash({**template, "spec": {"containers": [{"name": "c", "image": "nginx:2"}]}}) != h


def test_fnv_and_safe_encode_match_go():
    assert fnv32a(b"") == 0x811C9DC5
    assert fnv32a(b"a") == 0xE40C292C  # hash/fnv New32a of "a"
    assert safe_encode("0123456789") == "456789bcdf"


def test_equal_ignore_hash_treats_empty_and_missing_alike():
    a = {"metadata": {"labels": {"app": "web", "pod-template-hash": "x"}, "annotations": {}}, "spec": {"volumes": []}}
    b = {"metadata": {"labels": {"app": "web"}}, "spec": {}}
    assert equal_ignore_hash(a, b)


def test_slow_start_batch_doubles_and_stops_after_a_failed_batch():
    calls = []

    def fn():
        calls.append(len(calls) + 1)
        if len(calls) == 5:
            raise errors.StatusError(403, "Forbidden", "quota")

    successes, err = slow_start_batch(20, 1, fn)
    # batches of 1, 2 and 4: the failure in the third batch lets its batch finish, then stops
    assert len(calls) == 7 and successes == 6 and err.message == "quota"
    calls.clear()
    assert slow_start_batch(0, 1, fn) == (0, None) and calls == []
