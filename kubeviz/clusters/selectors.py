"""Reads about clusters' lifecycle: templates to pick from, a sandbox's card, snapshots."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.urls import reverse

from .models import Cluster, Snapshot
from .templates import TemplateError, template_load, template_names, template_path


@lru_cache(maxsize=4)
def _template_summaries(files: tuple[tuple[str, float], ...]) -> tuple[tuple[str, str, int], ...]:
    """Checked once per set of file versions (the key carries each file's mtime)."""
    out = []
    for name, _ in files:
        try:
            template = template_load(name)
        except TemplateError:
            continue  # a broken template is for `manage.py checktemplates` to report, not a picker
        out.append((template.name, template.description, len(template.nodes())))
    return tuple(out)


def template_summaries() -> list[dict[str, Any]]:
    """The shipped templates a sandbox can be made from: name, description, node count."""
    files = tuple((name, template_path(name).stat().st_mtime) for name in template_names())
    return [{"name": n, "description": d, "nodes": c} for n, d, c in _template_summaries(files)]


def owner_display(cluster: Cluster) -> str:
    """Who owns it, as shown to people: a user name, "guest", or "site"."""
    if cluster.owner_id is not None:
        return cluster.owner.get_username()
    return "guest" if cluster.owner_guest else "site"


def sandbox_card(cluster: Cluster) -> dict[str, Any]:
    """What a client needs about a cluster it just made: where to watch it and drive it."""
    return {
        "name": cluster.name,
        "dashboard_url": reverse("cluster-detail", args=[cluster.name]),
        "kubeconfig_url": reverse("cluster-kubeconfig", args=[cluster.name]),
        "template": cluster.fixture,
        "public": cluster.public,
        "owner": owner_display(cluster),
    }


def snapshot_list(*, cluster: Cluster) -> list[dict[str, Any]]:
    return [snapshot_card(s) for s in Snapshot.objects.filter(cluster=cluster).defer("entries")]


def snapshot_card(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "name": snapshot.name,
        "revision": snapshot.revision,
        "sim_time": snapshot.sim_time.isoformat(),
        "created": snapshot.created.isoformat(),
        "objects": snapshot.objects_count,
    }
