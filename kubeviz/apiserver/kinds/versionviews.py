"""Served versions converted from the stored one (apiserver/conversion.py). Imported last,
so that the stored version is the one a kind and a plural name (resources.by_kind,
by_plural)."""
from __future__ import annotations

from ..conversion import VersionView
from ..resources import by_plural, register
from .event import from_events_v1, to_events_v1
from .horizontalpodautoscaler import from_v1, to_v1

register(VersionView(
    kind="HorizontalPodAutoscaler", plural="horizontalpodautoscalers", singular="horizontalpodautoscaler",
    group="autoscaling", version="v1", short_names=("hpa",), categories=("all",), subresources=("status",),
    storage=by_plural("horizontalpodautoscalers"), to_external=to_v1, from_external=from_v1,
))

register(VersionView(
    kind="Event", plural="events", singular="event", group="events.k8s.io", version="v1", short_names=("ev",),
    subresources=(), storage=by_plural("events"), to_external=to_events_v1, from_external=from_events_v1,
))
