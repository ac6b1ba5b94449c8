"""kubeviz's reading of the kubectl subset prints what the real kubectl prints: the same
commands, in the same order, through the real binary against the live server and through
``run_action`` in-process, from the same start (no engine on either side, so nothing moves
between commands). Skipped where kubectl is not on PATH."""
from __future__ import annotations

from pathlib import Path

import pytest

from kubeviz.actions import ActionError, parse_action, run_action

from .conftest import SETTINGS, WEB

pytestmark = pytest.mark.kubectl

# Each command once, then its refusals; the order matters (each acts on what came before).
COMMANDS = [
    "apply -f manifests/settings.yaml",
    "apply -f manifests/settings.yaml",
    "create deployment api --image=registry.k8s.io/pause:3.9 --replicas=2",
    "create deployment api --image=nginx",
    "create namespace team",
    "create namespace team",
    "create configmap cfg -n team --from-literal=a=1",
    "create configmap cfg -n team --from-literal=a=1",
    "create configmap cfg -n nowhere",
    "create secret generic db --from-literal=password=hunter2",
    "create secret generic db --from-literal=password=hunter2",
    "run solo --image=busybox --restart=Never",
    "run solo --image=busybox --restart=Never",
    "expose deployment web --port=8080 --target-port=80 --name=web-front",
    "expose deployment web --port=8080 --target-port=80 --name=web-front",
    "expose deployment nope --port=80",
    "scale deployment web --replicas=5",
    "scale deployment nope --replicas=5",
    "set image deployment/web main=nginx:1.28",
    "set image deployment/web main=nginx:1.28",
    "set image deployment/web nope=nginx:1.28",
    "label deployment web tier=front",
    "label deployment web tier=back",
    "label deployment web tier=back --overwrite",
    "label deployment web tier=back",
    "label deployment web tier-",
    "label deployment web tier-",
    "label deployment web tier=a size=b",
    "label deployment web tier=c --overwrite size-",
    "label nodes node-2 disk=ssd",
    "annotate deployment web owner=team-a",
    "annotate deployment web owner=team-b",
    "annotate deployment web owner=team-b --overwrite",
    "annotate deployment web owner=team-b",
    "annotate deployment web owner-",
    "cordon node-2",
    "cordon node-2",
    "uncordon node-2",
    "cordon node-9",
    "taint nodes node-2 dedicated=gpu:NoSchedule",
    "taint nodes node-2 dedicated=cpu:NoSchedule",
    "taint nodes node-2 dedicated-",
    "taint nodes node-2 dedicated-",
    "taint nodes node-2 gone=yes:NoExecute",
    "taint nodes node-2 gone:NoExecute-",
    """patch deployment web -p {"spec":{"replicas":3}}""",
    """patch deployment web -p {"spec":{"replicas":3}}""",
    """patch deployment web --type=json -p [{"op":"replace","path":"/spec/replicas","value":1}]""",
    """patch deployment web --type merge -p {"spec":{"replicas":-1}}""",
    "delete deployment api",
    "delete svc/web-front",
    "delete pod nope",
    "delete frobnicators x",
]


def test_kubeviz_prints_what_kubectl_prints(kv_cluster, kubectl_bin, cluster, content: Path):
    kv_cluster.kubectl("apply", "-f", "-", input=WEB)
    run_action(cluster, parse_action({"manifest": WEB}))
    assert (content / "manifests" / "settings.yaml").read_text() == SETTINGS
    kubectl_says, kubeviz_says = [], []
    for command in COMMANDS:
        args = command.split(" ", 5) if command.startswith("patch") else command.split()
        if args[:2] == ["apply", "-f"]:
            args[2] = str(content / args[2])
        real = kv_cluster.kubectl(*args, check=False)
        expected = (real.stdout if real.returncode == 0 else real.stderr).strip()
        try:
            ours = run_action(cluster, parse_action({"kubectl": f"kubectl {command if not command.startswith('patch') else _quoted(command)}"},
                                                    base=content))
        except ActionError as exc:
            ours = exc.problems[0][1]
        kubectl_says.append((command, expected))
        kubeviz_says.append((command, ours))
    assert kubeviz_says == kubectl_says


def _quoted(command: str) -> str:
    """The patch commands with their JSON quoted, as a learner types them in a shell."""
    head, _, body = command.rpartition(" ")
    return f"{head} '{body}'"
