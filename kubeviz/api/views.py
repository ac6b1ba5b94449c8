"""The REST API for the dashboard and exercises (DRF). Thin: parse, call, render."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kubeviz.etcd.models import Cluster
from kubeviz.flow.selectors import step_earliest, step_list
from kubeviz.scheduler.selectors import decision_get
from kubeviz.web.selectors import cluster_summaries

from .serializers import ClusterSerializer, StepSerializer


class ClusterListView(APIView):
    @extend_schema(responses=ClusterSerializer(many=True), summary="List clusters")
    def get(self, request: Request) -> Response:
        return Response(ClusterSerializer(cluster_summaries(), many=True).data)


class StepQuery(serializers.Serializer):
    after = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=5000, default=500)


EARLIEST_HEADER = "X-Kubeviz-Earliest-Seq"


class StepListView(APIView):
    @extend_schema(
        summary="Steps of a cluster, in order",
        parameters=[
            OpenApiParameter("after", int, description="only steps with seq greater than this"),
            OpenApiParameter("limit", int, description="at most this many (1–5000, default 500)"),
        ],
        responses=StepSerializer(many=True),
    )
    def get(self, request: Request, cluster: str) -> Response:
        found = get_object_or_404(Cluster, name=cluster)
        query = StepQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        steps = step_list(cluster=found, **query.validated_data)
        # Older steps may have been trimmed: the header says where the history starts, so
        # a client asking after=0 knows what it cannot have (the body stays a plain list).
        return Response([s.as_message() for s in steps], headers={EARLIEST_HEADER: str(step_earliest(cluster=found))})


class SchedulingDecisionView(APIView):
    @extend_schema(
        summary="The scheduler's latest decision for a pod: each node's filter verdicts and scores",
        responses=inline_serializer("SchedulingDecision", {
            "namespace": serializers.CharField(), "name": serializers.CharField(), "uid": serializers.CharField(),
            "created": serializers.CharField(), "explanation": serializers.DictField(),
        }),
    )
    def get(self, request: Request, cluster: str, namespace: str, name: str) -> Response:
        found = get_object_or_404(Cluster, name=cluster)
        decision = decision_get(found, namespace, name)
        if decision is None:
            return Response({"detail": f"no scheduling decision recorded for pod {namespace}/{name}"}, status=404)
        return Response(decision)
