"""parse_action refuses every problem at once, each with its path in the content, and
run_action refuses what only the cluster can tell (a missing object)."""
from __future__ import annotations

from pathlib import Path

import pytest

from kubeviz.actions import ActionError, parse_action

from .conftest import Played

W = "steps[1].actions[0]"


@pytest.mark.parametrize(("spec", "problems"), [
    ("scale web", [(W, "an action must be a mapping with one of apply, manifest, do, kubectl, clock, next, settle")]),
    ({"push": "x"}, [(W, "an action has exactly one of apply, manifest, do, kubectl, clock, next, settle; found none (keys: push)")]),
    ({"do": "scale", "settle": 3}, [(W, "an action has exactly one of apply, manifest, do, kubectl, clock, next, settle; found do, settle")]),
    ({"do": "explode"}, [(f"{W}.do", "unknown dashboard action 'explode'; kubeviz has scale, set-image, undo, pod-delete, "
                                     "pod-crash, node-fail, node-recover, node-cordon, node-uncordon, node-add, component-stop, "
                                     "component-start, traffic, delete")]),
    ({"do": "scale", "nme": "web", "replicas": "3"}, [
        (f"{W}.nme", "unknown key for a do action scale"), (f"{W}.name", "is required by do: scale"),
        (f"{W}.replicas", "must be an integer")]),
    ({"do": "scale", "name": "web", "replicas": 5000}, [(f"{W}.replicas", "must be from 0 to 1000")]),
    ({"do": "pod-delete", "name": "a", "selector": "app=web"}, [(f"{W}.do", "do: pod-delete names its pod by exactly one of name or selector")]),
    ({"do": "pod-crash"}, [(f"{W}.do", "do: pod-crash names its pod by exactly one of name or selector")]),
    ({"do": "pod-crash", "selector": "app in (web"}, [(f"{W}.selector", "unable to parse requirement: found '', expected: ')': \"app in (web\"")]),
    ({"do": "component-stop", "component": "kubelet"}, [(f"{W}.component", "must be one of scheduler, controller-manager")]),
    ({"do": "node-fail", "node": "node-1", "namespace": 3}, [(f"{W}.namespace", "must be a namespace's name")]),
    ({"do": "node-add", "label": ""}, [(f"{W}.label", "must be a non-empty string")]),
    ({"clock": "fast", "speed": 500}, [(f"{W}.clock", "must be one of live, paused, step"), (f"{W}.speed", "must be a number from 0.05 to 100")]),
    ({"clock": "live", "run": False}, [(f"{W}.run", "unknown key for a clock action")]),
    ({"next": 0}, [(f"{W}.next", "must be a whole number of component actions from 1 to 1000")]),
    ({"next": True}, [(f"{W}.next", "must be a whole number of component actions from 1 to 1000")]),
    ({"settle": -1}, [(f"{W}.settle", "must be a number of simulated seconds, more than 0 and at most 86400")]),
    ({"manifest": ""}, [(f"{W}.manifest", "must be the YAML of one or more objects")]),
    ({"manifest": "kind: Pod\n"}, [(f"{W}.manifest", "document 1, line 1: Object 'apiVersion' is missing in the Pod")]),
    ({"kubectl": "kubectl get pods"}, [(f"{W}.kubectl", "kubeviz cannot run kubectl get pods; it runs only: apply -f FILE, "
                                                       "create deployment|namespace|configmap|secret generic, run, expose deployment, "
                                                       "scale deployment, set image deployment/NAME, rollout undo deployment/NAME, delete, "
                                                       "label, annotate, cordon, uncordon, taint nodes, patch (each with -n/--namespace). "
                                                       "Mark the action run: false to show the command without a Run button")]),
    ({"kubectl": "kubectl get pods", "run": "no"}, [(f"{W}.run", "must be true or false")]),
], ids=lambda v: str(v)[:40])
def test_problems_are_listed_by_path(spec, problems, content: Path):
    with pytest.raises(ActionError) as exc:
        parse_action(spec, where=W, base=content)
    assert exc.value.problems == problems


@pytest.mark.parametrize(("command", "message"), [
    ("kubectl run x --image='nginx", "cannot read the command: No closing quotation"),
    ("kubectl", "a kubectl command is required"),
    ("helm install x", 'a kubectl action starts with "kubectl"'),
    ("kubectl scale deployment web --replicas=three", 'invalid argument "three" for "--replicas" flag: must be a whole number'),
    ("kubectl scale deployment web", 'scale: required flag(s) "replicas" not set'),
    ("kubectl scale statefulset db --replicas=2", "kubeviz runs scale for deployments only (got statefulset.apps)"),
    ("kubectl scale deployment web --replicas=2 --record", "unknown flag --record"),
    ("kubectl scale deployment web --replicas=2 --image=x", "scale: kubeviz does not read the flag --image here"),
    ("kubectl scale deployment web extra --replicas=2", "scale: unexpected argument 'extra'"),
    ("kubectl create deployment web", 'create deployment: required flag(s) "image" not set'),
    ("kubectl create secret tls t", "kubeviz runs create secret generic only"),
    ("kubectl create configmap c --from-literal=novalue", "create configmap: --from-literal must be key=value"),
    ("kubectl run x --image=nginx --restart=Sometimes", "run: invalid restart policy: Sometimes"),
    ("kubectl delete frobnicators x", 'error: the server doesn\'t have a resource type "frobnicators"'),
    ("kubectl set image deployment/web nginx", "set image: kubeviz runs one CONTAINER=IMAGE"),
    ("kubectl label pods x", "label: at least one key=value or key- is required"),
    ("kubectl taint nodes node-1 k=v:Sometimes", "taint nodes: invalid taint spec: k=v:Sometimes"),
    ("kubectl taint deployment web k=v:NoSchedule", "taint: kubeviz runs taint nodes NODE only"),
    ("kubectl patch deployment web -p '{nope'", "patch: -p is not valid JSON"),
    ("kubectl patch deployment web -p '{}' --type apply", 'patch: --type must be one of json, merge, strategic (got "apply")'),
    ("kubectl expose deployment web", "expose: kubeviz needs --port"),
    ("kubectl apply -f ../outside.yaml", 'apply -f: "../outside.yaml" must be a path inside the content\'s own directory'),
    ("kubectl apply -f /etc/passwd", 'apply -f: "/etc/passwd" must be a path inside the content\'s own directory'),
    ("kubectl apply -f manifests/missing.yaml", 'apply -f: no file "manifests/missing.yaml" next to the content'),
    ("kubectl apply -f manifests/settings.yaml -n team", "apply: kubeviz does not read the flag --namespace here"),
    ("kubectl cordon node-1 -- sh", "kubeviz does not run a command after --"),
], ids=lambda v: v[:40])
def test_unreadable_kubectl_commands_are_refused_with_what_kubeviz_can_run(command, message, content: Path):
    with pytest.raises(ActionError) as exc:
        parse_action({"kubectl": command}, where=W, base=content)
    [(where, text)] = exc.value.problems
    assert where == f"{W}.kubectl"
    assert text.startswith(message)


def test_a_command_marked_run_false_is_shown_only(played: Played):
    action = parse_action({"kubectl": "kubectl get pods -w", "run": False}, where=W)
    assert (action.runnable, action.label, action.args["command"]) == (False, "Run it", "kubectl get pods -w")
    from kubeviz.actions import run_action

    with pytest.raises(ActionError, match="shown only"):
        run_action(played.cluster, action)


@pytest.mark.parametrize(("path", "message"), [
    ("../outside.yaml", '"../outside.yaml" must be a path inside the content\'s own directory (no "..", not absolute)'),
    ("/etc/hostname", '"/etc/hostname" must be a path inside the content\'s own directory (no "..", not absolute)'),
    ("manifests/../../outside.yaml", '"manifests/../../outside.yaml" must be a path inside the content\'s own directory'),
    ("manifests/missing.yaml", 'no file "manifests/missing.yaml" next to the content'),
    ("manifests", 'no file "manifests" next to the content'),
])
def test_apply_reads_only_files_inside_the_content(path, message, content: Path):
    with pytest.raises(ActionError) as exc:
        parse_action({"apply": path}, where=W, base=content)
    [(where, text)] = exc.value.problems
    assert (where, text[:len(message)]) == (f"{W}.apply", message)


def test_apply_refuses_a_symlink_that_leads_outside(content: Path):
    (content / "manifests" / "link.yaml").symlink_to(content.parent / "outside.yaml")
    with pytest.raises(ActionError, match="leads outside the content's own directory"):
        parse_action({"apply": "manifests/link.yaml"}, where=W, base=content)


@pytest.mark.parametrize(("spec", "label"), [
    ({"apply": "manifests/settings.yaml"}, "Apply manifests/settings.yaml"),
    ({"do": "node-fail", "node": "node-2"}, "Fail node-2"),
    ({"do": "scale", "name": "web", "replicas": 5, "label": "Five, please"}, "Five, please"),
    ({"clock": "step"}, "Step mode"),
    ({"next": 3}, "Next 3 steps"),
    ({"settle": 30}, "Let 30 s pass"),
])
def test_labels_default_to_what_the_action_does(spec, label, content: Path):
    assert parse_action(spec, base=content).label == label


@pytest.mark.parametrize(("spec", "message"), [
    ({"do": "scale", "name": "nope", "replicas": 1}, 'deployments.apps "nope" not found'),
    ({"do": "pod-delete", "selector": "app=nothing"}, 'no pod in namespace "default" matches the selector app=nothing'),
    ({"do": "node-fail", "node": "node-9"}, 'nodes "node-9" not found'),
    ({"do": "traffic", "service": "nope"}, 'services "nope" not found'),
    ({"do": "delete", "kind": "Widget", "name": "x"}, 'the server doesn\'t have a resource type "Widget"'),
    ({"manifest": "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec: {containers: []}\n"}, 'document 1, line 4: Pod "bad" is invalid: spec.containers: Required value'),
])
def test_missing_objects_are_refused_at_the_actions_path(played: Played, spec, message):
    with pytest.raises(ActionError) as exc:
        played.run(spec, where=W)
    [(where, text)] = exc.value.problems
    assert where == W
    assert text.startswith(message)
