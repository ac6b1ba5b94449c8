"""The official kubernetes Python client against /k8s/<cluster>/ (a real HTTPS server)."""
from __future__ import annotations

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from tests.kubeapi.objects import deployment


def test_nodes_and_namespaces_of_the_demo_fixture(kv_cluster):
    core = client.CoreV1Api(kv_cluster.python_client())
    nodes = core.list_node()
    assert [n.metadata.name for n in nodes.items] == ["node-1", "node-2", "node-3"]
    node = core.read_node("node-2")
    assert node.status.capacity == {
        "cpu": "4", "memory": "8Gi", "pods": "110", "ephemeral-storage": "100Gi", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
    }
    assert node.metadata.labels["kubernetes.io/hostname"] == "node-2"
    assert node.metadata.labels["topology.kubernetes.io/zone"] == "zone-b"
    assert node.status.node_info.kubelet_version.startswith("v1.")
    names = {ns.metadata.name for ns in core.list_namespace().items}
    assert names == {"default", "kube-system", "kube-public", "kube-node-lease"}


def test_deployment_create_read_list_patch_delete(kv_cluster):
    apps = client.AppsV1Api(kv_cluster.python_client())
    created = apps.create_namespaced_deployment("default", deployment("web"))
    assert created.spec.strategy.type == "RollingUpdate"
    assert created.spec.strategy.rolling_update.max_surge == "25%"
    assert created.spec.revision_history_limit == 10
    assert created.spec.progress_deadline_seconds == 600
    assert created.metadata.generation == 1
    assert created.spec.template.spec.containers[0].image_pull_policy == "IfNotPresent"

    read = apps.read_namespaced_deployment("web", "default")
    assert read.metadata.uid == created.metadata.uid
    assert [d.metadata.name for d in apps.list_namespaced_deployment("default", label_selector="app=web").items] == ["web"]
    assert apps.list_namespaced_deployment("default", label_selector="app=other").items == []
    assert [d.metadata.name for d in apps.list_deployment_for_all_namespaces().items] == ["web"]

    # A dict body is sent as a strategic merge patch: containers merge by name.
    patched = apps.patch_namespaced_deployment(
        "web", "default", {"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "nginx:1.28"}]}}}}
    )
    assert patched.spec.template.spec.containers[0].image == "nginx:1.28"
    assert patched.metadata.generation == 2
    # A list body is sent as a JSON patch.
    patched = apps.patch_namespaced_deployment("web", "default", [{"op": "replace", "path": "/spec/replicas", "value": 5}])
    assert patched.spec.replicas == 5

    apps.delete_namespaced_deployment("web", "default")
    with pytest.raises(ApiException) as err:
        apps.read_namespaced_deployment("web", "default")
    assert err.value.status == 404


def test_service_configmap_secret_namespace_round_trip(kv_cluster):
    core = client.CoreV1Api(kv_cluster.python_client())
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="team-a")))
    svc = core.create_namespaced_service("team-a", client.V1Service(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1ServiceSpec(selector={"app": "web"}, ports=[client.V1ServicePort(port=80)]),
    ))
    assert svc.spec.type == "ClusterIP"
    assert svc.spec.cluster_ip.startswith("10.")
    assert svc.spec.ports[0].target_port == 80
    cm = core.create_namespaced_config_map("team-a", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cfg"), data={"k": "v"}))
    assert cm.data == {"k": "v"}
    secret = core.create_namespaced_secret("team-a", client.V1Secret(metadata=client.V1ObjectMeta(name="s"), string_data={"pw": "hunter2"}))
    assert secret.type == "Opaque"
    assert secret.data == {"pw": "aHVudGVyMg=="}
    core.patch_namespaced_config_map("cfg", "team-a", {"data": {"k2": "v2"}})
    assert core.read_namespaced_config_map("cfg", "team-a").data == {"k": "v", "k2": "v2"}
    # Deleting the namespace marks it Terminating (the namespace controller empties it);
    # meanwhile it takes no new content.
    core.delete_namespace("team-a")
    assert core.read_namespace("team-a").status.phase == "Terminating"
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map("team-a", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="late")))
    assert err.value.status == 403
    assert "because it is being terminated" in err.value.body


def test_pod_create_with_defaults(kv_cluster):
    core = client.CoreV1Api(kv_cluster.python_client())
    pod = core.create_namespaced_pod("default", client.V1Pod(
        metadata=client.V1ObjectMeta(generate_name="web-"),
        spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx")]),
    ))
    assert pod.metadata.name.startswith("web-") and len(pod.metadata.name) == len("web-") + 5
    assert pod.status.phase == "Pending"
    assert pod.spec.restart_policy == "Always"
    assert pod.spec.termination_grace_period_seconds == 30
    assert pod.spec.containers[0].image_pull_policy == "Always"
    listed = core.list_namespaced_pod("default", field_selector="status.phase=Pending")
    assert [p.metadata.name for p in listed.items] == [pod.metadata.name]


def test_stale_update_gets_kubernetes_conflict(kv_cluster):
    apps = client.AppsV1Api(kv_cluster.python_client())
    first = apps.create_namespaced_deployment("default", deployment("web"))
    apps.patch_namespaced_deployment("web", "default", {"metadata": {"labels": {"tier": "frontend"}}})
    first.spec.replicas = 9
    with pytest.raises(ApiException) as err:
        apps.replace_namespaced_deployment("web", "default", first)
    assert err.value.status == 409
    import json

    assert json.loads(err.value.body)["message"] == (
        'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


def test_invalid_object_is_422_with_causes_and_nothing_written(kv_cluster):
    apps = client.AppsV1Api(kv_cluster.python_client())
    before = kv_cluster.revision()
    bad = deployment("web")
    bad.spec.template.metadata.labels = {"app": "other"}
    with pytest.raises(ApiException) as err:
        apps.create_namespaced_deployment("default", bad)
    assert err.value.status == 422
    import json

    status = json.loads(err.value.body)
    assert status["reason"] == "Invalid"
    assert {"reason": "FieldValueInvalid", "field": "spec.template.metadata.labels"}.items() <= status["details"]["causes"][0].items()
    assert kv_cluster.revision() == before


def test_watch_stream_with_the_python_client(kv_cluster):
    from kubernetes import watch

    api = kv_cluster.python_client()
    core = client.CoreV1Api(api)
    rv = core.list_namespaced_config_map("default").metadata.resource_version
    core.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="a", labels={"w": "1"})))
    core.patch_namespaced_config_map("a", "default", {"data": {"x": "y"}})
    core.delete_namespaced_config_map("a", "default")
    seen = []
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_config_map, "default", resource_version=rv, timeout_seconds=2):
        seen.append((event["type"], event["object"].metadata.name))
        if len(seen) == 3:
            w.stop()
    assert seen == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]


def test_token_is_required_and_scoped_to_its_cluster(live_server_kv):
    one = live_server_kv.new_cluster("one")
    two = live_server_kv.new_cluster("two")
    import requests

    r = requests.get(f"{one.api}/api/v1/nodes", verify=str(live_server_kv.ca))
    assert r.status_code == 401
    assert r.json()["kind"] == "Status" and r.json()["reason"] == "Unauthorized"
    r = requests.get(f"{one.api}/api/v1/nodes", headers={"Authorization": f"Bearer {two.token}"}, verify=str(live_server_kv.ca))
    assert r.status_code == 401
    assert one.session().get(f"{one.api}/api/v1/nodes").status_code == 200


def test_steps_show_1_and_2_for_each_create(kv_cluster):
    apps = client.AppsV1Api(kv_cluster.python_client())
    after = kv_cluster.last_seq()
    apps.create_namespaced_deployment("default", deployment("web"))
    steps = kv_cluster.steps(after)
    assert [(s["step"], s["source"], s["target"]) for s in steps] == [(1, "client", "apiserver"), (2, "apiserver", "etcd")]
    assert steps[0]["client"] == "python-client"
    assert steps[1]["object"]["kind"] == "Deployment" and steps[1]["object"]["name"] == "web"
    assert steps[1]["revision"] == int(apps.read_namespaced_deployment("web", "default").metadata.resource_version)
