"""Template tags for the lifecycle buttons: what the viewer may do to a cluster decides
which buttons a row or the dashboard's Cluster menu shows (the views check again)."""
from __future__ import annotations

from typing import Any

from django import template

from kubeviz.accounts.roles import identity_of
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.permissions import Action, may
from kubeviz.clusters.selectors import owner_display, snapshot_list, template_summaries

register = template.Library()


def _viewer(context: Any) -> Any:
    request = context.get("request")
    return identity_of(getattr(request, "user", None), getattr(request, "session", None))


@register.inclusion_tag("web/partials/sandbox_new.html", takes_context=True)
def sandbox_new(context: Any) -> dict[str, Any]:
    return {"identity": _viewer(context), "templates": template_summaries(), "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("web/partials/cluster_row_actions.html", takes_context=True)
def cluster_row_actions(context: Any, name: str) -> dict[str, Any]:
    viewer = _viewer(context)
    cluster = Cluster.objects.filter(name=name).first()
    can_act = cluster is not None and may(viewer, Action.ACT, cluster) and not cluster.site_owned
    creator = viewer.user is not None or bool(viewer.guest)
    return {"name": name, "can_act": can_act, "can_clone": cluster is not None and creator,
            "owner": owner_display(cluster) if cluster else "", "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("web/partials/cluster_menu.html", takes_context=True)
def cluster_menu(context: Any, cluster: Cluster) -> dict[str, Any]:
    viewer = _viewer(context)
    return {
        "cluster": cluster,
        "can_act": may(viewer, Action.ACT, cluster),
        "can_clone": viewer.user is not None or bool(viewer.guest),
        "snapshots": snapshot_list(cluster=cluster),
        "owner": owner_display(cluster),
        "csrf_token": context.get("csrf_token"),
    }
