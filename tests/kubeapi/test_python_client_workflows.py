"""The kubectl workflows again, through the official kubernetes Python client (always runs).

One cluster with a running engine serves the module, its clock sped up; each test works in
its own namespace. Waiting is done with the client's own watch where it can be.
"""
from __future__ import annotations

import json
import re

import pytest
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from tests.kubeapi.objects import deployment
from tests.liveserver import ClusterHandle, wait_for

SPEED = 5


@pytest.fixture(scope="module")
def handle(live_engine_server) -> ClusterHandle:
    h = live_engine_server.new_cluster("pyclient")
    h.clock(mode="live", speed=SPEED)
    return h


@pytest.fixture(scope="module")
def api(handle) -> client.ApiClient:
    return handle.python_client()


@pytest.fixture
def ns(api, request) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower().removeprefix("test_"))[:50].strip("-")
    client.CoreV1Api(api).create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    return name



def rolled_out(d: client.V1Deployment) -> bool:
    """kubectl's rollout status condition (polymorphichelpers/rollout_status.go)."""
    s = d.status
    return (
        (s.observed_generation or 0) >= d.metadata.generation
        and (s.updated_replicas or 0) == d.spec.replicas
        and (s.replicas or 0) == (s.updated_replicas or 0)
        and (s.available_replicas or 0) >= (s.updated_replicas or 0)
    )


def watch_until(list_fn, namespace: str, predicate, *, timeout: int = 90, **kwargs):
    """Stream a watch until an object satisfies ``predicate``; returns it."""
    w = watch.Watch()
    for event in w.stream(list_fn, namespace, timeout_seconds=timeout, **kwargs):
        if event["type"] != "DELETED" and predicate(event["object"]):
            w.stop()
            return event["object"]
    raise AssertionError(f"watch ended before the condition held ({list_fn.__name__} in {namespace})")


def create_and_roll_out(api, ns: str, body: client.V1Deployment) -> client.V1Deployment:
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment(ns, body)
    name = body.metadata.name
    return watch_until(apps.list_namespaced_deployment, ns, rolled_out, field_selector=f"metadata.name={name}")


def status_of(err: ApiException) -> dict:
    return json.loads(err.body)


# ---- lists and watches -----------------------------------------------------------------------


def test_list_pagination_keeps_one_resource_version(api, ns):
    core = client.CoreV1Api(api)
    for i in range(5):
        core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name=f"cm-{i}", labels={"set": "p"})))
    names, pages, token, versions = [], 0, None, set()
    while True:
        page = core.list_namespaced_config_map(ns, label_selector="set=p", limit=2, _continue=token)
        names += [c.metadata.name for c in page.items]
        versions.add(page.metadata.resource_version)
        pages += 1
        token = page.metadata._continue
        if not token:
            break
    assert names == [f"cm-{i}" for i in range(5)] and pages == 3 and len(versions) == 1
    with pytest.raises(ApiException) as err:
        core.list_namespaced_config_map(ns, limit=2, _continue="not-a-token")
    assert err.value.status == 400 and status_of(err.value)["reason"] == "BadRequest"


def test_watch_selector_transitions(api, ns):
    """An object that stops matching a watcher's selector is DELETED for it, and ADDED when it
    matches again (test/e2e/apimachinery/watch.go)."""
    core = client.CoreV1Api(api)
    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="a", labels={"w": "yes"})))
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="b", labels={"w": "yes"})))
    core.patch_namespaced_config_map("a", ns, {"metadata": {"labels": {"w": "no"}}})
    core.patch_namespaced_config_map("a", ns, {"data": {"x": "1"}})
    core.patch_namespaced_config_map("a", ns, {"metadata": {"labels": {"w": "yes"}}})
    core.delete_namespaced_config_map("b", ns)
    expected = [("ADDED", "a"), ("ADDED", "b"), ("DELETED", "a"), ("ADDED", "a"), ("DELETED", "b")]
    seen = []
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_config_map, ns, label_selector="w=yes", resource_version=rv, timeout_seconds=10):
        seen.append((event["type"], event["object"].metadata.name))
        if len(seen) == len(expected):
            w.stop()
    assert seen == expected
    # The same with a field selector: only "b", and its deletion.
    seen = []
    for event in w.stream(core.list_namespaced_config_map, ns, field_selector="metadata.name=b", resource_version=rv, timeout_seconds=10):
        seen.append(event["type"])
        if len(seen) == 2:
            w.stop()
    assert seen == ["ADDED", "DELETED"]


def test_watch_from_a_compacted_revision_is_410_expired(handle, api, ns):
    core = client.CoreV1Api(api)
    old = core.list_namespaced_config_map(ns).metadata.resource_version
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="a")))
    head = core.list_namespaced_config_map(ns).metadata.resource_version
    handle.server.manage("shell", "-c", (
        "from kubeviz.etcd import store; from kubeviz.clusters.models import Cluster; "
        f"store.compact(Cluster.objects.get(name='{handle.name}').pk, {head})"
    ))
    r = handle.session().get(f"{handle.api}/api/v1/namespaces/{ns}/configmaps",
                             params={"watch": "true", "resourceVersion": old, "timeoutSeconds": "5"})
    (line,) = r.text.splitlines()
    event = json.loads(line)
    assert event["type"] == "ERROR"
    assert {k: event["object"][k] for k in ("kind", "code", "reason")} == {"kind": "Status", "code": 410, "reason": "Expired"}
    assert re.fullmatch(rf"too old resource version: {old} \(\d+\)", event["object"]["message"])
    # The Python client turns it into an ApiException (after retrying once, as it does).
    with pytest.raises(ApiException) as err:
        for _ in watch.Watch().stream(core.list_namespaced_config_map, ns, resource_version=old, timeout_seconds=5):
            pass
    assert err.value.status == 410 and "Expired" in err.value.reason
    # A list continue token from before the compaction is refused the same way.
    with pytest.raises(ApiException) as err:
        core.list_namespaced_config_map(ns, limit=1, _continue=_continue_token(int(old)))
    assert err.value.status == 410 and status_of(err.value)["reason"] == "Expired"


def _continue_token(revision: int) -> str:
    """A continue token as a list at ``revision`` hands them out."""
    import base64

    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": "/registry/configmaps/x"}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def test_watch_timeout_and_bookmarks(handle, ns):
    """timeoutSeconds ends the stream; with allowWatchBookmarks a BOOKMARK comes 2 s before it
    ends (the cacher's nextBookmarkTime), carrying the revision to resume from."""
    s = handle.session()
    url = f"{handle.api}/api/v1/namespaces/{ns}/configmaps"
    rv = s.get(url).json()["metadata"]["resourceVersion"]
    r = s.get(url, params={"watch": "1", "resourceVersion": rv, "allowWatchBookmarks": "true", "timeoutSeconds": "3"})
    events = [json.loads(line) for line in r.text.splitlines()]
    assert [e["type"] for e in events] == ["BOOKMARK"]
    assert events[0]["object"]["kind"] == "ConfigMap" and int(events[0]["object"]["metadata"]["resourceVersion"]) >= int(rv)
    r = s.get(url, params={"watch": "1", "resourceVersion": rv, "timeoutSeconds": "1"})
    assert r.status_code == 200 and r.text == ""
    # The headers come when the watch starts, before any event (client-go waits for them).
    with s.get(url, params={"watch": "1", "resourceVersion": rv, "timeoutSeconds": "60"}, stream=True, timeout=20) as r:
        assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"


def test_watch_list_sends_initial_events_then_the_end_bookmark(handle, api, ns):
    core = client.CoreV1Api(api)
    for name in ("a", "b"):
        core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name)))
    s = handle.session()
    url = f"{handle.api}/api/v1/namespaces/{ns}/configmaps"
    r = s.get(url, params={"watch": "1", "sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan",
                           "allowWatchBookmarks": "true", "timeoutSeconds": "1"})
    events = [json.loads(line) for line in r.text.splitlines()]
    assert [(e["type"], e["object"]["metadata"].get("name")) for e in events] == [("ADDED", "a"), ("ADDED", "b"), ("BOOKMARK", None)]
    assert events[-1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    # Without NotOlderThan and bookmarks, the request is invalid (ValidateListOptions).
    r = s.get(url, params={"watch": "1", "sendInitialEvents": "true"})
    assert r.status_code == 422
    status = r.json()
    assert status["reason"] == "Invalid"
    assert {c["field"] for c in status["details"]["causes"]} == {"resourceVersionMatch", "allowWatchBookmarks"}


# ---- scale, rollouts, events -----------------------------------------------------------------


def test_scale_subresource(api, ns):
    apps = client.AppsV1Api(api)
    create_and_roll_out(api, ns, deployment("web", replicas=1))
    scale = apps.read_namespaced_deployment_scale("web", ns)
    assert (scale.spec.replicas, scale.status.replicas, scale.status.selector) == (1, 1, "app=web")
    scale = apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 3}})
    assert scale.spec.replicas == 3
    done = watch_until(apps.list_namespaced_deployment, ns, rolled_out, field_selector="metadata.name=web")
    assert done.status.ready_replicas == 3
    current = apps.read_namespaced_deployment_scale("web", ns)
    current.spec.replicas = 2
    assert apps.replace_namespaced_deployment_scale("web", ns, current).spec.replicas == 2
    current.spec.replicas = 4  # its resourceVersion is stale now
    with pytest.raises(ApiException) as err:
        apps.replace_namespaced_deployment_scale("web", ns, current)
    assert err.value.status == 409 and status_of(err.value)["reason"] == "Conflict"
    with pytest.raises(ApiException) as err:
        apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": -1}})
    assert err.value.status == 422 and status_of(err.value)["details"]["causes"][0]["field"] == "spec.replicas"


def test_rolling_update_and_rollback_by_patch(api, ns):
    apps = client.AppsV1Api(api)
    create_and_roll_out(api, ns, deployment("web", image="nginx:1.27"))
    apps.patch_namespaced_deployment("web", ns, {"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "nginx:1.28"}]}}}})
    done = watch_until(apps.list_namespaced_deployment, ns, rolled_out, field_selector="metadata.name=web")
    assert done.metadata.annotations["deployment.kubernetes.io/revision"] == "2"
    sets = {rs.metadata.annotations["deployment.kubernetes.io/revision"]: rs for rs in apps.list_namespaced_replica_set(ns, label_selector="app=web").items}
    assert sets["2"].spec.replicas == 2 and sets["1"].spec.replicas == 0
    assert sets["1"].metadata.owner_references[0].uid == done.metadata.uid
    # What kubectl rollout undo does: copy the old ReplicaSet's template back (a JSON patch).
    template = api.sanitize_for_serialization(sets["1"].spec.template)
    template["metadata"]["labels"].pop("pod-template-hash")
    apps.patch_namespaced_deployment("web", ns, [{"op": "replace", "path": "/spec/template", "value": template}])
    done = watch_until(apps.list_namespaced_deployment, ns, rolled_out, field_selector="metadata.name=web")
    assert done.spec.template.spec.containers[0].image == "nginx:1.27"
    assert done.metadata.annotations["deployment.kubernetes.io/revision"] == "3"


def test_events_by_involved_object_field_selector(api, ns):
    core = client.CoreV1Api(api)
    create_and_roll_out(api, ns, deployment("web", replicas=1))
    (pod,) = core.list_namespaced_pod(ns, label_selector="app=web").items
    selector = ",".join([
        f"involvedObject.name={pod.metadata.name}", f"involvedObject.namespace={ns}",
        "involvedObject.kind=Pod", f"involvedObject.uid={pod.metadata.uid}",
    ])
    events = core.list_namespaced_event(ns, field_selector=selector).items
    assert {"Scheduled", "Pulled", "Created", "Started"} <= {e.reason for e in events}  # Pulling only if not present
    assert {e.involved_object.name for e in events} == {pod.metadata.name}
    assert core.list_namespaced_event(ns, field_selector="involvedObject.kind=Deployment").items[0].reason == "ScalingReplicaSet"
    with pytest.raises(ApiException) as err:
        core.list_namespaced_event(ns, field_selector="involvedObject.colour=blue")
    assert err.value.status == 400 and "involvedObject.colour" in status_of(err.value)["message"]


# ---- delete propagation ------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["Background", "Foreground", "Orphan"])
def test_delete_propagation(api, ns, policy):
    apps = client.AppsV1Api(api)
    core = client.CoreV1Api(api)
    create_and_roll_out(api, ns, deployment("web"))
    apps.delete_namespaced_deployment("web", ns, body=client.V1DeleteOptions(propagation_policy=policy))
    if policy == "Foreground":
        # The owner stays, marked, until its dependents (pods with a grace period) are gone.
        owner = apps.read_namespaced_deployment("web", ns)
        assert owner.metadata.deletion_timestamp and owner.metadata.finalizers == ["foregroundDeletion"]
    wait_for(lambda: _read_or_none(apps.read_namespaced_deployment, "web", ns) is None, "the deployment to go")
    if policy == "Orphan":
        (rs,) = apps.list_namespaced_replica_set(ns, label_selector="app=web").items
        assert rs.metadata.owner_references is None
        assert len(core.list_namespaced_pod(ns, label_selector="app=web").items) == 2
    else:
        wait_for(lambda: not apps.list_namespaced_replica_set(ns, label_selector="app=web").items, "the replicasets to go")
        wait_for(lambda: not core.list_namespaced_pod(ns, label_selector="app=web").items, "the pods to go")


def _read_or_none(read, name: str, ns: str):
    try:
        return read(name, ns)
    except ApiException as err:
        if err.status == 404:
            return None
        raise


# ---- refusals and steps -------------------------------------------------------------------------


def test_unsupported_resources_and_subresources_are_statuses(api, ns):
    core = client.CoreV1Api(api)
    core.create_namespaced_pod(ns, client.V1Pod(
        metadata=client.V1ObjectMeta(name="one"), spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx")]),
    ))
    cases = [
        (lambda: core.list_namespaced_replication_controller(ns), 404, "NotFound", "ReplicationController (v1) is a Kubernetes kind that kubeviz does not serve yet"),
        (lambda: client.StorageV1Api(api).list_csi_driver(), 404, "NotFound", "csidrivers"),
        (lambda: core.connect_get_node_proxy("node-1"), 405, "MethodNotAllowed", "nodes/proxy is not supported by kubeviz"),
    ]
    for call, code, reason, words in cases:
        with pytest.raises(ApiException) as err:
            call()
        status = status_of(err.value)
        assert (err.value.status, status["kind"], status["reason"], status["code"]) == (code, "Status", reason, code)
        assert words in status["message"]


def test_every_python_client_request_is_step_1(handle, api, ns):
    after = handle.last_seq()
    core = client.CoreV1Api(api)
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="c")))
    core.read_namespaced_config_map("c", ns)
    core.delete_namespaced_config_map("c", ns)
    # Only our ConfigMap: the namespace's controllers (ServiceAccount, root CA) write there too.
    ours = [
        s for s in handle.steps(after)
        if s["step"] == 1 and s["object"]["namespace"] == ns and s["object"].get("name") == "c"
        and s["object"].get("kind") == "ConfigMap"
    ]
    assert [(s["action"], s["client"], s["source"], s["target"]) for s in ours] == [
        (verb, "python-client", "client", "apiserver") for verb in ("create", "get", "delete")
    ]
