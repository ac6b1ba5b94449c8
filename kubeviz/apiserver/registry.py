"""The generic registry: create, get, list, update, patch, delete and watch for any kind.

This is the only module that touches ``kubeviz.etcd.store``. Each write runs in one
transaction with the steps that describe it, so a failed request writes nothing.
"""
from __future__ import annotations

import base64
import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster
from kubeviz.etcd import sql, store
from kubeviz.flow.catalogue import pod_all_running, say
from kubeviz.flow.services import step_record

from . import errors, fieldmanager
from . import validation as v
from .admission import admit
from .intfields import check_int_fields
from .jsoncopy import deep_copy
from .patch import apply_patch
from .quantity import QuantityError
from .quota import pod_admit
from .resources import by_plural
from .selectors import (
    EVERYTHING,
    FieldSelector,
    LabelSelector,
    parse_field_selector,
    parse_label_selector,
)
from .strategy import Context, Obj, Strategy

MAX_REVISION = 2**63 - 1
GENERATE_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"
MAX_GENERATED_PREFIX = 58


@dataclass(frozen=True)
class Actor:
    """Who is asking: a client (kubectl, form…) or a control-plane component."""

    component: str = "client"
    client: str = ""

    @property
    def label(self) -> str:
        return self.client or self.component

    @property
    def subject(self) -> str:
        """How step 1's sentence names a client ("the lesson asked the API server to …")."""
        return _CLIENT_SUBJECTS.get(self.client, f"the client {self.label}")


#: kubeviz's own clients, as step 1 names them (no name: the REST API's control endpoints)
_CLIENT_SUBJECTS = {"": "the REST API", "form": "the YAML form", "button": "the dashboard", "lesson": "the lesson"}


SYSTEM = Actor("apiserver")


# ---- helpers -----------------------------------------------------------------------------


# Every write here checks everything before its first store write and raises nothing after
# it; the caller's transaction (a request, an engine action) covers the unexpected.
_atomic = sql.joins_transaction


class _SeededRandom:
    """A ``random.Random`` seeded on first use. The seed is the cluster's revision, a read
    that only writes choosing names, uids or IPs need; it is taken before the write either
    way, so the numbers are the same as with eager seeding."""

    def __init__(self, seed: Callable[[], str]) -> None:
        self._make_seed = seed
        self._seed: str | None = None
        self._rng: random.Random | None = None

    def seed(self) -> str:
        if self._seed is None:
            self._seed = self._make_seed()
        return self._seed

    def uuid4(self) -> str:
        """A version-4 UUID drawn from the seed alone, as text: seeding a Mersenne Twister
        for one number cost more than the rest of an Event's validation. (The version and
        variant bits are set as ``uuid.UUID(..., version=4)`` sets them.)"""
        raw = bytearray(hashlib.blake2b(self.seed().encode(), digest_size=16, person=b"kubeviz-uid").digest())
        raw[6] = (raw[6] & 0x0F) | 0x40
        raw[8] = (raw[8] & 0x3F) | 0x80
        h = raw.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def __getattr__(self, name: str) -> Any:
        if self._rng is None:
            self._rng = random.Random(self.seed())
        return getattr(self._rng, name)


def _decorate(obj: Obj, strategy: Strategy, mod_revision: int) -> Obj:
    obj["kind"] = strategy.kind
    obj["apiVersion"] = strategy.api_version
    obj.setdefault("metadata", {})["resourceVersion"] = str(mod_revision)
    return obj


def hold(cluster: Cluster) -> None:
    """Lock the cluster for writing until the caller's transaction ends (``store.hold``):
    the engine's transactions are about to write, and then read what they hold for free."""
    store.hold(cluster.pk)


def _context(cluster: Cluster, purpose: str) -> Context:
    rng = _SeededRandom(lambda: f"{cluster.seed}:{store.current_revision(cluster.pk)}:{purpose}")

    def read(plural: str, namespace: str | None) -> list[Obj]:
        s = by_plural(plural)
        return [kv.value for kv in store.range_(cluster.pk, s.plural, namespace=namespace)]

    return Context(now=clock.now(cluster), rng=rng, read=read, settings=cluster.settings or {})  # type: ignore[arg-type]


def _index(strategy: Strategy, obj: Obj) -> store.Index:
    meta = obj["metadata"]
    owner = next(
        (o.get("uid", "") for o in meta.get("ownerReferences") or [] if o.get("controller")),
        "",
    )
    return store.Index(
        resource=strategy.plural,
        name=meta["name"],
        namespace=meta.get("namespace", "") if strategy.namespaced else "",
        uid=meta.get("uid", ""),
        node_name=strategy.node_name(obj),
        owner_uid=owner,
    )


def _require_namespace(cluster: Cluster, strategy: Strategy, namespace: str | None) -> str:
    if not strategy.namespaced:
        return ""
    if not namespace:
        raise errors.bad_request("the server could not find the requested resource: a namespace must be given")
    return namespace


def _check_namespace_exists(cluster: Cluster, namespace: str, strategy: Strategy, name: str) -> None:
    ns = store.get(cluster.pk, f"/registry/namespaces/{namespace}")
    if ns is None:
        raise errors.not_found("namespaces", namespace)
    if ns.value.get("metadata", {}).get("deletionTimestamp"):
        # NamespaceLifecycle admission: a Terminating namespace takes no new content.
        err = errors.forbidden(
            strategy.group_resource.split(".")[0], name,
            f"unable to create new content in namespace {namespace} because it is being terminated",
            strategy.group,
        )
        err.causes.append({
            "reason": "NamespaceTerminating", "message": f"namespace {namespace} is being terminated",
            "field": "metadata.namespace",
        })
        raise err


def _go_type(value: Any) -> str:
    """How Go's JSON decoder names a JSON value's type in its errors."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def _type_errors(obj: Any, strategy: Strategy) -> None:
    """Shapes a Go decoder would refuse: turn them into 400s before a strategy runs."""
    if not isinstance(obj, dict):
        raise errors.bad_request(f"the body of the request must be a {strategy.kind} object")
    check_int_fields(strategy, obj)
    meta = obj.get("metadata", {})
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise errors.bad_request(
            f"json: cannot unmarshal {_go_type(meta)} into Go struct field "
            f"{strategy.kind}.metadata of type v1.ObjectMeta"
        )
    for f in ("labels", "annotations"):
        val = meta.get(f)
        if val is not None and not isinstance(val, dict):
            raise errors.bad_request(
                f"json: cannot unmarshal {_go_type(val)} into Go struct field "
                f"ObjectMeta.metadata.{f} of type map[string]string"
            )
        for k, item in (val or {}).items():
            if not isinstance(item, str):
                raise errors.bad_request(
                    f"json: cannot unmarshal {_go_type(item)} into Go struct field "
                    f"ObjectMeta.metadata.{f} of type string ({f}[{k}])"
                )
    for f in ("spec", "status"):
        if f in obj and obj[f] is not None and not isinstance(obj[f], dict):
            raise errors.bad_request(
                f"json: cannot unmarshal {_go_type(obj[f])} into Go struct field "
                f"{strategy.kind}.{f}"
            )


def _check_kind(obj: Obj, strategy: Strategy) -> None:
    kind = obj.get("kind")
    if kind and kind != strategy.kind:
        raise errors.bad_request(
            f"the kind of the object ({kind}) does not match the resource ({strategy.kind})"
        )
    api_version = obj.get("apiVersion")
    if api_version and api_version != strategy.api_version:
        raise errors.bad_request(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({strategy.api_version})"
        )


def _run_strategy(strategy: Strategy, fn: Any, *args: Any) -> Any:
    """Run a strategy hook; a value of the wrong type becomes a 400, never a 500."""
    try:
        return fn(*args)
    except QuantityError:
        raise errors.bad_request(
            f'{strategy.kind} in version "{strategy.version}" cannot be handled as a {strategy.kind}: '
            f"{v.QUANTITY_FORMAT_MSG}"
        ) from None
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        raise errors.bad_request(
            f"the object could not be decoded as a {strategy.kind}: a field has the wrong "
            f"type ({exc.__class__.__name__}: {exc})"
        ) from exc


def _validate(strategy: Strategy, obj: Obj, old: Obj | None = None) -> None:
    meta = obj["metadata"]
    errs: list[v.FieldError] = []
    name = meta.get("name", "")
    rule = {"label": v.dns1123_label, "path": v.path_segment_name}.get(strategy.name_rule, v.dns1123_subdomain)
    if not name:
        errs.append(v.required("metadata.name", "name or generateName is required"))
    else:
        for msg in rule(name):
            errs.append(v.invalid("metadata.name", name, msg))
    errs += v.validate_labels(meta.get("labels"), "metadata.labels")
    errs += v.validate_annotations(meta.get("annotations"), "metadata.annotations")
    errs += _validate_owner_refs(meta.get("ownerReferences"))
    errs += _validate_finalizers(meta.get("finalizers"))
    errs += _run_strategy(strategy, strategy.validate, obj)
    if old is not None:
        errs += _run_strategy(strategy, strategy.validate_update, obj, old)
    if errs:
        raise errors.invalid(strategy.kind, name, errs, strategy.group)


def _validate_owner_refs(refs: Any) -> list[v.FieldError]:
    if refs is None:
        return []
    if not isinstance(refs, list):
        return [v.invalid("metadata.ownerReferences", refs, "must be a list")]
    errs = []
    first_controller = ""
    for i, ref in enumerate(refs):
        f = f"metadata.ownerReferences[{i}]"
        if not isinstance(ref, dict):
            errs.append(v.invalid(f, ref, "must be an object"))
            continue
        for key in ("apiVersion", "kind", "name", "uid"):
            if not ref.get(key):
                errs.append(v.required(f"{f}.{key}", f"{key} must not be empty" if key != "uid" else "uid must not be empty"))
        if ref.get("controller"):
            # ValidateOwnerReferences: one error per extra controller, naming both.
            name = f"{ref.get('kind')}/{ref.get('name')}"
            if first_controller:
                errs.append(v.invalid(
                    "metadata.ownerReferences", refs,
                    f'Only one reference can have Controller set to true. Found "true" in references for '
                    f"{first_controller} and {name}",
                ))
            else:
                first_controller = name
    return errs


def _validate_finalizers(finalizers: Any) -> list[v.FieldError]:
    if finalizers is None:
        return []
    if not isinstance(finalizers, list) or not all(isinstance(f, str) for f in finalizers):
        return [v.invalid("metadata.finalizers", finalizers, "must be a list of strings")]
    return []


def _step_for_write(strategy: Strategy, obj: Obj, verb: str, subresource: str | None, actor: Actor = SYSTEM) -> tuple[int | None, str]:
    """Which catalogue step a store write is (the numbering rule is in flow.catalogue): 2 is
    a create, 5 a binding, 9 a pod status the kubelet wrote with every container running.
    Other writes are unnumbered; status written by the scheduler or a controller is their
    own work."""
    if strategy.kind == "Event":
        return None, "event"
    if strategy.kind == "Lease":
        return None, "heartbeat"
    if strategy.kind == "Node" and subresource == "status":
        return None, "heartbeat"
    if subresource == "binding":
        return 5, "flow"
    if subresource in ("status", "finalize"):
        group = actor.component.split("/")[0]
        if group == "scheduler":
            return None, "scheduler"
        if group == "controller-manager":
            return None, "controller"
        if subresource == "status" and strategy.kind == "Pod" and pod_all_running(obj.get("status") or {}):
            return 9, "flow"
        return None, "flow"
    return (2, "flow") if verb == "create" else (None, "flow")


def _record_write(
    cluster: Cluster, strategy: Strategy, obj: Obj, revision: int, verb: str,
    subresource: str | None = None, actor: Actor = SYSTEM,
) -> None:
    number, category = _step_for_write(strategy, obj, verb, subresource, actor)
    meta = obj["metadata"]
    where = f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else meta["name"]
    if subresource == "binding":
        message = say("etcd.binding", where=where, node=obj["spec"].get("nodeName"), revision=revision)
    elif subresource == "status":
        message = say("etcd.status", kind=strategy.kind, where=where, revision=revision)
    else:
        message = say(f"etcd.{verb}", kind=strategy.kind, where=where, revision=revision)
    step_record(
        cluster=cluster, step=number, source="apiserver", target="etcd", action=verb if not subresource else f"{verb} {subresource}",
        obj=obj, message=message, revision=revision, category=category,
    )


def _generated_name(prefix: str, rng: random.Random) -> str:
    return prefix[:MAX_GENERATED_PREFIX] + "".join(rng.choice(GENERATE_NAME_CHARS) for _ in range(5))


# ---- reads -----------------------------------------------------------------------------


def get(cluster: Cluster, strategy: Strategy, namespace: str | None, name: str) -> Obj:
    ns = _require_namespace(cluster, strategy, namespace)
    kv = store.get(cluster.pk, strategy.key(ns, name))
    if kv is None:
        raise errors.not_found(strategy.plural, name, strategy.group)
    return _decorate(kv.value, strategy, kv.mod_revision)


def get_by_uid(cluster: Cluster, uid: str) -> Obj | None:
    kv = store.get_by_uid(cluster.pk, uid)
    return kv.value if kv else None


def _encode_continue(revision: int, start_key: str) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": start_key}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_continue(token: str) -> tuple[int, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4)))
        revision, start = data["rv"], data["start"]
        # The revision is an etcd int64 (storage.ParseResourceVersion): anything else,
        # 1e999 or a float included, is a token the server never handed out.
        if type(revision) is not int or not 0 < revision <= MAX_REVISION or not isinstance(start, str):
            raise ValueError(revision)
        return revision, start
    except (ValueError, KeyError, TypeError):
        raise errors.bad_request("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)") from None


def list_(
    cluster: Cluster,
    strategy: Strategy,
    namespace: str | None,
    *,
    label_selector: str | LabelSelector = "",
    field_selector: str | FieldSelector = "",
    limit: int | None = None,
    continue_: str = "",
) -> Obj:
    """A <Kind>List; ``limit``/``continue`` page through it in key order."""
    lsel = label_selector if isinstance(label_selector, LabelSelector) else parse_label_selector(label_selector)
    fsel = (
        field_selector
        if isinstance(field_selector, FieldSelector)
        else parse_field_selector(field_selector, strategy.field_selectors, strategy.plural)
    )
    ns = namespace if strategy.namespaced and namespace else None
    if limit is not None and limit <= 0:
        limit = None  # the etcd3 store pages only when limit > 0: anything else is "all"
    revision = store.current_revision(cluster.pk)
    after_key = None
    if continue_:
        revision, after_key = _decode_continue(continue_)
        compacted = Cluster.objects.filter(pk=cluster.pk).values_list("compacted_revision", flat=True).get()
        if revision < compacted:
            raise errors.expired(
                "The provided continue parameter is too old to display a consistent list result. "
                "You can start a new list without the continue parameter."
            )
    name = fsel.exact("metadata.name")
    node = fsel.exact("spec.nodeName") if strategy.kind == "Pod" else None
    items: list[Obj] = []
    next_key = ""
    # Pages of 500 only when a limit may stop early; otherwise one statement, which also
    # reads one consistent snapshot when no transaction is open.
    batch = 500 if limit else None
    cursor = after_key
    while True:
        rows = store.range_(
            cluster.pk, strategy.plural, namespace=ns, name=name, node_name=node,
            after_key=cursor, limit=batch,
        )
        for kv in rows:
            obj = kv.value
            if not lsel.matches((obj.get("metadata") or {}).get("labels")):
                continue
            if not fsel.matches(obj):
                continue
            if limit and len(items) >= limit:
                next_key = items[-1]["__key"]
                break
            obj["__key"] = kv.key
            obj.setdefault("metadata", {})["resourceVersion"] = str(kv.mod_revision)
            items.append(obj)
        if next_key or batch is None or len(rows) < batch:
            break
        cursor = rows[-1].key
    if limit and not next_key and len(items) == limit:
        # Only hand out a continue token if something really follows.
        more = store.range_(cluster.pk, strategy.plural, namespace=ns, after_key=items[-1]["__key"], limit=1)
        if more:
            next_key = items[-1]["__key"]
    for obj in items:
        obj.pop("__key", None)
    meta: dict[str, Any] = {"resourceVersion": str(revision)}
    if next_key:
        meta["continue"] = _encode_continue(revision, next_key)
    return {"kind": strategy.list_kind, "apiVersion": strategy.api_version, "metadata": meta, "items": items}


def objects(cluster: Cluster, plural: str, namespace: str | None = None, **index: Any) -> list[Obj]:
    """All objects of a resource (for components and pages), decorated, in key order."""
    strategy = by_plural(plural)
    return [
        _decorate(kv.value, strategy, kv.mod_revision)
        for kv in store.range_(cluster.pk, strategy.plural, namespace=namespace, **index)
    ]


def names(cluster: Cluster, plural: str) -> list[str]:
    """The names of every object of a resource, in all namespaces, without reading them."""
    return store.names(cluster.pk, by_plural(plural).plural)


def count(cluster: Cluster, plural: str, namespace: str | None = None) -> int:
    """How many objects of a resource there are, without reading them."""
    return store.count(cluster.pk, by_plural(plural).plural, namespace)


def objects_at(cluster: Cluster, plural: str, revision: int) -> list[Obj]:
    """All objects of a resource as they were at ``revision``, decorated, in key order.

    Folded from the change log backwards: a key changed after ``revision`` was what its
    first later change replaced (nothing, if that change created it); any other key is as
    it is now. Only history after the compacted revision is kept, so that is the earliest
    reachable point (410 Expired before it, as a watch from there gets). Call inside one
    read transaction so the entries and the log agree.
    """
    strategy = by_plural(plural)
    head = store.current_revision(cluster.pk)
    if revision > head:
        raise errors.bad_request(f"revision {revision} is beyond the current revision {head}")
    then: dict[str, Obj | None] = {}
    after = revision
    while True:
        try:
            page = store.changes(cluster.pk, after, resources=[strategy.plural], up_to=head, limit=1000)
        except store.Compacted as exc:
            raise errors.expired(f"too old resource version: {exc.requested} ({exc.compacted})") from None
        for ch in page:
            then.setdefault(ch.key, ch.prev_value)
        if len(page) < 1000:
            break
        after = page[-1].revision
    current = {kv.key: kv for kv in store.range_(cluster.pk, strategy.plural)}
    restored = [key for key, value in then.items() if value is not None]
    revisions = store.last_revisions(cluster.pk, restored, at=revision) if restored else {}
    out: list[Obj] = []
    for key in sorted(set(current) | set(then)):
        if key in then:
            value = then[key]
            if value is None:
                continue
            obj = _decorate(value, strategy, revisions.get(key, 0))
            if key not in revisions:
                # Last written before the compaction: no revision is left to name.
                del obj["metadata"]["resourceVersion"]
            out.append(obj)
        else:
            kv = current[key]
            out.append(_decorate(kv.value, strategy, kv.mod_revision))
    return out


def object_history(
    cluster: Cluster, strategy: Strategy, namespace: str | None, name: str, *, since_revision: int,
) -> tuple[list[tuple[int, Obj | None]], int]:
    """The versions of one object written after ``since_revision``, oldest first, as
    (revision, object; None where it was deleted), and the compacted revision when part of
    that history is gone (else 0). For checks of the recorded process ("ready replicas
    never fell below 3"), which read the change log but must not touch the store."""
    ns = namespace if strategy.namespaced else ""
    changes, compacted = store.key_history(cluster.pk, strategy.key(ns or "", name), strategy.plural, since_revision)
    versions: list[tuple[int, Obj | None]] = [
        (ch.revision, None if ch.type == "DELETED" else _decorate(ch.value, strategy, ch.revision)) for ch in changes
    ]
    return versions, compacted


# ---- writes ----------------------------------------------------------------------------
# Each write works on its own copy (of the request body, or of the value just read from
# the store, which is decoded afresh for every read) and hands that copy back: nothing
# else holds it, so the caller may keep or change what it gets without another copy.


@_atomic
def create(
    cluster: Cluster,
    strategy: Strategy,
    namespace: str | None,
    body: Any,
    *,
    actor: Actor = SYSTEM,
    dry_run: bool = False,
    manager: str | None = None,
    applied: Obj | None = None,
    blind: bool = False,
) -> Obj:
    """POST. With a field ``manager`` (requests through the API), managedFields records it:
    as an Update, or as an Apply of ``applied`` (server-side apply creating the object).
    ``blind``: the caller does not wait to hear that the name was taken (``store.create``)."""
    _type_errors(body, strategy)
    obj = deep_copy(body)
    _check_kind(obj, strategy)
    meta = obj.setdefault("metadata", {}) or {}
    obj["metadata"] = meta
    ns = _require_namespace(cluster, strategy, namespace or meta.get("namespace"))
    if strategy.namespaced:
        if meta.get("namespace") and namespace and meta["namespace"] != namespace:
            raise errors.bad_request(
                "the namespace of the provided object does not match the namespace sent on the request"
            )
        meta["namespace"] = ns
    else:
        meta.pop("namespace", None)
    ctx = _context(cluster, "create")
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = _generated_name(str(meta["generateName"]), ctx.rng)
    if strategy.namespaced:
        _check_namespace_exists(cluster, ns, strategy, meta.get("name", ""))
    for f in ("resourceVersion", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields"):
        meta.pop(f, None)
    meta["uid"] = ctx.rng.uuid4()
    meta["creationTimestamp"] = clock.rfc3339(ctx.now)
    if strategy.tracks_generation:
        meta["generation"] = 1
    else:
        meta.pop("generation", None)
    _run_strategy(strategy, strategy.prepare_for_create, obj, ctx)
    _run_strategy(strategy, strategy.default, obj, ctx)
    _validate(strategy, obj)
    obj["kind"] = strategy.kind
    obj["apiVersion"] = strategy.api_version
    if manager:
        fieldmanager.record_create(strategy, obj, manager=manager, now=clock.rfc3339(ctx.now), applied=applied)
    if strategy.plural == "pods":
        pod_admit(cluster, meta["name"])
    admit(cluster, strategy, obj)
    if dry_run:
        if store.get(cluster.pk, strategy.key(ns, meta["name"])):
            raise errors.already_exists(strategy.plural, meta["name"], strategy.group)
        return _decorate(obj, strategy, store.current_revision(cluster.pk))
    try:
        kv = store.create(cluster.pk, strategy.key(ns, meta["name"]), obj, _index(strategy, obj), blind=blind)
    except store.KeyExists:
        raise errors.already_exists(strategy.plural, meta["name"], strategy.group) from None
    _record_write(cluster, strategy, obj, kv.mod_revision, "create")
    return _decorate(obj, strategy, kv.mod_revision)


def _stored(cluster: Cluster, strategy: Strategy, ns: str, name: str) -> store.KeyValue:
    kv = store.get(cluster.pk, strategy.key(ns, name))
    if kv is None:
        raise errors.not_found(strategy.plural, name, strategy.group)
    return kv


def _write_update(
    cluster: Cluster,
    strategy: Strategy,
    ns: str,
    name: str,
    new: Obj,
    current: store.KeyValue,
    *,
    subresource: str | None,
    dry_run: bool,
    actor: Actor = SYSTEM,
) -> Obj:
    """Store ``new`` over ``current`` unless nothing changed; finish deletion if due."""
    old = current.value
    if new == old:
        return _decorate(old, strategy, current.mod_revision)
    meta = new["metadata"]
    if meta.get("deletionTimestamp") and strategy.finalized(new):
        if dry_run:
            return _decorate(new, strategy, current.mod_revision)
        kv = store.delete(cluster.pk, strategy.key(ns, name))
        _record_write(cluster, strategy, new, kv.mod_revision, "delete")
        return _decorate(new, strategy, kv.mod_revision)
    if dry_run:
        return _decorate(new, strategy, current.mod_revision)
    try:
        kv = store.update(
            cluster.pk, strategy.key(ns, name), new, _index(strategy, new),
            expected_mod_revision=current.mod_revision,
        )
    except store.RevisionMismatch:
        raise errors.stale(strategy.plural, name, strategy.group) from None
    _record_write(cluster, strategy, new, kv.mod_revision, "update", subresource, actor)
    return _decorate(new, strategy, kv.mod_revision)


def _merge_for_update(
    strategy: Strategy, new: Obj, old: Obj, subresource: str | None, ctx: Context, manager: str | None = None,
) -> Obj:
    """Apply the rules of an update (or status update) to a full new object."""
    old_meta = old["metadata"]
    if subresource == "status":
        # The status subresource ignores everything but status.
        result = _run_strategy(strategy, strategy.prepare_status_update, new, old)
        errs = _run_strategy(strategy, strategy.validate_status, result)
        if errs:
            raise errors.invalid(strategy.kind, old_meta["name"], errs, strategy.group)
        return result
    if subresource == "ephemeralcontainers":
        return _ephemeral_update(strategy, new, old)
    if subresource == "finalize":
        # namespaces/finalize: only spec.finalizers comes from the request.
        result = _run_strategy(strategy, strategy.prepare_finalize_update, new, old)
        _validate(strategy, result, old)
        return result
    meta = new.setdefault("metadata", {})
    for f in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "namespace"):
        if f in old_meta:
            meta[f] = old_meta[f]
        else:
            meta.pop(f, None)
    meta.pop("resourceVersion", None)
    meta.pop("selfLink", None)
    # managedFields a request sets on purpose are taken as given (kubectl does so to move
    # client-side apply's fields to server-side apply); otherwise the old ones are kept
    # and, for a request through the API, its manager's changes recorded.
    given = meta.get("managedFields")
    explicit = (
        manager is not None and isinstance(given, list) and given != old_meta.get("managedFields")
        and all(isinstance(e, dict) and isinstance(e.get("fieldsV1"), dict) for e in given)
    )
    if not explicit:
        if "managedFields" in old_meta:
            meta["managedFields"] = old_meta["managedFields"]
        else:
            meta.pop("managedFields", None)
    if old_meta.get("deletionTimestamp"):
        # Once deleting, finalizers may only be removed.
        meta["finalizers"] = [f for f in meta.get("finalizers") or [] if f in (old_meta.get("finalizers") or [])]
        if not meta["finalizers"]:
            meta.pop("finalizers")
    new["kind"] = strategy.kind
    new["apiVersion"] = strategy.api_version
    _run_strategy(strategy, strategy.prepare_for_update, new, old)
    _run_strategy(strategy, strategy.default, new, ctx)
    if strategy.tracks_generation:
        generation = old_meta.get("generation", 1)
        if strategy.spec_of(new) != strategy.spec_of(old):
            generation += 1
        meta["generation"] = generation
    else:
        meta.pop("generation", None)
    _validate(strategy, new, old)
    if manager and not explicit:
        fieldmanager.record_update(strategy, old, new, manager=manager, now=clock.rfc3339(ctx.now))
    return new


def _ephemeral_update(strategy: Strategy, new: Obj, old: Obj) -> Obj:
    """pods/ephemeralcontainers: only spec.ephemeralContainers comes from the request, and
    containers already there may be neither changed nor removed (kubectl debug adds one)."""
    wanted = (new.get("spec") or {}).get("ephemeralContainers") or []
    existing = (old.get("spec") or {}).get("ephemeralContainers") or []
    name = old["metadata"]["name"]
    errs: list[v.FieldError] = []
    if not isinstance(wanted, list) or any(not isinstance(c, dict) for c in wanted):
        raise errors.bad_request("spec.ephemeralContainers must be a list of containers")
    by_name = {c.get("name"): c for c in wanted}
    for c in existing:
        if by_name.get(c["name"]) != c:
            errs.append(v.forbidden("spec.ephemeralContainers", "existing ephemeral containers may not be changed"))
            break
    pod_names = {c.get("name") for c in (old["spec"].get("containers") or []) + (old["spec"].get("initContainers") or [])}
    for i, c in enumerate(wanted):
        where = f"spec.ephemeralContainers[{i}]"
        if not c.get("name"):
            errs.append(v.required(f"{where}.name", ""))
        elif c["name"] in pod_names:
            errs.append(v.duplicate(f"{where}.name", c["name"]))
        if not c.get("image"):
            errs.append(v.required(f"{where}.image", ""))
        for f in ("ports", "resources", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle"):
            if c.get(f):
                errs.append(v.forbidden(f"{where}.{f}", "cannot be set for an Ephemeral Container"))
    if errs:
        raise errors.invalid(strategy.kind, name, errs, strategy.group)
    result = deep_copy(old)
    added = []
    for c in wanted:
        c = deep_copy(c)
        c.setdefault("imagePullPolicy", "Always" if str(c.get("image", "")).endswith(":latest") or ":" not in str(c.get("image", "")) else "IfNotPresent")
        c.setdefault("terminationMessagePath", "/dev/termination-log")
        c.setdefault("terminationMessagePolicy", "File")
        added.append(c)
    result["spec"]["ephemeralContainers"] = added
    return result


def _preconditions_rv(body_meta: dict[str, Any], current: store.KeyValue, strategy: Strategy, name: str) -> None:
    rv = body_meta.get("resourceVersion")
    if rv in (None, ""):
        return
    if str(rv) != str(current.mod_revision):
        raise errors.stale(strategy.plural, name, strategy.group)


@_atomic
def update(
    cluster: Cluster,
    strategy: Strategy,
    namespace: str | None,
    name: str,
    body: Any,
    *,
    actor: Actor = SYSTEM,
    subresource: str | None = None,
    dry_run: bool = False,
    manager: str | None = None,
) -> Obj:
    """PUT: replace the object (or its status); a stale resourceVersion is a 409."""
    _type_errors(body, strategy)
    _check_kind(body, strategy)
    ns = _require_namespace(cluster, strategy, namespace)
    if subresource == "status":
        # Only the status (and, for apps/v1, annotations) is taken from the body: the rest
        # is not copied, and nothing here changes it.
        new = {**body, "metadata": dict(body.get("metadata") or {}), "status": deep_copy(body.get("status"))}
        if "status" not in body:
            del new["status"]
    else:
        new = deep_copy(body)
    meta = new.setdefault("metadata", {}) or {}
    new["metadata"] = meta
    if meta.get("name") and meta["name"] != name:
        raise errors.bad_request(
            f"the name of the object ({meta['name']}) does not match the name on the URL ({name})"
        )
    if strategy.namespaced and meta.get("namespace") and meta["namespace"] != ns:
        raise errors.bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    meta["name"] = name
    current = _stored(cluster, strategy, ns, name)
    _preconditions_rv(meta, current, strategy, name)
    if meta.get("uid") and meta["uid"] != current.value["metadata"].get("uid"):
        raise errors.conflict(
            strategy.plural, name,
            f"Precondition failed: UID in precondition: {meta['uid']}, UID in object meta: "
            f"{current.value['metadata'].get('uid')}", strategy.group,
        )
    ctx = _context(cluster, "update")
    merged = _merge_for_update(strategy, new, current.value, subresource, ctx, manager)
    return _write_update(cluster, strategy, ns, name, merged, current, subresource=subresource, dry_run=dry_run, actor=actor)


@_atomic
def patch(
    cluster: Cluster,
    strategy: Strategy,
    namespace: str | None,
    name: str,
    patch_type: str,
    body: Any,
    *,
    actor: Actor = SYSTEM,
    subresource: str | None = None,
    dry_run: bool = False,
    manager: str | None = None,
) -> Obj:
    """PATCH: apply a merge, JSON or strategic-merge patch to the current object."""
    ns = _require_namespace(cluster, strategy, namespace)
    current = _stored(cluster, strategy, ns, name)
    original = _decorate(deep_copy(current.value), strategy, current.mod_revision)
    patched = apply_patch(original, patch_type, body)
    _type_errors(patched, strategy)
    meta = patched.get("metadata") or {}
    if meta.get("name", name) != name:
        raise errors.bad_request(
            f"the name of the object ({meta.get('name')}) does not match the name on the URL ({name})"
        )
    _preconditions_rv(meta, current, strategy, name)
    ctx = _context(cluster, "patch")
    merged = _merge_for_update(strategy, patched, current.value, subresource, ctx, manager)
    return _write_update(cluster, strategy, ns, name, merged, current, subresource=subresource, dry_run=dry_run, actor=actor)


@_atomic
def apply(
    cluster: Cluster,
    strategy: Strategy,
    namespace: str | None,
    name: str,
    config: Any,
    *,
    manager: str,
    force: bool = False,
    actor: Actor = SYSTEM,
    dry_run: bool = False,
) -> tuple[Obj, bool]:
    """Server-side apply (PATCH application/apply-patch+yaml): create the object from the
    configuration, or merge it in with field ownership. Returns (object, created)."""
    _type_errors(config, strategy)
    if not config.get("apiVersion") or not config.get("kind"):
        raise errors.bad_request("apiVersion and kind must be set in an apply configuration")
    _check_kind(config, strategy)
    meta = config.get("metadata") or {}
    if meta.get("name", name) != name:
        raise errors.bad_request(
            f"the name of the object ({meta.get('name')}) does not match the name on the URL ({name})"
        )
    ns = _require_namespace(cluster, strategy, namespace)
    current = store.get(cluster.pk, strategy.key(ns, name))
    if current is None:
        body = {**config, "metadata": {**meta, "name": name}}
        obj = create(cluster, strategy, namespace, body, actor=actor, dry_run=dry_run, manager=manager, applied=config)
        return obj, True
    _preconditions_rv(meta, current, strategy, name)
    ctx = _context(cluster, "patch")
    merged = fieldmanager.apply(
        strategy, _decorate(deep_copy(current.value), strategy, current.mod_revision), config,
        manager=manager, force=force, now=clock.rfc3339(ctx.now),
    )
    merged = _merge_for_update(strategy, merged, current.value, None, ctx, manager)
    return _write_update(cluster, strategy, ns, name, merged, current, subresource=None, dry_run=dry_run, actor=actor), False


@_atomic
def bind(cluster: Cluster, namespace: str, name: str, binding: Any, *, actor: Actor = SYSTEM) -> Obj:
    """POST pods/<name>/binding: set spec.nodeName once (the scheduler's only write)."""
    strategy = by_plural("pods")
    if not isinstance(binding, dict) or not isinstance(binding.get("target"), dict):
        raise errors.invalid("Binding", name, [v.required("target")])
    target = binding["target"].get("name")
    if not target:
        raise errors.invalid("Binding", name, [v.required("target.name")])
    current = _stored(cluster, strategy, namespace, name)
    pod = current.value
    uid = (binding.get("metadata") or {}).get("uid")
    if uid and uid != pod["metadata"].get("uid"):
        raise errors.conflict("pods", name, "Precondition failed: UID in precondition does not match")
    # BindingREST.assignPod reports these as conflicts on "pods/binding".
    if pod["metadata"].get("deletionTimestamp"):
        raise errors.conflict("pods/binding", name, f"pod {name} is being deleted, cannot be assigned to a host")
    if pod["spec"].get("nodeName"):
        raise errors.conflict(
            "pods/binding", name, f"pod {name} is already assigned to node \"{pod['spec']['nodeName']}\""
        )
    pod["spec"]["nodeName"] = target
    conditions = [c for c in pod.setdefault("status", {}).get("conditions", []) if c.get("type") != "PodScheduled"]
    conditions.append({
        "type": "PodScheduled", "status": "True", "lastProbeTime": None,
        "lastTransitionTime": clock.rfc3339(clock.now(cluster)),
    })
    pod["status"]["conditions"] = conditions
    kv = store.update(
        cluster.pk, current.key, pod, _index(strategy, pod), expected_mod_revision=current.mod_revision
    )
    _record_write(cluster, strategy, pod, kv.mod_revision, "update", "binding")
    return _decorate(pod, strategy, kv.mod_revision)


# The kinds whose storage sets ReturnDeletedObject: a delete that finishes answers with the
# object as it was, not a Status (the Python client's delete_namespaced_pod reads a Pod).
RETURNS_DELETED = frozenset({("", "pods"), ("", "services"), ("", "serviceaccounts"), ("storage.k8s.io", "storageclasses")})


def _deleted(strategy: Strategy, obj: Obj, revision: int) -> Obj:
    if (strategy.group, strategy.plural) in RETURNS_DELETED:
        return _decorate(obj, strategy, revision)
    return _success_status(strategy, obj)


def _success_status(strategy: Strategy, obj: Obj) -> Obj:
    meta = obj["metadata"]
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": meta["name"], "group": strategy.group, "kind": strategy.plural, "uid": meta.get("uid", "")},
    }


@_atomic
def delete(
    cluster: Cluster,
    strategy: Strategy,
    namespace: str | None,
    name: str,
    *,
    options: dict[str, Any] | None = None,
    actor: Actor = SYSTEM,
    dry_run: bool = False,
) -> tuple[Obj, bool]:
    """DELETE with DeleteOptions. Returns (body, finished): the Status of a finished delete,
    or the object itself while finalizers or a grace period keep it."""
    options = options or {}
    ns = _require_namespace(cluster, strategy, namespace)
    current = _stored(cluster, strategy, ns, name)
    obj = deep_copy(current.value)
    meta = obj["metadata"]
    pre = options.get("preconditions") or {}
    if pre.get("uid") and pre["uid"] != meta.get("uid"):
        raise errors.conflict(
            strategy.plural, name,
            f"Precondition failed: UID in precondition: {pre['uid']}, UID in object meta: {meta.get('uid')}",
            strategy.group,
        )
    if pre.get("resourceVersion") and str(pre["resourceVersion"]) != str(current.mod_revision):
        raise errors.conflict(
            strategy.plural, name,
            f"Precondition failed: ResourceVersion in precondition: {pre['resourceVersion']}, "
            f"ResourceVersion in object meta: {current.mod_revision}", strategy.group,
        )
    policy = options.get("propagationPolicy")
    if policy not in (None, "", "Background", "Foreground", "Orphan"):
        raise errors.invalid(
            "DeleteOptions", "", [v.not_supported("propagationPolicy", policy, ["Foreground", "Background", "Orphan"])]
        )
    if options.get("orphanDependents") is True and not policy:
        policy = "Orphan"
    finalizers = list(meta.get("finalizers") or [])
    if policy == "Orphan" and "orphan" not in finalizers:
        finalizers.append("orphan")
    if policy == "Foreground" and "foregroundDeletion" not in finalizers:
        finalizers.append("foregroundDeletion")
    now = clock.now(cluster)
    grace = _grace_period(strategy, obj, options)
    if strategy.kind == "Namespace":
        return _delete_namespace(cluster, strategy, current, dry_run=dry_run)
    if finalizers or grace:
        pending = grace == int(meta.get("deletionGracePeriodSeconds") or 0)
        if meta.get("deletionTimestamp") and finalizers == (meta.get("finalizers") or []) and (not grace or pending):
            # Already being deleted, and this request shortens nothing: a no-op.
            return _decorate(obj, strategy, current.mod_revision), False
        meta["finalizers"] = finalizers
        if not finalizers:
            meta.pop("finalizers")
        if not meta.get("deletionTimestamp") or grace:
            meta["deletionTimestamp"] = clock.rfc3339(now + timedelta(seconds=grace or 0))
        meta["deletionGracePeriodSeconds"] = grace or 0
        if dry_run:
            return _decorate(obj, strategy, current.mod_revision), False
        kv = store.update(cluster.pk, current.key, obj, _index(strategy, obj), expected_mod_revision=current.mod_revision)
        _record_write(cluster, strategy, obj, kv.mod_revision, "terminate")
        return _decorate(obj, strategy, kv.mod_revision), False
    if dry_run:
        return _deleted(strategy, obj, current.mod_revision), True
    kv = store.delete(cluster.pk, current.key, expected_mod_revision=current.mod_revision)
    _record_write(cluster, strategy, obj, kv.mod_revision, "delete")
    return _deleted(strategy, obj, current.mod_revision), True


def _grace_period(strategy: Strategy, obj: Obj, options: dict[str, Any]) -> int:
    """Pods bound to a node get a grace period so the kubelet can stop them (pod strategy)."""
    if strategy.kind != "Pod":
        return 0
    spec = obj.get("spec") or {}
    if not spec.get("nodeName"):
        return 0
    if (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return 0
    grace = options.get("gracePeriodSeconds")
    if grace is None:
        grace = spec.get("terminationGracePeriodSeconds", 30)
    try:
        grace = int(grace)
    except (TypeError, ValueError):
        raise errors.bad_request("gracePeriodSeconds must be an integer") from None
    if obj["metadata"].get("deletionTimestamp") and grace >= int(obj["metadata"].get("deletionGracePeriodSeconds") or 0):
        # A second delete may only shorten the grace period.
        return int(obj["metadata"].get("deletionGracePeriodSeconds") or 0)
    return max(grace, 0)


# Namespaces the API server never deletes (NamespaceLifecycle's immortal namespaces;
# kube-node-lease too here, as nothing in the simulation would recreate it).
IMMORTAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
NAMESPACE_FINALIZING = (
    "The system is ensuring all content is removed from this namespace.  "
    "Upon completion, this namespace will automatically be purged by the system."
)


def _delete_namespace(
    cluster: Cluster, strategy: Strategy, current: store.KeyValue, *, dry_run: bool
) -> tuple[Obj, bool]:
    """The first DELETE only marks a namespace Terminating (deletionTimestamp and
    status.phase); the namespace controller empties it and then removes its ``kubernetes``
    finalizer through namespaces/finalize, which removes the namespace."""
    obj = deep_copy(current.value)
    meta = obj["metadata"]
    name = meta["name"]
    if name in IMMORTAL_NAMESPACES:
        raise errors.forbidden("namespaces", name, "this namespace may not be deleted")
    if meta.get("deletionTimestamp"):
        if (obj.get("spec") or {}).get("finalizers"):
            raise errors.conflict("namespaces", name, NAMESPACE_FINALIZING)
        if meta.get("finalizers") or dry_run:
            return _decorate(obj, strategy, current.mod_revision), False
        kv = store.delete(cluster.pk, current.key, expected_mod_revision=current.mod_revision)
        _record_write(cluster, strategy, obj, kv.mod_revision, "delete")
        return _success_status(strategy, obj), True
    meta["deletionTimestamp"] = clock.rfc3339(clock.now(cluster))
    obj.setdefault("status", {})["phase"] = "Terminating"
    if dry_run:
        return _decorate(obj, strategy, current.mod_revision), False
    kv = store.update(cluster.pk, current.key, obj, _index(strategy, obj), expected_mod_revision=current.mod_revision)
    _record_write(cluster, strategy, obj, kv.mod_revision, "terminate")
    return _decorate(obj, strategy, kv.mod_revision), False


def wipe(cluster: Cluster) -> int:
    """Every object of the cluster gone at once, without a DELETED event each: the store
    compacts its whole history, so watchers relist (as after an etcd restore). Returns
    the revision watchers must list again from."""
    return store.wipe(cluster.pk)


def dump(cluster: Cluster) -> list[list[Any]]:
    """The cluster's entries as they are stored (``store.DUMP_COLUMNS``): for snapshots
    and clones, which copy state without going through each kind's strategy."""
    return store.dump(cluster.pk)


def load(cluster: Cluster, rows: list[list[Any]], *, keep_revisions: bool) -> int:
    """Put dumped entries into an empty cluster (see ``store.load``); the new revision."""
    return store.load(cluster.pk, rows, keep_revisions=keep_revisions)


def purge(cluster: Cluster, batch: int) -> int:
    """Delete up to ``batch`` stored rows of a cluster being deleted; 0 when none are left."""
    return store.purge(cluster.pk, batch)


# ---- watch -------------------------------------------------------------------------------


def parse_resource_version(strategy: Strategy, value: str) -> int:
    """A resourceVersion from a request, as storage's ParseResourceVersion reads it (an
    unsigned 64-bit number; etcd's revisions are int64, so at most 2^63-1 here). Anything
    else is the 422 a watch or list answers, naming the value."""
    if value.isascii() and value.isdigit():
        if int(value) <= MAX_REVISION:
            return int(value)
        problem = "value out of range"
    else:
        problem = "invalid syntax"
    detail = f'strconv.ParseUint: parsing {json.dumps(value)}: {problem}'
    raise errors.invalid(strategy.plural, "", [v.invalid("resourceVersion", value, detail)], strategy.group)


def watch_start_revision(cluster: Cluster) -> int:
    return store.current_revision(cluster.pk)


def watch_poll(
    cluster: Cluster,
    strategy: Strategy,
    namespace: str | None,
    after_revision: int,
    *,
    label_selector: LabelSelector = EVERYTHING,
    field_selector: FieldSelector | None = None,
    limit: int = 500,
) -> tuple[list[dict[str, Any]], int]:
    """Watch events after a revision, with selector transitions as Kubernetes sends them:
    an object that starts matching is ADDED, one that stops matching is DELETED.

    Returns (events, revision to poll from next). Raises 410 Expired once compacted.
    """
    fsel = field_selector or FieldSelector()
    # Read the head first: every change at or below it has committed, so skipping ahead
    # to it can never pass over a change that commits later.
    head = store.current_revision(cluster.pk)
    try:
        changes = store.changes(
            cluster.pk, after_revision, resources=[strategy.plural],
            namespace=namespace if strategy.namespaced else None, up_to=head, limit=limit,
        )
    except store.Compacted as exc:
        raise errors.expired(f"too old resource version: {exc.requested} ({exc.compacted})") from None
    events = []
    last = after_revision
    for ch in changes:
        last = ch.revision

        def matches(o: Obj | None) -> bool:
            return bool(o) and label_selector.matches((o.get("metadata") or {}).get("labels")) and fsel.matches(o)

        now_match = ch.type != "DELETED" and matches(ch.value)
        was_match = matches(ch.prev_value) if ch.prev_value is not None else False
        if ch.type == "DELETED":
            kind = "DELETED" if was_match else None
        elif now_match and was_match:
            kind = "MODIFIED"
        elif now_match:
            kind = "ADDED"
        elif was_match:
            kind = "DELETED"
        else:
            kind = None
        if kind:
            # An object that stops matching leaves as DELETED with its previous state, at
            # this change's revision (the cacher's convertToWatchEvent).
            source = ch.prev_value if kind == "DELETED" and ch.prev_value is not None else ch.value
            obj = _decorate(deep_copy(source), strategy, ch.revision)
            events.append({"type": kind, "object": obj})
    if len(changes) < limit:
        # All of ours up to the head are delivered: skip over other resources' revisions.
        last = max(last, head)
    return events, last
