"""The kinds that read what the nodes do: ``log`` (a container's log, as ``kubectl logs``
serves it) and ``traffic`` (kube-proxy's rules for a Service; read, never sent)."""
from __future__ import annotations

from kubeviz.apiserver import errors as api_errors
from kubeviz.clusters.models import Cluster
from kubeviz.kubelet.logs import LogUnavailable, log_lines, log_source
from kubeviz.proxy.selectors import rules_of_service

from . import messages as say
from .language import LogCheck, Target, TrafficCheck
from .outcome import Outcome, Scope
from .process import none_found
from .state import find_object, find_objects


def log_evaluate(cluster: Cluster, check: LogCheck, scope: Scope) -> Outcome:
    target = check.target
    pods = find_objects(cluster, target)
    if not pods:
        if target.name:
            return Outcome(False, say.missing(target, True) + ".", say.missing_advice(target, True, "pods"))
        return none_found(target)
    unavailable: list[str] = []
    last: tuple[str, str] | None = None
    for pod in pods:
        name = pod["metadata"]["name"]
        containers = (pod.get("spec") or {}).get("containers") or [{}]
        container = check.container or containers[0].get("name", "")
        try:
            source = log_source(pod, container, check.previous)
        except LogUnavailable as exc:
            unavailable.append(str(exc))
            continue
        lines = log_lines(cluster, source)
        for line in lines:
            if check.contains in line.text:
                return Outcome(True, f'Pod {name} (container {container}) logged: {line.text.rstrip()[:200]}')
        if lines:
            last = (name, lines[-1].text.rstrip()[:200])
    who = f"pod {target.name}" if target.name else "the " + say.plural(len(pods), "pod")[2:] + say.where(target.namespace, target.selector_text)
    found = f'No line containing "{check.contains}" in the {"previous " if check.previous else ""}log of {who}'
    if last:
        found += f" (the last line of {last[0]} is: {last[1]})"
    elif unavailable:
        found += f" ({unavailable[0]})"
    name = pods[0]["metadata"]["name"]
    flags = (f" -c {check.container}" if check.container else "") + (" --previous" if check.previous else "")
    advice = f"kubectl logs {name}{flags} shows what it wrote."
    if unavailable and not last:
        advice = ("Only a container that has restarted has a previous log: kubectl get pod shows its RESTARTS."
                  if check.previous else "A container that has not started has no log yet: kubectl describe pod shows why it waits.")
    return Outcome(False, found + ".", advice)


def traffic_evaluate(cluster: Cluster, check: TrafficCheck, scope: Scope) -> Outcome:
    target = Target(kind="Service", namespace=check.namespace, name=check.service)
    svc = find_object(cluster, target)
    if svc is None:
        return Outcome(False, say.missing(target, True) + ".", say.missing_advice(target, True, "services"))
    try:
        node, rules = rules_of_service(cluster, svc, check.node)
    except api_errors.StatusError:
        return Outcome(False, f"There is no Node {check.node}.", "kubectl get nodes lists the nodes there are.")
    if rules is None:
        return Outcome(False, f"Service {check.service} has no kube-proxy rules: a headless or ExternalName Service is not proxied.",
                       "Give the Service a clusterIP (leave clusterIP: None out) for kube-proxy to balance it.")
    reached = sorted({b.label for r in rules.rules if r.kind == "ClusterIP" for b in r.backends if b.ready})
    n = len(reached)
    found = f"kube-proxy's rules for Service {check.service} on {node} lead to {say.plural(n, 'ready pod')}"
    found += f": {', '.join(reached[:5])}{', …' if n > 5 else ''}" if reached else ""
    if check.count.holds(n):
        return Outcome(True, found + ".")
    return Outcome(False, f"{found}{say.short_of(check.count, n)}.", (
        f"A Service reaches the ready pods whose labels match its selector: compare kubectl get endpoints "
        f"{check.service} with kubectl get pods --show-labels."
    ))
