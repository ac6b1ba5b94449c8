"""REST endpoints of a cluster's lifecycle: sandboxes, clones, snapshots, deletion, the
templates to pick from. Thin: parse, check the caller may, call one service, render."""
from __future__ import annotations

from django.contrib.auth import get_user
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kubeviz.accounts.roles import Identity, identity_of
from kubeviz.apiserver.errors import StatusError
from kubeviz.clusters import services
from kubeviz.clusters.access import cluster_access, request_identity
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.permissions import Action, Denied
from kubeviz.clusters.selectors import sandbox_card, snapshot_card, snapshot_list, template_summaries
from kubeviz.kubeapi.auth import ClusterUser

from .errors import StatusErrorsMixin, error_responses
from .views import ClusterListView


def identity(request: Request) -> Identity:
    """Who is calling: a cluster's token holder (its administrator), or the browser's user
    or guest session. DRF replaces the Django request's user with its own authentication's
    (none, without a token), so the session's user is read from the session itself; writes
    from a session carry Django's CSRF token (``ClusterTokenOrCSRF``)."""
    if isinstance(request.user, ClusterUser):
        return Identity(cluster_pk=request.user.cluster.pk)
    carried = request_identity(request)
    if carried.user is not None or carried.cluster_pk is not None:
        return carried
    django_request = request._request
    return identity_of(get_user(django_request), getattr(django_request, "session", None))


def access(request: Request, name: str, action: Action) -> Cluster:
    """The cluster, if the caller may; a private one they may not watch is 404, a
    visible one they may not change 403 (both a Status)."""
    try:
        return cluster_access(name, identity(request), action)
    except Denied as exc:
        if not exc.visible:
            raise StatusError(404, "NotFound", f'clusters "{name}" not found', name=name, kind="clusters") from None
        raise StatusError(403, "Forbidden", f'clusters "{name}" is forbidden: {exc.message}',
                          name=name, kind="clusters") from None


NAME_HELP = "a DNS label (lowercase letters, digits, '-'); generated (sandbox-xxxxx) when not given"
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS_LABEL_MESSAGE = ("must be a DNS label: at most 63 lowercase letters, digits or '-', starting and ending "
                     "with a letter or digit (e.g. 'my-name')")


def dns_label(**kwargs: object) -> serializers.RegexField:
    return serializers.RegexField(DNS_LABEL, max_length=63, error_messages={"invalid": DNS_LABEL_MESSAGE}, **kwargs)


class SandboxRequest(serializers.Serializer):
    template = serializers.CharField(min_length=1, help_text="a template from GET /api/templates/, e.g. demo")
    name = dns_label(required=False, help_text=NAME_HELP)
    public = serializers.BooleanField(required=False, default=False, help_text="listed on / and watchable by anyone")


class CloneRequest(serializers.Serializer):
    name = dns_label(required=False, help_text=NAME_HELP)
    public = serializers.BooleanField(required=False, default=False)


class SandboxSerializer(serializers.Serializer):
    name = serializers.CharField()
    dashboard_url = serializers.CharField()
    kubeconfig_url = serializers.CharField(help_text="download it with the same session (GET)")
    template = serializers.CharField(allow_blank=True)
    public = serializers.BooleanField()
    owner = serializers.CharField(help_text='the owner\'s user name, "guest" or "site"')


class TemplateSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    nodes = serializers.IntegerField()


class SnapshotRequest(serializers.Serializer):
    name = dns_label(help_text="a DNS label, unique in the cluster")


class SnapshotSerializer(serializers.Serializer):
    name = serializers.CharField()
    revision = serializers.IntegerField(help_text="the cluster's etcd revision when it was taken")
    sim_time = serializers.CharField(help_text="the simulated time when it was taken")
    created = serializers.CharField()
    objects = serializers.IntegerField()


CREATE_ERRORS = error_responses(
    e400="the body is malformed, or no such template (the message lists them)",
    e403="not signed in and not a guest, or a limit reached (the message names it and its setting)",
    e409="a cluster of that name exists",
    e415="the body's content type is not JSON, a form or multipart",
    e422="the name is not a DNS label",
)


class ClusterCollectionView(ClusterListView):
    """``GET`` lists clusters (kubeviz.api.views); ``POST`` makes a sandbox."""

    @extend_schema(request=SandboxRequest, responses={201: SandboxSerializer, **CREATE_ERRORS},
                   summary="Make a sandbox of your own from a template",
                   description="The caller (a signed-in user, or a guest browser that pressed Try it) owns it. "
                               "Limits: KUBEVIZ_SANDBOXES_PER_LEARNER (guests count as learners), "
                               "KUBEVIZ_SANDBOXES_PER_TEACHER, KUBEVIZ_MAX_CLUSTERS, KUBEVIZ_MAX_NODES_PER_CLUSTER.")
    def post(self, request: Request) -> Response:
        body = SandboxRequest(data=request.data)
        body.is_valid(raise_exception=True)
        cluster = services.sandbox_create(identity=identity(request), **body.validated_data)
        return Response(sandbox_card(cluster), status=status.HTTP_201_CREATED)


class TemplateListView(StatusErrorsMixin, APIView):
    @extend_schema(responses=TemplateSerializer(many=True), summary="The templates a sandbox can be made from")
    def get(self, request: Request) -> Response:
        return Response(TemplateSerializer(template_summaries(), many=True).data)


class ClusterView(StatusErrorsMixin, APIView):
    @extend_schema(request=None, responses={204: None}, summary="Delete the cluster and everything of it",
                   description="Objects, change log, steps, logs, snapshots: all go, and its token stops working.")
    def delete(self, request: Request, cluster: str) -> Response:
        services.cluster_delete(cluster=access(request, cluster, Action.ACT))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CloneView(StatusErrorsMixin, APIView):
    write_action = Action.WATCH  # the source is only read; the copy is the caller's own
    @extend_schema(request=CloneRequest, responses={201: SandboxSerializer}, summary="Copy a cluster into a sandbox of your own",
                   description="Needs the right to watch the source (any public cluster) and to make a sandbox. The copy "
                               "has the source's objects, simulated time and settings, not its history.")
    def post(self, request: Request, cluster: str) -> Response:
        body = CloneRequest(data=request.data)
        body.is_valid(raise_exception=True)
        source = access(request, cluster, Action.WATCH)
        clone = services.cluster_clone(identity=identity(request), source=source, **body.validated_data)
        return Response(sandbox_card(clone), status=status.HTTP_201_CREATED)


class SnapshotListView(StatusErrorsMixin, APIView):
    @extend_schema(responses=SnapshotSerializer(many=True), summary="The cluster's snapshots, oldest first")
    def get(self, request: Request, cluster: str) -> Response:
        return Response(snapshot_list(cluster=access(request, cluster, Action.WATCH)))

    @extend_schema(request=SnapshotRequest, responses={201: SnapshotSerializer}, summary="Keep the cluster's objects as they are now")
    def post(self, request: Request, cluster: str) -> Response:
        body = SnapshotRequest(data=request.data)
        body.is_valid(raise_exception=True)
        found = access(request, cluster, Action.ACT)
        return Response(snapshot_card(services.snapshot_create(cluster=found, **body.validated_data)),
                        status=status.HTTP_201_CREATED)


class SnapshotView(StatusErrorsMixin, APIView):
    @extend_schema(request=None, responses={204: None}, summary="Delete a snapshot")
    def delete(self, request: Request, cluster: str, snapshot: str) -> Response:
        services.snapshot_delete(cluster=access(request, cluster, Action.ACT), name=snapshot)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SnapshotRestoreView(StatusErrorsMixin, APIView):
    @extend_schema(request=None, responses=inline_serializer("Restored", {"restored": serializers.CharField(),
                                                                          "revision": serializers.IntegerField()}),
                   summary="Put the cluster back to a snapshot: exactly its objects",
                   description="As after an etcd restore, watchers are told to relist: /k8s/ watches end with 410 Gone, "
                               "the dashboard takes a fresh snapshot. Steps and logs start afresh.")
    def post(self, request: Request, cluster: str, snapshot: str) -> Response:
        restored = services.snapshot_restore(cluster=access(request, cluster, Action.ACT), name=snapshot)
        return Response({"restored": snapshot, "revision": restored.revision})
