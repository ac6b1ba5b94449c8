"""Rollouts: RollingUpdate bounds at every step, rollback, Recreate, pause, history cleanup."""
from __future__ import annotations

import pytest

from kubeviz.controllers.intstr import resolve_fenceposts

from . import kit


def set_image(image: str):
    def change(d: dict) -> None:
        d["spec"]["template"]["spec"]["containers"][0]["image"] = image
    return change


def owned_by_deployment(cluster, name: str = "web") -> list[dict]:
    return [rs for rs in kit.replica_sets(cluster) if rs["metadata"]["name"].startswith(f"{name}-")]


def image_of(rs: dict) -> str:
    return rs["spec"]["template"]["spec"]["containers"][0]["image"]


def by_image(cluster, image: str) -> dict:
    return next(rs for rs in kit.replica_sets(cluster) if image_of(rs) == image)


def rollout_status(d: dict) -> tuple[bool, str]:
    """What `kubectl rollout status` decides from a Deployment (polymorphichelpers/rollout_status.go)."""
    status, want = d.get("status") or {}, d["spec"]["replicas"]
    if d["metadata"]["generation"] > status.get("observedGeneration", 0):
        return False, "waiting for the rollout to be observed"
    progressing = next((c for c in status.get("conditions", []) if c["type"] == "Progressing"), None)
    if progressing and progressing["reason"] == "ProgressDeadlineExceeded":
        return False, "exceeded its progress deadline"
    if status.get("updatedReplicas", 0) < want:
        return False, "new replicas have been updated"
    if status.get("replicas", 0) > status.get("updatedReplicas", 0):
        return False, "old replicas are pending termination"
    if status.get("availableReplicas", 0) < status.get("updatedReplicas", 0):
        return False, "updated replicas are available"
    return True, "successfully rolled out"


@pytest.mark.parametrize("replicas,surge,unavailable", [
    (4, 1, 1), (3, "25%", "25%"), (5, "40%", "20%"), (2, 0, 1), (6, 3, 0),
])
def test_rolling_update_respects_surge_and_unavailability_at_every_step(engine, replicas, surge, unavailable):
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}
    kit.create(engine.cluster, "deployments", kit.deployment("web", replicas, strategy=strategy))
    kit.converge(engine)
    max_surge, max_unavailable = resolve_fenceposts(surge, unavailable, replicas)
    kit.edit(engine.cluster, "deployments", "web", set_image("nginx:1.28"))

    seen_new = set()
    for _ in range(2000):
        moved = engine.step()
        changed = kit.kubelet(engine.cluster)
        pods = kit.pods(engine.cluster)  # active pods: not terminating
        specs = sum(rs["spec"]["replicas"] for rs in kit.replica_sets(engine.cluster))
        ready = [p for p in pods if kit.is_ready(p)]
        assert specs <= replicas + max_surge
        assert len(pods) <= replicas + max_surge, [p["metadata"]["name"] for p in pods]
        assert len(ready) >= replicas - max_unavailable
        seen_new.update(p["metadata"]["name"] for p in pods if p["spec"]["containers"][0]["image"] == "nginx:1.28")
        if not moved and not changed:
            break
    else:
        raise AssertionError("the rollout did not finish")

    new, old = by_image(engine.cluster, "nginx:1.28"), by_image(engine.cluster, "nginx:1.27")
    assert new["spec"]["replicas"] == replicas and old["spec"]["replicas"] == 0
    assert kit.revision_of(new) == "2" and kit.revision_of(old) == "1"
    d = kit.get(engine.cluster, "deployments", "web")
    assert kit.revision_of(d) == "2"
    assert rollout_status(d) == (True, "successfully rolled out")
    progressing = next(c for c in d["status"]["conditions"] if c["type"] == "Progressing")
    assert progressing["reason"] == "NewReplicaSetAvailable"
    assert progressing["message"] == f'ReplicaSet "{new["metadata"]["name"]}" has successfully progressed.'
    assert len(seen_new) >= replicas
    old_name = old["metadata"]["name"]
    ups = [e["message"] for e in kit.events(engine.cluster, "web", "ScalingReplicaSet")
           if e["message"].startswith(f"Scaled up replica set {old_name} ")]
    assert ups == [f"Scaled up replica set {old_name} from 0 to {replicas}"]  # the old one only ever shrank
    assert all(p["spec"]["containers"][0]["image"] == "nginx:1.28" for p in kit.pods(engine.cluster))


def test_scaling_events_use_kubernetes_wording(engine):
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    kit.create(engine.cluster, "deployments", kit.deployment("web", 2, strategy=strategy))
    kit.converge(engine)
    kit.edit(engine.cluster, "deployments", "web", set_image("nginx:1.28"))
    kit.converge(engine)
    new, old = by_image(engine.cluster, "nginx:1.28")["metadata"]["name"], by_image(engine.cluster, "nginx:1.27")["metadata"]["name"]
    messages = {e["message"] for e in kit.events(engine.cluster, "web", "ScalingReplicaSet")}
    assert messages == {
        f"Scaled up replica set {old} from 0 to 2",
        f"Scaled up replica set {new} from 0 to 1",
        f"Scaled down replica set {old} from 2 to 1",
        f"Scaled up replica set {new} from 1 to 2",
        f"Scaled down replica set {old} from 1 to 0",
    }


def test_scaling_mid_rollout_is_proportional(engine):
    """The example of the Kubernetes documentation ("Proportional scaling"): 10 replicas,
    maxSurge 3, maxUnavailable 2, a rollout stuck on an image that never becomes ready,
    then a scale to 15: 3 more go to the old ReplicaSet and 2 to the new one."""
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}
    kit.create(engine.cluster, "deployments", kit.deployment("web", 10, strategy=strategy, image="nginx:1.14.2"))
    kit.converge(engine)

    def converge_old_only() -> None:
        for _ in range(100):
            engine.settle(horizon=0)
            broken = {p["metadata"]["name"] for p in kit.pods(engine.cluster)
                      if p["spec"]["containers"][0]["image"] == "nginx:sometag"}
            if not kit.kubelet(engine.cluster, skip=broken):
                return

    kit.edit(engine.cluster, "deployments", "web", set_image("nginx:sometag"))
    converge_old_only()
    assert by_image(engine.cluster, "nginx:1.14.2")["spec"]["replicas"] == 8
    assert by_image(engine.cluster, "nginx:sometag")["spec"]["replicas"] == 5

    kit.edit(engine.cluster, "deployments", "web", lambda d: d["spec"].update(replicas=15))
    converge_old_only()
    assert by_image(engine.cluster, "nginx:1.14.2")["spec"]["replicas"] == 11
    assert by_image(engine.cluster, "nginx:sometag")["spec"]["replicas"] == 7
    assert {rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] for rs in kit.replica_sets(engine.cluster)} == {"18"}


def test_rollback_reuses_the_old_replica_set_with_a_new_revision(engine):
    kit.create(engine.cluster, "deployments", kit.deployment("web", 3))
    kit.converge(engine)
    first = kit.replica_sets(engine.cluster)[0]
    kit.edit(engine.cluster, "deployments", "web", set_image("nginx:1.28"))
    kit.converge(engine)
    kit.edit(engine.cluster, "deployments", "web", set_image("nginx:1.27"))  # kubectl rollout undo
    kit.converge(engine)

    rss = kit.replica_sets(engine.cluster)
    assert len(rss) == 2
    back = kit.get(engine.cluster, "replicasets", first["metadata"]["name"])
    assert back["metadata"]["uid"] == first["metadata"]["uid"]
    assert back["spec"]["replicas"] == 3
    assert kit.revision_of(back) == "3"
    assert back["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert by_image(engine.cluster, "nginx:1.28")["spec"]["replicas"] == 0
    d = kit.get(engine.cluster, "deployments", "web")
    assert kit.revision_of(d) == "3"
    assert rollout_status(d)[0]
    assert all(p["spec"]["containers"][0]["image"] == "nginx:1.27" for p in kit.pods(engine.cluster))


def test_recreate_removes_every_old_pod_before_the_new_replica_set(engine):
    kit.create(engine.cluster, "deployments", kit.deployment("web", 3, strategy={"type": "Recreate"}))
    kit.converge(engine)
    kit.edit(engine.cluster, "deployments", "web", set_image("nginx:1.28"))
    for _ in range(2000):
        moved = engine.step()
        everything = kit.pods(engine.cluster, active=False)  # terminating pods too
        images = {p["spec"]["containers"][0]["image"] for p in everything}
        assert images != {"nginx:1.27", "nginx:1.28"}, "old and new pods at the same time"
        if any(image_of(rs) == "nginx:1.28" for rs in kit.replica_sets(engine.cluster)):
            assert all(image_of(rs) == "nginx:1.28" or rs["spec"]["replicas"] == 0 for rs in kit.replica_sets(engine.cluster))
            assert not any(p["spec"]["containers"][0]["image"] == "nginx:1.27" for p in everything)
        changed = kit.kubelet(engine.cluster)
        if not moved and not changed:
            break
    new = by_image(engine.cluster, "nginx:1.28")
    assert new["spec"]["replicas"] == 3 and kit.revision_of(new) == "2"
    d = kit.get(engine.cluster, "deployments", "web")
    assert rollout_status(d)[0]
    messages = [e["message"] for e in kit.events(engine.cluster, "web", "ScalingReplicaSet")]
    assert f"Scaled up replica set {new['metadata']['name']} from 0 to 3" in messages


def test_paused_deployment_scales_but_does_not_roll_out(engine):
    kit.create(engine.cluster, "deployments", kit.deployment("web", 2))
    kit.converge(engine)
    kit.edit(engine.cluster, "deployments", "web", lambda d: d["spec"].update(paused=True))
    kit.edit(engine.cluster, "deployments", "web", set_image("nginx:1.28"))
    kit.converge(engine)
    [rs] = kit.replica_sets(engine.cluster)
    assert image_of(rs) == "nginx:1.27"
    d = kit.get(engine.cluster, "deployments", "web")
    progressing = next(c for c in d["status"]["conditions"] if c["type"] == "Progressing")
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "Unknown", "DeploymentPaused", "Deployment is paused")
    assert d["status"]["observedGeneration"] == d["metadata"]["generation"]

    kit.edit(engine.cluster, "deployments", "web", lambda d: d["spec"].update(replicas=4))
    kit.converge(engine)
    [rs] = kit.replica_sets(engine.cluster)
    assert rs["spec"]["replicas"] == 4 and len(kit.pods(engine.cluster)) == 4

    kit.edit(engine.cluster, "deployments", "web", lambda d: d["spec"].update(paused=False))
    kit.converge(engine)
    new = by_image(engine.cluster, "nginx:1.28")
    assert new["spec"]["replicas"] == 4 and by_image(engine.cluster, "nginx:1.27")["spec"]["replicas"] == 0
    assert rollout_status(kit.get(engine.cluster, "deployments", "web"))[0]


def test_revision_history_limit_deletes_the_oldest_scaled_down_replica_sets(engine):
    kit.create(engine.cluster, "deployments", kit.deployment("web", 2, revisionHistoryLimit=1))
    kit.converge(engine)
    for image in ("nginx:1.28", "nginx:1.29", "nginx:1.30"):
        kit.advance(engine, 60)  # distinct creation times, as in a real cluster
        kit.edit(engine.cluster, "deployments", "web", set_image(image))
        kit.converge(engine)
    rss = kit.replica_sets(engine.cluster)
    assert sorted(image_of(rs) for rs in rss) == ["nginx:1.29", "nginx:1.30"]
    assert {image_of(rs): kit.revision_of(rs) for rs in rss} == {"nginx:1.29": "3", "nginx:1.30": "4"}
    assert by_image(engine.cluster, "nginx:1.30")["spec"]["replicas"] == 2
