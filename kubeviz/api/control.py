"""REST endpoints for control and fault injection (thin: validate, call a service)."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kubeviz.clusters.models import Cluster
from kubeviz.clusters.services import cluster_reset
from kubeviz.engine import control

from .errors import StatusErrorsMixin, unknown
from .serializers import FormSafeSerializer

OK = inline_serializer("Ok", {"ok": serializers.BooleanField()})
NODE_ADDED = inline_serializer("NodeAdded", {"ok": serializers.BooleanField(), "name": serializers.CharField()})
POD_ACTIONS = ("crash", "kill")
COMPONENT_ACTIONS = ("stop", "start")


def _enum(name: str, values: tuple[str, ...] | list[str], description: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, OpenApiParameter.PATH, enum=list(values), description=description)


def _cluster(name: str) -> Cluster:
    return get_object_or_404(Cluster, name=name)


class ClockSerializer(FormSafeSerializer):
    min_properties = 1  # a change names the mode, the speed or both

    mode = serializers.ChoiceField(choices=["live", "step", "paused"], required=False)
    speed = serializers.FloatField(min_value=0.05, max_value=100, required=False)

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        if not attrs:
            raise serializers.ValidationError("give mode, speed or both")
        return attrs


class ClockView(StatusErrorsMixin, APIView):
    @extend_schema(request=ClockSerializer, responses=ClockSerializer, summary="Set the simulation clock: mode and speed")
    def post(self, request: Request, cluster: str) -> Response:
        body = ClockSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        found = control.clock_set(cluster=_cluster(cluster), **body.validated_data)
        return Response({"mode": found.clock_mode, "speed": found.clock_speed})

    @extend_schema(responses=ClockSerializer, summary="The simulation clock")
    def get(self, request: Request, cluster: str) -> Response:
        found = _cluster(cluster)
        return Response({"mode": found.clock_mode, "speed": found.clock_speed})


class NextStepView(StatusErrorsMixin, APIView):
    @extend_schema(request=None, responses=inline_serializer("Next", {"requested": serializers.IntegerField()}),
                   summary="Run exactly one component action (switches the clock to step mode)")
    def post(self, request: Request, cluster: str) -> Response:
        return Response({"requested": control.clock_next(cluster=_cluster(cluster))})


class NodeActionView(StatusErrorsMixin, APIView):
    ACTIONS = {
        "fail": lambda c, n: control.node_fail(cluster=c, name=n),
        "recover": lambda c, n: control.node_recover(cluster=c, name=n),
        "cordon": lambda c, n: control.node_cordon(cluster=c, name=n, unschedulable=True),
        "uncordon": lambda c, n: control.node_cordon(cluster=c, name=n, unschedulable=False),
    }

    @extend_schema(request=None, responses=OK, summary="Fail, recover, cordon or uncordon a node", operation_id="clusters_nodes_action",
                   parameters=[_enum("action", list(ACTIONS), "what to do to the node")])
    def post(self, request: Request, cluster: str, name: str, action: str) -> Response:
        handler = self.ACTIONS.get(action)
        if handler is None:
            raise unknown("node action", action, list(self.ACTIONS))
        handler(_cluster(cluster), name)
        return Response({"ok": True})


class NodeAddSerializer(serializers.Serializer):
    cpu = serializers.RegexField(r"^[0-9]+m?$", required=False, default="4")
    memory = serializers.RegexField(r"^[0-9]+(Mi|Gi)$", required=False, default="8Gi")
    pods = serializers.IntegerField(min_value=1, max_value=250, required=False, default=110)


class NodeListView(StatusErrorsMixin, APIView):
    @extend_schema(request=NodeAddSerializer, responses={201: NODE_ADDED}, summary="Add a worker node")
    def post(self, request: Request, cluster: str) -> Response:
        body = NodeAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        node = control.node_add(cluster=_cluster(cluster), **body.validated_data)
        return Response({"ok": True, "name": node["metadata"]["name"]}, status=status.HTTP_201_CREATED)


class NodeView(StatusErrorsMixin, APIView):
    @extend_schema(responses={200: OK}, summary="Remove a node")
    def delete(self, request: Request, cluster: str, name: str) -> Response:
        control.node_remove(cluster=_cluster(cluster), name=name)
        return Response({"ok": True})


class PodActionView(StatusErrorsMixin, APIView):
    @extend_schema(request=None, responses=OK, summary="Crash a pod's containers, or kill (delete) the pod",
                   parameters=[_enum("action", POD_ACTIONS, "crash: its containers exit once; kill: the pod is deleted")])
    def post(self, request: Request, cluster: str, namespace: str, name: str, action: str) -> Response:
        if action not in POD_ACTIONS:
            raise unknown("pod action", action, POD_ACTIONS)
        found = _cluster(cluster)
        if action == "crash":
            control.pod_crash(cluster=found, namespace=namespace, name=name)
        else:
            control.pod_kill(cluster=found, namespace=namespace, name=name)
        return Response({"ok": True})


class ComponentView(StatusErrorsMixin, APIView):
    @extend_schema(request=None, responses=OK, summary="Stop or start the scheduler or the controller manager",
                   parameters=[_enum("component", control.COMPONENTS, "the control-plane component"),
                               _enum("action", COMPONENT_ACTIONS, "stop: its work waits; start: it catches up")])
    def post(self, request: Request, cluster: str, component: str, action: str) -> Response:
        if action not in COMPONENT_ACTIONS:
            raise unknown("component action", action, COMPONENT_ACTIONS)
        if component not in control.COMPONENTS:
            raise unknown("component", component, control.COMPONENTS)
        control.component_set(cluster=_cluster(cluster), component=component, running=action == "start")
        return Response({"ok": True})


class ResetView(StatusErrorsMixin, APIView):
    @extend_schema(request=None, responses=OK, summary="Reset the cluster to its fixture (keeps its token)",
                   description="Rebuilding a cluster takes a while (seconds on a large one).")
    def post(self, request: Request, cluster: str) -> Response:
        cluster_reset(cluster=_cluster(cluster))
        return Response({"ok": True})
