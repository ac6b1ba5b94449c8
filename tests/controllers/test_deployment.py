"""The Deployment controller: its new ReplicaSet, status, conditions and events."""
from __future__ import annotations

import re

from kubeviz.controllers.deployment import DeploymentController
from kubeviz.controllers.hashing import ALPHANUMS
from kubeviz.engine.client import Client
from kubeviz.etcd import store

from . import kit


def condition(obj: dict, ctype: str) -> dict:
    return next(c for c in obj["status"]["conditions"] if c["type"] == ctype)


def test_creates_a_replica_set_named_with_the_pod_template_hash(engine):
    d = kit.create(engine.cluster, "deployments", kit.deployment("web", 3))
    engine.settle()
    [rs] = kit.replica_sets(engine.cluster)
    meta, spec = rs["metadata"], rs["spec"]
    pod_hash = meta["labels"]["pod-template-hash"]
    assert re.fullmatch(f"[{ALPHANUMS}]{{1,10}}", pod_hash)
    assert meta["name"] == f"web-{pod_hash}"
    assert meta["labels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert spec["selector"] == {"matchLabels": {"app": "web", "pod-template-hash": pod_hash}}
    assert spec["template"]["metadata"]["labels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert spec["replicas"] == 3
    assert meta["annotations"] == {
        "deployment.kubernetes.io/revision": "1",
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4",  # 3 + 25% rounded up
    }
    assert meta["ownerReferences"] == [{
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": d["metadata"]["uid"],
        "controller": True, "blockOwnerDeletion": True,
    }]
    assert kit.revision_of(kit.get(engine.cluster, "deployments", "web")) == "1"
    assert len(kit.pods(engine.cluster)) == 3
    assert all(p["metadata"]["labels"]["pod-template-hash"] == pod_hash for p in kit.pods(engine.cluster))
    [event] = kit.events(engine.cluster, "web", "ScalingReplicaSet")
    assert event["message"] == f"Scaled up replica set web-{pod_hash} from 0 to 3"
    assert event["involvedObject"]["kind"] == "Deployment"


def test_status_once_every_pod_is_ready(engine):
    kit.create(engine.cluster, "deployments", kit.deployment("web", 3))
    kit.converge(engine)
    d = kit.get(engine.cluster, "deployments", "web")
    [rs] = kit.replica_sets(engine.cluster)
    status = d["status"]
    assert {k: v for k, v in status.items() if k != "conditions"} == {
        "observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
    }
    available = condition(d, "Available")
    assert (available["status"], available["reason"], available["message"]) == (
        "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
    progressing = condition(d, "Progressing")
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "True", "NewReplicaSetAvailable", f'ReplicaSet "{rs["metadata"]["name"]}" has successfully progressed.')
    assert progressing["lastUpdateTime"] and progressing["lastTransitionTime"]


def test_status_before_pods_are_ready(engine):
    kit.create(engine.cluster, "deployments", kit.deployment("web", 4))
    engine.settle(horizon=0)
    d = kit.get(engine.cluster, "deployments", "web")
    assert d["status"]["replicas"] == 4 and d["status"]["unavailableReplicas"] == 4
    available = condition(d, "Available")
    assert (available["status"], available["reason"], available["message"]) == (
        "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
    assert condition(d, "Progressing")["reason"] in ("NewReplicaSetCreated", "ReplicaSetUpdated")


def test_progress_deadline_exceeded_on_the_simulated_clock(engine):
    kit.create(engine.cluster, "deployments", kit.deployment("web", 2, progressDeadlineSeconds=60))
    engine.settle()  # nobody makes the pods ready: the controller looks again after the deadline
    d = kit.get(engine.cluster, "deployments", "web")
    [rs] = kit.replica_sets(engine.cluster)
    progressing = condition(d, "Progressing")
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "False", "ProgressDeadlineExceeded", f'ReplicaSet "{rs["metadata"]["name"]}" has timed out progressing.')


def test_sync_twice_changes_nothing(engine):
    kit.create(engine.cluster, "deployments", kit.deployment("web", 3))
    kit.converge(engine)
    controller = DeploymentController()
    api = Client(engine.cluster, "controller-manager")
    revision = store.current_revision(engine.cluster.pk)
    for _ in range(2):
        assert controller.sync(engine.cache, api, "default/web") is None
    assert store.current_revision(engine.cluster.pk) == revision
    assert len(kit.replica_sets(engine.cluster)) == 1 and len(kit.pods(engine.cluster)) == 3


def test_scaling_only_resizes_the_current_replica_set(engine):
    kit.create(engine.cluster, "deployments", kit.deployment("web", 2))
    kit.converge(engine)
    kit.edit(engine.cluster, "deployments", "web", lambda d: d["spec"].update(replicas=5))
    kit.converge(engine)
    [rs] = kit.replica_sets(engine.cluster)
    assert rs["spec"]["replicas"] == 5
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "5"
    assert len(kit.pods(engine.cluster)) == 5
    messages = [e["message"] for e in kit.events(engine.cluster, "web", "ScalingReplicaSet")]
    assert f"Scaled up replica set {rs['metadata']['name']} from 2 to 5" in messages


def test_adopts_an_orphan_replica_set_with_the_same_template(engine):
    from kubeviz.controllers.newrs import new_replica_set_body

    body = kit.deployment("web", 2)
    d = kit.create(engine.cluster, "deployments", body)
    orphan = new_replica_set_body(d, 2)
    orphan["metadata"].pop("ownerReferences")
    created = kit.create(engine.cluster, "replicasets", orphan)
    engine.settle()
    [rs] = kit.replica_sets(engine.cluster)
    assert rs["metadata"]["uid"] == created["metadata"]["uid"]
    assert rs["metadata"]["ownerReferences"][0]["uid"] == d["metadata"]["uid"]
    assert kit.revision_of(rs) == "1"
