"""Applying manifests as ``kubectl apply`` does (client-side: the last-applied annotation
and a three-way merge), all or nothing, with errors by document and line. Used by the
dashboard's form, cluster templates and, later, lessons and exercises: each request is
recorded as step 1 from the client. It reaches the cluster only through the registry."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.db import transaction

from kubeviz.clusters.models import Cluster
from kubeviz.flow.services import step_record

from . import registry
from .errors import StatusError
from .jsoncopy import deep_copy
from .manifests import ManifestError, compose_documents, load_documents
from .resources import by_kind
from .strategy import Strategy

MAX_MANIFEST_BYTES = 1024 * 1024
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
FORM = registry.Actor("client", "form")

Obj = dict[str, Any]


# ---- kubectl apply ------------------------------------------------------------------------


@dataclass
class ApplyError:
    message: str
    document: int | None = None
    line: int | None = None
    column: int | None = None
    causes: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        parts = []
        if self.document is not None:
            parts.append(f"document {self.document}")
        if self.line is not None:
            parts.append(f"line {self.line}")
            if self.column is not None:
                parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class Applied:
    document: int
    kind: str
    plural: str
    namespace: str
    name: str
    action: str  # created, configured, unchanged
    revision: str = ""

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where} {self.action}"


@dataclass
class ApplyResult:
    applied: list[Applied] = field(default_factory=list)
    errors: list[ApplyError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Item:
    document: int
    line: int
    path: list[str | int]  # where the object sits in its document ([] or ["items", i])
    body: Obj
    strategy: Strategy
    namespace: str
    name: str


class _RollBack(Exception):
    """Raised inside the apply transaction to undo every write when a document failed."""


def manifest_apply(*, cluster: Cluster, text: str, actor: registry.Actor = FORM) -> ApplyResult:
    """Apply one or many YAML (or JSON) documents as ``kubectl apply`` does: create each
    object, or update it if it exists (client-side apply with the last-applied annotation).
    ``actor`` names the client in step 1 (the form, or a lesson's button).

    All or nothing: every document is checked before anything is written, the writes run in
    one transaction, and if the API server refuses any document every write is rolled back.
    """
    items, problems = _items(text)
    if problems:
        return ApplyResult(errors=problems)

    result = ApplyResult()
    refused: list[tuple[_Item, StatusError]] = []
    try:
        with transaction.atomic():
            for item in items:
                try:
                    with transaction.atomic():
                        result.applied.append(_apply_one(cluster, item, actor))
                except StatusError as exc:
                    refused.append((item, exc))
            if refused:
                raise _RollBack
    except _RollBack:
        result.applied = []
        result.errors = [_status_error(text, item, exc) for item, exc in refused]
        # What the API server refused is still part of the story: record each refusal as a
        # step 1 (like a refused kubectl request), once the rolled-back writes are gone.
        with transaction.atomic():
            for item, exc in refused:
                _record_request(cluster, item, "apply", actor, refused=exc)
    return result


def manifest_check(text: str) -> list[ApplyError]:
    """What ``manifest_apply`` refuses before it writes anything (size, YAML, kinds, names),
    without a cluster: for checking manifests that will be applied later."""
    return _items(text)[1]


def _items(text: str) -> tuple[list[_Item], list[ApplyError]]:
    size = len(text.encode("utf-8"))
    if size > MAX_MANIFEST_BYTES:
        return [], [ApplyError(
            f"the manifest is {size} bytes; the limit is {MAX_MANIFEST_BYTES} bytes (1 MiB). Nothing was applied.")]
    try:
        documents = load_documents(text)
    except ManifestError as exc:
        return [], [ApplyError(exc.message, exc.document, exc.line, exc.column)]
    if not documents:
        return [], [ApplyError("the manifest has no objects in it")]

    items: list[_Item] = []
    problems: list[ApplyError] = []
    for doc in documents:
        body = doc.body
        if isinstance(body, dict) and body.get("kind") == "List" and isinstance(body.get("items"), list):
            candidates = [(["items", i], item) for i, item in enumerate(body["items"])]
        else:
            candidates = [([], body)]
        for path, candidate in candidates:
            item, problem = _check(text, doc.index, doc.line, path, candidate)
            if problem:
                problems.append(problem)
            else:
                items.append(item)
    return items, problems


def _check(text: str, document: int, line: int, path: list[str | int], body: Any) -> tuple[_Item | None, ApplyError | None]:
    """What kubectl checks before sending anything: an object with a kind we serve and a name.
    Each refusal points at the line of the field it is about, not at the document's start."""
    def error(message: str, *field: str) -> tuple[None, ApplyError]:
        at = field_line(text, document, [*path, *field]) if field and isinstance(body, dict) else None
        return None, ApplyError(message, document, at or line)

    if not isinstance(body, dict):
        return error(f"expected an object (a mapping with apiVersion, kind and metadata), got {type(body).__name__}")
    kind, api_version = body.get("kind"), body.get("apiVersion")
    if not isinstance(kind, str) or not kind:
        return error("Object 'Kind' is missing")
    if not isinstance(api_version, str) or not api_version:
        return error(f"Object 'apiVersion' is missing in the {kind}", "kind")
    try:
        strategy = by_kind(kind)
    except StatusError:
        return error(f'no matches for kind "{kind}" in version "{api_version}" (kubeviz does not serve this kind yet)', "kind")
    if api_version != strategy.api_version:
        return error(f'no matches for kind "{kind}" in version "{api_version}" (did you mean "{strategy.api_version}"?)', "apiVersion")
    meta = body.get("metadata")
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return error("metadata must be a mapping", "metadata")
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        return error("resource name may not be empty (metadata.name is required by kubectl apply)", "metadata", "name")
    namespace = ""
    if strategy.namespaced:
        namespace = meta.get("namespace") or "default"
        if not isinstance(namespace, str):
            return error("metadata.namespace must be a string", "metadata", "namespace")
    return _Item(document, line, path, body, strategy, namespace, name), None


def _where(item: _Item) -> str:
    return f"{item.namespace}/{item.name}" if item.namespace else item.name


def _record_request(cluster: Cluster, item: _Item, verb: str, actor: registry.Actor, *, refused: StatusError | None = None,
                    uid: str = "") -> None:
    what = f"{item.strategy.kind} {_where(item)}"
    who = actor.subject
    if refused is None:
        message = (f"{who} asked the API server to {verb} {what} (kubectl apply, document {item.document}); "
                   "the request was authenticated and validated")
    else:
        message = (f"{who} asked the API server to apply {what} (document {item.document}); "
                   f"refused with {refused.code} {refused.reason}: {refused.message}")
    step_record(
        cluster=cluster, step=1, source="client", target="apiserver", action=verb, client=actor.client,
        obj={"kind": item.strategy.kind, "metadata": {"namespace": item.namespace, "name": item.name, "uid": uid}},
        message=message,
    )


def last_applied(body: Obj) -> str:
    """The last-applied-configuration annotation kubectl writes: the manifest as compact JSON,
    without that annotation itself (and without status, which apply never sets)."""
    config = deep_copy(body)
    config.pop("status", None)
    meta = config.get("metadata")
    if isinstance(meta, dict):
        annotations = meta.get("annotations")
        if isinstance(annotations, dict):
            annotations.pop(LAST_APPLIED, None)
            if not annotations:
                meta.pop("annotations")
    return json.dumps(config, sort_keys=True, separators=(",", ":"))


def three_way_merge(current: Any, original: Any, modified: Any) -> Any:
    """Merge the user's new manifest into the live object as client-side apply does: fields
    in the manifest win, fields the user removed since the last apply are removed, and
    fields the user never set (defaults, what controllers added) stay."""
    if not (isinstance(current, dict) and isinstance(modified, dict)):
        return deep_copy(modified)
    original = original if isinstance(original, dict) else {}
    result = deep_copy(current)
    for key in original:
        if key not in modified:
            result.pop(key, None)
    for key, value in modified.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = three_way_merge(result[key], original.get(key), value)
        else:
            result[key] = deep_copy(value)
    return result


def _apply_one(cluster: Cluster, item: _Item, actor: registry.Actor) -> Applied:
    strategy = item.strategy
    modified = deep_copy(item.body)
    modified.pop("status", None)
    meta = modified.setdefault("metadata", {}) or {}
    modified["metadata"] = meta
    if strategy.namespaced:
        meta["namespace"] = item.namespace
    annotations = meta.get("annotations")
    if not isinstance(annotations, dict):
        annotations = {}
    annotations[LAST_APPLIED] = last_applied(item.body)
    meta["annotations"] = annotations
    ns = item.namespace or None
    try:
        current = registry.get(cluster, strategy, ns, item.name)
    except StatusError as exc:
        if exc.code != 404:
            raise
        current = None
    if current is None:
        _record_request(cluster, item, "create", actor)
        created = registry.create(cluster, strategy, ns, modified, actor=actor)
        return Applied(item.document, strategy.kind, strategy.plural, item.namespace, item.name, "created",
                       created["metadata"].get("resourceVersion", ""))
    current_meta = current.get("metadata") or {}
    try:
        original = json.loads((current_meta.get("annotations") or {}).get(LAST_APPLIED) or "{}")
    except ValueError:
        original = {}
    merged = three_way_merge(current, original, modified)
    merged.pop("status", None)
    # Keep the resourceVersion we read: if someone wrote in between, the API server answers
    # 409 Conflict instead of silently overwriting their change.
    merged["metadata"]["resourceVersion"] = current_meta.get("resourceVersion")
    if _same(merged, current):
        return Applied(item.document, strategy.kind, strategy.plural, item.namespace, item.name, "unchanged",
                       current_meta.get("resourceVersion", ""))
    _record_request(cluster, item, "update", actor, uid=current_meta.get("uid", ""))
    updated = registry.update(cluster, strategy, ns, item.name, merged, actor=actor)
    revision = updated["metadata"].get("resourceVersion", "")
    action = "unchanged" if revision == current_meta.get("resourceVersion") else "configured"
    return Applied(item.document, strategy.kind, strategy.plural, item.namespace, item.name, action, revision)


def _same(merged: Obj, current: Obj) -> bool:
    a = {k: v for k, v in merged.items() if k != "status"}
    b = {k: v for k, v in current.items() if k != "status"}
    return a == b


def _status_error(text: str, item: _Item, exc: StatusError) -> ApplyError:
    """An API-server refusal, pointed at the line of the first field it names."""
    fields = [c.get("field", "") for c in exc.causes if c.get("field")]
    line = None
    for f in fields:
        line = field_line(text, item.document, [*item.path, *parse_field_path(f)])
        if line:
            break
    if line is None and item.path:
        line = field_line(text, item.document, item.path)
    causes = []
    for c in exc.causes:
        text_cause = without_regex(c.get("message", ""))
        if c.get("field"):
            text_cause = f"{c['field']}: {text_cause}"
        causes.append(text_cause)
    where = f"{item.strategy.kind} {_where(item)}"
    message = without_regex(exc.message)
    message = message if where in message or item.name in message else f"{where}: {message}"
    return ApplyError(message, item.document, line or item.line, None, causes)


_REGEX_NOTE = re.compile(r",?\s*regex used for validation is '[^']*'")


def without_regex(message: str) -> str:
    """A validation message for the form, without the regular expression the API server
    quotes after its examples (kubectl shows it; a learner is served better by the
    examples of valid values, which stay)."""
    return _REGEX_NOTE.sub("", message)


def parse_field_path(path: str) -> list[str | int]:
    """``spec.template.spec.containers[0].image`` → ["spec", "template", "spec", "containers", 0, "image"]."""
    out: list[str | int] = []
    for part in path.split("."):
        while part:
            if "[" in part:
                head, rest = part.split("[", 1)
                if head:
                    out.append(head)
                key, _, part = rest.partition("]")
                out.append(int(key) if key.isdigit() else key)
            else:
                out.append(part)
                part = ""
    return out


def field_line(text: str, document: int, path: list[str | int]) -> int | None:
    """The 1-based line where ``path`` is written in document number ``document``: the
    deepest part of the path that exists. The text has already passed the alias-refusing
    loader, and composing it again uses that same bounded loader."""
    try:
        nodes = compose_documents(text)
    except (yaml.YAMLError, ManifestError):
        return None
    if not 1 <= document <= len(nodes) or nodes[document - 1] is None:
        return None
    node = nodes[document - 1]
    line = None
    for part in path:
        child = None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key, value in node.value:
                if getattr(key, "value", None) == part:
                    line = key.start_mark.line + 1
                    child = value
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


