"""REST endpoints of classes: a teacher's classes, their room (tiles and heatmap), room
actions on every learner's sandbox, joining with a code. Thin: parse, call one service or
selector, render. Another teacher's class answers 404 like a missing one."""
from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kubeviz.accounts.roles import Identity
from kubeviz.apiserver.errors import StatusError
from kubeviz.classes import services
from kubeviz.classes.models import Classroom
from kubeviz.classes.room import room_state
from kubeviz.classes.selectors import class_for, classes_visible
from kubeviz.clusters.permissions import Action, Denied

from .errors import StatusErrorsMixin, error_responses, object_id
from .exercises import WRITE, signed_identity


def _class(who: Identity, pk: str) -> Classroom:
    try:
        return class_for(who, object_id(pk, "classes"))
    except Denied:
        raise StatusError(404, "NotFound", f'classes "{pk}" not found', name=str(pk), kind="classes") from None


def class_card(classroom: Classroom) -> dict[str, Any]:
    return {
        "id": classroom.pk, "name": classroom.name, "teacher": classroom.teacher.get_username(),
        "template": classroom.template, "lessons": classroom.lessons, "exercises": classroom.exercises,
        "code": classroom.code, "join_url": reverse("class-join-code", args=[classroom.code]),
        "ends_at": classroom.ends_at, "archived": classroom.archived,
        "demo_cluster": classroom.demo_cluster.name if classroom.demo_cluster_id else None,
        "members": classroom.members.count(), "created": classroom.created,
    }


class ClassSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    teacher = serializers.CharField()
    template = serializers.CharField(help_text="each learner's sandbox is made from this cluster template")
    lessons = serializers.ListField(child=serializers.CharField())
    exercises = serializers.ListField(child=serializers.CharField())
    code = serializers.CharField(help_text="the join code (capitals and digits without look-alikes)")
    join_url = serializers.CharField()
    ends_at = serializers.DateTimeField(allow_null=True, help_text="after this nobody joins, and learners lose access once archived")
    archived = serializers.BooleanField()
    demo_cluster = serializers.CharField(allow_null=True, help_text="the teacher's projected cluster")
    members = serializers.IntegerField()
    created = serializers.DateTimeField()


class ClassRequest(serializers.Serializer):
    name = serializers.CharField(min_length=1, max_length=100)
    template = serializers.SlugField(max_length=100)
    lessons = serializers.ListField(child=serializers.SlugField(max_length=63), max_length=20, required=False)
    exercises = serializers.ListField(child=serializers.SlugField(max_length=100), max_length=20, required=False)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    demo_cluster = serializers.SlugField(max_length=63, required=False, allow_null=True,
                                         help_text="a cluster the teacher may act on")


class ClassPatch(ClassRequest):
    name = serializers.CharField(min_length=1, max_length=100, required=False)
    template = serializers.SlugField(max_length=100, required=False)
    regenerate_code = serializers.BooleanField(required=False, help_text="true: a new join code (the old one stops)")


def _fields(who: Identity, data: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in data.items() if k != "regenerate_code"}
    if fields.get("demo_cluster"):
        from kubeviz.clusters.access import cluster_access

        try:
            fields["demo_cluster"] = cluster_access(fields["demo_cluster"], who, Action.ACT)
        except Denied as exc:
            raise StatusError(422, "Invalid", f"demo_cluster: {exc.message}", causes=[
                {"reason": "FieldValueInvalid", "field": "demo_cluster", "message": exc.message}]) from None
    elif "demo_cluster" in fields:
        fields["demo_cluster"] = None
    return fields


class JoinRequest(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    display_name = serializers.CharField(max_length=60)
    password = serializers.CharField(max_length=128, required=False, allow_blank=True)


class MembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    class_id = serializers.IntegerField()
    class_name = serializers.CharField()
    display_name = serializers.CharField()
    username = serializers.CharField(help_text="sign in with it (and the password) from another device")
    sandbox = serializers.CharField(allow_null=True)
    class_url = serializers.CharField()


class RoomActionRequest(serializers.Serializer):
    action = serializers.ChoiceField(choices=services.ROOM_ACTIONS)
    text = serializers.CharField(required=False, allow_blank=True, max_length=1_000_000,
                                 help_text='manifest: its YAML; fault: a dashboard action, as "node-fail node-2"')
    lesson = serializers.SlugField(required=False, max_length=63, help_text="next-step: the lesson")


class OutcomeSerializer(serializers.Serializer):
    learner = serializers.CharField()
    cluster = serializers.CharField(allow_blank=True)
    ok = serializers.BooleanField()
    message = serializers.CharField(allow_blank=True)


class TileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    cluster = serializers.CharField(allow_blank=True)
    asleep = serializers.BooleanField()
    clock = serializers.CharField(allow_blank=True)
    nodes = serializers.ListField(child=serializers.DictField())
    pods = serializers.DictField(child=serializers.IntegerField(), help_text="pods by kubectl's STATUS column")
    where = serializers.CharField(allow_blank=True, help_text="the lesson step they are on")
    score = serializers.CharField(allow_blank=True, help_text="exercise score so far, as 3/5")
    last = serializers.FloatField(allow_null=True, help_text="their last action (Unix seconds)")


class HeatmapSerializer(serializers.Serializer):
    columns = serializers.ListField(child=serializers.DictField())
    rows = serializers.ListField(child=serializers.DictField())


class RoomSerializer(serializers.Serializer):
    tiles = TileSerializer(many=True)
    heatmap = HeatmapSerializer()


def membership_card(m: Any) -> dict[str, Any]:
    return {"id": m.pk, "class_id": m.classroom_id, "class_name": m.classroom.name, "display_name": m.display_name,
            "username": m.user.get_username(), "sandbox": m.cluster.name if m.cluster_id else None,
            "class_url": reverse("class-detail", args=[m.classroom_id])}


class ClassListView(StatusErrorsMixin, APIView):
    credentials_required = True

    @extend_schema(responses={200: ClassSerializer(many=True), **error_responses(e401=WRITE["e401"])},
                   summary="Classes: a teacher's own, a learner's joined ones")
    def get(self, request: Request) -> Response:
        who = signed_identity(request)
        return Response(ClassSerializer([class_card(c) for c in classes_visible(who)], many=True).data)

    @extend_schema(request=ClassRequest, responses={201: ClassSerializer, **error_responses(
        **WRITE, e400="a field is malformed", e422="no such template, lesson, exercise or demo cluster")},
                   summary="Make a class (teachers): its template and material; a join code comes with it")
    def post(self, request: Request) -> Response:
        who = signed_identity(request)
        body = ClassRequest(data=request.data)
        body.is_valid(raise_exception=True)
        classroom = services.class_create(identity=who, **_fields(who, body.validated_data))
        return Response(ClassSerializer(class_card(classroom)).data, status=status.HTTP_201_CREATED)


class ClassView(StatusErrorsMixin, APIView):
    credentials_required = True

    @extend_schema(responses={200: ClassSerializer, **error_responses(e401=WRITE["e401"], e404="no such class of yours")},
                   summary="One of your classes")
    def get(self, request: Request, pk: str) -> Response:
        return Response(ClassSerializer(class_card(_class(signed_identity(request), pk))).data)

    @extend_schema(request=ClassPatch, responses={200: ClassSerializer, **error_responses(
        **WRITE, e400="a field is malformed", e404="no such class of yours",
        e422="no such template, lesson, exercise or demo cluster")}, summary="Change a class, or its join code")
    def patch(self, request: Request, pk: str) -> Response:
        who = signed_identity(request)
        classroom = _class(who, pk)
        body = ClassPatch(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        fields = _fields(who, body.validated_data)
        if fields:
            classroom = services.class_update(classroom=classroom, **fields)
        if body.validated_data.get("regenerate_code"):
            classroom = services.class_code_regenerate(classroom=classroom)
        return Response(ClassSerializer(class_card(classroom)).data)

    @extend_schema(responses={204: None, **error_responses(**WRITE, e404="no such class of yours")},
                   summary="Delete a class and every learner's class sandbox (their accounts stay)")
    def delete(self, request: Request, pk: str) -> Response:
        services.class_delete(classroom=_class(signed_identity(request), pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClassArchiveView(StatusErrorsMixin, APIView):
    @extend_schema(request=None, responses={200: ClassSerializer, **error_responses(**WRITE, e404="no such class of yours")},
                   summary="Archive a class: no more joining; sandboxes asleep and read-only")
    def post(self, request: Request, pk: str) -> Response:
        classroom = services.class_archive(classroom=_class(signed_identity(request), pk))
        return Response(ClassSerializer(class_card(classroom)).data)


class RoomView(StatusErrorsMixin, APIView):
    credentials_required = True

    @extend_schema(responses={200: RoomSerializer, **error_responses(e401=WRITE["e401"], e404="no such class of yours")},
                   summary="The room: every learner's tile and the who-is-stuck heatmap (the websocket's snapshot)")
    def get(self, request: Request, pk: str) -> Response:
        return Response(RoomSerializer(room_state(_class(signed_identity(request), pk))).data)


class RoomActionView(StatusErrorsMixin, APIView):
    @extend_schema(request=RoomActionRequest, responses={200: OutcomeSerializer(many=True), **error_responses(
        **WRITE, e400="no such action, or a lesson not in the class", e404="no such class of yours",
        e422="the manifest or fault cannot be read")},
                   summary="Act on every learner's sandbox: pause, resume, manifest, fault, reset, next-step",
                   description="One result per learner: what happened, or why not.")
    def post(self, request: Request, pk: str) -> Response:
        who = signed_identity(request)
        classroom = _class(who, pk)
        body = RoomActionRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        outcomes = services.room_act(classroom=classroom, teacher=who, kind=data["action"], text=data.get("text", ""),
                                     lesson=data.get("lesson", ""))
        return Response(OutcomeSerializer([o.as_dict() for o in outcomes], many=True).data)


class JoinView(StatusErrorsMixin, APIView):
    @extend_schema(request=JoinRequest, responses={201: MembershipSerializer, **error_responses(
        **WRITE, e400="a display name is needed", e404="no class has that code",
        e409="that name is taken in the class (give its password to come back)", e410="the class has ended or is archived")},
                   summary="Join a class with its code, as yourself (signed in or by token)",
                   description="Browsers without an account join on /join/<code>/, which makes one.")
    def post(self, request: Request) -> Response:
        who = signed_identity(request)
        body = JoinRequest(data=request.data)
        body.is_valid(raise_exception=True)
        if who.user is None:
            raise StatusError(403, "Forbidden", "join on the class's page (/join/<code>/): it makes you an account")
        data = body.validated_data
        member = services.class_join(code=data["code"], display_name=data["display_name"], user=who.user)
        return Response(MembershipSerializer(membership_card(member)).data, status=status.HTTP_201_CREATED)


