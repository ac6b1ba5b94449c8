"""Pages and htmx partials. Thin: look up, call a selector or a service, render.

One view serves both the full page and its partial (django-htmx style, without the
dependency): a request with ``HX-Request: true`` gets the fragment, any other the page.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kubeviz.apiserver.apply import ApplyResult, manifest_apply
from kubeviz.apiserver.errors import StatusError
from kubeviz.apiserver.tokens import cluster_token_rotate
from kubeviz.clusters.access import cluster_access, request_identity
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.permissions import Action, Denied, may
from kubeviz.engine import control
from kubeviz.flow.catalogue import catalogue_data
from kubeviz.kubeapi.kubeconfig import kubeconfig_render

from . import forms, services
from .selectors import (
    COLLAPSE_NODES,
    COLLAPSE_PODS,
    PANELS,
    cluster_summaries,
    diagram_state,
    manifest_sample,
    manifest_samples,
    object_detail,
    panel_data,
    recent_steps,
)

REFRESH_EVENT = "kv-refresh"


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def _render(request: HttpRequest, page: str, partial: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, partial if _htmx(request) else page, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _cluster(request: HttpRequest, name: str, action: Action = Action.WATCH) -> Cluster:
    """The cluster, if this visitor may ``action`` it: a cluster they may not even watch is
    a 404 (its name does not leak), one they may only watch is a 403 for acting."""
    try:
        return cluster_access(name, request_identity(request), action)
    except Denied as exc:
        if not exc.visible:
            raise Http404(exc.message) from None
        raise PermissionDenied(exc.message) from None


def _kubeconfig_context(cluster: Cluster) -> dict[str, str]:
    filename = f"kubeviz-{cluster.name}.kubeconfig"
    return {
        "kubeconfig_filename": filename,
        "kubeconfig_commands": [f"export KUBECONFIG=$PWD/{filename}", "kubectl get nodes"],
    }


@require_GET
def cluster_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/cluster_list.html", {"clusters": cluster_summaries(request_identity(request))})


def dashboard_context(request: HttpRequest, cluster: Cluster) -> dict[str, Any]:
    """What the live dashboard's template needs (the lesson player shows the same beside
    its lesson)."""
    panel = request.GET.get("panel", "nodes")
    if panel not in PANELS:
        panel = "nodes"
    state = diagram_state(cluster)
    steps = recent_steps(cluster)
    data = {
        "cluster": cluster.name,
        "lastSeq": state["seq"],
        "revision": state["revision"],
        "state": state,
        "catalogue": catalogue_data(),
        "collapse": {"nodes": COLLAPSE_NODES, "pods": COLLAPSE_PODS},
        "urls": {
            "ws": f"/ws/clusters/{cluster.name}/steps/",
            "steps": reverse("api-steps", args=[cluster.name]),
            "state": reverse("cluster-state", args=[cluster.name]),
            "objects": reverse("cluster-detail", args=[cluster.name]) + "objects/",
        },
    }
    return {
        "cluster": cluster,
        "state": state,
        "steps": list(reversed(steps)),
        "dashboard_data": data,
        "panel": panel,
        **panel_data(cluster, panel),
        "panels": PANELS,
        # ?watch: a teacher looking over a learner's shoulder sees what the learner sees,
        # without buttons that would change the learner's cluster.
        "can_act": "watch" not in request.GET and may(request_identity(request), Action.ACT, cluster),
        "samples": manifest_samples(),
        "speeds": [0.25, 0.5, 1.0, 2.0, 4.0, 8.0],
        **_kubeconfig_context(cluster),
    }


@require_GET
def cluster_detail(request: HttpRequest, name: str) -> HttpResponse:
    """The live dashboard: diagram, timeline, controls, panels, actions, manifest upload."""
    cluster = _cluster(request, name)
    response = render(request, "web/cluster_detail.html", dashboard_context(request, cluster))
    add_never_cache_headers(response)
    return response


@require_GET
def panel(request: HttpRequest, name: str, panel: str) -> HttpResponse:
    """One of the object panels (nodes, pods, deployments, services, events)."""
    if panel not in PANELS:
        raise Http404("no such panel")
    cluster = _cluster(request, name)
    context = {"cluster": cluster, "panel": panel, "panels": PANELS, **panel_data(cluster, panel),
               "can_act": may(request_identity(request), Action.ACT, cluster)}
    return _render(request, "web/panel_page.html", "web/partials/panel.html", context)


@require_GET
def object_view(request: HttpRequest, name: str, plural: str, objname: str, namespace: str | None = None) -> HttpResponse:
    """An object's detail: YAML, etcd key, revision, and for a pod the scheduler's reasons."""
    cluster = _cluster(request, name)
    try:
        detail = object_detail(cluster, plural, namespace, objname)
    except StatusError as exc:
        if exc.code == 404:
            raise Http404(exc.message) from None
        raise
    context = {"cluster": cluster, "d": detail}
    return _render(request, "web/object_page.html", "web/partials/object_detail.html", context)


@require_GET
def state(request: HttpRequest, name: str) -> JsonResponse:
    """What the diagram draws, for reconciling after steps (JSON)."""
    response = JsonResponse(diagram_state(_cluster(request, name)))
    add_never_cache_headers(response)
    return response


@require_GET
def kubeconfig(request: HttpRequest, name: str) -> HttpResponse:
    """The kubeconfig carries the cluster's token, which makes its holder the cluster's
    administrator: only those who may act get it."""
    cluster = _cluster(request, name, Action.ACT)
    response = HttpResponse(kubeconfig_render(cluster), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_kubeconfig_context(cluster)["kubeconfig_filename"]}"'
    add_never_cache_headers(response)  # it carries the cluster's bearer token
    return response


@require_http_methods(["GET", "POST"])
def manifest(request: HttpRequest, name: str) -> HttpResponse:
    """The manifest form (GET, optionally with a sample) and applying it (POST)."""
    cluster = _cluster(request, name, Action.ACT if request.method == "POST" else Action.WATCH)
    context: dict[str, Any] = {"cluster": cluster, "samples": manifest_samples(), "text": "", "result": None}
    status = 200
    if request.method == "GET":
        sample = request.GET.get("sample", "")
        context["sample"] = sample
        context["text"] = manifest_sample(sample) or "" if sample else ""
    else:
        form = forms.ManifestForm(request.POST, request.FILES)
        form.is_valid()
        text = form.cleaned_data.get("text") or ""
        upload = form.cleaned_data.get("file")
        if upload:
            text, problem = services.manifest_read_upload(upload)
            result = ApplyResult(errors=[problem]) if problem else manifest_apply(cluster=cluster, text=text)
        else:
            result = manifest_apply(cluster=cluster, text=text)
        context["text"] = text
        context["result"] = result
        if not result.ok and not _htmx(request):
            status = 400
    response = _render(request, "web/manifest_page.html", "web/partials/manifest.html", context, status=status)
    if context["result"] is not None and context["result"].ok:
        response["HX-Trigger"] = REFRESH_EVENT
    return response


# ---- actions ------------------------------------------------------------------------------


def _node_action(fn: Callable[..., Any], verb: str, **extra: Any) -> Callable[[Cluster, dict], str]:
    def run(cluster: Cluster, data: dict) -> str:
        fn(cluster=cluster, name=data["name"], **extra)
        return f"node {data['name']}: {verb}"
    return run


def _scale(cluster: Cluster, data: dict) -> str:
    services.deployment_scale(cluster=cluster, namespace=data["namespace"] or "default", name=data["name"], replicas=data["replicas"])
    return f"deployment {data['name']} scaled to {data['replicas']}"


def _set_image(cluster: Cluster, data: dict) -> str:
    services.deployment_set_image(cluster=cluster, namespace=data["namespace"] or "default", name=data["name"],
                                  image=data["image"], container=data.get("container") or "")
    return f"deployment {data['name']}: image set to {data['image']} (rolling update)"


def _undo(cluster: Cluster, data: dict) -> str:
    return services.deployment_rollout_undo(cluster=cluster, namespace=data["namespace"] or "default", name=data["name"],
                                            to_revision=data.get("to_revision") or 0)


def _pod_delete(cluster: Cluster, data: dict) -> str:
    control.pod_kill(cluster=cluster, namespace=data["namespace"] or "default", name=data["name"])
    return f"pod {data['name']} deleted"


def _pod_crash(cluster: Cluster, data: dict) -> str:
    control.pod_crash(cluster=cluster, namespace=data["namespace"] or "default", name=data["name"])
    return f"pod {data['name']}: its containers will crash"


def _node_add(cluster: Cluster, data: dict) -> str:
    node = control.node_add(cluster=cluster, cpu=data.get("cpu") or "4", memory=data.get("memory") or "8Gi")
    return f"node {node['metadata']['name']} added"


def _component(running: bool) -> Callable[[Cluster, dict], str]:
    def run(cluster: Cluster, data: dict) -> str:
        control.component_set(cluster=cluster, component=data["component"], running=running)
        return f"{data['component']} {'started' if running else 'stopped'}"
    return run


def _token_rotate(cluster: Cluster, data: dict) -> str:
    cluster_token_rotate(cluster=cluster)
    return "new token: download the kubeconfig again, the old one no longer works"


ACTIONS: dict[str, tuple[type[forms.forms.Form], Callable[[Cluster, dict], str]]] = {
    "scale": (forms.ScaleForm, _scale),
    "set-image": (forms.ImageForm, _set_image),
    "undo": (forms.UndoForm, _undo),
    "pod-delete": (forms.ObjectForm, _pod_delete),
    "pod-crash": (forms.ObjectForm, _pod_crash),
    "node-fail": (forms.ObjectForm, _node_action(control.node_fail, "failed (its kubelet stopped)")),
    "node-recover": (forms.ObjectForm, _node_action(control.node_recover, "recovered")),
    "node-cordon": (forms.ObjectForm, _node_action(control.node_cordon, "cordoned", unschedulable=True)),
    "node-uncordon": (forms.ObjectForm, _node_action(control.node_cordon, "uncordoned", unschedulable=False)),
    "node-add": (forms.NodeAddForm, _node_add),
    "component-stop": (forms.ComponentForm, _component(False)),
    "component-start": (forms.ComponentForm, _component(True)),
    "token-rotate": (forms.NoFieldsForm, _token_rotate),
}


@require_POST
def action(request: HttpRequest, name: str, action: str) -> HttpResponse:
    """A dashboard button: validate the form, call one service, report in the flash area."""
    if action not in ACTIONS:
        raise Http404("no such action")
    cluster = _cluster(request, name, Action.ACT)
    form_class, run = ACTIONS[action]
    form = form_class(request.POST)
    ok = False
    if not form.is_valid():
        text = "; ".join(f"{field}: {' '.join(errs)}" for field, errs in form.errors.items())
    else:
        try:
            text = run(cluster, form.cleaned_data)
            ok = True
        except StatusError as exc:
            text = exc.message
    if not _htmx(request):
        messages.add_message(request, messages.SUCCESS if ok else messages.ERROR, text)
        return redirect(reverse("cluster-detail", args=[cluster.name]))
    response = render(request, "web/partials/flash.html", {"ok": ok, "text": text, "action": action})
    if ok:
        response["HX-Trigger"] = REFRESH_EVENT
    return response
