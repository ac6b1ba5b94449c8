"""Every action kind, played in settle mode, judged by the cluster it leaves behind."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from kubeviz.clusters.models import Cluster
from kubeviz.flow.models import Step

from .conftest import Played


def _pods(p: Played, selector: str = "app=web") -> list[dict]:
    return sorted(p.objects("pods", selector), key=lambda o: o["metadata"]["name"])


def _image(p: Played) -> str:
    return p.get("deployments", "web")["spec"]["template"]["spec"]["containers"][0]["image"]


def _first_pod(p: Played) -> str:
    return _pods(p)[0]["metadata"]["name"]


def _restarts(p: Played) -> list[int]:
    return [cs["restartCount"] for pod in _pods(p) for cs in pod["status"].get("containerStatuses", [])]


def _settings(p: Played) -> dict:
    p.cluster.refresh_from_db()
    return p.cluster.settings or {}


# (id, actions to play first, the action, what it prints, what must hold afterwards (settled))
CASES: list[tuple[str, list[dict], dict, str, Callable[[Played, dict], bool]]] = [
    ("apply", [], {"apply": "manifests/settings.yaml"}, "configmap/settings created",
     lambda p, _: p.get("configmaps", "settings")["data"] == {"colour": "blue"}),
    ("manifest", [], {"manifest": "apiVersion: v1\nkind: Pod\nmetadata: {name: solo}\nspec: {containers: [{name: c, image: busybox}]}\n"},
     "pod/solo created", lambda p, _: p.get("pods", "solo")["status"]["phase"] == "Running"),
    ("scale", [], {"do": "scale", "name": "web", "replicas": 4}, "deployment.apps/web scaled",
     lambda p, _: len(_pods(p)) == 4 and all(o["status"]["phase"] == "Running" for o in _pods(p))),
    ("set-image", [], {"do": "set-image", "name": "web", "image": "nginx:1.28"}, "deployment.apps/web image updated",
     lambda p, _: {c["image"] for o in _pods(p) for c in o["spec"]["containers"]} == {"nginx:1.28"}),
    ("undo", [{"do": "set-image", "name": "web", "image": "nginx:1.28", "container": "main"}, {"settle": 60}],
     {"do": "undo", "name": "web"}, "deployment.apps/web rolled back to revision 1", lambda p, _: _image(p) == "nginx:1.27"),
    ("pod-delete by selector", [], {"do": "pod-delete", "selector": "app=web"}, 'pod "{first}" deleted',
     lambda p, before: before["first"] not in {o["metadata"]["name"] for o in _pods(p)} and len(_pods(p)) == 2),
    ("pod-delete by name", [], {"do": "pod-delete", "name": "{first}"}, 'pod "{first}" deleted',
     lambda p, before: before["first"] not in {o["metadata"]["name"] for o in _pods(p)}),
    ("pod-crash", [], {"do": "pod-crash", "selector": "app=web"}, "pod/{first}: its containers crash now",
     lambda p, _: sum(_restarts(p)) >= 1),
    ("node-fail", [], {"do": "node-fail", "node": "node-2"}, "node/node-2 failed (its kubelet stopped)",
     lambda p, _: _settings(p)["failed_nodes"] == ["node-2"]),
    ("node-recover", [{"do": "node-fail", "node": "node-2"}], {"do": "node-recover", "node": "node-2"}, "node/node-2 recovered",
     lambda p, _: _settings(p)["failed_nodes"] == []),
    ("node-cordon", [], {"do": "node-cordon", "node": "node-2"}, "node/node-2 cordoned",
     lambda p, _: p.get("nodes", "node-2")["spec"]["unschedulable"] is True),
    ("node-uncordon", [{"do": "node-cordon", "node": "node-2"}], {"do": "node-uncordon", "node": "node-2"},
     "node/node-2 uncordoned", lambda p, _: not p.get("nodes", "node-2")["spec"].get("unschedulable")),
    ("node-add", [], {"do": "node-add", "cpu": "2"}, "node/node-4 added",
     lambda p, _: p.get("nodes", "node-4")["status"]["capacity"]["cpu"] == "2"),
    ("component-stop", [], {"do": "component-stop", "component": "scheduler"}, "scheduler stopped",
     lambda p, _: _settings(p)["stopped"] == ["scheduler"]),
    ("component-start", [{"do": "component-stop", "component": "scheduler"}],
     {"do": "component-start", "component": "scheduler"}, "scheduler started", lambda p, _: _settings(p)["stopped"] == []),
    ("traffic", [], {"do": "traffic", "service": "web", "requests": 6}, "6 requests to default/web: ",
     lambda p, _: Step.objects.filter(cluster=p.cluster, category="proxy", action="traffic").exists()),
    ("delete", [], {"do": "delete", "kind": "Deployment", "name": "web"}, 'deployment.apps "web" deleted',
     lambda p, _: not p.exists("deployments", "web") and _pods(p) == []),
    ("clock", [], {"clock": "live", "speed": 2}, "clock: live at 2×",
     lambda p, _: (p.cluster.clock_mode, p.cluster.clock_speed) == (Cluster.CLOCK_LIVE, 2)),
    ("settle", [{"do": "scale", "name": "web", "replicas": 3}], {"settle": 60}, " component actions in up to 60 simulated seconds",
     lambda p, _: len(_pods(p)) == 3),
]


@pytest.mark.parametrize(("before", "spec", "printed", "holds"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_action_changes_the_cluster(played: Played, before, spec, printed, holds):
    for earlier in before:
        played.run(earlier)
    seen = {"first": _first_pod(played)}
    spec = {k: v.replace("{first}", seen["first"]) if isinstance(v, str) else v for k, v in spec.items()}
    text = played.run(spec)
    assert printed.replace("{first}", seen["first"]) in text
    if spec.get("clock") != "live":
        played.settle()
    assert holds(played, seen)


@pytest.mark.parametrize("spec", [
    {"manifest": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"},
    {"do": "scale", "name": "web", "replicas": 3},
    {"do": "pod-delete", "selector": "app=web"},
    {"do": "node-cordon", "node": "node-1"},
    {"kubectl": "kubectl label nodes node-1 disk=ssd"},
], ids=["manifest", "scale", "pod-delete", "node-cordon", "kubectl"])
def test_requests_are_step_1_from_the_client_lesson(played: Played, spec):
    start = Step.objects.filter(cluster=played.cluster).order_by("-seq").values_list("seq", flat=True).first()
    played.run(spec)
    request = Step.objects.filter(cluster=played.cluster, seq__gt=start, step=1, source="client").get()
    assert request.client == "lesson"
    assert request.message.startswith("the lesson asked the API server") or request.message.startswith("the lesson marked")


def test_next_lets_exactly_n_component_actions_happen_in_step_mode(played: Played):
    played.run({"clock": "step"})
    played.run({"do": "scale", "name": "web", "replicas": 3})
    start = Step.objects.filter(cluster=played.cluster).order_by("-seq").values_list("seq", flat=True).first()
    assert played.run({"next": 1}) == "1 component action"
    first = Step.objects.filter(cluster=played.cluster, seq__gt=start).first()
    assert first.source.startswith("controller-manager")  # the deployment controller saw the new replicas first
    assert len(_pods(played)) == 2
    played.run({"next": 5})
    played.cluster.refresh_from_db()
    assert played.cluster.clock_mode == Cluster.CLOCK_STEP


def test_next_without_an_engine_asks_the_worker(played: Played):
    from kubeviz.actions import parse_action, run_action

    run_action(played.cluster, parse_action({"next": 3}))
    played.cluster.refresh_from_db()
    assert (played.cluster.clock_mode, played.cluster.step_requests) == (Cluster.CLOCK_STEP, 3)


def test_settle_without_an_engine_runs_one_and_keeps_a_live_clock_live(played: Played):
    from kubeviz.actions import parse_action, run_action

    played.run({"clock": "live"})
    played.run({"do": "scale", "name": "web", "replicas": 4})
    run_action(played.cluster, parse_action({"settle": 60}))
    played.cluster.refresh_from_db()
    assert played.cluster.clock_mode == Cluster.CLOCK_LIVE
    assert len(_pods(played)) == 4
