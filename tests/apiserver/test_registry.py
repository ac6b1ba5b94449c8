"""The generic registry: CRUD with optimistic concurrency, selectors, pagination, finalizers,
binding, patches, watch, and the steps each write records."""
from __future__ import annotations

import copy

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.errors import StatusError
from kubeviz.apiserver.patch import JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH
from kubeviz.apiserver.resources import by_plural
from kubeviz.apiserver.selectors import parse_field_selector, parse_label_selector
from kubeviz.etcd import store

from .objects import container, create, deployment, get, last_seq, pod, revision, steps_after

DEPLOYMENTS = "deployments"
MODIFIED = "the object has been modified; please apply your changes to the latest version and try again"


@pytest.fixture
def deploy():
    return by_plural(DEPLOYMENTS)


def _names(listing: dict) -> list[str]:
    return [o["metadata"]["name"] for o in listing["items"]]


def _raises(call, code: int, reason: str) -> StatusError:
    with pytest.raises(StatusError) as info:
        call()
    assert (info.value.code, info.value.reason) == (code, reason), info.value.message
    return info.value


# ---- create, get, update -------------------------------------------------------------------


def test_create_then_create_again_is_409_already_exists(cluster):
    create(cluster, DEPLOYMENTS, deployment())
    rev, seq = revision(cluster), last_seq(cluster)
    err = _raises(lambda: create(cluster, DEPLOYMENTS, deployment()), 409, "AlreadyExists")
    assert err.message == 'deployments.apps "web" already exists'
    assert (err.name, err.group, err.kind) == ("web", "apps", "deployments")
    assert revision(cluster) == rev
    assert steps_after(cluster, seq) == []


def test_get_missing_is_404(cluster):
    err = _raises(lambda: get(cluster, DEPLOYMENTS, "nope"), 404, "NotFound")
    assert err.message == 'deployments.apps "nope" not found'
    err = _raises(lambda: get(cluster, "nodes", "nope", None), 404, "NotFound")
    assert err.message == 'nodes "nope" not found'


def test_get_returns_what_create_returned(cluster):
    created = create(cluster, DEPLOYMENTS, deployment())
    assert get(cluster, DEPLOYMENTS, "web") == created
    assert created["metadata"]["resourceVersion"] == str(revision(cluster))


def test_update_with_a_stale_resource_version_is_409_conflict(cluster, deploy):
    created = create(cluster, DEPLOYMENTS, deployment())
    fresh = copy.deepcopy(created)
    fresh["spec"]["replicas"] = 2
    registry.update(cluster, deploy, "default", "web", fresh)

    stale = copy.deepcopy(created)
    stale["spec"]["replicas"] = 5
    rev, seq = revision(cluster), last_seq(cluster)
    err = _raises(lambda: registry.update(cluster, deploy, "default", "web", stale), 409, "Conflict")
    assert err.message == f'Operation cannot be fulfilled on deployments.apps "web": {MODIFIED}'
    assert revision(cluster) == rev
    assert steps_after(cluster, seq) == []
    assert get(cluster, DEPLOYMENTS, "web")["spec"]["replicas"] == 2


def test_update_without_resource_version_is_unconditional(cluster, deploy):
    create(cluster, DEPLOYMENTS, deployment())
    body = deployment(replicas=4)
    updated = registry.update(cluster, deploy, "default", "web", body)
    assert updated["spec"]["replicas"] == 4
    assert updated["metadata"]["resourceVersion"] == str(revision(cluster))


def test_update_of_a_missing_object_is_404(cluster, deploy):
    _raises(lambda: registry.update(cluster, deploy, "default", "nope", deployment("nope")), 404, "NotFound")


def test_an_identical_update_writes_nothing(cluster, deploy):
    created = create(cluster, DEPLOYMENTS, deployment())
    rev, seq = revision(cluster), last_seq(cluster)
    same = registry.update(cluster, deploy, "default", "web", copy.deepcopy(created))
    assert same == created
    assert revision(cluster) == rev
    assert steps_after(cluster, seq) == []
    # An update that only restates defaults is identical too.
    registry.update(cluster, deploy, "default", "web", {**deployment(), "metadata": {"name": "web"}})
    assert revision(cluster) == rev


@pytest.mark.parametrize("change,bumps", [
    (lambda d: d["spec"].update(replicas=3), True),
    (lambda d: d["spec"]["template"]["spec"]["containers"][0].update(image="nginx:1.28"), True),
    (lambda d: d["spec"].update(paused=True), True),
    (lambda d: d["metadata"].setdefault("labels", {}).update(tier="front"), False),
    (lambda d: d["metadata"].setdefault("annotations", {}).update(note="x"), False),
    (lambda d: d["metadata"].update(finalizers=["example.com/keep"]), False),
], ids=["replicas", "image", "paused", "label", "annotation", "finalizer"])
def test_generation_bumps_only_when_the_spec_changes(cluster, deploy, change, bumps):
    created = create(cluster, DEPLOYMENTS, deployment())
    body = copy.deepcopy(created)
    change(body)
    updated = registry.update(cluster, deploy, "default", "web", body)
    assert updated["metadata"]["resourceVersion"] != created["metadata"]["resourceVersion"]
    assert updated["metadata"]["generation"] == (2 if bumps else 1)


def test_the_main_resource_ignores_status_and_status_ignores_spec(cluster, deploy):
    created = create(cluster, DEPLOYMENTS, deployment())

    body = copy.deepcopy(created)
    body["status"] = {"replicas": 9}
    body["spec"]["replicas"] = 2
    updated = registry.update(cluster, deploy, "default", "web", body)
    assert updated["status"] == {}
    assert updated["spec"]["replicas"] == 2

    body = copy.deepcopy(updated)
    body["status"] = {"replicas": 2, "observedGeneration": 2}
    body["spec"]["replicas"] = 7
    body["metadata"]["labels"] = {"sneaky": "yes"}
    status = registry.update(cluster, deploy, "default", "web", body, subresource="status")
    assert status["status"] == {"replicas": 2, "observedGeneration": 2}
    assert status["spec"]["replicas"] == 2
    assert status["metadata"]["generation"] == 2
    assert "labels" not in status["metadata"]
    assert get(cluster, DEPLOYMENTS, "web") == status


def test_update_keeps_server_owned_metadata(cluster, deploy):
    created = create(cluster, DEPLOYMENTS, deployment())
    body = copy.deepcopy(created)
    body["metadata"].update(uid=created["metadata"]["uid"], creationTimestamp="2000-01-01T00:00:00Z", generation=40)
    updated = registry.update(cluster, deploy, "default", "web", body)
    assert updated["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]
    assert updated["metadata"]["generation"] == 1


def test_update_with_another_uid_is_a_conflict(cluster, deploy):
    created = create(cluster, DEPLOYMENTS, deployment())
    body = copy.deepcopy(created)
    body["metadata"]["uid"] = "someone-else"
    err = _raises(lambda: registry.update(cluster, deploy, "default", "web", body), 409, "Conflict")
    assert "Precondition failed: UID in precondition: someone-else" in err.message


# ---- list: selectors and pagination -------------------------------------------------------


@pytest.fixture
def labelled(cluster):
    for name, labels in [
        ("a", {"app": "web", "tier": "front"}),
        ("b", {"app": "web", "tier": "back"}),
        ("c", {"app": "db"}),
        ("d", {}),
    ]:
        create(cluster, "pods", pod(name, labels=labels))
    return cluster


LABEL_SELECTOR_CASES = [
    ("", ["a", "b", "c", "d"]),
    ("app=web", ["a", "b"]),
    ("app==web", ["a", "b"]),
    ("app!=web", ["c", "d"]),
    ("app in (web,db)", ["a", "b", "c"]),
    ("tier notin (front)", ["b", "c", "d"]),
    ("tier", ["a", "b"]),
    ("!tier", ["c", "d"]),
    ("app=web,tier=back", ["b"]),
    ("app=web,!tier", []),
    ("app in (cache)", []),
]


def test_list_with_label_selectors(labelled):
    pods = by_plural("pods")
    found = {sel: _names(registry.list_(labelled, pods, "default", label_selector=sel)) for sel, _ in LABEL_SELECTOR_CASES}
    assert found == dict(LABEL_SELECTOR_CASES)
    listing = registry.list_(labelled, pods, "default", label_selector="app")
    assert (listing["kind"], listing["apiVersion"]) == ("PodList", "v1")
    assert listing["metadata"]["resourceVersion"] == str(revision(labelled))


def test_list_with_a_parsed_label_selector(labelled):
    listing = registry.list_(labelled, by_plural("pods"), "default", label_selector=parse_label_selector("tier=front"))
    assert _names(listing) == ["a"]


def test_a_bad_label_selector_is_400(labelled):
    _raises(lambda: registry.list_(labelled, by_plural("pods"), "default", label_selector="app in web"), 400, "BadRequest")


@pytest.fixture
def spread(cluster):
    pods = by_plural("pods")
    create(cluster, "namespaces", {"metadata": {"name": "other"}}, None)
    for ns, name in [("default", "a"), ("default", "b"), ("other", "a"), ("other", "c")]:
        create(cluster, "pods", pod(name), namespace=ns)
    registry.bind(cluster, "default", "a", {"target": {"name": "node-1"}})
    registry.bind(cluster, "other", "c", {"target": {"name": "node-2"}})
    running = get(cluster, "pods", "b")
    running["status"]["phase"] = "Running"
    registry.update(cluster, pods, "default", "b", running, subresource="status")
    return cluster


FIELD_SELECTOR_CASES = [
    ("default", "metadata.name=a", ["default/a"]),
    (None, "metadata.name=a", ["default/a", "other/a"]),
    (None, "metadata.name!=a", ["default/b", "other/c"]),
    (None, "metadata.namespace=other", ["other/a", "other/c"]),
    (None, "metadata.namespace==other,metadata.name=c", ["other/c"]),
    (None, "spec.nodeName=node-1", ["default/a"]),
    (None, "spec.nodeName=", ["default/b", "other/a"]),
    (None, "spec.nodeName!=", ["default/a", "other/c"]),
    (None, "status.phase=Running", ["default/b"]),
    (None, "status.phase=Pending", ["default/a", "other/a", "other/c"]),
    (None, "status.phase!=Pending,metadata.namespace=default", ["default/b"]),
]


def test_list_pods_with_field_selectors(spread):
    pods = by_plural("pods")

    def found(namespace, selector):
        listing = registry.list_(spread, pods, namespace, field_selector=selector)
        return [f"{o['metadata']['namespace']}/{o['metadata']['name']}" for o in listing["items"]]

    assert {(ns, sel): found(ns, sel) for ns, sel, _ in FIELD_SELECTOR_CASES} == {
        (ns, sel): names for ns, sel, names in FIELD_SELECTOR_CASES
    }


def test_list_events_by_involved_object(cluster):
    for name, involved in [("e1", "web"), ("e2", "db"), ("e3", "web")]:
        create(cluster, "events", {
            "metadata": {"name": name},
            "involvedObject": {"kind": "Pod", "name": involved, "namespace": "default"},
            "reason": "Scheduled", "type": "Normal",
        })
    events = by_plural("events")
    assert _names(registry.list_(cluster, events, "default", field_selector="involvedObject.name=web")) == ["e1", "e3"]
    selector = "involvedObject.name=web,involvedObject.kind=Pod,involvedObject.namespace=default"
    assert _names(registry.list_(cluster, events, "default", field_selector=selector)) == ["e1", "e3"]
    assert _names(registry.list_(cluster, events, "default", field_selector="involvedObject.kind=Node")) == []


def test_list_nodes_by_name(cluster):
    assert _names(registry.list_(cluster, by_plural("nodes"), None, field_selector="metadata.name=node-2")) == ["node-2"]


@pytest.mark.parametrize("plural,selector,message", [
    ("pods", "spec.image=nginx", "field label not supported: spec.image"),
    ("events", "message=hi", "field label not supported: message"),
    ("nodes", "metadata.namespace=default", "field label not supported: metadata.namespace"),
    ("configmaps", "data.key=x", '"data.key" is not a known field selector: only "metadata.name", "metadata.namespace"'),
    ("deployments", "spec.replicas=1",
     '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"'),
    ("pods", "garbage", "invalid selector: 'garbage'; can't understand 'garbage'"),
])
def test_an_unsupported_field_selector_is_400(cluster, plural, selector, message):
    strategy = by_plural(plural)
    err = _raises(lambda: registry.list_(cluster, strategy, None, field_selector=selector), 400, "BadRequest")
    assert err.message == message
    # The watch path parses selectors the same way.
    err = _raises(lambda: parse_field_selector(selector, strategy.field_selectors, strategy.plural), 400, "BadRequest")
    assert err.message == message


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 8, 50])
def test_pagination_returns_every_item_once_with_one_resource_version(cluster, limit):
    create(cluster, "namespaces", {"metadata": {"name": "page"}}, None)
    names = [f"cm-{i}" for i in range(7)]
    for name in names:
        create(cluster, "configmaps", {"metadata": {"name": name}}, namespace="page")
    cms = by_plural("configmaps")
    first = registry.list_(cluster, cms, "page", limit=limit)
    rv = first["metadata"]["resourceVersion"]
    seen, pages, listing = [], 0, first
    while True:
        pages += 1
        assert len(listing["items"]) <= limit
        assert listing["metadata"]["resourceVersion"] == rv
        seen += _names(listing)
        token = listing["metadata"].get("continue")
        if not token:
            break
        # A write between pages changes neither the list's version nor what is returned.
        create(cluster, "configmaps", {"metadata": {"name": f"other-{pages}"}}, namespace="default")
        listing = registry.list_(cluster, cms, "page", limit=limit, continue_=token)
    assert seen == names
    assert pages == -(-len(names) // limit)


def test_pagination_with_a_label_selector(labelled):
    pods = by_plural("pods")
    first = registry.list_(labelled, pods, "default", label_selector="app", limit=2)
    assert _names(first) == ["a", "b"]
    rest = registry.list_(labelled, pods, "default", label_selector="app", limit=2, continue_=first["metadata"]["continue"])
    assert _names(rest) == ["c"]
    assert "continue" not in rest["metadata"]


def test_a_bad_continue_token_is_400(cluster):
    _raises(lambda: registry.list_(cluster, by_plural("pods"), "default", limit=1, continue_="!!!"), 400, "BadRequest")


def test_a_continue_token_older_than_compaction_is_410(cluster):
    for i in range(3):
        create(cluster, "configmaps", {"metadata": {"name": f"cm-{i}"}})
    cms = by_plural("configmaps")
    token = registry.list_(cluster, cms, "default", limit=1)["metadata"]["continue"]
    create(cluster, "configmaps", {"metadata": {"name": "later"}})
    store.compact(cluster.pk, revision(cluster))
    err = _raises(lambda: registry.list_(cluster, cms, "default", limit=1, continue_=token), 410, "Expired")
    assert err.message.startswith("The provided continue parameter is too old")


# ---- delete, finalizers, namespaces ----------------------------------------------------------


@pytest.mark.parametrize("plural,body", [
    ("pods", {"metadata": {"name": "p"}, "spec": {"terminationGracePeriodSeconds": 0,
                                                 "containers": [{"name": "c", "image": "nginx"}]}}),
    ("services", {"metadata": {"name": "p"}, "spec": {"ports": [{"port": 80}]}}),
    ("serviceaccounts", {"metadata": {"name": "p"}}),
])
def test_pods_services_and_service_accounts_answer_a_delete_with_the_object(cluster, plural, body):
    strategy = by_plural(plural)
    created = registry.create(cluster, strategy, "default", body)
    gone, finished = registry.delete(cluster, strategy, "default", "p")
    assert finished
    assert (gone["kind"], gone["metadata"]["uid"]) == (strategy.kind, created["metadata"]["uid"])
    _raises(lambda: registry.get(cluster, strategy, "default", "p"), 404, "NotFound")


def test_delete_removes_and_returns_a_success_status(cluster, deploy):
    created = create(cluster, DEPLOYMENTS, deployment())
    seq = last_seq(cluster)
    body, finished = registry.delete(cluster, deploy, "default", "web")
    assert finished
    assert body["status"] == "Success"
    assert body["details"] == {"name": "web", "group": "apps", "kind": DEPLOYMENTS, "uid": created["metadata"]["uid"]}
    _raises(lambda: get(cluster, DEPLOYMENTS, "web"), 404, "NotFound")
    steps = steps_after(cluster, seq)
    assert [(s.step, s.action, s.revision) for s in steps] == [(None, "delete", revision(cluster))]
    _raises(lambda: registry.delete(cluster, deploy, "default", "web"), 404, "NotFound")


def test_finalizers_keep_an_object_until_an_update_removes_them(cluster, deploy):
    body = deployment()
    body["metadata"]["finalizers"] = ["example.com/a", "example.com/b"]
    create(cluster, DEPLOYMENTS, body)

    kept, finished = registry.delete(cluster, deploy, "default", "web")
    assert not finished
    assert kept["metadata"]["deletionTimestamp"]
    assert kept["metadata"]["deletionGracePeriodSeconds"] == 0
    stored = get(cluster, DEPLOYMENTS, "web")
    assert stored["metadata"]["deletionTimestamp"] == kept["metadata"]["deletionTimestamp"]

    # Deleting again changes nothing.
    rev = revision(cluster)
    again, finished = registry.delete(cluster, deploy, "default", "web")
    assert not finished
    assert revision(cluster) == rev

    # While deleting, finalizers may only be removed, and the deletionTimestamp stays.
    stored["metadata"]["finalizers"] = ["example.com/a", "example.com/new"]
    stored["metadata"]["deletionTimestamp"] = None
    partial = registry.update(cluster, deploy, "default", "web", stored)
    assert partial["metadata"]["finalizers"] == ["example.com/a"]
    assert partial["metadata"]["deletionTimestamp"] == kept["metadata"]["deletionTimestamp"]

    seq = last_seq(cluster)
    partial["metadata"]["finalizers"] = []
    registry.update(cluster, deploy, "default", "web", partial)
    _raises(lambda: get(cluster, DEPLOYMENTS, "web"), 404, "NotFound")
    assert [(s.step, s.action) for s in steps_after(cluster, seq)] == [(None, "delete")]
    assert store.changes(cluster.pk, revision(cluster) - 1)[0].type == "DELETED"


@pytest.mark.parametrize("policy,finalizer", [("Orphan", "orphan"), ("Foreground", "foregroundDeletion")])
def test_propagation_policies_add_their_finalizer(cluster, deploy, policy, finalizer):
    create(cluster, DEPLOYMENTS, deployment())
    kept, finished = registry.delete(cluster, deploy, "default", "web", options={"propagationPolicy": policy})
    assert not finished
    assert kept["metadata"]["finalizers"] == [finalizer]


def test_an_unknown_propagation_policy_is_invalid(cluster, deploy):
    create(cluster, DEPLOYMENTS, deployment())
    err = _raises(lambda: registry.delete(cluster, deploy, "default", "web", options={"propagationPolicy": "Later"}),
                  422, "Invalid")
    assert err.causes[0]["field"] == "propagationPolicy"


def test_delete_preconditions(cluster, deploy):
    created = create(cluster, DEPLOYMENTS, deployment())
    err = _raises(lambda: registry.delete(cluster, deploy, "default", "web", options={"preconditions": {"uid": "x"}}),
                  409, "Conflict")
    assert err.message.startswith('Operation cannot be fulfilled on deployments.apps "web": Precondition failed: UID')
    _raises(lambda: registry.delete(cluster, deploy, "default", "web", options={"preconditions": {"resourceVersion": "1"}}),
            409, "Conflict")
    _, finished = registry.delete(
        cluster, deploy, "default", "web",
        options={"preconditions": {"uid": created["metadata"]["uid"], "resourceVersion": created["metadata"]["resourceVersion"]}},
    )
    assert finished


# ---- binding -------------------------------------------------------------------------------------


def test_bind_sets_node_name_and_pod_scheduled_then_refuses_a_second_bind(cluster):
    create(cluster, "pods", pod())
    seq = last_seq(cluster)
    bound = registry.bind(cluster, "default", "web", {"target": {"name": "node-2"}})
    assert bound["spec"]["nodeName"] == "node-2"
    assert [(c["type"], c["status"]) for c in bound["status"]["conditions"]] == [("PodScheduled", "True")]
    assert get(cluster, "pods", "web") == bound
    (step,) = steps_after(cluster, seq)
    assert (step.step, step.source, step.target, step.revision) == (5, "apiserver", "etcd", revision(cluster))
    assert (step.kind, step.namespace, step.name) == ("Pod", "default", "web")
    assert "node-2" in step.message

    rev, seq = revision(cluster), last_seq(cluster)
    err = _raises(lambda: registry.bind(cluster, "default", "web", {"target": {"name": "node-3"}}), 409, "Conflict")
    assert err.message == 'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "node-2"'
    assert revision(cluster) == rev
    assert steps_after(cluster, seq) == []
    assert [p["metadata"]["name"] for p in registry.objects(cluster, "pods", node_name="node-2")] == ["web"]


def test_bind_checks_target_and_uid(cluster):
    created = create(cluster, "pods", pod())
    err = _raises(lambda: registry.bind(cluster, "default", "web", {"target": {}}), 422, "Invalid")
    assert err.causes[0]["field"] == "target.name"
    _raises(lambda: registry.bind(cluster, "default", "web", {"metadata": {"uid": "x"}, "target": {"name": "node-1"}}),
            409, "Conflict")
    _raises(lambda: registry.bind(cluster, "default", "nope", {"target": {"name": "node-1"}}), 404, "NotFound")
    bound = registry.bind(cluster, "default", "web", {"metadata": {"uid": created["metadata"]["uid"]}, "target": {"name": "node-1"}})
    assert bound["spec"]["nodeName"] == "node-1"


# ---- patch ---------------------------------------------------------------------------------------


def _two_containers(cluster):
    body = deployment()
    body["spec"]["template"]["spec"]["containers"] = [
        container("web", "nginx:1.27", ports=[{"containerPort": 80}]),
        container("log", "busybox:1.36"),
    ]
    return create(cluster, DEPLOYMENTS, body)


def test_merge_patch(cluster, deploy):
    created = _two_containers(cluster)
    patched = registry.patch(cluster, deploy, "default", "web", MERGE_PATCH, {
        "metadata": {"labels": {"team": "a"}},
        "spec": {"replicas": 3, "template": {"spec": {"containers": [container("only", "nginx")]}}},
    })
    assert patched["metadata"]["labels"] == {"team": "a"}
    assert patched["spec"]["replicas"] == 3
    # A merge patch replaces lists whole.
    assert [c["name"] for c in patched["spec"]["template"]["spec"]["containers"]] == ["only"]
    assert patched["metadata"]["generation"] == 2
    assert int(patched["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    removed = registry.patch(cluster, deploy, "default", "web", MERGE_PATCH, {"metadata": {"labels": None}})
    assert "labels" not in removed["metadata"]


def test_json_patch(cluster, deploy):
    _two_containers(cluster)
    patched = registry.patch(cluster, deploy, "default", "web", JSON_PATCH, [
        {"op": "test", "path": "/spec/replicas", "value": 1},
        {"op": "replace", "path": "/spec/replicas", "value": 2},
        {"op": "add", "path": "/metadata/annotations", "value": {"a": "1"}},
        {"op": "remove", "path": "/spec/template/spec/containers/1"},
        {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "nginx:1.28"},
    ])
    assert patched["spec"]["replicas"] == 2
    assert patched["metadata"]["annotations"] == {"a": "1"}
    assert [(c["name"], c["image"]) for c in patched["spec"]["template"]["spec"]["containers"]] == [("web", "nginx:1.28")]

    rev = revision(cluster)
    err = _raises(lambda: registry.patch(cluster, deploy, "default", "web", JSON_PATCH, [
        {"op": "replace", "path": "/spec/replicas", "value": 9},
        {"op": "test", "path": "/spec/replicas", "value": 2},
    ]), 422, "Invalid")
    assert "testing value /spec/replicas failed" in err.message
    assert revision(cluster) == rev


def test_strategic_merge_patch_merges_containers_by_name(cluster, deploy):
    _two_containers(cluster)
    patched = registry.patch(cluster, deploy, "default", "web", STRATEGIC_MERGE_PATCH, {
        "spec": {"template": {"spec": {"containers": [
            {"name": "web", "image": "nginx:1.28", "ports": [{"containerPort": 443}]},
            {"name": "sidecar", "image": "envoy:1.30"},
        ]}}},
    })
    containers = patched["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [
        ("web", "nginx:1.28"), ("log", "busybox:1.36"), ("sidecar", "envoy:1.30"),
    ]
    assert [p["containerPort"] for p in containers[0]["ports"]] == [80, 443]
    # The new container is defaulted like any other.
    assert containers[2]["imagePullPolicy"] == "IfNotPresent"

    deleted = registry.patch(cluster, deploy, "default", "web", STRATEGIC_MERGE_PATCH, {
        "spec": {"template": {"spec": {"containers": [{"name": "log", "$patch": "delete"}]}}},
    })
    assert [c["name"] for c in deleted["spec"]["template"]["spec"]["containers"]] == ["web", "sidecar"]


def test_a_patch_that_makes_the_object_invalid_stores_nothing(cluster, deploy):
    created = create(cluster, DEPLOYMENTS, deployment())
    rev, seq = revision(cluster), last_seq(cluster)
    err = _raises(lambda: registry.patch(cluster, deploy, "default", "web", MERGE_PATCH, {"spec": {"replicas": -1}}),
                  422, "Invalid")
    assert err.causes[0]["field"] == "spec.replicas"
    assert revision(cluster) == rev
    assert steps_after(cluster, seq) == []
    assert get(cluster, DEPLOYMENTS, "web") == created


def test_a_patch_with_a_stale_resource_version_is_a_conflict(cluster, deploy):
    created = create(cluster, DEPLOYMENTS, deployment())
    registry.patch(cluster, deploy, "default", "web", MERGE_PATCH, {"spec": {"replicas": 2}})
    err = _raises(lambda: registry.patch(cluster, deploy, "default", "web", MERGE_PATCH, {
        "metadata": {"resourceVersion": created["metadata"]["resourceVersion"]}, "spec": {"replicas": 3},
    }), 409, "Conflict")
    assert err.message.endswith(MODIFIED)


def test_a_status_patch_changes_only_status(cluster, deploy):
    create(cluster, DEPLOYMENTS, deployment())
    patched = registry.patch(cluster, deploy, "default", "web", MERGE_PATCH,
                             {"spec": {"replicas": 5}, "status": {"replicas": 1}}, subresource="status")
    assert patched["spec"]["replicas"] == 1
    assert patched["status"] == {"replicas": 1}


# ---- watch -------------------------------------------------------------------------------------


def _events(events: list[dict]) -> list[tuple[str, str]]:
    return [(e["type"], e["object"]["metadata"]["name"]) for e in events]


def test_watch_gives_added_modified_deleted(cluster, deploy):
    start = registry.watch_start_revision(cluster)
    create(cluster, DEPLOYMENTS, deployment())
    create(cluster, "configmaps", {"metadata": {"name": "not-a-deployment"}})
    registry.patch(cluster, deploy, "default", "web", MERGE_PATCH, {"spec": {"replicas": 2}})
    registry.delete(cluster, deploy, "default", "web")

    events, next_rev = registry.watch_poll(cluster, deploy, "default", start)
    assert _events(events) == [("ADDED", "web"), ("MODIFIED", "web"), ("DELETED", "web")]
    assert [int(e["object"]["metadata"]["resourceVersion"]) for e in events] == [start + 1, start + 3, start + 4]
    assert all(e["object"]["kind"] == "Deployment" for e in events)
    assert events[1]["object"]["spec"]["replicas"] == 2
    assert events[2]["object"]["spec"]["replicas"] == 2  # the last state
    assert next_rev == revision(cluster)
    assert registry.watch_poll(cluster, deploy, "default", next_rev) == ([], next_rev)


def test_watch_in_a_namespace_and_across_namespaces(cluster):
    cms = by_plural("configmaps")
    create(cluster, "namespaces", {"metadata": {"name": "other"}}, None)
    start = revision(cluster)
    create(cluster, "configmaps", {"metadata": {"name": "here"}})
    create(cluster, "configmaps", {"metadata": {"name": "there"}}, namespace="other")
    assert _events(registry.watch_poll(cluster, cms, "default", start)[0]) == [("ADDED", "here")]
    assert _events(registry.watch_poll(cluster, cms, None, start)[0]) == [("ADDED", "here"), ("ADDED", "there")]


def test_watch_with_a_label_selector_sees_objects_enter_and_leave(cluster):
    pods = by_plural("pods")
    create(cluster, "pods", pod("a", labels={"app": "web"}))
    start = revision(cluster)
    create(cluster, "pods", pod("b", labels={"app": "db"}))
    registry.patch(cluster, pods, "default", "a", MERGE_PATCH, {"metadata": {"labels": {"app": "db"}}})  # leaves
    registry.patch(cluster, pods, "default", "b", MERGE_PATCH, {"metadata": {"labels": {"app": "web"}}})  # enters
    registry.patch(cluster, pods, "default", "b", MERGE_PATCH, {"metadata": {"annotations": {"x": "1"}}})  # stays
    registry.patch(cluster, pods, "default", "a", MERGE_PATCH, {"metadata": {"annotations": {"x": "1"}}})  # never seen
    registry.delete(cluster, pods, "default", "b")

    events, _ = registry.watch_poll(cluster, pods, "default", start, label_selector=parse_label_selector("app=web"))
    assert _events(events) == [("DELETED", "a"), ("ADDED", "b"), ("MODIFIED", "b"), ("DELETED", "b")]
    # Leaving: the previous state of the object, at the revision of the change.
    assert events[0]["object"]["metadata"]["labels"] == {"app": "web"}
    assert events[0]["object"]["metadata"]["resourceVersion"] == str(start + 2)
    assert events[1]["object"]["metadata"]["labels"] == {"app": "web"}


def test_watch_with_a_field_selector(cluster):
    pods = by_plural("pods")
    start = revision(cluster)
    create(cluster, "pods", pod("a"))
    create(cluster, "pods", pod("b"))
    registry.bind(cluster, "default", "b", {"target": {"name": "node-1"}})
    fsel = parse_field_selector("spec.nodeName=node-1", pods.field_selectors, pods.plural)
    events, _ = registry.watch_poll(cluster, pods, "default", start, field_selector=fsel)
    assert _events(events) == [("ADDED", "b")]


def test_watch_from_a_compacted_revision_is_410_expired(cluster, deploy):
    old = revision(cluster)
    for i in range(3):
        create(cluster, DEPLOYMENTS, deployment(f"web-{i}"))
    store.compact(cluster.pk, revision(cluster) - 1)
    err = _raises(lambda: registry.watch_poll(cluster, deploy, "default", old), 410, "Expired")
    assert err.message.startswith("too old resource version")
    assert err.message == f"too old resource version: {old} ({revision(cluster) - 1})"
    events, _ = registry.watch_poll(cluster, deploy, "default", revision(cluster) - 1)
    assert _events(events) == [("ADDED", "web-2")]


def test_watch_poll_pages_through_a_long_history(cluster):
    cms = by_plural("configmaps")
    start = revision(cluster)
    for i in range(5):
        create(cluster, "configmaps", {"metadata": {"name": f"cm-{i}"}})
    first, after = registry.watch_poll(cluster, cms, "default", start, limit=2)
    second, after = registry.watch_poll(cluster, cms, "default", after, limit=2)
    third, after = registry.watch_poll(cluster, cms, "default", after, limit=2)
    assert [e["object"]["metadata"]["name"] for e in first + second + third] == [f"cm-{i}" for i in range(5)]
    assert after == revision(cluster)


# ---- steps ---------------------------------------------------------------------------------------


def test_a_create_records_one_step_2_with_its_revision(cluster):
    seq = last_seq(cluster)
    created = create(cluster, DEPLOYMENTS, deployment())
    (step,) = steps_after(cluster, seq)
    assert (step.step, step.source, step.target, step.action, step.category) == (2, "apiserver", "etcd", "create", "flow")
    assert step.revision == int(created["metadata"]["resourceVersion"])
    assert (step.kind, step.namespace, step.name, step.uid) == ("Deployment", "default", "web", created["metadata"]["uid"])
    assert f"revision {step.revision}" in step.message


def test_an_update_records_step_2_and_a_status_update_step_9(cluster, deploy):
    created = create(cluster, DEPLOYMENTS, deployment())
    seq = last_seq(cluster)
    body = copy.deepcopy(created)
    body["spec"]["replicas"] = 2
    updated = registry.update(cluster, deploy, "default", "web", body)
    body = copy.deepcopy(updated)
    body["status"] = {"replicas": 2}
    status = registry.update(cluster, deploy, "default", "web", body, subresource="status")
    steps = steps_after(cluster, seq)
    assert [(s.step, s.action, s.revision) for s in steps] == [
        # Only a create is step 2 and only a pod Running is step 9: the rest is unnumbered.
        (None, "update", int(updated["metadata"]["resourceVersion"])),
        (None, "update status", int(status["metadata"]["resourceVersion"])),
    ]
    assert all((s.source, s.target) == ("apiserver", "etcd") for s in steps)


@pytest.mark.parametrize("phase,state,number", [
    ("Running", {"running": {"startedAt": "2026-01-01T00:00:00Z"}}, 9),
    ("Pending", {"waiting": {"reason": "ContainerCreating"}}, None),
    ("Running", {"waiting": {"reason": "CrashLoopBackOff"}}, None),
    ("Succeeded", {"terminated": {"exitCode": 0, "reason": "Completed"}}, None),
])
def test_pod_status_update_is_step_9_only_when_every_container_runs(cluster, phase, state, number):
    pods = by_plural("pods")
    create(cluster, "pods", pod())
    registry.bind(cluster, "default", "web", {"target": {"name": "node-1"}})
    seq = last_seq(cluster)
    reported = get(cluster, "pods", "web")
    reported["status"].update(phase=phase, podIP="10.244.1.5", containerStatuses=[
        {"name": "web", "image": "nginx", "imageID": "", "ready": False, "restartCount": 0, "state": state},
    ])
    stored = registry.update(cluster, pods, "default", "web", reported, subresource="status")
    assert stored["status"]["phase"] == phase
    (step,) = steps_after(cluster, seq)
    assert (step.step, step.name, step.revision) == (number, "web", revision(cluster))


@pytest.mark.parametrize("plural,body,category", [
    ("events", {"metadata": {"name": "e"}, "involvedObject": {"kind": "Pod", "name": "web"}}, "event"),
])
def test_writes_outside_the_flow_are_unnumbered(cluster, plural, body, category):
    seq = last_seq(cluster)
    create(cluster, plural, body)
    (step,) = steps_after(cluster, seq)
    assert (step.step, step.category) == (None, category)


# ---- values the API server allocated survive a replace ------------------------------------------


def test_a_replace_without_allocated_values_keeps_them(cluster):
    services = by_plural("services")
    body = {"metadata": {"name": "np"}, "spec": {"type": "NodePort", "selector": {"app": "web"},
                                                 "ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}]}}
    created = create(cluster, "services", body)
    rev = revision(cluster)
    # Re-submitting the same YAML (kubectl replace) keeps clusterIP and nodePorts: nothing changes.
    again = registry.update(cluster, services, "default", "np", copy.deepcopy(body))
    assert again == created
    assert revision(cluster) == rev
    # A port whose nodePort is given keeps it; the other port keeps its own by name.
    fixed = created["spec"]["ports"][0]["nodePort"]
    body["spec"]["ports"][1]["nodePort"] = 32000 if fixed != 32000 else 32001
    updated = registry.update(cluster, services, "default", "np", copy.deepcopy(body))
    assert [p["nodePort"] for p in updated["spec"]["ports"]] == [fixed, body["spec"]["ports"][1]["nodePort"]]
    assert updated["spec"]["clusterIP"] == created["spec"]["clusterIP"]
