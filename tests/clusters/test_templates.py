"""Cluster templates: the shipped ones check and build settled clusters; broken ones are
refused with every problem at its line; pools, taints and manifests do what they say."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.services import cluster_create
from kubeviz.clusters.templates import TemplateError, template_load, template_names
from kubeviz.engine.runner import settle_cluster

SHIPPED = ["big", "demo", "empty", "minikube", "single-node", "zones"]


def _ready(node: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"]["conditions"])


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def _check(*refs: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("template_check", *refs, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_every_shipped_template_passes_template_check():
    assert template_names() == SHIPPED  # a new template joins this list and the tests below
    out, err = _check()
    assert out.splitlines() == [f"{name}: ok" for name in SHIPPED] and err == ""


@pytest.mark.parametrize(("template", "nodes"), [("demo", 3), ("single-node", 1), ("minikube", 1), ("zones", 6), ("big", 50), ("empty", 0)])
def test_shipped_template_makes_a_cluster_that_settles_with_its_nodes_ready(db, template, nodes):
    cluster = cluster_create(name=f"t-{template}", fixture=template)
    settle_cluster(cluster, horizon=40)  # past the grace period: heartbeats keep them Ready
    got = registry.objects(cluster, "nodes")
    assert len(got) == nodes
    assert all(_ready(n) for n in got)
    assert {ns["metadata"]["name"] for ns in registry.objects(cluster, "namespaces")} >= {"default", "kube-system"}


def test_demo_template_keeps_todays_demo_cluster(db):
    cluster = cluster_create(name="demo", fixture="demo")
    nodes = {n["metadata"]["name"]: n for n in registry.objects(cluster, "nodes")}
    assert sorted(nodes) == ["node-1", "node-2", "node-3"]
    assert [nodes[f"node-{i}"]["metadata"]["labels"]["topology.kubernetes.io/zone"] for i in (1, 2, 3)] == [
        "zone-a", "zone-b", "zone-c"]
    assert all("taints" not in n["spec"] for n in nodes.values())
    assert cluster.seed == 1 and cluster.clock_speed == 1.0
    assert cluster.settings == {"nodeMonitorGracePeriod": 16, "nodeLeaseDurationSeconds": 16, "defaultTolerationSeconds": 20}


GOOD = """\
name: {name}
description: a test template
seed: 7
settings: {{speed: 2, maxPods: 30, maxNodes: 4}}
nodes:
  - {{name: web, count: 2, cpu: 2, memory: 4Gi, zones: [zone-x, zone-y], labels: {{tier: web}}}}
  - name: gpu
    count: 1
    taints:
      - {{key: nvidia.com/gpu, effect: NoExecute}}
manifests:
  - 01-nginx-deployment-service.yaml
  - apiVersion: v1
    kind: ConfigMap
    metadata: {{name: welcome, namespace: default}}
    data: {{hello: world}}
"""


def test_template_settings_pools_and_manifests_are_applied_at_creation(db, tmp_path):
    path = _write(tmp_path, "lesson", GOOD.format(name="lesson"))
    cluster = cluster_create(name="lesson", fixture=str(path))
    assert (cluster.seed, cluster.clock_speed) == (7, 2.0)
    assert cluster.settings == {"maxPods": 30, "maxNodes": 4}
    nodes = {n["metadata"]["name"]: n for n in registry.objects(cluster, "nodes")}
    assert sorted(nodes) == ["gpu-1", "web-1", "web-2"]
    assert nodes["web-2"]["metadata"]["labels"]["topology.kubernetes.io/zone"] == "zone-y"
    assert nodes["web-1"]["metadata"]["labels"]["tier"] == "web"
    assert nodes["web-1"]["status"]["capacity"]["cpu"] == "2"
    assert nodes["gpu-1"]["spec"]["taints"] == [{"key": "nvidia.com/gpu", "effect": "NoExecute"}]
    # The manifests went through the API server as the manifest form's do (step 1 from the form).
    registry.get(cluster, by_plural("deployments"), "default", "web")
    registry.get(cluster, by_plural("services"), "default", "web")
    config = registry.get(cluster, by_plural("configmaps"), "default", "welcome")
    assert config["data"] == {"hello": "world"}
    assert "kubectl.kubernetes.io/last-applied-configuration" in config["metadata"]["annotations"]


def test_a_manifest_the_api_server_refuses_leaves_no_cluster_behind(db, tmp_path):
    text = GOOD.format(name="refused").replace("data: {hello: world}", "data: {'bad key!': x}")
    path = _write(tmp_path, "refused", text)
    with pytest.raises(TemplateError) as exc:
        cluster_create(name="refused", fixture=str(path))
    assert str(exc.value).startswith(f"{path}:13: manifests[1]: ")
    assert "data[bad key!]" in str(exc.value) or "bad key!" in str(exc.value)
    assert not Cluster.objects.filter(name="refused").exists()


BASE = "name: broken\ndescription: a broken template\n"


@pytest.mark.parametrize(("body", "expected"), [
    ("nodes:\n  - name: a\n    count: 1\n    taints:\n      - {key: k, effect: NoWay}\n",
     "broken.yaml:7: nodes[0].taints[0].effect: must be one of NoSchedule, PreferNoSchedule, NoExecute"),
    ("nodes:\n  - {name: a, count: 1, colour: red}\n",
     "broken.yaml:4: nodes[0].colour: unknown key (the keys are: count, cpu, labels, memory, name, pods, taints, zone, zones)"),
    ("nodes:\n  - {name: a, count: 201}\n", "broken.yaml:4: nodes[0].count: must be between 1 and 200 (got 201)"),
    ("nodes:\n  - {name: a, count: 0}\n", "broken.yaml:4: nodes[0].count: must be between 1 and 200 (got 0)"),
    ("nodes:\n  - {name: a, count: 150}\n  - {name: b, count: 60}\n",
     "broken.yaml:3: nodes: 210 nodes in all; at most 200 (the most a template may have)"),
    ("settings: {maxNodes: 2}\nnodes:\n  - {name: a, count: 3}\n",
     "broken.yaml:4: nodes: 3 nodes in all; at most 2 (settings.maxNodes)"),
    ("nodes:\n  - {name: a, count: 2}\n  - {name: a, count: 1}\n",
     "broken.yaml:5: nodes[1].name: node a-1 is also made by nodes[0]; node names must be unique"),
    ("nodes:\n  - {name: a, count: 1, memory: 8GB}\n",
     "broken.yaml:4: nodes[0].memory: '8GB' is not a quantity"),
    ("nodes:\n  - {name: a, count: 1, cpu: '-1'}\n", "broken.yaml:4: nodes[0].cpu: must be greater than 0"),
    ("nodes:\n  - {name: Node_A, count: 1}\n", "broken.yaml:4: nodes[0].name: a lowercase RFC 1123 label"),
    ("nodes:\n  - {name: a, count: 1, zone: zone-a, zones: [zone-b]}\n",
     "broken.yaml:4: nodes[0].zones: give zone or zones, not both"),
    ("nodes:\n  - {name: a, count: 1, labels: {topology.kubernetes.io/zone: z}}\n",
     "broken.yaml:4: nodes[0].labels.topology.kubernetes.io/zone: the kubelet sets this label itself"),
    ("nodes:\n  - {name: a, count: 1, labels: {gpu: true}}\n", "broken.yaml:4: nodes[0].labels.gpu: must be a string (got true; quote it)"),
    ("nodes:\n  - name: a\n    count: 1\n    taints:\n      - {key: k, effect: NoSchedule}\n      - {key: k, value: v, effect: NoSchedule}\n",
     "broken.yaml:8: nodes[0].taints[1]: taints must be unique by key and effect pair"),
    ("settings:\n  speed: 500\n", "broken.yaml:4: settings.speed: must be between 0.05 and 100 (got 500)"),
    ("settings:\n  nodeMonitorGracePeriod: soon\n", "broken.yaml:4: settings.nodeMonitorGracePeriod: must be a number (got 'soon')"),
    ("settings:\n  clockSpeed: 2\n", "broken.yaml:4: settings.clockSpeed: unknown key"),
    ("zones: 3\n", "broken.yaml:3: zones: unknown key (the keys are: description, manifests, name, nodes, seed, settings)"),
    ("seed: -1\n", "broken.yaml:3: seed: must be between 0 and 2147483647 (got -1)"),
    ("nodes: {name: a}\n", "broken.yaml:3: nodes: must be a list of node pools (got a mapping)"),
    ("manifests:\n  - no-such-file.yaml\n", "broken.yaml:4: manifests[0]: 'no-such-file.yaml': no such file in fixtures/manifests/"),
    ("manifests:\n  - ../clusters/demo.yaml\n", "broken.yaml:4: manifests[0]: '../clusters/demo.yaml': must be a file name inside fixtures/manifests/"),
    ("manifests:\n  - {apiVersion: v1, kind: Widget, metadata: {name: w}}\n",
     'broken.yaml:4: manifests[0]: no matches for kind "Widget" in version "v1"'),
    ("name: again\n", "broken.yaml:3: name: given twice (each key may appear once)"),
    ("x: &a 1\n", "broken.yaml:3: YAML anchors are not allowed"),
    ("nodes: [\n", "broken.yaml:4: "),
    ("# " + "x" * 300_000 + "\n", "broken.yaml: the file is 300047 bytes; the limit is 262144"),
])
def test_broken_template_is_refused_with_its_line(tmp_path, body, expected):
    path = _write(tmp_path, "broken", BASE + body)
    with pytest.raises(CommandError):
        _check(str(path))
    with pytest.raises(TemplateError) as exc:
        template_load(str(path))
    assert any(str(p).startswith(f"{path.parent}/{expected}") for p in exc.value.problems), str(exc.value)


def test_every_problem_is_reported_at_once(tmp_path):
    path = _write(tmp_path, "many", "name: other\ndescription: |\n  two\n  lines\nnodes:\n  - {name: a}\n"
                                     "settings: {speed: 0}\n")
    with pytest.raises(TemplateError) as exc:
        template_load(str(path))
    assert [str(p).removeprefix(f"{path}:") for p in exc.value.problems] == [
        '1: name: must match the file name ("many")',
        "2: description: must be one line (it is shown in a picker)",
        "6: nodes[0]: count is required",
        "7: settings.speed: must be between 0.05 and 100 (got 0)",
    ]


def test_template_check_names_an_unknown_template():
    with pytest.raises(CommandError):
        _check("nope")
    with pytest.raises(TemplateError, match=r'no template "nope" \(the templates are: big, demo, empty, minikube, single-node, zones\)'):
        template_load("nope")


def test_loadfixture_builds_from_a_template_once(db):
    out = io.StringIO()
    call_command("loadfixture", "zones", "--name", "pools", stdout=out)
    call_command("loadfixture", "zones", "--name", "pools", stdout=out)
    assert out.getvalue().splitlines() == ["cluster pools: created", "cluster pools: already exists, kept"]
    assert Cluster.objects.get(name="pools").fixture == "zones"
    with pytest.raises(CommandError, match="no template"):
        call_command("loadfixture", "nope")


def test_the_example_in_the_authors_guide_checks_and_builds(db, tmp_path):
    guide = (Path(__file__).resolve().parents[2] / "docs" / "cluster-templates.md").read_text()
    example = guide.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = _write(tmp_path, "gpu-lesson", example)
    cluster = cluster_create(name="gpu-lesson", fixture=str(path))
    nodes = {n["metadata"]["name"]: n for n in registry.objects(cluster, "nodes")}
    assert sorted(nodes) == ["gpu-1", "web-1", "web-2"]
    assert nodes["gpu-1"]["spec"]["taints"] == [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]
