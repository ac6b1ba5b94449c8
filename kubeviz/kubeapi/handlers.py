"""Serving one Kubernetes API request: choose the registry call, record step 1.

Views parse and render; this module decides. A successful request's step 1 is written in
the same transaction as its store writes (step 2, 5 or 9), so steps appear in order; a
refused request records only its step 1, saying why, and writes nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from django.db import transaction

from kubeviz.apiserver import errors, registry, schemas
from kubeviz.apiserver.conversion import VersionView
from kubeviz.apiserver.eviction import evict
from kubeviz.apiserver.kinds.reviews import REVIEW_KINDS
from kubeviz.apiserver.patch import APPLY_PATCH, PATCH_TYPES
from kubeviz.apiserver.rbac import ADMIN, Attributes, UserInfo, authorize
from kubeviz.apiserver.resources import lookup
from kubeviz.apiserver.reviews import review
from kubeviz.apiserver.satokens import token_request
from kubeviz.apiserver.selectors import selector_to_string
from kubeviz.apiserver.strategy import Strategy
from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster
from kubeviz.flow.services import StepRecord, name_object, step_record

from .logs import LogStream, log_open
from .query import bool_param, int_param
from .requestinfo import RequestInfo
from .tables import table_of, wants_table


@dataclass
class ApiRequest:
    cluster: Cluster
    method: str
    info: RequestInfo
    query: dict[str, str]
    body: Any = None
    content_type: str = ""
    client: str = "client"
    accept: str = ""
    user_agent: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    #: who the request is: the cluster's token, or whom it impersonates
    user: UserInfo = ADMIN

    @property
    def dry_run(self) -> bool:
        return self.query.get("dryRun") == "All"

    @property
    def field_manager(self) -> str:
        """``fieldManager``, or as the API server derives it: the User-Agent up to its first
        slash (kubectl names itself: kubectl-create, kubectl-client-side-apply…)."""
        return self.query.get("fieldManager") or (self.user_agent.split("/")[0] or "unknown")[:128]


VERBS = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


def verb_of(req: ApiRequest) -> str:
    if req.method == "GET":
        if req.info.name is None:
            return "watch" if is_watch(req.query) else "list"
        return "get"
    if req.method == "DELETE" and req.info.name is None:
        return "deletecollection"
    return VERBS.get(req.method, req.method.lower())


def is_served(info: RequestInfo) -> bool:
    """Whether kubeviz serves the resource a path names."""
    try:
        lookup(info.group, info.version, info.resource)
    except errors.StatusError:
        return False
    return True


def is_watch(query: dict[str, str]) -> bool:
    return query.get("watch", "").lower() in ("true", "1")


def _body_meta(req: ApiRequest, key: str) -> str | None:
    """``metadata.<key>`` of the body when it is a string: step 1 is recorded before the
    body is checked, so it must not trip over a body of the wrong shape."""
    meta = req.body.get("metadata") if isinstance(req.body, dict) else None
    value = meta.get(key) if isinstance(meta, dict) else None
    return value if isinstance(value, str) else None


def _authorize(req: ApiRequest) -> None:
    """RBAC, before anything is read or written (the authorization filter)."""
    info = req.info
    namespace = info.namespace or ""
    if info.resource == "namespaces" and info.name:
        namespace = info.name  # a namespace is inside itself, as RequestInfoFactory says
    authorize(req.cluster, req.user, Attributes(
        verb=verb_of(req), resource=info.resource, group=info.group, namespace=namespace,
        name=info.name or "", subresource=info.subresource or "",
    ))


def _describe(req: ApiRequest, strategy: Strategy | None) -> str:
    info = req.info
    kind = strategy.kind if strategy else info.resource
    name = info.name or _body_meta(req, "name")
    if not name:
        gen = _body_meta(req, "generateName")
        name = f"{gen}*" if gen else None
    ns = info.namespace
    target = f"{ns}/{name}" if ns and name else (name or (f"in namespace {ns}" if ns else "in all namespaces"))
    sub = f" ({info.subresource})" if info.subresource else ""
    plural = info.resource if not name else kind
    return f"{plural} {target}{sub}"


def _record_step1(req: ApiRequest, strategy: Strategy | None, refused: errors.StatusError | None = None) -> StepRecord:
    verb = verb_of(req)
    what = _describe(req, strategy)
    if refused is None:
        message = f"{req.client} asked the API server to {verb} {what}; the request was authenticated and validated"
    else:
        message = f"{req.client} asked the API server to {verb} {what}; refused with {refused.code} {refused.reason}: {refused.message}"
    name = req.info.name or _body_meta(req, "name")
    obj = {
        "kind": strategy.kind if strategy else "",
        "metadata": {"namespace": req.info.namespace or "", "name": name or ""},
    }
    return step_record(
        cluster=req.cluster, step=1, source="client", target="apiserver", action=verb,
        obj=obj, message=message, client=req.client,
    )


def unserved_refusal(info: RequestInfo) -> errors.StatusError | None:
    """The plain answer for a kind kubeviz lists but does not serve (discovery.unserved)."""
    from .discovery import unserved_kind

    s = unserved_kind(info.group, info.version, info.resource)
    if s is None:
        return None
    return errors.StatusError(
        404, "NotFound",
        f"{s.kind} ({s.api_version}) is a Kubernetes kind that kubeviz does not serve yet, so "
        f"nothing was created or changed; the kinds it serves are listed by kubectl api-resources "
        f"(and in kubeviz's README)",
        name=info.name or "", group=info.group, kind=info.resource,
    )


def request_handle(req: ApiRequest) -> tuple[int, dict[str, Any]]:
    """Serve a non-watch request; returns (HTTP status, body). Raises StatusError."""
    strategy: Strategy | None = None
    try:
        refusal = unserved_refusal(req.info)
        if refusal is not None:
            raise refusal
        strategy = lookup(req.info.group, req.info.version, req.info.resource)
        _authorize(req)
        if req.method == "GET":
            # A read writes nothing, so it reads outside the write transaction: on SQLite
            # that holds the only write lock, which the engine and every other request
            # wait for. Its step 1 is written once the read is done.
            code, body = _dispatch(req, strategy)
            with transaction.atomic():
                _record_step1(req, strategy)
        else:
            with transaction.atomic():
                step = _record_step1(req, strategy)
                code, body = _dispatch(req, strategy)
                if req.method == "POST" and code == 201 and body.get("kind") == strategy.kind:
                    name_object(step, body)
        return code, _present(strategy, _as_table(req, strategy, body))
    except errors.StatusError as exc:
        _with_details(exc, req.info)
        with transaction.atomic():
            _record_step1(req, strategy, refused=exc)
        raise


def _with_details(exc: errors.StatusError, info: RequestInfo) -> None:
    """A 404 always names what was not found (name, group, kind), as the real API server's
    do: kubectl reads ``details`` (kubectl debug panicked without it)."""
    if exc.code == 404 and not (exc.name or exc.kind):
        exc.name = info.name or ""
        exc.group = info.group
        exc.kind = info.resource


def _as_table(req: ApiRequest, strategy: Strategy, body: dict[str, Any]) -> dict[str, Any]:
    """kubectl get asks for a Table; a read answers with one when asked."""
    if req.method != "GET" or req.info.subresource or not wants_table(req.accept):
        return body
    now = clock.now(req.cluster)
    include = req.query.get("includeObject", "Metadata")
    if body.get("kind") == strategy.list_kind:
        meta = body.get("metadata") or {}
        return table_of(strategy.kind, body["items"], now, meta.get("resourceVersion", ""), meta.get("continue", ""), include)
    return table_of(strategy.kind, [body], now, (body.get("metadata") or {}).get("resourceVersion", ""), include_object=include)


def watch_open(req: ApiRequest) -> Strategy:
    """Check a watch request and record its step 1; the view streams the events."""
    try:
        refusal = unserved_refusal(req.info)
        if refusal is not None:
            raise refusal
        strategy = lookup(req.info.group, req.info.version, req.info.resource)
    except errors.StatusError as exc:
        _with_details(exc, req.info)
        raise
    try:
        _authorize(req)
    except errors.StatusError as exc:
        with transaction.atomic():
            _record_step1(req, strategy, refused=exc)
        raise
    with transaction.atomic():
        _record_step1(req, strategy)
    return strategy


def pod_log_open(req: ApiRequest) -> LogStream:
    """Check a pods/log request and record its step 1 (or its refusal); the view then
    serves the text the kubelet gives."""
    strategy: Strategy | None = None
    try:
        strategy = lookup(req.info.group, req.info.version, req.info.resource)
        if strategy.kind != "Pod" or not req.info.name or req.info.namespace is None:
            raise errors.StatusError(404, "NotFound", "the server could not find the requested resource")
        _authorize(req)
        # Reads first, outside the write transaction (as for every GET); then the steps.
        stream = log_open(req.cluster, req.info.namespace, req.info.name, req.query)
        with transaction.atomic():
            _record_step1(req, strategy)
            stream.record_step()
        return stream
    except errors.StatusError as exc:
        _with_details(exc, req.info)
        with transaction.atomic():
            _record_step1(req, strategy, refused=exc)
        raise


# Subresources that need a real network; kubectl prints the reason as given.
UNSUPPORTED_SUBRESOURCES = {
    "proxy": "its network is simulated, so there is nothing to proxy to",
}
#: served over WebSockets by kubeapi/streams.py; a plain (SPDY) request gets ``SPDY_REFUSAL``
STREAM_SUBRESOURCES = ("exec", "attach", "portforward")
SPDY_REFUSAL = (
    "kubeviz serves exec, attach, cp and port-forward over WebSockets only, not SPDY/3.1: use kubectl 1.30 or newer "
    "(exec, attach and cp; kubectl 1.29 with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true) and kubectl 1.31 or newer for "
    "port-forward (1.30 with KUBECTL_PORT_FORWARD_WEBSOCKETS=true), or a client that speaks the WebSocket protocols "
    "v5.channel.k8s.io/v4.channel.k8s.io (the official Python client does)"
)


class UpgradeRefused(Exception):
    """The kubelet's refusal to upgrade a stream, which the API server passes on as text
    (client-go prints ``unable to upgrade connection: <text>``)."""

    def __init__(self, code: int, text: str):
        super().__init__(text)
        self.code = code
        self.text = text


@dataclass
class StreamTarget:
    """An exec, attach or port-forward the API server has allowed: what the kubelet serves."""

    pod: dict[str, Any]
    container: str
    node: str


def _stream_query(req: ApiRequest, multi: dict[str, list[str]]) -> None:
    """PodExecOptions / PodAttachOptions / PodPortForwardOptions, as the API server validates them."""
    sub = req.info.subresource
    if sub == "portforward":
        # Optional: over SPDY (kubectl) each stream names its port; a WebSocket client lists them.
        for port in [p for v in multi.get("ports", []) for p in v.split(",") if p.strip()]:
            if not port.strip().isdigit() or not 0 < int(port) < 65536:
                raise errors.bad_request(f"invalid port: {port}")
        return
    flags = [bool_param(req.query, k) for k in ("stdin", "stdout", "stderr")]
    if sub == "exec" and not multi.get("command"):
        raise errors.bad_request("you must specify at least one command for the container")
    if not any(flags):
        raise errors.bad_request("you must specify at least one of stdin, stdout, stderr")


def stream_open(req: ApiRequest, multi: dict[str, list[str]], *, spdy: bool = False) -> StreamTarget:
    """Allow an exec/attach/port-forward (RBAC ``create`` on ``pods/<sub>``; the options;
    the pod, its node and a running container), record its steps, and say where it goes.
    StatusError for the API server's refusals, UpgradeRefused for the kubelet's; ``spdy``:
    the request did not ask for a WebSocket, and is refused once everything else passed."""
    from kubeviz.runtime.streams import running_id

    strategy: Strategy | None = None
    info = req.info
    sub = info.subresource or ""
    try:
        strategy = lookup(info.group, info.version, info.resource)
        if strategy.kind != "Pod" or not info.name or info.namespace is None:
            raise errors.StatusError(404, "NotFound", "the server could not find the requested resource")
        _authorize(req)
        _stream_query(req, multi)
        pod = registry.get(req.cluster, strategy, info.namespace, info.name)
        node = (pod.get("spec") or {}).get("nodeName")
        if not node:
            raise errors.bad_request(f"pod {info.name} does not have a host assigned")
        container = ""
        if sub != "portforward":
            from .logs import _container

            container = _container(pod, req.query.get("container", ""))
        elif (pod.get("status") or {}).get("phase") != "Running":
            raise errors.bad_request(f"pod {info.name} is not running: its phase is {(pod.get('status') or {}).get('phase')}")
        dead = container and running_id(pod, container) is None
        if spdy and not dead:
            raise errors.bad_request(SPDY_REFUSAL)
    except errors.StatusError as exc:
        _with_details(exc, info)
        with transaction.atomic():
            _record_step1(req, strategy, refused=exc)
        raise
    where = f"{info.namespace}/{info.name}"
    with transaction.atomic():
        _record_step1(req, strategy)
        if dead:
            step_record(cluster=req.cluster, step=None, source="apiserver", target=f"kubelet/{node}", action=sub, obj=pod,
                        category="kubelet", message=f'the kubelet on {node} refused the {sub}: container "{container}" of pod '
                                                    f"{where} is not running")
            raise UpgradeRefused(404, f'container not found ("{container}")')
        what = f"container {container} of pod {where}" if container else f"pod {where}"
        step_record(cluster=req.cluster, step=None, source="apiserver", target=f"kubelet/{node}", action=sub, obj=pod,
                    category="kubelet", message=f"the API server passed the {STREAM_WORDS[sub]} of {what} on to the kubelet "
                                                f"on {node}, upgraded to a WebSocket stream")
        step_record(cluster=req.cluster, step=None, source=f"kubelet/{node}", target=f"runtime/{node}", action=sub, obj=pod,
                    category="kubelet", message=f"the kubelet on {node} asked the container runtime to {RUNTIME_WORDS[sub]} {what}")
    return StreamTarget(pod, container, node)


STREAM_WORDS = {"exec": "exec", "attach": "attach", "portforward": "port-forward"}
RUNTIME_WORDS = {"exec": "run a command in", "attach": "attach to", "portforward": "forward a port to"}


def _present(strategy: Strategy, body: dict[str, Any]) -> dict[str, Any]:
    """A converted version's response in that version (apiserver/conversion.py)."""
    return strategy.present(body) if isinstance(strategy, VersionView) else body


def _dispatch_view(req: ApiRequest, view: VersionView, storage: Strategy) -> tuple[int, dict[str, Any]]:
    """A request to a converted version: the body converted to the stored version; a
    patch applied to the object as this version shows it."""
    from kubeviz.apiserver.patch import apply_patch

    info = req.info
    if req.method in ("POST", "PUT", "PATCH") and info.subresource in (None, "status"):
        # Checked against this version's schema, before conversion renames its fields
        # (events.k8s.io's regarding is core's involvedObject): the typo is reported as sent.
        req.extra["warnings"] = schemas.fields_check(view, req.body, req.query.get("fieldValidation", ""))
    if req.method == "PATCH" and info.name is not None and info.subresource in (None, "status"):
        if req.content_type not in PATCH_TYPES:
            raise errors.unsupported_media_type(req.content_type)
        _require_body(req)
        current = view.to_external(registry.get(req.cluster, storage, info.namespace, info.name))
        patched = apply_patch(current, req.content_type, req.body)
        if not isinstance(patched, dict):
            raise errors.bad_request(f"the patch must leave a {view.kind} object")
        obj = registry.update(req.cluster, storage, info.namespace, info.name, view.from_external(patched),
                              actor=registry.Actor("client", req.client), subresource=info.subresource, dry_run=req.dry_run)
        return 200, obj
    if req.method in ("POST", "PUT") and isinstance(req.body, dict):
        if req.body.get("apiVersion") not in (None, view.api_version):
            raise errors.bad_request(
                f"the API version in the data ({req.body.get('apiVersion')}) does not match the expected API version ({view.api_version})")
        req = replace(req, body=view.from_external(req.body))
    return _dispatch(req, storage)


def _dispatch(req: ApiRequest, strategy: Strategy) -> tuple[int, dict[str, Any]]:
    if isinstance(strategy, VersionView) and strategy.storage is not None:
        return _dispatch_view(req, strategy, strategy.storage)
    info = req.info
    cluster = req.cluster
    actor = registry.Actor("client", req.client)
    sub = info.subresource
    if sub and sub not in strategy.subresources:
        raise errors.StatusError(404, "NotFound", "the server could not find the requested resource")
    if info.namespace is not None and not strategy.namespaced:
        raise errors.StatusError(404, "NotFound", "the server could not find the requested resource")
    if sub == "scale":
        return _scale(req, strategy, actor)
    if sub in ("log", "eviction") and not (sub == "eviction" and req.method == "POST"):
        raise errors.method_not_allowed("the server does not allow this method on the requested resource")
    if sub == "eviction":
        return 201, evict(cluster, info.namespace or "", info.name or "", req.body, actor=actor, dry_run=req.dry_run)
    if sub in STREAM_SUBRESOURCES:
        raise errors.bad_request(SPDY_REFUSAL)
    if sub == "token":
        if req.method != "POST":
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        _require_body(req)
        return 201, token_request(cluster, info.namespace or "", info.name or "", req.body)
    if sub in UNSUPPORTED_SUBRESOURCES:
        raise errors.method_not_allowed(
            f"{strategy.plural}/{sub} is not supported by kubeviz: {UNSUPPORTED_SUBRESOURCES[sub]}"
        )
    verb = verb_of(req)
    if verb in ("create", "update", "patch") and sub != "binding" and "warnings" not in req.extra:
        req.extra["warnings"] = schemas.fields_check(strategy, req.body, req.query.get("fieldValidation", ""))
    if strategy.kind in REVIEW_KINDS:
        if verb != "create" or info.name is not None:
            raise errors.method_not_allowed(f"{strategy.plural} can only be created")
        return 201, review(cluster, strategy.kind, req.body, req.user, strategy.version)
    if verb == "list":
        body = registry.list_(
            cluster, strategy, info.namespace,
            label_selector=req.query.get("labelSelector", ""),
            field_selector=req.query.get("fieldSelector", ""),
            limit=int_param(req.query, "limit"),
            continue_=req.query.get("continue", ""),
        )
        return 200, body
    if verb == "get":
        return 200, registry.get(cluster, strategy, info.namespace, info.name)
    if verb == "create":
        if info.name is not None:
            if sub == "binding":
                registry.bind(cluster, info.namespace or "", info.name, req.body, actor=actor)
                return 201, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
            raise errors.method_not_allowed(f"the server does not allow this method on the requested resource ({strategy.plural} {info.name})")
        if strategy.namespaced and info.namespace is None:
            raise errors.method_not_allowed(f"create {strategy.plural} needs a namespace in the URL")
        _require_body(req)
        return 201, registry.create(
            cluster, strategy, info.namespace, req.body, actor=actor, dry_run=req.dry_run, manager=req.field_manager,
        )
    if verb == "update":
        _require_body(req)
        obj = registry.update(
            cluster, strategy, info.namespace, info.name, req.body, actor=actor, subresource=sub, dry_run=req.dry_run,
            manager=None if sub else req.field_manager,
        )
        return 200, obj
    if verb == "patch" and req.content_type == APPLY_PATCH and not sub:
        _require_body(req)
        if not req.query.get("fieldManager"):
            raise errors.bad_request("PATCH requests with application/apply-patch+yaml must have a fieldManager (the fieldManager query parameter)")
        obj, created = registry.apply(
            cluster, strategy, info.namespace, info.name, req.body, manager=req.query["fieldManager"],
            force=req.query.get("force", "").lower() == "true", actor=actor, dry_run=req.dry_run,
        )
        return (201 if created else 200), obj
    if verb == "patch":
        if req.content_type not in PATCH_TYPES:
            raise errors.unsupported_media_type(req.content_type)
        _require_body(req)
        obj = registry.patch(
            cluster, strategy, info.namespace, info.name, req.content_type, req.body,
            actor=actor, subresource=sub, dry_run=req.dry_run, manager=None if sub else req.field_manager,
        )
        return 200, obj
    if verb == "delete":
        options = dict(req.body) if isinstance(req.body, dict) else {}
        for param in ("propagationPolicy", "gracePeriodSeconds", "orphanDependents"):
            if param in req.query and param not in options:
                value: Any = req.query[param]
                if param == "gracePeriodSeconds":
                    value = int_param(req.query, param)
                elif param == "orphanDependents":
                    value = value.lower() == "true"
                options[param] = value
        # DeleteOptions may carry dryRun in the body instead of the query, as kubectl sends it.
        dry_run = req.dry_run or options.get("dryRun") == ["All"]
        body, finished = registry.delete(
            cluster, strategy, info.namespace, info.name, options=options, actor=actor, dry_run=dry_run,
        )
        return (200 if finished else 202) if body.get("kind") == "Status" else 200, body
    if verb == "deletecollection":
        listing = registry.list_(
            cluster, strategy, info.namespace,
            label_selector=req.query.get("labelSelector", ""),
            field_selector=req.query.get("fieldSelector", ""),
        )
        for item in listing["items"]:
            registry.delete(
                cluster, strategy, item["metadata"].get("namespace"), item["metadata"]["name"],
                options=req.body if isinstance(req.body, dict) else {}, actor=actor, dry_run=req.dry_run,
            )
        return 200, listing
    raise errors.method_not_allowed(f"{req.method} is not supported on {strategy.plural}")


def _require_body(req: ApiRequest) -> None:
    if req.body is None:
        raise errors.bad_request("the request body is empty: an object is required")


def _scale_of(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"], "namespace": meta.get("namespace"), "uid": meta.get("uid"),
            "resourceVersion": meta.get("resourceVersion"), "creationTimestamp": meta.get("creationTimestamp"),
        },
        "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 0)},
        "status": {
            "replicas": (obj.get("status") or {}).get("replicas", 0),
            "selector": selector_to_string((obj.get("spec") or {}).get("selector")),
        },
    }


def _scale(req: ApiRequest, strategy: Strategy, actor: registry.Actor) -> tuple[int, dict[str, Any]]:
    """The autoscaling/v1 Scale view of a Deployment or ReplicaSet (kubectl scale)."""
    from kubeviz.apiserver.patch import apply_patch

    info = req.info
    current = registry.get(req.cluster, strategy, info.namespace, info.name)
    if req.method == "GET":
        return 200, _scale_of(current)
    scale = _scale_of(current)
    if req.method == "PUT":
        _require_body(req)
        new_scale = req.body
    elif req.method == "PATCH":
        if req.content_type not in PATCH_TYPES:
            raise errors.unsupported_media_type(req.content_type)
        new_scale = apply_patch(scale, req.content_type, req.body)
    else:
        raise errors.method_not_allowed(f"{req.method} is not allowed on {strategy.plural}/scale")
    if not isinstance(new_scale, dict):
        raise errors.bad_request("the body must be a Scale object")
    replicas = (new_scale.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        from kubeviz.apiserver import validation as v

        raise errors.invalid("Scale", info.name, [v.invalid("spec.replicas", replicas, "must be greater than or equal to 0")], "autoscaling")
    rv = (new_scale.get("metadata") or {}).get("resourceVersion")
    patch = {"spec": {"replicas": replicas}}
    if rv:
        patch["metadata"] = {"resourceVersion": rv}
    updated = registry.patch(
        req.cluster, strategy, info.namespace, info.name, "application/merge-patch+json", patch,
        actor=actor, dry_run=req.dry_run,
    )
    return 200, _scale_of(updated)
