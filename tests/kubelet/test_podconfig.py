"""A pod that needs a ConfigMap or Secret: it waits until they exist, with the real kubelet's
states and messages (CreateContainerConfigError; FailedMount in ContainerCreating)."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from tests.kubelet.test_kubelet import make_pod, pod, settle


def message_of(cluster, name: str, reason: str) -> list[str]:
    return [e["message"] for e in registry.objects(cluster, "events", "default")
            if e["involvedObject"]["name"] == name and e["reason"] == reason]


def make(cluster, plural: str, name: str, data: dict[str, str]) -> None:
    registry.create(cluster, by_plural(plural), "default", {"metadata": {"name": name}, "data": data})


CM = {"configMapKeyRef": {"name": "app-config", "key": "log-level"}}
SECRET = {"secretKeyRef": {"name": "db", "key": "password"}}


@pytest.mark.parametrize("container,existing,error", [
    ({"env": [{"name": "LOG_LEVEL", "valueFrom": CM}]}, [], 'configmap "app-config" not found'),
    ({"env": [{"name": "LOG_LEVEL", "valueFrom": CM}]}, [("configmaps", "app-config", {"LOG_LEVEL": "debug"})],
     "couldn't find key log-level in ConfigMap default/app-config"),
    ({"env": [{"name": "PASSWORD", "valueFrom": SECRET}]}, [], 'secret "db" not found'),
    ({"env": [{"name": "PASSWORD", "valueFrom": SECRET}]}, [("secrets", "db", {"user": "YQ=="})],
     "couldn't find key password in Secret default/db"),
    ({"envFrom": [{"configMapRef": {"name": "app-config"}}]}, [], 'configmap "app-config" not found'),
    ({"envFrom": [{"secretRef": {"name": "db"}}]}, [], 'secret "db" not found'),
])
def test_a_missing_env_source_is_a_create_container_config_error(cluster, container, existing, error):
    for plural, name, data in existing:
        make(cluster, plural, name, data)
    make_pod(cluster, "api", containers=[{"name": "main", "image": "nginx:1.27", **container}])
    settle(cluster, 30)
    status = pod(cluster, "api")["status"]
    assert status["phase"] == "Pending"
    assert status["containerStatuses"][0]["state"]["waiting"] == {"reason": "CreateContainerConfigError", "message": error}
    # The image was pulled first: the environment is built just before the container is created.
    assert message_of(cluster, "api", "Pulled") and f"Error: {error}" in message_of(cluster, "api", "Failed")


def test_the_pod_starts_once_its_configmap_key_exists(cluster):
    make_pod(cluster, "api", containers=[{"name": "main", "image": "nginx:1.27",
                                          "env": [{"name": "LOG_LEVEL", "valueFrom": CM}]}])
    settle(cluster, 30)
    make(cluster, "configmaps", "app-config", {"log-level": "debug"})
    settle(cluster, 30)
    status = pod(cluster, "api")["status"]
    assert status["phase"] == "Running" and status["containerStatuses"][0]["ready"] is True


def test_optional_references_never_stop_a_pod(cluster):
    make_pod(cluster, "api", containers=[{"name": "main", "image": "nginx:1.27", "env": [
        {"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {**CM["configMapKeyRef"], "optional": True}}}]}],
        volumes=[{"name": "creds", "secret": {"secretName": "db", "optional": True}}])
    settle(cluster, 30)
    assert pod(cluster, "api")["status"]["phase"] == "Running"


@pytest.mark.parametrize("volume,error", [
    ({"secret": {"secretName": "db"}}, 'secret "db" not found'),
    ({"configMap": {"name": "app-config"}}, 'configmap "app-config" not found'),
    ({"projected": {"sources": [{"secret": {"name": "db"}}]}}, 'secret "db" not found'),
])
def test_a_missing_volume_source_keeps_the_pod_container_creating(cluster, volume, error):
    make_pod(cluster, "report", volumes=[{"name": "creds", **volume}])
    settle(cluster, 30)
    status = pod(cluster, "report")["status"]
    assert status["containerStatuses"][0]["state"]["waiting"]["reason"] == "ContainerCreating"
    assert {c["type"]: c["status"] for c in status["conditions"]}["PodReadyToStartContainers"] == "False"
    assert "podIP" not in status
    assert message_of(cluster, "report", "FailedMount") == [f'MountVolume.SetUp failed for volume "creds" : {error}']
    # Nothing was pulled: volumes are mounted before any image is.
    assert message_of(cluster, "report", "Pulling") == []


def test_the_pod_starts_once_its_secret_exists(cluster):
    make_pod(cluster, "report", volumes=[{"name": "creds", "secret": {"secretName": "db"}}])
    settle(cluster, 30)
    make(cluster, "secrets", "db", {"password": "czNjcjN0"})
    settle(cluster, 30)
    status = pod(cluster, "report")["status"]
    assert status["phase"] == "Running" and status["containerStatuses"][0]["ready"] is True


def test_the_process_sees_the_values_of_its_configmap_and_secret(cluster):
    """What `kubectl logs` shows: the environment built from a ConfigMap and a Secret (decoded),
    envFrom first with its prefix, env after it."""
    from kubeviz.kubelet.logs import log_lines, log_source

    make(cluster, "configmaps", "app-config", {"log-level": "debug", "MODE": "fast"})
    make(cluster, "secrets", "db", {"password": "czNjcjN0"})
    make_pod(cluster, "api", containers=[{
        "name": "main", "image": "busybox:1.36",
        "command": ["sh", "-c", "echo level=$LOG_LEVEL password=$PASSWORD mode=$APP_MODE; sleep infinity"],
        "envFrom": [{"configMapRef": {"name": "app-config"}, "prefix": "APP_"}],
        "env": [{"name": "LOG_LEVEL", "valueFrom": CM}, {"name": "PASSWORD", "valueFrom": SECRET}],
    }])
    settle(cluster, 30)
    lines = [line.text for line in log_lines(cluster, log_source(pod(cluster, "api"), "main", False))]
    assert lines == ["level=debug password=s3cr3t mode=fast"]
    # The stored pod still names its sources, not their values.
    assert pod(cluster, "api")["spec"]["containers"][0]["env"][0]["valueFrom"] == CM
