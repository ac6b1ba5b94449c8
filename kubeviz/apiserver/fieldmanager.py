"""Field ownership (``metadata.managedFields``) and server-side apply, after apimachinery's
fieldmanager and structured-merge-diff, simplified.

A field set is a set of paths; a path is a tuple of FieldsV1 tokens: ``f:<field>`` for a
field, ``k:{"name":"web"}`` for the item of a list keyed by a merge key, ``v:<json>`` for
an item of a set-like list of scalars, and ``.`` for a map or list item itself. Lists
without a merge key and fields typed ``object`` in the schema are atomic (owned whole).

Only requests made through the API are recorded (the engine's own writes keep the
managedFields they find), so ownership costs nothing on the hot paths.
"""
from __future__ import annotations

import json
from typing import Any

from . import errors, schemas
from .patch import merge_key, strategic_merge
from .strategy import Strategy

Path = tuple[str, ...]
Obj = dict[str, Any]

# Identity and server-kept fields nobody owns (fieldmanager's stripped set).
_META_IDENTITY = {
    "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "selfLink",
    "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds",
}


def _type_of(type_: str | None, key: str) -> str | None:
    if type_ is None or type_ in schemas.SCALARS or type_[:1] in "[{":
        return None
    f = schemas.definitions()[type_].fields.get(key)
    return f.type if f else None


def field_set(strategy: Strategy, obj: Obj, *, subresource: str | None = None) -> set[Path]:
    """The paths of every field set in ``obj``, as ownership counts them."""
    definition = schemas.for_strategy(strategy)
    out: set[Path] = set()
    for key, value in obj.items():
        if key in ("apiVersion", "kind"):
            continue
        if key == "status" and subresource != "status" and "status" in strategy.subresources:
            continue
        if key == "metadata" and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in _META_IDENTITY}
            if not value:
                continue
        _collect(value, _type_of(definition.name if definition else None, key), (f"f:{key}",), out)
    return out


def _collect(value: Any, type_: str | None, path: Path, out: set[Path]) -> None:
    if isinstance(value, dict) and value and type_ != "object":
        if type_ is not None and type_.startswith("{"):
            out.add(path + (".",))
            for k, v in value.items():
                _collect(v, type_[1:-1], path + (f"f:{k}",), out)
            return
        for k, v in value.items():
            _collect(v, _type_of(type_, k), path + (f"f:{k}",), out)
        return
    if isinstance(value, list) and value and type_ is not None and type_.startswith("["):
        item_type = type_[1:-1]
        key = merge_key(tuple(p[2:] for p in path if p.startswith("f:")))
        if key and all(isinstance(i, dict) and key in i for i in value):
            for item in value:
                item_path = path + (_item_token(item, key),)
                out.add(item_path + (".",))
                for k, v in item.items():
                    _collect(v, _type_of(item_type, k), item_path + (f"f:{k}",), out)
            return
        if path[-1] == "f:finalizers":
            for item in value:
                out.add(path + ("v:" + json.dumps(item, separators=(",", ":")),))
            return
    out.add(path)


def _item_token(item: Obj, key: str) -> str:
    return "k:" + json.dumps({key: item[key]}, separators=(",", ":"))


def value_at(obj: Any, path: Path) -> Any:
    """The value a path names in ``obj`` (None when absent)."""
    node = obj
    for token in path:
        if token == ".":
            return node
        if token.startswith("f:"):
            node = node.get(token[2:]) if isinstance(node, dict) else None
        elif token.startswith("k:"):
            want = json.loads(token[2:])
            node = next((i for i in node or [] if isinstance(i, dict) and all(i.get(k) == v for k, v in want.items())), None)
        elif token.startswith("v:"):
            want = json.loads(token[2:])
            return want if isinstance(node, list) and want in node else None
        if node is None:
            return None
    return node


def _remove(obj: Any, path: Path) -> None:
    """Remove the field (or list item) a path names, if present."""
    if path and path[-1] == ".":
        path = path[:-1]
    parent = value_at(obj, path[:-1]) if len(path) > 1 else obj
    last = path[-1]
    if isinstance(parent, dict) and last.startswith("f:"):
        parent.pop(last[2:], None)
    elif isinstance(parent, list) and last.startswith(("k:", "v:")):
        target = value_at(obj, path)
        if target is not None and target in parent:
            parent.remove(target)


def to_fields_v1(paths: set[Path]) -> Obj:
    tree: Obj = {}
    for path in sorted(paths):
        node = tree
        for token in path:
            node = node.setdefault(token, {})
    return tree


def from_fields_v1(tree: Any, prefix: Path = ()) -> set[Path]:
    out: set[Path] = set()
    if not isinstance(tree, dict):
        return out
    for token, sub in tree.items():
        path = prefix + (token,)
        if sub:
            out |= from_fields_v1(sub, path)
        else:
            out.add(path)
    return out


def _entry(manager: str, operation: str, api_version: str, now: str, paths: set[Path], subresource: str | None) -> Obj:
    entry: Obj = {
        "manager": manager, "operation": operation, "apiVersion": api_version, "time": now,
        "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(paths),
    }
    if subresource:
        entry["subresource"] = subresource
    return entry


def _same(entry: Obj, manager: str, operation: str, subresource: str | None) -> bool:
    return (entry.get("manager"), entry.get("operation"), entry.get("subresource") or None) == (manager, operation, subresource)


def record_create(strategy: Strategy, obj: Obj, *, manager: str, now: str, applied: Obj | None = None) -> None:
    """The first entry: an Update owning everything created, or an Apply owning the config."""
    paths = field_set(strategy, applied if applied is not None else obj)
    operation = "Apply" if applied is not None else "Update"
    obj["metadata"]["managedFields"] = [_entry(manager, operation, strategy.api_version, now, paths, None)] if paths else []
    if not obj["metadata"]["managedFields"]:
        del obj["metadata"]["managedFields"]


def record_update(strategy: Strategy, old: Obj, new: Obj, *, manager: str, now: str, subresource: str | None = None) -> None:
    """An Update operation: the manager takes the fields it changed from everyone else."""
    old_paths = field_set(strategy, old, subresource=subresource)
    new_paths = field_set(strategy, new, subresource=subresource)
    # A map or list item itself ("." paths) changes only by appearing.
    changed = {p for p in new_paths if p not in old_paths or (p[-1] != "." and value_at(old, p) != value_at(new, p))}
    removed = old_paths - new_paths
    if not changed and not removed:
        # Nothing changed: the entries stay as they were, time included, so a no-op write
        # stays a no-op (apiserver's IgnoreManagedFieldsTimestampsTransformer).
        if old["metadata"].get("managedFields"):
            new["metadata"]["managedFields"] = old["metadata"]["managedFields"]
        else:
            new["metadata"].pop("managedFields", None)
        return
    entries: list[Obj] = []
    mine: set[Path] = set()
    for entry in new["metadata"].get("managedFields") or []:
        paths = from_fields_v1(entry.get("fieldsV1")) - removed
        if _same(entry, manager, "Update", subresource):
            mine = paths
            continue
        paths -= changed
        if paths:
            entries.append({**entry, "fieldsV1": to_fields_v1(paths)})
    mine |= changed
    if mine:
        entries.append(_entry(manager, "Update", strategy.api_version, now, mine, subresource))
    if entries:
        new["metadata"]["managedFields"] = entries
    else:
        new["metadata"].pop("managedFields", None)


def _format_path(path: Path) -> str:
    out = ""
    for token in path:
        if token == ".":
            continue
        if token.startswith("f:"):
            out += "." + token[2:]
        elif token.startswith("k:"):
            want = json.loads(token[2:])
            out += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in want.items()) + "]"
        else:
            out += "[=" + token[2:] + "]"
    return out


def _manager_label(entry: Obj) -> str:
    label = json.dumps(entry.get("manager", ""))
    if entry.get("subresource"):
        label += f" with subresource {json.dumps(entry['subresource'])}"
    if entry.get("operation") == "Update":
        label += f" using {entry.get('apiVersion', '')}"
    return label


def conflict_error(strategy: Strategy, name: str, conflicts: list[tuple[Obj, Path]]) -> errors.StatusError:
    """409 Conflict in apimachinery's words (one line for one conflict, a list for more)."""
    if len(conflicts) == 1:
        entry, path = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {_manager_label(entry)}: {_format_path(path)}"
    else:
        by_manager: dict[str, list[str]] = {}
        for entry, path in conflicts:
            by_manager.setdefault(_manager_label(entry), []).append(_format_path(path))
        lines = []
        for label in sorted(by_manager):
            lines.append(f"conflicts with {label}:")
            lines += [f"- {p}" for p in by_manager[label]]
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    err = errors.StatusError(409, "Conflict", message, name=name, group=strategy.group, kind=strategy.plural)
    err.causes = [{"reason": "FieldManagerConflict", "message": f"conflict with {_manager_label(e)}", "field": _format_path(p)}
                  for e, p in conflicts]
    return err


def apply(strategy: Strategy, current: Obj, config: Obj, *, manager: str, force: bool, now: str) -> Obj:
    """Server-side apply of ``config`` over ``current``: conflicts are 409 unless forced;
    fields this manager applied before and no longer applies are removed, unless another
    manager also owns them; the result carries the new managedFields."""
    applied = field_set(strategy, config)
    entries = list(current["metadata"].get("managedFields") or [])
    previous: set[Path] = set()
    conflicts: list[tuple[Obj, Path]] = []
    others: list[tuple[Obj, set[Path]]] = []
    for entry in entries:
        paths = from_fields_v1(entry.get("fieldsV1"))
        if _same(entry, manager, "Apply", None):
            previous = paths
            continue
        others.append((entry, paths))
        for p in sorted(applied & paths):
            if p[-1] != "." and value_at(current, p) != value_at(config, p):
                conflicts.append((entry, p))
    if conflicts and not force and not _allowed_by_last_applied(strategy, current, conflicts, manager):
        raise conflict_error(strategy, current["metadata"]["name"], conflicts)
    lost = {p for _, p in conflicts}
    body = {k: v for k, v in config.items() if k not in ("apiVersion", "kind")}
    merged = strategic_merge(current, body, ())
    new_entries: list[Obj] = []
    still_owned: set[Path] = set()
    for entry, paths in others:
        paths = paths - lost
        still_owned |= paths
        if paths:
            new_entries.append({**entry, "fieldsV1": to_fields_v1(paths)})
    for p in sorted(previous - applied - still_owned, key=len, reverse=True):
        _remove(merged, p)
    new_entries.append(_entry(manager, "Apply", strategy.api_version, now, applied, None))
    merged["metadata"]["managedFields"] = new_entries
    annotations = merged["metadata"].get("annotations") or {}
    if manager == SSA_KUBECTL and LAST_APPLIED in annotations:
        # Keep client-side apply's record current, so going back to it still works.
        last = {k: v for k, v in config.items()}
        last_meta = dict(last.get("metadata") or {})
        last_meta["annotations"] = {k: v for k, v in (last_meta.get("annotations") or {}).items() if k != LAST_APPLIED}
        if not last_meta["annotations"]:
            del last_meta["annotations"]
        last["metadata"] = last_meta
        annotations[LAST_APPLIED] = json.dumps(last, separators=(",", ":"), sort_keys=True) + "\n"
    return merged


SSA_KUBECTL = "kubectl"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _allowed_by_last_applied(strategy: Strategy, current: Obj, conflicts: list[tuple[Obj, Path]], manager: str) -> bool:
    """kubectl's own server-side apply may take over what its client-side apply set: a
    conflict is waived where the last-applied configuration still holds the live value
    (apimachinery's lastAppliedManager), so ``kubectl apply --server-side`` works on an
    object made by ``kubectl apply``; kubectl then moves the fields to itself."""
    raw = (current["metadata"].get("annotations") or {}).get(LAST_APPLIED)
    if manager != SSA_KUBECTL or not raw:
        return False
    try:
        last = json.loads(raw)
    except ValueError:
        return False
    if not isinstance(last, dict):
        return False
    allowed = {p for p in field_set(strategy, last) if value_at(last, p) == value_at(current, p)}
    return all(p in allowed for _, p in conflicts)
