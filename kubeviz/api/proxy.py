"""REST endpoints for kube-proxy: the rules on every node, and simulated traffic (thin)."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kubeviz.clusters.models import Cluster
from kubeviz.proxy.ingress import ingress_send
from kubeviz.proxy.selectors import proxy_rules
from kubeviz.proxy.traffic import MAX_REQUESTS, traffic_send

from .errors import StatusErrorsMixin, StatusSerializer


class ProxyEndpointSerializer(serializers.Serializer):
    address = serializers.CharField(help_text="ip:port the connection is sent to")
    pod = serializers.CharField(allow_blank=True)
    node = serializers.CharField(allow_blank=True)
    ready = serializers.BooleanField()
    serving = serializers.BooleanField()
    terminating = serializers.BooleanField()


class ProxyRuleSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["ClusterIP", "NodePort", "LoadBalancer", "ExternalIP"])
    portName = serializers.CharField(allow_blank=True)
    frontend = serializers.CharField(help_text="ip:port/protocol the rule matches")
    protocol = serializers.CharField()
    trafficPolicy = serializers.ChoiceField(choices=["Cluster", "Local"])
    sessionAffinity = serializers.ChoiceField(choices=["None", "ClientIP"])
    affinityTimeoutSeconds = serializers.IntegerField(allow_null=True)
    endpoints = ProxyEndpointSerializer(many=True)
    action = serializers.ChoiceField(choices=["forward", "reject", "drop"],
                                     help_text="reject: no endpoints; drop: Local policy and none on this node")


class ProxyServiceSerializer(serializers.Serializer):
    service = serializers.CharField(help_text="namespace/name")
    dns = serializers.CharField(help_text="<service>.<namespace>.svc.cluster.local")
    type = serializers.CharField()
    clusterIP = serializers.CharField()
    sessionAffinity = serializers.CharField()
    rules = ProxyRuleSerializer(many=True)


class ProxyRulesSerializer(serializers.Serializer):
    nodes = serializers.DictField(child=ProxyServiceSerializer(many=True), help_text="node name → its rules per Service")
    dns = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                help_text="DNS name → what cluster DNS answers")


# A node's name is a DNS subdomain; a Service port is named as an IANA service name or numbered.
NODE_NAME = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"
PORT = r"^([0-9]{1,5}|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$"


class TrafficRequestSerializer(serializers.Serializer):
    requests = serializers.IntegerField(min_value=1, max_value=MAX_REQUESTS)
    node = serializers.RegexField(NODE_NAME, max_length=253, required=False,
                                  help_text="the node the requests come from (default: the first node)")
    port = serializers.RegexField(PORT, max_length=15, required=False,
                                  help_text="Service port name or number (default: the first port)")
    fromPod = serializers.RegexField(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", max_length=317, required=False,
                                     help_text="the pod sending (name or namespace/name), so NetworkPolicies can match it")


class TrafficResultSerializer(serializers.Serializer):
    service = serializers.CharField()
    requests = serializers.IntegerField()
    distribution = serializers.DictField(child=serializers.IntegerField(), help_text="pod name → requests it received")
    node = serializers.CharField()
    frontend = serializers.CharField()
    sessionAffinity = serializers.CharField()
    dropped = serializers.DictField(child=serializers.IntegerField(), required=False,
                                    help_text="pod name → requests NetworkPolicies dropped")
    droppedBy = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False,
                                      help_text="pod name → the policies isolating it, none of which allows the client")


class ProxyRulesView(StatusErrorsMixin, APIView):
    @extend_schema(responses=ProxyRulesSerializer, summary="kube-proxy's rules on every node, and the Services' DNS names")
    def get(self, request: Request, cluster: str) -> Response:
        return Response(proxy_rules(get_object_or_404(Cluster, name=cluster)))


class ServiceTrafficView(StatusErrorsMixin, APIView):
    @extend_schema(
        request=TrafficRequestSerializer,
        responses={
            200: TrafficResultSerializer,
            404: OpenApiResponse(StatusSerializer, description="no such cluster, Service or sending pod"),
            503: OpenApiResponse(StatusSerializer, description="the Service has no ready endpoints"),
        },
        summary="Send N requests to a Service and see how kube-proxy spreads them over its pods",
    )
    def post(self, request: Request, cluster: str, namespace: str, name: str) -> Response:
        body = TrafficRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        result = traffic_send(
            cluster=get_object_or_404(Cluster, name=cluster), namespace=namespace, name=name,
            from_pod=data.pop("fromPod", None), **data,
        )
        return Response(result)


class IngressTrafficRequestSerializer(serializers.Serializer):
    host = serializers.RegexField(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", max_length=253, help_text="the Host header")
    path = serializers.RegexField(r"^/[^\s]*$", max_length=1024, required=False, default="/", help_text="the request's path")
    requests = serializers.IntegerField(min_value=1, max_value=MAX_REQUESTS)


class IngressTrafficResultSerializer(TrafficResultSerializer):
    ingress = serializers.CharField(help_text="namespace/name of the Ingress that matched")
    rule = serializers.CharField(help_text="the host, pathType and path (or defaultBackend) that matched")


class IngressTrafficView(StatusErrorsMixin, APIView):
    @extend_schema(
        request=IngressTrafficRequestSerializer,
        responses={
            200: IngressTrafficResultSerializer,
            404: OpenApiResponse(StatusSerializer, description="no such cluster, or no Ingress routes this host and path"),
            503: OpenApiResponse(StatusSerializer, description="the backend Service has no ready endpoints"),
        },
        summary="Send N requests for a host and path through the simulated ingress controller",
    )
    def post(self, request: Request, cluster: str) -> Response:
        body = IngressTrafficRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(ingress_send(cluster=get_object_or_404(Cluster, name=cluster), **body.validated_data))
