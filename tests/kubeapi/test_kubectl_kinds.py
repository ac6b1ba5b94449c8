"""kubectl and the Python client with CronJob, PriorityClass, PodTemplate and
ControllerRevision (rollout history/undo for DaemonSets and StatefulSets), against a
cluster whose engine runs (skipped without kubectl)."""
from __future__ import annotations

import json
import shutil

import pytest
import yaml

from tests.liveserver import ClusterHandle, wait_for

pytestmark = [
    pytest.mark.kubectl,
    pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH"),
]

SPEED = 30  # a simulated minute every two seconds


@pytest.fixture(scope="module")
def kc(live_engine_server) -> ClusterHandle:
    handle = live_engine_server.new_cluster("kinds")
    handle.clock(mode="live", speed=SPEED)
    return handle


def header(out: str) -> list[str]:
    return [c for c in out.splitlines()[0].split("  ") if c.strip()] if out else []


def columns(out: str) -> list[str]:
    return [c.strip() for c in header(out)]


def test_create_cronjob_runs_jobs_and_create_job_from_it(kc):
    kc.kubectl("create", "cronjob", "hello", "--image=busybox:1.36", "--schedule=*/1 * * * *", "--", "date")
    out = kc.kubectl("get", "cronjob", "hello").stdout
    assert columns(out) == ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"]
    assert out.splitlines()[1].split()[:4] == ["hello", "*/1", "*", "*"]  # the schedule's fields, split by whitespace
    cj = json.loads(kc.kubectl("get", "cj", "hello", "-o", "json").stdout)
    assert cj["spec"]["concurrencyPolicy"] == "Allow" and cj["spec"]["successfulJobsHistoryLimit"] == 3

    def scheduled():
        jobs = json.loads(kc.kubectl("get", "jobs", "-o", "json").stdout)["items"]
        return [j for j in jobs if j["metadata"]["name"].startswith("hello-")]
    job = wait_for(scheduled, "a Job from the CronJob")[0]
    assert job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    kc.kubectl("create", "job", "manual", "--from=cronjob/hello")
    manual = json.loads(kc.kubectl("get", "job", "manual", "-o", "json").stdout)
    assert manual["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    assert "SuccessfulCreate" in kc.kubectl("describe", "cronjob", "hello").stdout
    bad = kc.kubectl("create", "cronjob", "bad", "--image=busybox", "--schedule=61 * * * *", check=False)
    assert 'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61' in bad.stderr


def test_priority_classes(kc):
    out = kc.kubectl("get", "priorityclasses").stdout
    assert columns(out) == ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]
    assert {line.split()[0]: line.split()[1] for line in out.splitlines()[1:]} == {
        "system-cluster-critical": "2000000000", "system-node-critical": "2000001000"}
    kc.kubectl("create", "priorityclass", "high", "--value=1000", "--description=important")
    kc.kubectl("run", "vip", "--image=nginx:1.27", "--overrides",
               json.dumps({"spec": {"priorityClassName": "high"}}))
    pod = json.loads(kc.kubectl("get", "pod", "vip", "-o", "json").stdout)
    assert (pod["spec"]["priority"], pod["spec"]["preemptionPolicy"]) == (1000, "PreemptLowerPriority")
    refused = kc.kubectl("run", "nobody", "--image=nginx:1.27", "--overrides",
                         json.dumps({"spec": {"priorityClassName": "missing"}}), check=False)
    assert 'pods "nobody" is forbidden: no PriorityClass with name missing was found' in refused.stderr
    too_high = kc.kubectl("create", "priorityclass", "huge", "--value=2000000000", check=False)
    assert "value: Forbidden: maximum allowed value of a user defined priority is 1000000000" in too_high.stderr


def test_pod_templates(kc, tmp_path):
    path = tmp_path / "pt.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "base"}, "template": {
        "metadata": {"labels": {"app": "base"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}))
    kc.kubectl("create", "-f", str(path))
    out = kc.kubectl("get", "podtemplates").stdout
    assert columns(out) == ["NAME", "CONTAINERS", "IMAGES", "POD LABELS"]
    assert out.splitlines()[1].split() == ["base", "c", "nginx:1.27", "app=base"]
    kc.kubectl("delete", "podtemplate", "base")


@pytest.mark.parametrize("kind", ["daemonset", "statefulset"])
def test_rollout_history_and_undo(kc, kind, tmp_path):
    name = f"r-{kind}"
    body = {"apiVersion": "apps/v1", "kind": kind.capitalize().replace("set", "Set"), "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}}
    if kind == "statefulset":
        body["spec"].update(replicas=1, serviceName=name)
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(body))
    kc.kubectl("apply", "-f", str(path))
    kc.kubectl("rollout", "status", f"{kind}/{name}", "--timeout=55s")
    kc.kubectl("set", "image", f"{kind}/{name}", "c=nginx:1.28")
    kc.kubectl("rollout", "status", f"{kind}/{name}", "--timeout=55s")
    history = kc.kubectl("rollout", "history", f"{kind}/{name}").stdout
    assert [line.split()[0] for line in history.splitlines() if line[:1].isdigit()] == ["1", "2"]
    assert "nginx:1.27" in kc.kubectl("rollout", "history", f"{kind}/{name}", "--revision=1").stdout
    assert "CONTROLLER" in kc.kubectl("get", "controllerrevisions").stdout
    kc.kubectl("rollout", "undo", f"{kind}/{name}", "--to-revision=1")
    image = json.loads(kc.kubectl("get", kind, name, "-o", "json").stdout)["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "nginx:1.27"


def test_python_client_reads_the_new_kinds(kc):
    from kubernetes import client

    api = kc.python_client()
    body = client.V1CronJob(
        metadata=client.V1ObjectMeta(name="py"),
        spec=client.V1CronJobSpec(schedule="@hourly", job_template=client.V1JobTemplateSpec(spec=client.V1JobSpec(
            template=client.V1PodTemplateSpec(spec=client.V1PodSpec(restart_policy="Never", containers=[
                client.V1Container(name="c", image="busybox:1.36")]))))))
    created = client.BatchV1Api(api).create_namespaced_cron_job("default", body)
    assert created.spec.concurrency_policy == "Allow"
    names = [pc.metadata.name for pc in client.SchedulingV1Api(api).list_priority_class().items]
    assert "system-node-critical" in names
    assert isinstance(client.AppsV1Api(api).list_namespaced_controller_revision("default").items, list)
    assert client.CoreV1Api(api).list_namespaced_pod_template("default").items == []
    hpa = client.V1HorizontalPodAutoscaler(
        metadata=client.V1ObjectMeta(name="py"),
        spec=client.V1HorizontalPodAutoscalerSpec(
            scale_target_ref=client.V1CrossVersionObjectReference(api_version="apps/v1", kind="Deployment", name="py"),
            max_replicas=4, target_cpu_utilization_percentage=70))
    client.AutoscalingV1Api(api).create_namespaced_horizontal_pod_autoscaler("default", hpa)
    v2 = client.AutoscalingV2Api(api).read_namespaced_horizontal_pod_autoscaler("py", "default")
    assert v2.spec.metrics[0].resource.target.average_utilization == 70
    notes = [e.note for e in client.EventsV1Api(api).list_namespaced_event("default").items]
    assert any(note and note.startswith("Created job") for note in notes)
    top = client.CustomObjectsApi(api).list_namespaced_custom_object("metrics.k8s.io", "v1beta1", "default", "pods")
    assert top["kind"] == "PodMetricsList"


HPA_MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: php-apache}
spec:
  selector: {matchLabels: {run: php-apache}}
  template:
    metadata:
      labels: {run: php-apache}
      annotations: {kubeviz.io/cpu-usage: 300m}
    spec:
      containers:
      - name: php-apache
        image: registry.k8s.io/hpa-example
        ports: [{containerPort: 80}]
        resources:
          limits: {cpu: 500m}
          requests: {cpu: 200m}
"""


def test_autoscale_top_and_get_hpa(kc, tmp_path):
    """kubectl autoscale, top and get hpa on a deployment kept busy with the cpu-usage lever."""
    path = tmp_path / "php.yaml"
    path.write_text(HPA_MANIFEST)
    kc.kubectl("apply", "-f", str(path))
    kc.kubectl("rollout", "status", "deployment/php-apache", "--timeout=55s")
    top = wait_for(lambda: (r := kc.kubectl("top", "pods", "-l", "run=php-apache", check=False)).returncode == 0 and r.stdout,
                   "kubectl top pods")
    assert columns(top) == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert top.splitlines()[1].split()[1:] == ["300m", "9Mi"]
    nodes = kc.kubectl("top", "nodes").stdout
    assert columns(nodes)[:3] == ["NAME", "CPU(cores)", "CPU(%)"] or columns(nodes)[:3] == ["NAME", "CPU(cores)", "CPU%"]
    kc.kubectl("autoscale", "deployment", "php-apache", "--cpu-percent=50", "--min=1", "--max=10")
    out = kc.kubectl("get", "hpa", "php-apache").stdout
    assert columns(out) == ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]

    def scaled():
        row = kc.kubectl("get", "hpa", "php-apache").stdout.splitlines()[1]
        return row if "cpu: 150%/50%" in row or int(row.split()[-2]) > 1 else None
    row = wait_for(scaled, "the HPA to act")
    assert "Deployment/php-apache" in row
    # Every pod of the template uses 300m (150%), so each new one is as busy: 3, 6, then 10.
    wait_for(lambda: int(kc.kubectl("get", "deploy", "php-apache", "-o", "jsonpath={.spec.replicas}").stdout) >= 3,
             "the deployment scaled up")
    described = kc.kubectl("describe", "hpa", "php-apache").stdout
    assert "New size: 3; reason: cpu resource utilization (percentage of request) above target" in described
