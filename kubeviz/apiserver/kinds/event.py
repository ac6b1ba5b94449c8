"""Event (core/v1): what components report about objects, listed by kubectl describe."""
from __future__ import annotations

from .. import validation as v
from ..resources import register
from ..selectors import path_getter
from ..strategy import Obj, Strategy


class EventStrategy(Strategy):
    def validate(self, obj: Obj) -> list[v.FieldError]:
        errs: list[v.FieldError] = []
        involved = obj.get("involvedObject")
        if not isinstance(involved, dict):
            errs.append(v.required("involvedObject"))
        elif involved.get("namespace") and involved["namespace"] != obj["metadata"].get("namespace"):
            errs.append(v.invalid("involvedObject.namespace", involved["namespace"], "does not match event.namespace"))
        if obj.get("type") and obj["type"] not in ("Normal", "Warning"):
            errs.append(v.not_supported("type", obj["type"], ["Normal", "Warning"]))
        return errs


register(EventStrategy(
    kind="Event", plural="events", singular="event", short_names=("ev",), subresources=(),
    extra_fields={
        "involvedObject.kind": path_getter("involvedObject", "kind"),
        "involvedObject.namespace": path_getter("involvedObject", "namespace"),
        "involvedObject.name": path_getter("involvedObject", "name"),
        "involvedObject.uid": path_getter("involvedObject", "uid"),
        "involvedObject.apiVersion": path_getter("involvedObject", "apiVersion"),
        "involvedObject.resourceVersion": path_getter("involvedObject", "resourceVersion"),
        "involvedObject.fieldPath": path_getter("involvedObject", "fieldPath"),
        "reason": path_getter("reason"),
        "reportingComponent": path_getter("reportingComponent"),
        "source": path_getter("source", "component"),
        "type": path_getter("type"),
    },
))


# ---- events.k8s.io/v1: the same Events under newer names (pkg/apis/events/v1/conversion.go) ----
# (core name, events.k8s.io/v1 name)
FIELD_NAMES = [
    ("involvedObject", "regarding"), ("message", "note"), ("reportingComponent", "reportingController"),
    ("reportingInstance", "reportingInstance"), ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"), ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"), ("eventTime", "eventTime"), ("series", "series"), ("action", "action"),
    ("reason", "reason"), ("related", "related"), ("type", "type"),
]


def to_events_v1(obj: Obj) -> Obj:
    out: Obj = {"kind": "Event", "apiVersion": "events.k8s.io/v1", "metadata": obj.get("metadata") or {}}
    for core, new in FIELD_NAMES:
        if obj.get(core) is not None:
            out[new] = obj[core]
    if not out.get("eventTime"):
        # A core Event from the old recorder has none; clients of events.k8s.io/v1 (the
        # Python client among them) insist on one. kubeviz shows when it was first seen
        # (simplified: a real API server leaves it empty).
        first = obj.get("firstTimestamp") or (obj.get("metadata") or {}).get("creationTimestamp")
        out["eventTime"] = f"{first[:19]}.000000Z" if isinstance(first, str) and len(first) >= 19 else None
    return out


def from_events_v1(obj: Obj) -> Obj:
    out: Obj = {"kind": "Event", "apiVersion": "v1", "metadata": obj.get("metadata") or {}}
    for core, new in FIELD_NAMES:
        if obj.get(new) is not None:
            out[core] = obj[new]
    return out
