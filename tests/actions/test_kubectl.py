"""Every command of the kubectl subset, run by kubeviz itself: kubectl's own output, and the
cluster it leaves behind (settle mode)."""
from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from kubeviz.actions import ActionError

from .conftest import Played


def _template(p: Played) -> dict:
    return p.get("deployments", "web")["spec"]["template"]["spec"]


def _ready(p: Played, selector: str, count: int, namespace: str = "default") -> bool:
    pods = p.objects("pods", selector, namespace)
    return len(pods) == count and all(o["status"]["phase"] == "Running" for o in pods)


# (id, commands run first, the command, kubectl's output, what must hold afterwards (settled))
CASES: list[tuple[str, list[str], str, str, Callable[[Played], bool]]] = [
    ("apply -f", [], "kubectl apply -f manifests/settings.yaml", "configmap/settings created",
     lambda p: p.get("configmaps", "settings")["data"] == {"colour": "blue"}),
    ("apply -f again", ["kubectl apply -f manifests/settings.yaml"], "kubectl apply -f manifests/settings.yaml",
     "configmap/settings unchanged", lambda p: p.exists("configmaps", "settings")),
    ("create deployment", [], "kubectl create deployment api --image=registry.k8s.io/pause:3.9 --replicas=2",
     "deployment.apps/api created",
     lambda p: _ready(p, "app=api", 2) and p.get("deployments", "api")["spec"]["template"]["spec"]["containers"][0]["name"] == "pause"),
    ("create namespace", [], "kubectl create namespace team", "namespace/team created",
     lambda p: p.get("namespaces", "team", None)["status"]["phase"] == "Active"),
    ("create configmap -n", ["kubectl create ns team"], "kubectl create configmap cfg -n team --from-literal=a=1 --from-literal=b=x=y",
     "configmap/cfg created", lambda p: p.get("configmaps", "cfg", "team")["data"] == {"a": "1", "b": "x=y"}),
    ("-n before the verb", ["kubectl create namespace team"], "kubectl -n team create deployment api --image=nginx",
     "deployment.apps/api created", lambda p: _ready(p, "app=api", 1, "team") and not p.objects("pods", "app=api")),
    ("--namespace=", ["kubectl create namespace team", "kubectl create deployment api --image=nginx --namespace team"],
     "kubectl scale deployment api --namespace=team --replicas=3", "deployment.apps/api scaled", lambda p: _ready(p, "app=api", 3, "team")),
    ("create secret generic", [], "kubectl create secret generic db --from-literal=password=hunter2", "secret/db created",
     lambda p: p.get("secrets", "db")["data"] == {"password": base64.b64encode(b"hunter2").decode()}
     and p.get("secrets", "db")["type"] == "Opaque"),
    ("run", [], "kubectl run solo --image=busybox --restart=Never --labels=tier=debug,team=a", "pod/solo created",
     lambda p: p.get("pods", "solo")["spec"]["restartPolicy"] == "Never"
     and p.get("pods", "solo")["metadata"]["labels"] == {"tier": "debug", "team": "a"}),
    ("run defaults", [], "kubectl run solo --image=busybox", "pod/solo created",
     lambda p: p.get("pods", "solo")["metadata"]["labels"] == {"run": "solo"} and _ready(p, "run=solo", 1)),
    ("expose", [], "kubectl expose deployment web --port=8080 --target-port=80 --name=web-front", "service/web-front exposed",
     lambda p: p.get("services", "web-front")["spec"]["selector"] == {"app": "web"}
     and p.get("services", "web-front")["spec"]["ports"][0]["targetPort"] == 80
     and len(p.get("endpoints", "web-front")["subsets"][0]["addresses"]) == 2),
    ("scale", [], "kubectl scale deployment web --replicas=5", "deployment.apps/web scaled", lambda p: _ready(p, "app=web", 5)),
    ("scale TYPE/NAME", [], "kubectl scale deploy/web --replicas=0", "deployment.apps/web scaled", lambda p: _ready(p, "app=web", 0)),
    ("set image", [], "kubectl set image deployment/web main=nginx:1.28", "deployment.apps/web image updated",
     lambda p: {c["image"] for o in p.objects("pods", "app=web") for c in o["spec"]["containers"]} == {"nginx:1.28"}),
    ("rollout undo", ["kubectl set image deployment/web main=nginx:1.28"], "kubectl rollout undo deployment/web",
     "deployment.apps/web rolled back", lambda p: _template(p)["containers"][0]["image"] == "nginx:1.27"),
    ("rollout undo --to-revision", ["kubectl set image deployment/web main=nginx:1.28", "kubectl set image deployment/web main=nginx:1.29"],
     "kubectl rollout undo deployment/web --to-revision=1", "deployment.apps/web rolled back",
     lambda p: _template(p)["containers"][0]["image"] == "nginx:1.27"),
    ("delete", [], "kubectl delete deployment web", 'deployment.apps "web" deleted',
     lambda p: not p.exists("deployments", "web") and p.objects("pods", "app=web") == []),
    ("delete TYPE/NAME", [], "kubectl delete svc/web", 'service "web" deleted', lambda p: not p.exists("services", "web")),
    ("label", [], "kubectl label deployment web tier=front", "deployment.apps/web labeled",
     lambda p: p.get("deployments", "web")["metadata"]["labels"] == {"app": "web", "tier": "front"}),
    ("label --overwrite and remove", ["kubectl label nodes node-2 disk=hdd zone-"], "kubectl label nodes node-2 disk=ssd --overwrite",
     "node/node-2 labeled", lambda p: p.get("nodes", "node-2", None)["metadata"]["labels"]["disk"] == "ssd"),
    ("label unchanged", ["kubectl label nodes node-2 disk=ssd"], "kubectl label nodes node-2 disk=ssd", "node/node-2 not labeled",
     lambda p: p.get("nodes", "node-2", None)["metadata"]["labels"]["disk"] == "ssd"),
    ("annotate", [], "kubectl annotate deployment web owner='team a'", "deployment.apps/web annotated",
     lambda p: p.get("deployments", "web")["metadata"]["annotations"]["owner"] == "team a"),
    ("cordon", [], "kubectl cordon node-2", "node/node-2 cordoned", lambda p: p.get("nodes", "node-2", None)["spec"]["unschedulable"]),
    ("cordon again", ["kubectl cordon node-2"], "kubectl cordon node-2", "node/node-2 already cordoned",
     lambda p: p.get("nodes", "node-2", None)["spec"]["unschedulable"]),
    ("uncordon", ["kubectl cordon node-2"], "kubectl uncordon node-2", "node/node-2 uncordoned",
     lambda p: not p.get("nodes", "node-2", None)["spec"].get("unschedulable")),
    ("taint", [], "kubectl taint nodes node-2 dedicated=gpu:NoSchedule", "node/node-2 tainted",
     lambda p: p.get("nodes", "node-2", None)["spec"]["taints"] == [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]),
    ("untaint", ["kubectl taint nodes node-2 dedicated=gpu:NoSchedule"], "kubectl taint nodes node-2 dedicated-",
     "node/node-2 untainted", lambda p: not p.get("nodes", "node-2", None)["spec"].get("taints")),
    ("taint NoExecute evicts", [], "kubectl taint node node-1 gone=yes:NoExecute", "node/node-1 tainted",
     lambda p: all(o["spec"].get("nodeName") != "node-1" for o in p.objects("pods", "app=web"))
     and "timeAdded" in p.get("nodes", "node-1", None)["spec"]["taints"][0]),
    ("patch strategic", [], """kubectl patch deployment web -p '{"spec":{"replicas":3}}'""", "deployment.apps/web patched",
     lambda p: _ready(p, "app=web", 3)),
    ("patch merge", [], """kubectl patch deployment web --type merge -p '{"metadata":{"labels":{"x":"y"}}}'""",
     "deployment.apps/web patched", lambda p: p.get("deployments", "web")["metadata"]["labels"]["x"] == "y"),
    ("patch json", [], """kubectl patch deployment web --type=json -p '[{"op":"replace","path":"/spec/replicas","value":1}]'""",
     "deployment.apps/web patched", lambda p: _ready(p, "app=web", 1)),
    ("patch no change", [], """kubectl patch deployment web -p '{"spec":{"replicas":2}}'""", "deployment.apps/web patched (no change)",
     lambda p: _ready(p, "app=web", 2)),
]


@pytest.mark.parametrize(("before", "command", "printed", "holds"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_command_of_the_subset(played: Played, before, command, printed, holds):
    for earlier in before:
        played.run({"kubectl": earlier})
        played.settle()
    assert played.run({"kubectl": command}) == printed
    played.settle()
    assert holds(played)


@pytest.mark.parametrize(("command", "error"), [
    ("kubectl scale deployment nope --replicas=3", 'error: no objects passed to scale deployments.apps "nope" not found'),
    ("kubectl delete pod nope", 'Error from server (NotFound): pods "nope" not found'),
    ("kubectl cordon node-9", 'Error from server (NotFound): nodes "node-9" not found'),
    ("kubectl create deployment web --image=nginx", 'error: failed to create deployment: deployments.apps "web" already exists'),
    ("kubectl create configmap c -n nowhere", 'error: failed to create configmap: namespaces "nowhere" not found'),
    ("kubectl run x --image=nginx -n nowhere", 'Error from server (NotFound): namespaces "nowhere" not found'),
    ("kubectl label deployment web app=other", "error: 'app' already has a value (web), and --overwrite is false"),
    ("kubectl taint nodes node-2 gone-", 'error: taint "gone" not found'),
    ("kubectl rollout undo deployment/web", 'error: no rollout history found for deployment "web"'),
    ("kubectl set image deployment/web nope=nginx", 'error: unable to find container named "nope"'),
    ("kubectl patch deployment web -p '{\"spec\":{\"replicas\":-1}}'", 'The Deployment "web" is invalid: spec.replicas'),
])
def test_refusals_read_as_kubectl_prints_them(played: Played, command, error):
    with pytest.raises(ActionError) as exc:
        played.run({"kubectl": command}, where="solution[2]")
    assert exc.value.problems[0][0] == "solution[2]"
    assert exc.value.problems[0][1].startswith(error)


def test_taint_twice_needs_overwrite(played: Played):
    played.run({"kubectl": "kubectl taint nodes node-2 k=a:NoSchedule"})
    with pytest.raises(ActionError, match="already has k taint"):
        played.run({"kubectl": "kubectl taint nodes node-2 k=b:NoSchedule"})
    assert played.run({"kubectl": "kubectl taint nodes node-2 k=b:NoSchedule --overwrite"}) == "node/node-2 tainted"
    assert played.get("nodes", "node-2", None)["spec"]["taints"] == [{"key": "k", "value": "b", "effect": "NoSchedule"}]
