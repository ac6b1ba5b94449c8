"""Serializers of the REST API (documented in the OpenAPI schema)."""
from rest_framework import serializers


class StepObjectSerializer(serializers.Serializer):
    kind = serializers.CharField()
    namespace = serializers.CharField(allow_blank=True)
    name = serializers.CharField(allow_blank=True)
    uid = serializers.CharField(allow_blank=True)


class StepSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    step = serializers.IntegerField(allow_null=True, help_text="1–9 for the pod-creation flow, null otherwise")
    source = serializers.CharField()
    target = serializers.CharField()
    action = serializers.CharField()
    object = StepObjectSerializer()
    message = serializers.CharField()
    revision = serializers.IntegerField(allow_null=True)
    time = serializers.CharField()
    category = serializers.CharField()
    client = serializers.CharField(allow_blank=True)


class ClusterSerializer(serializers.Serializer):
    name = serializers.CharField()
    revision = serializers.IntegerField()
    clock_mode = serializers.CharField()
    clock_speed = serializers.FloatField()
    nodes = serializers.IntegerField()
    pods = serializers.IntegerField()
