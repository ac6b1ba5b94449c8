"""How a prediction ("the pod is stored: who acts next?") is answered by the cluster.

The answer is the component that acts in the first step recorded for the observed object
after the question was asked: the step's source, unless that is the client, the API server
or etcd (they only pass the request on and store it), then its target unless that is the API
server or etcd, else the API server. So a watch delivery (apiserver → scheduler, step 3)
is the scheduler's move, a Binding (scheduler → apiserver, step 4) too, a write stored
(apiserver → etcd) the API server's. Node names are dropped (``kubelet/node-1`` → kubelet).
docs/lessons.md says the same for authors.
"""
from __future__ import annotations

from kubeviz.apiserver import registry
from kubeviz.apiserver.errors import StatusError
from kubeviz.apiserver.resources import by_kind
from kubeviz.apiserver.selectors import parse_label_selector
from kubeviz.clusters.models import Cluster
from kubeviz.flow.models import Step

from .loader import Observe

_PASSERS = ("client", "apiserver", "etcd")
_STORE = ("apiserver", "etcd")
#: how many of the observed kind's steps are looked through for one of the object
SCAN_LIMIT = 500


def component(name: str) -> str:
    """``kubelet/node-1`` → ``kubelet``."""
    return name.split("/", 1)[0]


def actor(step: Step) -> str:
    """Who acts in a recorded step (the rule above)."""
    source, target = component(step.source), component(step.target)
    if source not in _PASSERS:
        return source
    if target not in _STORE:
        return target
    return "apiserver"


def _observed(cluster: Cluster, observe: Observe, step: Step) -> bool:
    if step.kind != observe.kind:
        return False
    if step.namespace and step.namespace != observe.namespace:
        return False
    if observe.name:
        return step.name == observe.name
    try:
        strategy = by_kind(observe.kind)
        obj = registry.get(cluster, strategy, observe.namespace if strategy.namespaced else None, step.name)
    except StatusError:
        return False
    return parse_label_selector(observe.selector).matches(obj["metadata"].get("labels") or {})


def first_step(cluster: Cluster, observe: Observe, after_seq: int) -> Step | None:
    """The first step recorded for the observed object after ``after_seq``, if any yet."""
    for step in Step.objects.filter(cluster=cluster, seq__gt=after_seq, kind=observe.kind).order_by("seq")[:SCAN_LIMIT]:
        if _observed(cluster, observe, step):
            return step
    return None


def prediction_outcome(cluster: Cluster, observe: Observe, after_seq: int) -> tuple[str | None, Step | None]:
    """(who acted, the step) for the first step of the observed object since the question
    was asked; (None, None) while nothing has been recorded for it."""
    step = first_step(cluster, observe, after_seq)
    return (actor(step), step) if step else (None, None)
