"""The ReplicaSet controller running in the engine against the API server."""
from __future__ import annotations

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.controllers.replicaset import ReplicaSetController
from kubeviz.engine.client import Client
from kubeviz.etcd import store
from kubeviz.flow.models import Step

from . import kit


def test_creates_pods_with_owner_references_and_generated_names(engine):
    rs = kit.create(engine.cluster, "replicasets", kit.replicaset("web", 3))
    engine.settle()
    pods = kit.pods(engine.cluster)
    assert len(pods) == 3
    for pod in pods:
        meta = pod["metadata"]
        assert meta["generateName"] == "web-"
        assert meta["name"].startswith("web-") and len(meta["name"]) == len("web-") + 5
        assert meta["labels"] == {"app": "web"}
        assert meta["ownerReferences"] == [{
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": rs["metadata"]["uid"],
            "controller": True, "blockOwnerDeletion": True,
        }]
        assert pod["spec"]["containers"][0]["image"] == "nginx:1.27"
    created = kit.events(engine.cluster, "web", "SuccessfulCreate")
    assert sorted(e["message"] for e in created) == sorted(f"Created pod: {p['metadata']['name']}" for p in pods)
    assert all(e["type"] == "Normal" and e["involvedObject"]["kind"] == "ReplicaSet" for e in created)
    requests = Step.objects.filter(cluster=engine.cluster, step=1, source="controller-manager", kind="Pod", action="create")
    assert requests.count() == 3
    status = kit.get(engine.cluster, "replicasets", "web")["status"]
    assert status == {"replicas": 3, "fullyLabeledReplicas": 3, "observedGeneration": 1}


def test_status_counts_ready_and_available_pods(engine):
    kit.create(engine.cluster, "replicasets", kit.replicaset("web", 3))
    kit.converge(engine)
    status = kit.get(engine.cluster, "replicasets", "web")["status"]
    assert status == {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
                      "observedGeneration": 1}


def test_min_ready_seconds_counts_availability_on_the_simulated_clock(engine):
    kit.create(engine.cluster, "replicasets", kit.replicaset("web", 2, minReadySeconds=30))
    kit.converge(engine)
    status = kit.get(engine.cluster, "replicasets", "web")["status"]
    assert status["readyReplicas"] == 2 and "availableReplicas" not in status
    engine.settle(horizon=60)  # the controller asked to look again just after 30s
    assert kit.get(engine.cluster, "replicasets", "web")["status"]["availableReplicas"] == 2


def test_scale_down_deletes_the_least_established_pods(engine):
    kit.create(engine.cluster, "replicasets", kit.replicaset("web", 3))
    engine.settle()
    names = [p["metadata"]["name"] for p in kit.pods(engine.cluster)]
    unscheduled = names[1]
    kit.kubelet(engine.cluster, skip={unscheduled})
    engine.settle()
    kit.edit(engine.cluster, "replicasets", "web", lambda rs: rs["spec"].update(replicas=2))
    engine.settle()
    left = [p["metadata"]["name"] for p in kit.pods(engine.cluster)]
    assert unscheduled not in left and len(left) == 2
    assert [e["message"] for e in kit.events(engine.cluster, "web", "SuccessfulDelete")] == [f"Deleted pod: {unscheduled}"]


def test_self_healing_replaces_a_deleted_pod(engine):
    kit.create(engine.cluster, "replicasets", kit.replicaset("web", 3))
    kit.converge(engine)
    victim = kit.pods(engine.cluster)[0]["metadata"]["name"]
    registry.delete(engine.cluster, by_plural("pods"), kit.NS, victim)  # bound: terminates gracefully
    engine.settle()
    active = [p["metadata"]["name"] for p in kit.pods(engine.cluster)]
    assert len(active) == 3 and victim not in active
    kit.converge(engine)
    assert len(kit.pods(engine.cluster, active=False)) == 3


def test_sync_twice_changes_nothing(engine):
    kit.create(engine.cluster, "replicasets", kit.replicaset("web", 4))
    kit.converge(engine)
    controller = ReplicaSetController()
    api = Client(engine.cluster, "controller-manager")
    revision = store.current_revision(engine.cluster.pk)
    for _ in range(2):
        assert controller.sync(engine.cache, api, "default/web") is None
    assert len(kit.pods(engine.cluster)) == 4
    assert store.current_revision(engine.cluster.pk) == revision


def test_adopts_a_matching_orphan_and_releases_a_pod_that_stops_matching(engine):
    orphan = kit.create(engine.cluster, "pods", {"metadata": {"name": "stray", "labels": {"app": "web"}},
                                                 "spec": {"containers": [kit.container()]}})
    rs = kit.create(engine.cluster, "replicasets", kit.replicaset("web", 2))
    engine.settle()
    adopted = kit.get(engine.cluster, "pods", "stray")
    assert adopted["metadata"]["uid"] == orphan["metadata"]["uid"]
    assert adopted["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"]
    assert len(kit.pods_of(engine.cluster, rs)) == 2  # the orphan counts: one create only
    assert len(kit.events(engine.cluster, "web", "SuccessfulCreate")) == 1

    kit.edit(engine.cluster, "pods", "stray", lambda p: p["metadata"]["labels"].update(app="debug"))
    engine.settle()
    released = kit.get(engine.cluster, "pods", "stray")
    assert not released["metadata"].get("ownerReferences")
    assert len(kit.pods_of(engine.cluster, rs)) == 2  # a replacement took its place
    assert len(kit.pods(engine.cluster)) == 3


def test_pods_of_another_controller_are_left_alone(engine):
    kit.create(engine.cluster, "replicasets", kit.replicaset("a", 1, labels={"app": "web"}))
    engine.settle()
    kit.create(engine.cluster, "replicasets", kit.replicaset("b", 1, labels={"app": "web"}))
    engine.settle()
    assert len(kit.pods(engine.cluster)) == 2
