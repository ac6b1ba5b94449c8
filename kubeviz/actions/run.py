"""Performing a parsed action on a cluster, the way the dashboard's buttons do: through the
API server (each request recorded as step 1 from the client ``lesson``), or by the
simulation's own switches (a failed node, a stopped component, the clock).

Who runs the engine is a parameter. ``run_action(cluster, action, engine=engine)`` steps
the given in-process ``Engine``: ``next: N`` runs N component actions and ``settle: S``
lets up to S simulated seconds pass at once — how the tests and the content checkers play
lessons and exercises (settle mode). Without an engine (the live server, where a worker
runs every cluster's engine) ``next`` asks the worker for N more actions
(``control.clock_next``), and ``settle`` runs a fresh engine in-process for that moment
(as setups do before the learner watches); the worker's engine catches up from the store,
because every sync is level-triggered.
"""
from __future__ import annotations

from typing import Any

from kubeviz.apiserver import registry
from kubeviz.apiserver.apply import manifest_apply
from kubeviz.apiserver.errors import StatusError
from kubeviz.apiserver.resources import all_resources, by_kind, by_plural
from kubeviz.apiserver.strategy import Strategy
from kubeviz.clusters.models import Cluster
from kubeviz.engine import control
from kubeviz.engine.client import Client
from kubeviz.engine.runner import Engine, pause_clock
from kubeviz.proxy.traffic import traffic_send
from kubeviz.web import services

from .parse import Action, ActionError

LESSON = registry.Actor("client", "lesson")


def resource_name(strategy: Strategy) -> str:
    """How kubectl names a resource in its output: ``deployment.apps``, ``pod``."""
    return f"{strategy.singular}.{strategy.group}" if strategy.group else strategy.singular


def strategy_for(word: str) -> Strategy:
    """A resource as kubectl accepts it: kind, plural, singular, short name or
    ``plural.group`` (``Deployment``, ``deployments``, ``deploy``, ``deployments.apps``)."""
    wanted = word.strip().lower()
    for s in all_resources():
        names = {s.kind.lower(), s.plural, s.singular, *s.short_names}
        if s.group:
            names |= {f"{s.plural}.{s.group}", f"{s.singular}.{s.group}", f"{s.kind.lower()}.{s.group}"}
        if wanted in names:
            return s
    raise StatusError(404, "NotFound", f'the server doesn\'t have a resource type "{word}"')


def pod_by_selector(cluster: Cluster, namespace: str, selector: str) -> str:
    """The first pod (by name) the selector matches; a clear error when none does."""
    pods = registry.list_(cluster, by_plural("pods"), namespace, label_selector=selector)["items"]
    names = sorted(p["metadata"]["name"] for p in pods)
    if not names:
        raise StatusError(404, "NotFound", f'no pod in namespace "{namespace}" matches the selector {selector}')
    return names[0]


def applied_text(result: Any) -> str:
    """``kubectl apply``'s output: one ``deployment.apps/web created`` line per object."""
    return "\n".join(f"{resource_name(by_kind(a.kind))}/{a.name} {a.action}" for a in result.applied)


def run_action(cluster: Cluster, action: Action, engine: Engine | None = None) -> str:
    """Perform ``action``; return what happened (for the flash area). A refusal (the API
    server's, or an object that is missing) is an ``ActionError`` at the action's path."""
    try:
        return _RUNNERS[action.kind](cluster, action, engine)
    except StatusError as exc:
        raise ActionError([(action.where, exc.message)]) from exc


def _manifest(cluster: Cluster, action: Action, engine: Engine | None) -> str:
    result = manifest_apply(cluster=cluster, text=action.args["text"], actor=LESSON)
    if not result.ok:
        where = f"{action.args['path']}: " if "path" in action.args else ""
        raise ActionError([(action.where, where + "; ".join(str(e) for e in result.errors))])
    return applied_text(result)


def _kubectl(cluster: Cluster, action: Action, engine: Engine | None) -> str:
    if not action.runnable:
        raise ActionError([(action.where, "this command is shown only (run: false): kubeviz does not run it")])
    from .kubectl import run_kubectl

    return run_kubectl(cluster, action.args["parsed"], where=action.where)


def _clock(cluster: Cluster, action: Action, engine: Engine | None) -> str:
    control.clock_set(cluster=cluster, mode=action.args["mode"], speed=action.args.get("speed"))
    if engine is not None:
        engine.cluster.refresh_from_db()
    speed = f" at {cluster.clock_speed:g}×" if action.args.get("speed") is not None else ""
    return f"clock: {cluster.clock_mode}{speed}"


def _next(cluster: Cluster, action: Action, engine: Engine | None) -> str:
    n = action.args["actions"]
    if engine is None:
        for _ in range(n):
            control.clock_next(cluster=cluster)
        return f"asked for {n} more component action{'s' if n != 1 else ''}"
    cluster.refresh_from_db()
    if cluster.clock_mode != Cluster.CLOCK_STEP:
        control.clock_set(cluster=cluster, mode=Cluster.CLOCK_STEP)
    engine.cluster.refresh_from_db()
    done = 0
    while done < n and engine.step():
        done += 1
    return f"{done} component action{'s' if done != 1 else ''}" + ("" if done == n else " (nothing more to do)")


def _settle(cluster: Cluster, action: Action, engine: Engine | None) -> str:
    cluster.refresh_from_db()
    mode = cluster.clock_mode
    # settle jumps the clock, which a live clock does not allow: freeze it meanwhile.
    pause_clock(cluster)
    engine = engine or Engine(cluster)
    engine.cluster.refresh_from_db()
    done = engine.settle(horizon=action.args["seconds"])
    if mode == Cluster.CLOCK_LIVE:
        control.clock_set(cluster=cluster, mode=mode)
        engine.cluster.refresh_from_db()
    return f"{done} component action{'s' if done != 1 else ''} in up to {action.args['seconds']:g} simulated seconds"


def _do(cluster: Cluster, action: Action, engine: Engine | None) -> str:
    a = action.args
    ns = a["namespace"]
    name = a["do"]
    if name == "scale":
        services.deployment_scale(cluster=cluster, namespace=ns, name=a["name"], replicas=a["replicas"], actor=LESSON)
        return f"deployment.apps/{a['name']} scaled"
    if name == "set-image":
        services.deployment_set_image(cluster=cluster, namespace=ns, name=a["name"], image=a["image"],
                                      container=a.get("container", ""), actor=LESSON)
        return f"deployment.apps/{a['name']} image updated"
    if name == "undo":
        return services.deployment_rollout_undo(cluster=cluster, namespace=ns, name=a["name"],
                                                to_revision=a.get("to_revision", 0), actor=LESSON)
    if name in ("pod-delete", "pod-crash"):
        pod = a.get("name") or pod_by_selector(cluster, ns, a["selector"])
        if name == "pod-delete":
            control.pod_kill(cluster=cluster, namespace=ns, name=pod, client=LESSON.client)
            return f'pod "{pod}" deleted'
        control.pod_crash(cluster=cluster, namespace=ns, name=pod, client=LESSON.client)
        return f"pod/{pod}: its containers crash now"
    if name in ("node-fail", "node-recover"):
        fn = control.node_fail if name == "node-fail" else control.node_recover
        fn(cluster=cluster, name=a["node"])
        return f"node/{a['node']} {'failed (its kubelet stopped)' if name == 'node-fail' else 'recovered'}"
    if name in ("node-cordon", "node-uncordon"):
        cordon = name == "node-cordon"
        control.node_cordon(cluster=cluster, name=a["node"], unschedulable=cordon, client=LESSON.client)
        return f"node/{a['node']} {'cordoned' if cordon else 'uncordoned'}"
    if name == "node-add":
        node = control.node_add(cluster=cluster, cpu=a.get("cpu", "4"), memory=a.get("memory", "8Gi"), client=LESSON.client)
        return f"node/{node['metadata']['name']} added"
    if name in ("component-stop", "component-start"):
        running = name == "component-start"
        control.component_set(cluster=cluster, component=a["component"], running=running)
        return f"{a['component']} {'started' if running else 'stopped'}"
    if name == "traffic":
        result = traffic_send(cluster=cluster, namespace=ns, name=a["service"], requests=a["requests"])
        spread = ", ".join(f"{pod} {count}" for pod, count in result["distribution"].items())
        return f"{a['requests']} requests to {result['service']}: {spread}"
    strategy = strategy_for(a["kind"])
    return delete_object(cluster, strategy, ns, a["name"])


def delete_object(cluster: Cluster, strategy: Strategy, namespace: str, name: str) -> str:
    """``kubectl delete KIND NAME`` from the lesson, recorded as step 1."""
    Client(cluster, "client", client=LESSON.client).delete(
        strategy.plural, namespace if strategy.namespaced else None, name, step=1, category="flow",
        message=f"{LESSON.subject} asked the API server to delete {strategy.kind} "
                f"{namespace + '/' if strategy.namespaced else ''}{name}",
    )
    return f'{resource_name(strategy)} "{name}" deleted'


_RUNNERS = {
    "apply": _manifest, "manifest": _manifest, "do": _do, "kubectl": _kubectl,
    "clock": _clock, "next": _next, "settle": _settle,
}
