"""The API client components use: every read and write goes through the API server.

Like client-go's clientset, bound to one cluster and one identity (the component's name),
so the steps and Events it causes say who acted.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster
from kubeviz.flow.catalogue import say
from kubeviz.flow.services import StepRecord, name_object, step_record

from .events import EventCorrelator

Obj = dict[str, Any]

#: how a request's verb reads in a sentence ("asked the API server to update the status of Pod x")
_VERB_PHRASES = {"update status": "update the status of", "update finalize": "finalize", "create binding": "create a binding for"}


class Client:
    def __init__(self, cluster: Cluster, component: str, now: datetime | None = None, event_source: str | None = None,
                 events: EventCorrelator | None = None, client: str = ""):
        self.cluster = cluster
        self.component = component
        self.event_source = event_source
        #: for the "client" component: which client sent the requests (button, lesson…)
        self.client = client
        self.actor = registry.Actor(component, client)
        self._now = now
        self.events = events if events is not None else EventCorrelator()

    def as_component(self, component: str) -> Client:
        """The same client acting as another component (a kubelet for one node), sharing
        the recorder's memory."""
        return Client(self.cluster, component, self._now, events=self.events)

    # ---- time ---------------------------------------------------------------------------
    def now(self) -> datetime:
        return self._now or clock.now(self.cluster)

    def stamp(self, later: float = 0.0) -> str:
        return clock.rfc3339(self.now() + timedelta(seconds=later))

    # ---- reads --------------------------------------------------------------------------
    def get(self, plural: str, namespace: str | None, name: str) -> Obj:
        return registry.get(self.cluster, by_plural(plural), namespace, name)

    def list(self, plural: str, namespace: str | None = None, *, label_selector: str = "", field_selector: str = "") -> list[Obj]:
        return registry.list_(
            self.cluster, by_plural(plural), namespace, label_selector=label_selector, field_selector=field_selector,
        )["items"]

    def pod_metrics(self, namespace: str, *, label_selector: str = "") -> list[Obj]:
        """GET metrics.k8s.io/v1beta1 PodMetrics: what metrics-server reports (the HPA reads it)."""
        from kubeviz.metrics.server import pod_metrics

        return pod_metrics(self.cluster, namespace, label_selector=label_selector)

    # ---- writes (each records step 1 from this component, then the store's step) -------
    def _request(self, verb: str, obj: Obj, kind: str, message: str | None = None, step: int | None = 1, category: str = "flow") -> StepRecord:
        meta = obj.get("metadata") or {}
        where = f"{meta.get('namespace')}/{meta.get('name')}" if meta.get("namespace") else meta.get("name")
        return step_record(
            cluster=self.cluster, step=step, source=self.component, target="apiserver", action=verb,
            obj={"kind": kind, "metadata": meta},
            message=message or say("request", component=self.component, verb=_VERB_PHRASES.get(verb, verb), kind=kind, where=where),
            category=category, client=self.client,
        )

    def create(self, plural: str, namespace: str | None, obj: Obj, *, message: str | None = None, step: int | None = 1, category: str = "flow") -> Obj:
        strategy = by_plural(plural)
        # The API server copies what it stores; here only the namespace is set.
        body = {**obj, "metadata": dict(obj.get("metadata") or {})}
        if namespace:
            body["metadata"]["namespace"] = namespace
        request = self._request("create", body, strategy.kind, message, step, category)
        created = registry.create(self.cluster, strategy, namespace, body, actor=self.actor)
        name_object(request, created)
        return created

    def update(self, plural: str, obj: Obj, *, message: str | None = None, step: int | None = None, category: str = "controller") -> Obj:
        strategy = by_plural(plural)
        meta = obj["metadata"]
        self._request("update", obj, strategy.kind, message, step, category)
        return registry.update(self.cluster, strategy, meta.get("namespace"), meta["name"], obj, actor=self.actor)

    def update_status(self, plural: str, obj: Obj, *, message: str | None = None, step: int | None = None, category: str = "controller") -> Obj:
        strategy = by_plural(plural)
        meta = obj["metadata"]
        self._request("update status", obj, strategy.kind, message, step, category)
        return registry.update(self.cluster, strategy, meta.get("namespace"), meta["name"], obj, actor=self.actor, subresource="status")

    def finalize(self, obj: Obj, *, message: str | None = None, step: int | None = None, category: str = "controller") -> Obj:
        """PUT namespaces/<name>/finalize: only spec.finalizers is taken from ``obj``."""
        strategy = by_plural("namespaces")
        self._request("update finalize", obj, strategy.kind, message, step, category)
        return registry.update(self.cluster, strategy, None, obj["metadata"]["name"], obj, actor=self.actor, subresource="finalize")

    def patch(self, plural: str, namespace: str | None, name: str, patch: Any, *, patch_type: str = "application/merge-patch+json",
              message: str | None = None, step: int | None = None, category: str = "controller") -> Obj:
        strategy = by_plural(plural)
        self._request("patch", {"metadata": {"namespace": namespace, "name": name}}, strategy.kind, message, step, category)
        return registry.patch(self.cluster, strategy, namespace, name, patch_type, patch, actor=self.actor)

    def delete(self, plural: str, namespace: str | None, name: str, *, options: dict | None = None,
               message: str | None = None, step: int | None = None, category: str = "controller") -> Obj:
        strategy = by_plural(plural)
        self._request("delete", {"metadata": {"namespace": namespace, "name": name}}, strategy.kind, message, step, category)
        body, _ = registry.delete(self.cluster, strategy, namespace, name, options=options or {}, actor=self.actor)
        return body

    def bind(self, namespace: str, name: str, node: str, *, message: str) -> Obj:
        self._request("create binding", {"metadata": {"namespace": namespace, "name": name}}, "Pod", message, 4, "flow")
        return registry.bind(
            self.cluster, namespace, name,
            {"metadata": {"name": name, "namespace": namespace}, "target": {"kind": "Node", "name": node}},
            actor=self.actor,
        )

    # ---- steps and events ----------------------------------------------------------------
    def step(self, *, step: int | None, source: str, target: str, action: str, obj: Obj | None, message: str, category: str = "flow") -> None:
        step_record(cluster=self.cluster, step=step, source=source, target=target, action=action, obj=obj, message=message, category=category)

    def event(self, obj: Obj, *, type: str, reason: str, message: str) -> None:
        """Record a Kubernetes Event about ``obj``, counting repeats as the recorder does."""
        meta = obj["metadata"]
        namespace = meta.get("namespace") or "default"
        involved = {
            "kind": obj.get("kind", ""), "namespace": meta.get("namespace", ""), "name": meta["name"],
            "uid": meta.get("uid", ""), "apiVersion": obj.get("apiVersion", ""), "resourceVersion": meta.get("resourceVersion", ""),
        }
        stamp = self.stamp()
        source_component = self.event_source or self.component.split("/")[0]
        host = self.component.split("/")[1] if "/" in self.component else ""
        events = by_plural("events")
        key = (namespace, meta.get("uid", "") or meta["name"], _event_source(source_component), host, type, reason, message)
        repeat = self.events.existing(key)
        if repeat is not None:
            try:
                existing = registry.get(self.cluster, events, namespace, repeat)
            except errors.StatusError:
                self.events.forget(key)  # gone (expired, or its namespace deleted): start anew
            else:
                existing["count"] = int(existing.get("count", 1)) + 1
                existing["lastTimestamp"] = stamp
                registry.update(self.cluster, events, namespace, repeat, existing, actor=self.actor)
                return
        body = {
            "metadata": {"namespace": namespace},
            "involvedObject": involved, "reason": reason, "message": message, "type": type,
            "source": {"component": _event_source(source_component), **({"host": host} if host else {})},
            "firstTimestamp": stamp, "lastTimestamp": stamp, "count": 1,
            "reportingComponent": _event_source(source_component), "reportingInstance": host or _event_source(source_component),
        }
        if not self.events.seeded:
            self.events.seed(registry.names(self.cluster, "events"))
        for _ in range(3):
            name = f"{meta['name']}.{self.events.timestamp_ns(self.now()):x}"
            body["metadata"]["name"] = name
            try:
                # Blind: a recorder that finds the name taken drops the Event ("Server
                # rejected event (will not retry!)"), so nothing waits to hear it was stored.
                registry.create(self.cluster, events, namespace, body, actor=self.actor, blind=True)
            except errors.StatusError as exc:
                if exc.code in (403, 404):
                    # The recorder drops an Event its namespace refuses (being terminated, or gone).
                    return
                if exc.code != 409:
                    raise
                continue  # another writer took this instant's name: the next nanosecond
            self.events.remember(key, name)
            return


# What kubectl describe shows in FROM for each controller of kube-controller-manager.
CONTROLLER_EVENT_SOURCES = {
    "deployment": "deployment-controller",
    "replicaset": "replicaset-controller",
    "daemonset": "daemonset-controller",
    "statefulset": "statefulset-controller",
    "job": "job-controller",
    "horizontal-pod-autoscaler": "horizontal-pod-autoscaler",
    "endpoints": "endpoint-controller",
    "endpointslice": "endpoint-slice-controller",
    "nodelifecycle": "node-controller",
    "garbagecollector": "garbage-collector-controller",
    "namespace": "namespace-controller",
    "serviceaccount": "service-account-controller",
    "resourcequota": "resource-quota-controller",
}


def event_source_for(component_name: str) -> str | None:
    """``controller-manager/deployment`` → ``deployment-controller``."""
    group, _, member = component_name.partition("/")
    if group == "controller-manager":
        return CONTROLLER_EVENT_SOURCES.get(member, f"{member}-controller")
    return None


def _event_source(component: str) -> str:
    return {
        "scheduler": "default-scheduler",
        "controller-manager": "controller-manager",
    }.get(component, component)
