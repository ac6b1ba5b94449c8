"""REST endpoints for control and fault injection (thin: validate, call a service)."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kubeviz.engine import control
from kubeviz.engine.services import cluster_reset
from kubeviz.etcd.models import Cluster

from .errors import StatusErrorsMixin

OK = inline_serializer("Ok", {"ok": serializers.BooleanField()})


def _cluster(name: str) -> Cluster:
    return get_object_or_404(Cluster, name=name)


class ClockSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["live", "step", "paused"], required=False)
    speed = serializers.FloatField(min_value=0.05, max_value=100, required=False)


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

    @extend_schema(request=None, responses=OK, summary="Fail, recover, cordon or uncordon a node", operation_id="clusters_nodes_action")
    def post(self, request: Request, cluster: str, name: str, action: str) -> Response:
        handler = self.ACTIONS.get(action)
        if handler is None:
            return Response({"detail": f"unknown action {action}; one of {', '.join(self.ACTIONS)}"}, status=404)
        handler(_cluster(cluster), name)
        return Response({"ok": True})


class NodeAddSerializer(serializers.Serializer):
    cpu = serializers.RegexField(r"^[0-9]+m?$", required=False, default="4")
    memory = serializers.RegexField(r"^[0-9]+(Mi|Gi)$", required=False, default="8Gi")
    pods = serializers.IntegerField(min_value=1, max_value=250, required=False, default=110)


class NodeListView(StatusErrorsMixin, APIView):
    @extend_schema(request=NodeAddSerializer, responses=OK, summary="Add a worker node")
    def post(self, request: Request, cluster: str) -> Response:
        body = NodeAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        node = control.node_add(cluster=_cluster(cluster), **body.validated_data)
        return Response({"ok": True, "name": node["metadata"]["name"]}, status=status.HTTP_201_CREATED)


class NodeView(StatusErrorsMixin, APIView):
    @extend_schema(responses=OK, summary="Remove a node")
    def delete(self, request: Request, cluster: str, name: str) -> Response:
        control.node_remove(cluster=_cluster(cluster), name=name)
        return Response({"ok": True})


class PodActionView(StatusErrorsMixin, APIView):
    @extend_schema(request=None, responses=OK, summary="Crash a pod's containers, or kill (delete) the pod")
    def post(self, request: Request, cluster: str, namespace: str, name: str, action: str) -> Response:
        found = _cluster(cluster)
        if action == "crash":
            control.pod_crash(cluster=found, namespace=namespace, name=name)
        elif action == "kill":
            control.pod_kill(cluster=found, namespace=namespace, name=name)
        else:
            return Response({"detail": "action must be crash or kill"}, status=404)
        return Response({"ok": True})


class ComponentView(StatusErrorsMixin, APIView):
    @extend_schema(request=None, responses=OK, summary="Stop or start the scheduler or the controller manager")
    def post(self, request: Request, cluster: str, component: str, action: str) -> Response:
        if action not in ("stop", "start"):
            return Response({"detail": "action must be stop or start"}, status=404)
        control.component_set(cluster=_cluster(cluster), component=component, running=action == "start")
        return Response({"ok": True})


class ResetView(StatusErrorsMixin, APIView):
    @extend_schema(request=None, responses=OK, summary="Reset the cluster to its fixture (keeps its token)")
    def post(self, request: Request, cluster: str) -> Response:
        cluster_reset(cluster=_cluster(cluster))
        return Response({"ok": True})
