"""The REST API for the dashboard and exercises (DRF). Thin: parse, call, render."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kubeviz.etcd.models import Cluster
from kubeviz.flow.selectors import step_list
from kubeviz.web.selectors import cluster_summaries

from .serializers import ClusterSerializer, StepSerializer


class ClusterListView(APIView):
    @extend_schema(responses=ClusterSerializer(many=True), summary="List clusters")
    def get(self, request: Request) -> Response:
        return Response(ClusterSerializer(cluster_summaries(), many=True).data)


class StepQuery(serializers.Serializer):
    after = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=5000, default=500)


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
        return Response([s.as_message() for s in steps])
