"""Sandboxes, clones, snapshots and deletion through the REST API: every operation, its
errors (one Status body), who may do what, and the limits."""
from __future__ import annotations

import json
import re

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from kubeviz.accounts.roles import GUEST_SESSION_KEY
from kubeviz.accounts.services import teacher_create
from kubeviz.apiserver import registry
from kubeviz.apiserver.tokens import cluster_token
from kubeviz.clusters.models import Cluster, Snapshot
from kubeviz.engine.runner import settle_cluster
from kubeviz.flow.models import Step
from kubeviz.runtime.models import LogFile
from kubeviz.scheduler.models import SchedulingDecision
from tests.web.helpers import create, deployment, pod

CLUSTERS = "/api/clusters/"


def user_client(name: str, *, teacher: bool = False) -> APIClient:
    user = teacher_create(name=name, password="pw")[0] if teacher else User.objects.create_user(name, password="pw")
    api = APIClient()
    api.force_login(user)
    return api


def guest_client(guest: str = "guest-1") -> APIClient:
    api = APIClient()
    session = api.session
    session[GUEST_SESSION_KEY] = guest
    session.save()
    return api


def make(api: APIClient, **body) -> dict:
    r = api.post(CLUSTERS, {"template": "single-node", **body}, format="json")
    assert r.status_code == 201, r.content
    return r.json()


def status_of(r) -> dict:
    body = r.json()
    assert body["kind"] == "Status" and body["code"] == r.status_code, body
    return body


def bearer(name: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {cluster_token(Cluster.objects.get(name=name))}"}


async def _body(r) -> bytes:
    return b"".join([chunk async for chunk in r.streaming_content])


def watch_expired(r) -> bool:
    """The answer to a watch from a compacted revision: 410 Expired, as a status or as the
    stream's one ERROR event (kube-apiserver answers both ways)."""
    if not r.streaming:
        return r.status_code == 410 and r.json()["reason"] == "Expired"
    event = json.loads(async_to_sync(_body)(r).splitlines()[0])
    return event["type"] == "ERROR" and (event["object"]["code"], event["object"]["reason"]) == (410, "Expired")


def names(cluster: Cluster, plural: str) -> list[str]:
    return [o["metadata"]["name"] for o in registry.objects(cluster, plural)]


@pytest.fixture
def ann(db) -> APIClient:
    return user_client("ann")


@pytest.fixture
def bob(db) -> APIClient:
    return user_client("bob")


# ---- create -------------------------------------------------------------------------------------


def test_a_learner_makes_a_sandbox_from_a_template(ann):
    body = make(ann, template="demo")
    assert re.fullmatch(r"sandbox-[a-z0-9]{5}", body["name"])
    assert body == {"name": body["name"], "dashboard_url": f"/clusters/{body['name']}/",
                    "kubeconfig_url": f"/clusters/{body['name']}/kubeconfig", "template": "demo",
                    "public": False, "owner": "ann"}
    cluster = Cluster.objects.get(name=body["name"])
    assert sorted(names(cluster, "nodes")) == ["node-1", "node-2", "node-3"]
    assert cluster.owner.username == "ann" and not cluster.public
    assert ann.get(body["kubeconfig_url"]).status_code == 200
    assert body["name"] in [c["name"] for c in ann.get(CLUSTERS).json()]


def test_a_guest_session_owns_what_it_makes(db):
    body = make(guest_client("g-1"), name="mine", public=True)
    cluster = Cluster.objects.get(name="mine")
    assert (body["owner"], body["public"], cluster.owner_guest, cluster.owner_id) == ("guest", True, "g-1", None)


def test_an_anonymous_caller_is_told_how_to_get_a_sandbox(db):
    r = APIClient().post(CLUSTERS, {"template": "demo"}, format="json")
    assert r.status_code == 401
    assert "Try it" in status_of(r)["message"] and not Cluster.objects.exists()


@pytest.mark.parametrize(("body", "code", "field", "words"), [
    ({"template": "demo", "name": "Not_A_Label"}, 400, "name", "DNS label"),
    ({"template": "demo", "name": "x" * 64}, 400, "name", "63"),
    ({"template": "nope"}, 400, "template", "big, demo, empty, minikube, single-node, zones"),
    ({"template": "../../etc/passwd"}, 400, "template", "the templates are"),
    ({}, 400, "template", "required"),
])
def test_bad_requests_name_the_field(ann, body, code, field, words):
    r = ann.post(CLUSTERS, body, format="json")
    assert r.status_code == code
    status = status_of(r)
    assert words in status["message"] and field in [c["field"] for c in status["details"]["causes"]]
    assert not Cluster.objects.exists()


def test_a_taken_name_is_409(ann, cluster):
    r = ann.post(CLUSTERS, {"template": "demo", "name": "demo"}, format="json")
    assert r.status_code == 409 and status_of(r)["reason"] == "AlreadyExists"


def test_the_templates_are_listed(client, db):
    listed = {t["name"]: t for t in client.get("/api/templates/").json()}
    assert listed["demo"]["nodes"] == 3 and listed["big"]["nodes"] == 50 and listed["empty"]["nodes"] == 0
    assert all(t["description"] for t in listed.values())


# ---- limits -------------------------------------------------------------------------------------


def test_a_learner_may_own_so_many_sandboxes(ann, settings):
    settings.KUBEVIZ_SANDBOXES_PER_LEARNER = 2
    make(ann)
    make(ann)
    r = ann.post(CLUSTERS, {"template": "single-node"}, format="json")
    assert r.status_code == 403
    assert "(KUBEVIZ_SANDBOXES_PER_LEARNER=2)" in status_of(r)["message"]
    assert Cluster.objects.count() == 2


@pytest.mark.parametrize(("who", "setting"), [("guest", "KUBEVIZ_SANDBOXES_PER_LEARNER"),
                                              ("teacher", "KUBEVIZ_SANDBOXES_PER_TEACHER")])
def test_guests_count_as_learners_and_teachers_have_their_own_limit(db, settings, who, setting):
    settings.KUBEVIZ_SANDBOXES_PER_LEARNER = 1
    settings.KUBEVIZ_SANDBOXES_PER_TEACHER = 2
    api = guest_client() if who == "guest" else user_client("tess", teacher=True)
    for _ in range(getattr(settings, setting)):
        make(api)
    r = api.post(CLUSTERS, {"template": "single-node"}, format="json")
    assert r.status_code == 403 and f"({setting}=" in status_of(r)["message"]


def test_the_site_holds_so_many_clusters(ann, bob, settings, cluster):
    settings.KUBEVIZ_MAX_CLUSTERS = 2
    make(ann)
    r = bob.post(CLUSTERS, {"template": "single-node"}, format="json")
    assert r.status_code == 403 and "(KUBEVIZ_MAX_CLUSTERS=2)" in status_of(r)["message"]


def test_a_template_bigger_than_a_cluster_may_be_is_refused(ann, settings):
    settings.KUBEVIZ_MAX_NODES_PER_CLUSTER = 2
    r = ann.post(CLUSTERS, {"template": "demo"}, format="json")
    assert r.status_code == 403 and "(KUBEVIZ_MAX_NODES_PER_CLUSTER=2)" in status_of(r)["message"]


def test_every_shipped_template_fits_the_default_node_limit(client, settings):
    assert all(t["nodes"] <= settings.KUBEVIZ_MAX_NODES_PER_CLUSTER for t in client.get("/api/templates/").json())


def test_pods_past_the_limit_are_forbidden_as_by_a_quota(cluster, settings):
    settings.KUBEVIZ_MAX_PODS_PER_CLUSTER = 2
    k8s = Client()
    for name in ("a", "b", "c"):
        r = k8s.post("/k8s/demo/api/v1/namespaces/default/pods", json.dumps(pod(name)),
                     content_type="application/json", **bearer("demo"))
    assert r.status_code == 403
    assert r.json()["reason"] == "Forbidden"
    assert r.json()["message"] == ('pods "c" is forbidden: cluster demo already has 2 pods, '
                                   "the most it may have (KUBEVIZ_MAX_PODS_PER_CLUSTER=2)")
    assert sorted(names(cluster, "pods")) == ["a", "b"]


def test_a_replicaset_that_meets_the_pod_limit_records_failed_create(cluster, settings):
    settings.KUBEVIZ_MAX_PODS_PER_CLUSTER = 3
    create(cluster, "deployments", deployment("web", replicas=5))
    settle_cluster(cluster, horizon=60)  # the ReplicaSet controller retries for ever
    assert len(names(cluster, "pods")) == 3
    failed = [e for e in registry.objects(cluster, "events") if e.get("reason") == "FailedCreate"]
    assert failed and failed[0]["involvedObject"]["kind"] == "ReplicaSet"
    assert "the most it may have (KUBEVIZ_MAX_PODS_PER_CLUSTER=3)" in failed[0]["message"]


# ---- clone --------------------------------------------------------------------------------------


def test_a_clone_has_the_source_state_but_not_its_history(ann, bob):
    source = Cluster.objects.get(name=make(ann, template="demo", public=True)["name"])
    create(source, "configmaps", {"metadata": {"name": "lesson", "namespace": "default"}, "data": {"k": "v"}})
    settle_cluster(source, horizon=30)
    source.refresh_from_db()
    r = bob.post(f"{CLUSTERS}{source.name}/clone/", {"name": "bobs-copy"}, format="json")
    assert r.status_code == 201 and r.json()["owner"] == "bob" and r.json()["template"] == "demo"
    copy = Cluster.objects.get(name="bobs-copy")
    assert registry.dump(copy) == registry.dump(source)  # same keys, values, uids, revisions
    assert (copy.revision, copy.settings, copy.fixture, copy.seed) == (source.revision, source.settings, "demo", source.seed)
    assert copy.sim_time >= source.sim_time
    assert not Step.objects.filter(cluster=copy).exists() and Step.objects.filter(cluster=source).exists()
    # A watch from before the clone's own history is told to relist, as from a restored etcd.
    r = Client().get("/k8s/bobs-copy/api/v1/namespaces/default/configmaps",
                     {"watch": "true", "resourceVersion": "1", "timeoutSeconds": "1"}, **bearer("bobs-copy"))
    assert watch_expired(r)


@pytest.mark.parametrize(("public", "clone", "delete", "snapshot"), [(False, 404, 404, 404), (True, 201, 403, 403)])
def test_another_learner_may_clone_only_what_they_may_watch_and_change_nothing(ann, bob, public, clone, delete, snapshot):
    name = make(ann, public=public)["name"]
    Snapshot.objects.create(cluster=Cluster.objects.get(name=name), name="s", revision=0,
                            sim_time=Cluster.objects.get(name=name).sim_time, entries=b"")
    assert bob.post(f"{CLUSTERS}{name}/clone/", format="json").status_code == clone
    assert bob.delete(f"{CLUSTERS}{name}/").status_code == delete
    assert bob.post(f"{CLUSTERS}{name}/snapshots/", {"name": "mine"}, format="json").status_code == snapshot
    assert bob.post(f"{CLUSTERS}{name}/snapshots/s/restore/").status_code == snapshot
    assert bob.delete(f"{CLUSTERS}{name}/snapshots/s/").status_code == snapshot
    r = bob.delete(f"{CLUSTERS}{name}/")
    assert status_of(r)["reason"] == ("NotFound" if delete == 404 else "Forbidden")
    assert Cluster.objects.filter(name=name).exists() and Snapshot.objects.filter(name="s").exists()


def test_a_token_holder_may_not_clone_into_a_sandbox_of_nobody(cluster):
    r = APIClient().post(f"{CLUSTERS}demo/clone/", format="json", **bearer("demo"))
    assert r.status_code == 403 and "Try it" in status_of(r)["message"]


# ---- snapshots ----------------------------------------------------------------------------------


def test_snapshot_list_restore_delete(ann):
    name = make(ann, template="demo")["name"]
    cluster = Cluster.objects.get(name=name)
    create(cluster, "configmaps", {"metadata": {"name": "kept", "namespace": "default"}})
    before = {(r[0], r[7]) for r in registry.dump(cluster)}
    r = ann.post(f"{CLUSTERS}{name}/snapshots/", {"name": "first"}, format="json")
    assert r.status_code == 201 and r.json()["objects"] == len(before) and r.json()["name"] == "first"
    assert ann.post(f"{CLUSTERS}{name}/snapshots/", {"name": "first"}, format="json").status_code == 409
    create(cluster, "configmaps", {"metadata": {"name": "later", "namespace": "default"}})
    registry.delete(cluster, registry.by_plural("configmaps"), "default", "kept")
    r = ann.post(f"{CLUSTERS}{name}/snapshots/first/restore/")
    assert r.status_code == 200 and r.json()["restored"] == "first"
    assert {(r[0], r[7]) for r in registry.dump(cluster)} == before
    assert [s["name"] for s in ann.get(f"{CLUSTERS}{name}/snapshots/").json()] == ["first"]
    assert ann.delete(f"{CLUSTERS}{name}/snapshots/first/").status_code == 204
    assert ann.get(f"{CLUSTERS}{name}/snapshots/").json() == []
    r = ann.post(f"{CLUSTERS}{name}/snapshots/first/restore/")
    assert r.status_code == 404 and status_of(r)["message"] == 'snapshots "first" not found'


def test_after_a_restore_a_watcher_gets_410_and_a_relist_shows_the_restored_objects(cluster):
    k8s = Client()
    url = "/k8s/demo/api/v1/namespaces/default/configmaps"
    create(cluster, "configmaps", {"metadata": {"name": "kept", "namespace": "default"}})
    api = APIClient()
    assert api.post(f"{CLUSTERS}demo/snapshots/", {"name": "one"}, format="json", **bearer("demo")).status_code == 201
    create(cluster, "configmaps", {"metadata": {"name": "gone", "namespace": "default"}})
    seen = k8s.get(url, **bearer("demo")).json()["metadata"]["resourceVersion"]
    assert api.post(f"{CLUSTERS}demo/snapshots/one/restore/", **bearer("demo")).status_code == 200
    r = k8s.get(url, {"watch": "true", "resourceVersion": seen, "timeoutSeconds": "1"}, **bearer("demo"))
    assert watch_expired(r)
    relisted = k8s.get(url, **bearer("demo")).json()
    assert [i["metadata"]["name"] for i in relisted["items"]] == ["kept"]
    assert int(relisted["metadata"]["resourceVersion"]) > int(seen)


# ---- delete -------------------------------------------------------------------------------------


def test_delete_removes_everything_and_the_token_stops_working(ann):
    name = make(ann, template="demo")["name"]
    cluster = Cluster.objects.get(name=name)
    create(cluster, "deployments", deployment("web", replicas=3))
    settle_cluster(cluster, horizon=30)
    ann.post(f"{CLUSTERS}{name}/snapshots/", {"name": "s"}, format="json")
    token = bearer(name)
    assert Step.objects.filter(cluster=cluster).exists() and LogFile.objects.filter(cluster=cluster).exists()
    r = ann.delete(f"{CLUSTERS}{name}/")
    assert r.status_code == 204
    pk = cluster.pk
    for model in (Step, LogFile, SchedulingDecision, Snapshot):
        assert not model.objects.filter(cluster_id=pk).exists(), model
    assert registry.dump(cluster) == [] and not Cluster.objects.filter(pk=pk).exists()
    assert Client().get(f"/k8s/{name}/api/v1/nodes", **token).status_code == 404
    make(ann, name=name)  # the same name again is a new cluster: the old token does not open it
    assert Client().get(f"/k8s/{name}/api/v1/nodes", **token).status_code == 401
