"""The REST API for the dashboard and exercises (DRF). Thin: parse, call, render."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kubeviz.apiserver.errors import StatusError
from kubeviz.apiserver.tokens import cluster_token_rotate
from kubeviz.clusters.access import request_identity
from kubeviz.clusters.models import Cluster
from kubeviz.flow.selectors import step_earliest, step_list
from kubeviz.live.history import history_at
from kubeviz.scheduler.selectors import decision_get
from kubeviz.web.selectors import cluster_summaries

from .errors import StatusErrorsMixin, StatusSerializer
from .serializers import ClusterSerializer, HistorySerializer, StepSerializer


class ClusterListView(StatusErrorsMixin, APIView):
    @extend_schema(responses=ClusterSerializer(many=True), summary="List clusters")
    def get(self, request: Request) -> Response:
        return Response(ClusterSerializer(cluster_summaries(request_identity(request)), many=True).data)


class StepQuery(serializers.Serializer):
    after = serializers.IntegerField(min_value=0, default=0, help_text="only steps with seq greater than this")
    limit = serializers.IntegerField(min_value=1, max_value=5000, default=500, help_text="at most this many")


EARLIEST_HEADER = "X-Kubeviz-Earliest-Seq"


class StepListView(StatusErrorsMixin, APIView):
    @extend_schema(
        summary="Steps of a cluster, in order",
        parameters=[StepQuery],
        responses={200: StepSerializer(many=True),
                   400: OpenApiResponse(StatusSerializer, description="after or limit out of range")},
    )
    def get(self, request: Request, cluster: str) -> Response:
        found = get_object_or_404(Cluster, name=cluster)
        query = StepQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        steps = step_list(cluster=found, **query.validated_data)
        # Older steps may have been trimmed: the header says where the history starts, so
        # a client asking after=0 knows what it cannot have (the body stays a plain list).
        return Response([s.as_message() for s in steps], headers={EARLIEST_HEADER: str(step_earliest(cluster=found))})


class HistoryQuery(serializers.Serializer):
    at = serializers.IntegerField(min_value=1, required=False, help_text="the step (seq) to go back to (steps count from 1); the newest if absent")


class HistoryView(StatusErrorsMixin, APIView):
    @extend_schema(
        summary="The cluster as it was at a past step, and the range of steps that can be reached",
        parameters=[HistoryQuery],
        responses={200: HistorySerializer,
                   400: OpenApiResponse(StatusSerializer, description="at is not a whole number >= 1"),
                   404: OpenApiResponse(StatusSerializer, description="no such cluster, or a step beyond the newest"),
                   410: OpenApiResponse(StatusSerializer, description="the step is before the history kept (trimmed "
                                        "steps, compacted change log): reason Expired, the message names the earliest")},
    )
    def get(self, request: Request, cluster: str) -> Response:
        query = HistoryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(history_at(get_object_or_404(Cluster, name=cluster), at=query.validated_data.get("at")))


class SchedulingDecisionView(StatusErrorsMixin, APIView):
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
            raise StatusError(404, "NotFound", f"no scheduling decision recorded for pod {namespace}/{name}")
        return Response(decision)


class TokenRotateView(StatusErrorsMixin, APIView):
    @extend_schema(
        request=None,
        responses=inline_serializer("TokenRotated", {
            "rotated": serializers.BooleanField(),
            "kubeconfig": serializers.CharField(help_text="where to download the kubeconfig with the new token"),
        }),
        summary="Give the cluster a new bearer token; the old one stops working at once",
    )
    def post(self, request: Request, cluster: str) -> Response:
        cluster_token_rotate(cluster=get_object_or_404(Cluster, name=cluster))
        return Response({"rotated": True, "kubeconfig": reverse("cluster-kubeconfig", args=[cluster])})
