"""Pages. Thin: look up, call a selector, render."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from kubeviz.etcd.models import Cluster

from .selectors import cluster_overview, cluster_summaries


def cluster_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/cluster_list.html", {"clusters": cluster_summaries()})


def cluster_detail(request: HttpRequest, name: str) -> HttpResponse:
    cluster = get_object_or_404(Cluster, name=name)
    context = {"cluster": cluster, **cluster_overview(cluster)}
    return render(request, "web/cluster_detail.html", context)
