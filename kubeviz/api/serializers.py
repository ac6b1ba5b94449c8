"""Serializers of the REST API (documented in the OpenAPI schema)."""
from rest_framework import serializers


class FormSafeSerializer(serializers.Serializer):
    """DRF reads an empty form value of an optional field as "not given", so ``mode=`` in a
    form would pass where ``{"mode": ""}`` in JSON fails; here both fail alike."""

    def validate(self, attrs: dict) -> dict:
        data = self.initial_data
        blank = [name for name, field in self.fields.items()
                 if hasattr(data, "getlist") and data.get(name) == "" and not getattr(field, "allow_blank", False)]
        if blank:
            raise serializers.ValidationError({name: ["This field may not be blank."] for name in blank})
        return attrs


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
    public = serializers.BooleanField(help_text="listed for everyone, and anyone may watch it")
    template = serializers.CharField(allow_blank=True)
    owner = serializers.CharField(help_text='the owner\'s user name, "guest" or "site"')
    mine = serializers.BooleanField(help_text="the caller owns it")
    asleep = serializers.BooleanField(help_text="unused for a while: costs nothing, wakes on the next request")


class HistorySerializer(serializers.Serializer):
    """The cluster at a past step (``kubeviz.live.history``): the shapes of the live
    snapshot the dashboard's websocket sends, plus where history starts and ends."""

    cluster = serializers.CharField()
    seq = serializers.IntegerField(help_text="the step shown")
    revision = serializers.IntegerField(help_text="the etcd revision the objects are read at")
    earliest = serializers.IntegerField(help_text="the oldest step that can be reached (older ones were trimmed or compacted)")
    head = serializers.IntegerField(help_text="the newest step")
    compactedRevision = serializers.IntegerField(help_text="changes at or below this revision are compacted away")
    step = StepSerializer(allow_null=True, help_text="the step itself, if still stored")
    failed_nodes = serializers.ListField(child=serializers.CharField(), help_text="nodes whose kubelet was failed then")
    stopped = serializers.ListField(child=serializers.CharField(), help_text="components stopped then")
    nodes = serializers.ListField(child=serializers.DictField())
    pods = serializers.ListField(child=serializers.DictField())
    deployments = serializers.ListField(child=serializers.DictField())
    replicasets = serializers.ListField(child=serializers.DictField())
    services = serializers.ListField(child=serializers.DictField())
