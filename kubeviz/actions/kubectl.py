"""kubeviz's own reading of the kubectl subset docs/actions.md lists, so that a learner
without a terminal can press **Run it** and the tests can play every solution.

The command is split with ``shlex`` and never run on the host: each command becomes the
requests kubectl would send, made through the API server (the registry, or the existing
services) and recorded as step 1 from the client ``lesson``. The output is kubectl's own
(``deployment.apps/web scaled``, ``Error from server (NotFound): …``).
"""
from __future__ import annotations

import base64
import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubeviz.apiserver import registry
from kubeviz.apiserver.apply import manifest_apply, manifest_check
from kubeviz.apiserver.errors import StatusError
from kubeviz.apiserver.patch import JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH
from kubeviz.apiserver.resources import by_plural
from kubeviz.apiserver.strategy import Strategy
from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster
from kubeviz.engine import control
from kubeviz.engine.client import Client
from kubeviz.web import services

from .parse import ActionError, read_content_file
from .run import LESSON, applied_text, delete_object, resource_name, strategy_for

#: what kubeviz can run, for the error that refuses anything else
SUBSET = ("apply -f FILE, create deployment|namespace|configmap|secret generic, run, expose deployment, "
          "scale deployment, set image deployment/NAME, rollout undo deployment/NAME, delete, label, annotate, "
          "cordon, uncordon, taint nodes, patch (each with -n/--namespace)")
PATCH_TYPES = {"strategic": STRATEGIC_MERGE_PATCH, "merge": MERGE_PATCH, "json": JSON_PATCH}
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
RESTART_POLICIES = {"Always": "Always", "OnFailure": "OnFailure", "Never": "Never"}


class KubectlError(ValueError):
    """A command kubeviz cannot read: outside the subset, or malformed."""


@dataclass(frozen=True)
class Flag:
    key: str
    kind: type = str
    multi: bool = False


#: every flag of the subset, by each of its spellings
FLAGS: dict[str, Flag] = {}
for _names, _flag in [
    (("-n", "--namespace"), Flag("namespace")), (("-f", "--filename"), Flag("filename")),
    (("--image",), Flag("image")), (("--replicas",), Flag("replicas", int)),
    (("--from-literal",), Flag("from-literal", multi=True)), (("-l", "--labels"), Flag("labels")),
    (("--restart",), Flag("restart")), (("--port",), Flag("port", int)), (("--target-port",), Flag("target-port")),
    (("--name",), Flag("name")), (("--to-revision",), Flag("to-revision", int)), (("--overwrite",), Flag("overwrite", bool)),
    (("-p", "--patch"), Flag("patch")), (("--type",), Flag("type")),
]:
    for _name in _names:
        FLAGS[_name] = _flag


@dataclass(frozen=True)
class Kubectl:
    """A command of the subset, read: ``verb`` (``create deployment``, ``scale``…), the
    namespace it acts in, and its arguments."""

    verb: str
    namespace: str
    args: dict[str, Any] = field(default_factory=dict)
    text: str = ""


def _split(command: str) -> tuple[list[str], dict[str, Any]]:
    try:
        tokens = shlex.split(command)
    except ValueError as exc:
        raise KubectlError(f"cannot read the command: {exc}") from None
    if not tokens or tokens[0] != "kubectl":
        raise KubectlError('a kubectl action starts with "kubectl"')
    positionals: list[str] = []
    flags: dict[str, Any] = {}
    rest = tokens[1:]
    i = 0
    while i < len(rest):
        token = rest[i]
        i += 1
        if token == "--" or not token.startswith("-") or token == "-":
            if token == "--":
                raise KubectlError(f"kubeviz does not run a command after --; it runs only: {SUBSET}")
            positionals.append(token)
            continue
        name, has_value, value = token.partition("=")
        if not token.startswith("--") and len(name) > 2:  # -nkube-system
            name, has_value, value = token[:2], "=", token[2:]
        flag = FLAGS.get(name)
        if flag is None:
            raise KubectlError(f"unknown flag {name} (kubeviz reads only the flags of: {SUBSET})")
        if flag.kind is bool:
            if has_value and value not in ("true", "false"):
                raise KubectlError(f'invalid argument "{value}" for "{name}" flag: must be true or false')
            parsed: Any = value != "false"
        else:
            if not has_value:
                if i >= len(rest):
                    raise KubectlError(f"flag needs an argument: {name}")
                value = rest[i]
                i += 1
            parsed = value
            if flag.kind is int:
                try:
                    parsed = int(value)
                except ValueError:
                    raise KubectlError(f'invalid argument "{value}" for "{name}" flag: must be a whole number') from None
        if flag.multi:
            flags.setdefault(flag.key, []).append(parsed)
        elif flag.key in flags:
            raise KubectlError(f"flag {name} given twice")
        else:
            flags[flag.key] = parsed
    return positionals, flags


def _ref(words: list[str], command: str) -> tuple[Strategy, str, list[str]]:
    """``TYPE NAME`` or ``TYPE/NAME`` at the start of ``words``; the words after it."""
    if not words:
        raise KubectlError(f"{command}: a resource type and name are required (TYPE NAME or TYPE/NAME)")
    first, rest = words[0], words[1:]
    if "/" in first:
        kind, _, name = first.partition("/")
    elif rest:
        kind, name, rest = first, rest[0], rest[1:]
    else:
        raise KubectlError(f"{command}: a resource name is required after {first}")
    try:
        strategy = strategy_for(kind)
    except StatusError as exc:
        raise KubectlError(f"error: {exc.message}") from None
    if not name:
        raise KubectlError(f"{command}: a resource name is required")
    return strategy, name, rest


def _deployment(words: list[str], command: str) -> tuple[str, list[str]]:
    strategy, name, rest = _ref(words, command)
    if strategy.kind != "Deployment":
        raise KubectlError(f"kubeviz runs {command} for deployments only (got {resource_name(strategy)})")
    return name, rest


def _no_more(words: list[str], command: str) -> None:
    if words:
        raise KubectlError(f"{command}: unexpected argument {words[0]!r}")


def _pairs(words: list[str], command: str) -> tuple[dict[str, str], list[str]]:
    """``k=v`` to set and ``k-`` to remove (label, annotate)."""
    sets: dict[str, str] = {}
    removes: list[str] = []
    for word in words:
        if word.endswith("-") and "=" not in word:
            removes.append(word[:-1])
        elif "=" in word and word.split("=", 1)[0]:
            key, _, value = word.partition("=")
            sets[key] = value
        else:
            raise KubectlError(f"{command}: {word!r} is neither key=value nor key-")
    if not sets and not removes:
        raise KubectlError(f"{command}: at least one key=value or key- is required")
    return sets, removes


def _taints(words: list[str]) -> tuple[list[dict], list[dict]]:
    """``key[=value]:Effect`` to add, ``key[:Effect]-`` to remove (kubectl's taint syntax)."""
    adds: list[dict] = []
    removes: list[dict] = []
    for word in words:
        remove = word.endswith("-")
        spec = word[:-1] if remove else word
        key_value, _, effect = spec.partition(":")
        key, _, value = key_value.partition("=")
        if not key or (effect and effect not in TAINT_EFFECTS) or (not remove and not effect):
            raise KubectlError(f'taint nodes: invalid taint spec: {word} (key=value:Effect, Effect one of '
                               f'{", ".join(TAINT_EFFECTS)}; key- or key:Effect- to remove)')
        taint = {"key": key, **({"value": value} if value else {}), **({"effect": effect} if effect else {})}
        (removes if remove else adds).append(taint)
    if not adds and not removes:
        raise KubectlError("taint nodes: at least one taint update is required")
    return adds, removes


def parse_kubectl(command: str, *, base: Path | str | None = None) -> Kubectl:
    """Read one command of the subset; ``KubectlError`` names what kubeviz can run."""
    words, flags = _split(command)
    if not words:
        raise KubectlError(f"a kubectl command is required; kubeviz runs: {SUBSET}")
    verb, rest = words[0], words[1:]
    allowed = {"namespace"}
    args: dict[str, Any] = {}
    if verb == "create" and rest and rest[0] in ("deployment", "deploy", "namespace", "ns", "configmap", "cm", "secret"):
        what = {"deploy": "deployment", "ns": "namespace", "cm": "configmap"}.get(rest[0], rest[0])
        rest = rest[1:]
        if what == "secret":
            if not rest or rest[0] != "generic":
                raise KubectlError("kubeviz runs create secret generic only (not docker-registry or tls)")
            rest = rest[1:]
            what = "secret generic"
        if not rest:
            raise KubectlError(f"create {what}: NAME is required")
        args["name"], rest = rest[0], rest[1:]
        verb = f"create {what}"
        allowed |= {"deployment": {"image", "replicas"}, "configmap": {"from-literal"},
                    "secret generic": {"from-literal"}}.get(what, set())
        if what == "deployment" and not flags.get("image"):
            raise KubectlError("create deployment: required flag(s) \"image\" not set")
        for literal in flags.get("from-literal", []):
            if "=" not in literal or not literal.split("=", 1)[0]:
                raise KubectlError(f"create {what}: --from-literal must be key=value (got {literal!r})")
    elif verb == "run":
        if not rest:
            raise KubectlError("run: NAME is required")
        args["name"], rest = rest[0], rest[1:]
        allowed |= {"image", "labels", "restart"}
        if not flags.get("image"):
            raise KubectlError("run: required flag(s) \"image\" not set")
        if flags.get("restart", "Always") not in RESTART_POLICIES:
            raise KubectlError(f'run: invalid restart policy: {flags["restart"]} (Always, OnFailure or Never)')
        if "labels" in flags:
            labels = dict(pair.partition("=")[::2] for pair in flags["labels"].split(","))
            if any(not k for k in labels) or "=" not in flags["labels"]:
                raise KubectlError(f"run: --labels must be key=value pairs separated by commas (got {flags['labels']!r})")
            args["labels"] = labels
    elif verb == "expose":
        args["name"], rest = _deployment(rest, "expose")
        allowed |= {"port", "target-port", "name"}
        args["service"] = flags.get("name") or args["name"]
        if "port" not in flags:
            raise KubectlError("expose: kubeviz needs --port (kubectl would read it from the pod template)")
    elif verb == "scale":
        args["name"], rest = _deployment(rest, "scale")
        allowed |= {"replicas"}
        if "replicas" not in flags:
            raise KubectlError("scale: required flag(s) \"replicas\" not set")
        if not 0 <= flags["replicas"] <= 1000:
            raise KubectlError("scale: --replicas must be from 0 to 1000 in kubeviz")
    elif verb == "set" and rest[:1] == ["image"]:
        verb = "set image"
        args["name"], rest = _deployment(rest[1:], "set image")
        if len(rest) != 1 or "=" not in rest[0] or not all(rest[0].partition("=")[::2]):
            raise KubectlError("set image: kubeviz runs one CONTAINER=IMAGE (for example web=nginx:1.27)")
        container, _, args["image"] = rest[0].partition("=")
        args["container"] = "" if container == "*" else container
        rest = []
    elif verb == "rollout" and rest[:1] == ["undo"]:
        verb = "rollout undo"
        args["name"], rest = _deployment(rest[1:], "rollout undo")
        allowed |= {"to-revision"}
    elif verb == "delete":
        strategy, args["name"], rest = _ref(rest, "delete")
        args["resource"] = strategy.plural
    elif verb in ("label", "annotate"):
        strategy, args["name"], rest = _ref(rest, verb)
        args["resource"] = strategy.plural
        args["set"], args["remove"] = _pairs(rest, verb)
        rest = []
        allowed |= {"overwrite"}
    elif verb in ("cordon", "uncordon"):
        if not rest:
            raise KubectlError(f"{verb}: NODE is required")
        args["name"], rest = rest[0], rest[1:]
    elif verb == "taint":
        strategy, args["name"], rest = _ref(rest, "taint")
        if strategy.kind != "Node":
            raise KubectlError("taint: kubeviz runs taint nodes NODE only")
        args["add"], args["remove"] = _taints(rest)
        rest = []
        allowed |= {"overwrite"}
    elif verb == "patch":
        strategy, args["name"], rest = _ref(rest, "patch")
        args["resource"] = strategy.plural
        allowed |= {"patch", "type"}
        kind = flags.get("type", "strategic")
        if kind not in PATCH_TYPES:
            raise KubectlError(f'patch: --type must be one of json, merge, strategic (got "{kind}")')
        if "patch" not in flags:
            raise KubectlError("patch: must specify -p to patch")
        try:
            args["body"] = json.loads(flags["patch"])
        except ValueError as exc:
            raise KubectlError(f"patch: -p is not valid JSON: {exc}") from None
        args["type"] = PATCH_TYPES[kind]
    elif verb == "apply":
        allowed = {"filename"}  # each object goes to the namespace its manifest names (or default)
        if "filename" not in flags:
            raise KubectlError("apply: must specify -f (a file shipped with the content)")
        try:
            args["text"] = read_content_file(base, flags["filename"])
        except ValueError as exc:
            raise KubectlError(f"apply -f: {exc}") from None
        problems = manifest_check(args["text"])
        if problems:
            raise KubectlError(f"apply -f {flags['filename']}: " + "; ".join(str(p) for p in problems))
    else:
        raise KubectlError(f"kubeviz cannot run kubectl {' '.join(words[:2])}; it runs only: {SUBSET}. "
                           "Mark the action run: false to show the command without a Run button")
    _no_more(rest, verb)
    for key in flags:
        if key not in allowed:
            spelling = next(n for n, f in FLAGS.items() if f.key == key and n.startswith("--"))
            raise KubectlError(f"{verb}: kubeviz does not read the flag {spelling} here")
    for key, value in flags.items():
        if key != "namespace":
            args.setdefault(key, value)  # what the reading above made of a flag stays
    namespace = flags.get("namespace", "default")
    if not namespace:
        raise KubectlError("--namespace needs a name")
    return Kubectl(verb=verb, namespace=namespace, args=args, text=command)


# ---- running ------------------------------------------------------------------------------


#: the commands whose API errors kubectl prints in words of its own (as kubectl 1.32 does):
#: verb → (prefix, only for this status code or any)
_WRAPPED: dict[str, tuple[str, int | None]] = {
    "create deployment": ("failed to create deployment: ", None),
    "create configmap": ("failed to create configmap: ", None),
    "create secret generic": ("failed to create secret ", None),
    "scale": ("no objects passed to scale ", 404),
}


def kubectl_error(exc: StatusError, verb: str = "") -> str:
    """What kubectl prints for an API error."""
    prefix, code = _WRAPPED.get(verb, ("", None))
    if prefix and code in (None, exc.code):
        return f"error: {prefix}{exc.message}"
    if exc.reason == "Invalid" and exc.kind:
        qualified = f"{exc.kind}.{exc.group}" if exc.group else exc.kind
        return "The " + exc.message.replace(qualified, exc.kind, 1)
    return f"Error from server ({exc.reason}): {exc.message}"


def run_kubectl(cluster: Cluster, command: Kubectl, *, where: str = "") -> str:
    """Perform a parsed command; an API error is an ``ActionError`` with kubectl's text."""
    try:
        return _VERBS[command.verb](cluster, command)
    except StatusError as exc:
        raise ActionError([(where, kubectl_error(exc, command.verb))]) from exc
    except KubectlError as exc:
        raise ActionError([(where, str(exc))]) from exc


def _client(cluster: Cluster) -> Client:
    return Client(cluster, "client", client=LESSON.client)


def _ns(strategy: Strategy, namespace: str) -> str | None:
    return namespace if strategy.namespaced else None


def _create(cluster: Cluster, command: Kubectl, plural: str, body: dict) -> str:
    strategy = by_plural(plural)
    ns = _ns(strategy, command.namespace)
    where = f"{ns}/{body['metadata']['name']}" if ns else body["metadata"]["name"]
    _client(cluster).create(plural, ns, body, message=f"{LESSON.subject} asked the API server to create "
                                                      f"{strategy.kind} {where} ({command.verb.split()[0]})")
    return f"{resource_name(strategy)}/{body['metadata']['name']} created"


def _container_name(image: str) -> str:
    """kubectl's container name for an image: its last path part without tag or digest,
    ``_`` and ``.`` made ``-`` (kubectl also adds a random suffix then; kubeviz does not)."""
    name = image.split("/")[-1].split(":")[0].split("@")[0]
    return name.replace("_", "-").replace(".", "-")


def _create_deployment(cluster: Cluster, command: Kubectl) -> str:
    name, image = command.args["name"], command.args["image"]
    labels = {"app": name}
    body = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {
            "replicas": command.args.get("replicas", 1), "selector": {"matchLabels": dict(labels)},
            "template": {"metadata": {"labels": dict(labels)},
                         "spec": {"containers": [{"name": _container_name(image), "image": image}]}},
        },
    }
    return _create(cluster, command, "deployments", body)


def _literals(command: Kubectl) -> dict[str, str]:
    return dict(literal.partition("=")[::2] for literal in command.args.get("from-literal", []))


def _create_namespace(cluster: Cluster, command: Kubectl) -> str:
    return _create(cluster, command, "namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                    "metadata": {"name": command.args["name"]}})


def _create_configmap(cluster: Cluster, command: Kubectl) -> str:
    return _create(cluster, command, "configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                    "metadata": {"name": command.args["name"]}, "data": _literals(command)})


def _create_secret(cluster: Cluster, command: Kubectl) -> str:
    # base64 is an encoding, not encryption: anyone who may read the Secret reads the values.
    data = {k: base64.b64encode(v.encode()).decode() for k, v in _literals(command).items()}
    return _create(cluster, command, "secrets", {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                                                 "metadata": {"name": command.args["name"]}, "data": data})


def _run(cluster: Cluster, command: Kubectl) -> str:
    name = command.args["name"]
    body = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": command.args.get("labels") or {"run": name}},
        "spec": {"containers": [{"name": name, "image": command.args["image"]}],
                 "restartPolicy": RESTART_POLICIES[command.args.get("restart", "Always")], "dnsPolicy": "ClusterFirst"},
    }
    return _create(cluster, command, "pods", body)


def _expose(cluster: Cluster, command: Kubectl) -> str:
    deployment = registry.get(cluster, by_plural("deployments"), command.namespace, command.args["name"])
    selector = ((deployment.get("spec") or {}).get("selector") or {}).get("matchLabels")
    if not selector:
        raise KubectlError(f"couldn't retrieve selectors via --selector flag or introspection: "
                           f"the deployment {command.args['name']} has no matchLabels")
    port = command.args["port"]
    target = command.args.get("target-port", str(port))
    body = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": command.args["service"],
                     **({"labels": deployment["metadata"]["labels"]} if deployment["metadata"].get("labels") else {})},
        "spec": {"selector": selector,
                 "ports": [{"port": port, "protocol": "TCP", "targetPort": int(target) if target.isdigit() else target}]},
    }
    created = _create(cluster, command, "services", body)
    return created.removesuffix(" created") + " exposed"


def _scale(cluster: Cluster, command: Kubectl) -> str:
    services.deployment_scale(cluster=cluster, namespace=command.namespace, name=command.args["name"],
                              replicas=command.args["replicas"], actor=LESSON)
    return f"deployment.apps/{command.args['name']} scaled"


def _client_side(exc: StatusError) -> KubectlError:
    """The services refuse with 400 what kubectl itself refuses before any request."""
    return KubectlError(f"error: {exc.message}")


def _set_image(cluster: Cluster, command: Kubectl) -> str:
    deployment = registry.get(cluster, by_plural("deployments"), command.namespace, command.args["name"])
    containers = deployment["spec"]["template"]["spec"].get("containers") or []
    wanted = command.args["container"]
    target = next((c for c in containers if c.get("name") == wanted), None) if wanted else (containers or [None])[0]
    if target is not None and target.get("image") == command.args["image"]:
        return ""  # nothing to change: kubectl sends nothing and prints nothing
    try:
        services.deployment_set_image(cluster=cluster, namespace=command.namespace, name=command.args["name"],
                                      image=command.args["image"], container=command.args["container"], actor=LESSON)
    except StatusError as exc:
        raise _client_side(exc) if exc.reason == "BadRequest" else exc from None
    return f"deployment.apps/{command.args['name']} image updated"


def _rollout_undo(cluster: Cluster, command: Kubectl) -> str:
    try:
        text = services.deployment_rollout_undo(cluster=cluster, namespace=command.namespace, name=command.args["name"],
                                                to_revision=command.args.get("to-revision", 0), actor=LESSON)
    except StatusError as exc:
        raise _client_side(exc) if exc.reason == "BadRequest" else exc from None
    if text.startswith("skipped"):
        return f"deployment.apps/{command.args['name']} {text}"
    return f"deployment.apps/{command.args['name']} rolled back"


def _delete(cluster: Cluster, command: Kubectl) -> str:
    return delete_object(cluster, by_plural(command.args["resource"]), command.namespace, command.args["name"])


def _patch_request(cluster: Cluster, command: Kubectl, plural: str, name: str, patch_type: str, body: Any, why: str) -> bool:
    """Send one patch; whether the object changed (its resourceVersion moved)."""
    strategy = by_plural(plural)
    ns = _ns(strategy, command.namespace)
    before = registry.get(cluster, strategy, ns, name)
    after = _client(cluster).patch(
        plural, ns, name, body, patch_type=patch_type, step=1, category="flow",
        message=f"{LESSON.subject} asked the API server to patch {strategy.kind} {ns + '/' if ns else ''}{name} ({why})")
    return after["metadata"].get("resourceVersion") != before["metadata"].get("resourceVersion")


def _label(cluster: Cluster, command: Kubectl) -> str:
    field = "labels" if command.verb == "label" else "annotations"
    strategy = by_plural(command.args["resource"])
    current = (registry.get(cluster, strategy, _ns(strategy, command.namespace), command.args["name"])
               .get("metadata") or {}).get(field) or {}
    if not command.args.get("overwrite"):
        taken = [f"'{k}' already has a value ({current[k]})" for k, v in command.args["set"].items()
                 if k in current and current[k] != v]
        if taken and field == "labels":
            raise KubectlError(f"error: {taken[0]}, and --overwrite is false")
        if taken:
            raise KubectlError(f"error: --overwrite is false but found the following declared annotation(s): {taken[0]}")
    change: dict[str, Any] = {**dict.fromkeys((k for k in command.args["remove"] if k in current), None), **command.args["set"]}
    changed = _patch_request(cluster, command, strategy.plural, command.args["name"], MERGE_PATCH,
                             {"metadata": {field: change}}, f"kubectl {command.verb}") if change else False
    what = f"{resource_name(strategy)}/{command.args['name']}"
    if field == "annotations":
        return f"{what} annotated"  # kubectl annotate says so even when nothing changed
    missing = [f'label "{k}" not found.' for k in command.args["remove"] if k not in current]
    done = "labeled"
    if changed and not command.args.get("overwrite"):
        new = {k: v for k, v in {**current, **change}.items() if v is not None}
        if len(json.dumps(new, separators=(",", ":"))) < len(json.dumps(current, separators=(",", ":"))):
            done = "unlabeled"  # kubectl's wording when the labels got shorter
    return "\n".join([*missing, f"{what} {done if changed else 'not labeled'}"])


def _cordon(cluster: Cluster, command: Kubectl) -> str:
    cordon = command.verb == "cordon"
    node = registry.get(cluster, by_plural("nodes"), None, command.args["name"])
    if bool((node.get("spec") or {}).get("unschedulable")) == cordon:
        return f"node/{command.args['name']} already {command.verb}ed"
    control.node_cordon(cluster=cluster, name=command.args["name"], unschedulable=cordon, client=LESSON.client)
    return f"node/{command.args['name']} {command.verb}ed"


def _taint(cluster: Cluster, command: Kubectl) -> str:
    name = command.args["name"]
    node = registry.get(cluster, by_plural("nodes"), None, name)
    taints = list((node.get("spec") or {}).get("taints") or [])

    def same(a: dict, b: dict) -> bool:
        return a["key"] == b["key"] and ("effect" not in b or a.get("effect") == b["effect"])

    for remove in command.args["remove"]:
        if not any(same(t, remove) for t in taints):
            raise KubectlError(f'error: taint "{remove["key"]}{":" + remove["effect"] if "effect" in remove else ""}" not found')
        taints = [t for t in taints if not same(t, remove)]
    for add in command.args["add"]:
        existing = [t for t in taints if same(t, add)]
        if existing and not command.args.get("overwrite"):
            raise KubectlError(f"error: node {name} already has {add['key']} taint(s) with same effect(s) and --overwrite is false")
        taint = dict(add)
        if taint["effect"] == "NoExecute":
            # kubectl stamps NoExecute taints: tolerationSeconds count from timeAdded.
            taint["timeAdded"] = clock.rfc3339(clock.now(cluster))
        taints = [t for t in taints if not same(t, add)] + [taint]
    _patch_request(cluster, command, "nodes", name, MERGE_PATCH, {"spec": {"taints": taints or None}}, "kubectl taint")
    if command.args["add"] and command.args["remove"]:
        return f"node/{name} modified"
    return f"node/{name} {'tainted' if command.args['add'] else 'untainted'}"


def _patch(cluster: Cluster, command: Kubectl) -> str:
    strategy = by_plural(command.args["resource"])
    changed = _patch_request(cluster, command, strategy.plural, command.args["name"], command.args["type"],
                             command.args["body"], "kubectl patch")
    return f"{resource_name(strategy)}/{command.args['name']} patched{'' if changed else ' (no change)'}"


def _apply(cluster: Cluster, command: Kubectl) -> str:
    result = manifest_apply(cluster=cluster, text=command.args["text"], actor=LESSON)
    if not result.ok:
        raise KubectlError(f"error: {command.args['filename']}: " + "; ".join(str(e) for e in result.errors))
    return applied_text(result)


_VERBS: dict[str, Callable[[Cluster, Kubectl], str]] = {
    "create deployment": _create_deployment, "create namespace": _create_namespace,
    "create configmap": _create_configmap, "create secret generic": _create_secret, "run": _run, "expose": _expose,
    "scale": _scale, "set image": _set_image, "rollout undo": _rollout_undo, "delete": _delete, "label": _label,
    "annotate": _label, "cordon": _cordon, "uncordon": _cordon, "taint": _taint, "patch": _patch, "apply": _apply,
}
