"""REST reads of lessons and of learners' progress in them (issue 14; classrooms read it).
Thin: parse, ask one selector, render."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kubeviz.apiserver.errors import StatusError
from kubeviz.lessons.selectors import lesson_detail, lesson_list, progress_card, progress_find, progress_list

from .errors import StatusErrorsMixin, StatusSerializer
from .lifecycle import identity

NOT_FOUND = OpenApiResponse(StatusSerializer, description="no such lesson, or no progress of the caller's in it")


class StepAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField()
    correct = serializers.BooleanField(allow_null=True, help_text="null: a prediction the cluster has not answered yet")


class ProgressSerializer(serializers.Serializer):
    lesson = serializers.CharField()
    learner = serializers.CharField(help_text='the user name, or "guest"')
    cluster = serializers.CharField(allow_null=True, help_text="the learner's sandbox (null once deleted)")
    step = serializers.IntegerField(help_text="the current step's index (from 0)")
    steps = serializers.IntegerField(help_text="how many steps the lesson has")
    answers = serializers.DictField(child=StepAnswerSerializer(), help_text="by step index")
    hints = serializers.DictField(child=serializers.IntegerField(), help_text="hints revealed, by step index")
    skipped = serializers.ListField(child=serializers.IntegerField(), help_text="steps skipped (their wait not met)")
    seconds = serializers.IntegerField(help_text="active time spent, in seconds")
    completed = serializers.BooleanField()
    started = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()


class LessonSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    level = serializers.ChoiceField(choices=["beginner", "intermediate", "advanced"])
    minutes = serializers.IntegerField()
    template = serializers.CharField(help_text="the cluster template the learner's sandbox is made from")
    steps = serializers.IntegerField()
    url = serializers.CharField(help_text="the lesson's page")
    progress = ProgressSerializer(allow_null=True, help_text="the caller's progress, if they started it")


class QuestionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["prediction", "choice"])
    prompt = serializers.CharField()
    options = serializers.ListField(child=serializers.CharField())


class LessonStepSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    title = serializers.CharField()
    clock = serializers.CharField(allow_null=True)
    focus = serializers.ListField(child=serializers.CharField())
    actions = serializers.ListField(child=serializers.CharField(), help_text="the buttons' labels")
    wait = serializers.CharField(allow_null=True, help_text="the wait's title, or null when Next is always enabled")
    question = QuestionSerializer(allow_null=True, help_text="without its answer")
    hints = serializers.IntegerField(help_text="how many hints there are")


class LessonDetailSerializer(LessonSerializer):
    step_list = LessonStepSerializer(many=True)


class ProgressQuery(serializers.Serializer):
    lesson = serializers.SlugField(required=False, allow_blank=True, max_length=63, help_text="only this lesson")
    user = serializers.CharField(required=False, allow_blank=True, max_length=150, help_text="only this learner (teachers)")


class LessonListView(StatusErrorsMixin, APIView):
    @extend_schema(responses=LessonSerializer(many=True), summary="The lessons, in order, with the caller's progress")
    def get(self, request: Request) -> Response:
        return Response(LessonSerializer(lesson_list(identity(request)), many=True).data)


class LessonView(StatusErrorsMixin, APIView):
    @extend_schema(responses={200: LessonDetailSerializer, 404: NOT_FOUND}, summary="One lesson and its steps")
    def get(self, request: Request, slug: str) -> Response:
        found = lesson_detail(identity(request), slug)
        if found is None:
            raise StatusError(404, "NotFound", f'lessons "{slug}" not found', name=slug, kind="lessons")
        return Response(LessonDetailSerializer(found).data)


class LessonProgressView(StatusErrorsMixin, APIView):
    @extend_schema(responses={200: ProgressSerializer, 404: NOT_FOUND}, summary="The caller's progress in a lesson")
    def get(self, request: Request, slug: str) -> Response:
        found = progress_find(identity(request), slug)
        if found is None:
            raise StatusError(404, "NotFound", f'no progress in lessons "{slug}": start it at /lessons/{slug}/',
                              name=slug, kind="lessons")
        return Response(ProgressSerializer(progress_card(found)).data)


class ProgressListView(StatusErrorsMixin, APIView):
    @extend_schema(parameters=[ProgressQuery], responses={200: ProgressSerializer(many=True),
                                                          400: OpenApiResponse(StatusSerializer, description="a bad filter")},
                   summary="Lesson progress: a learner's own; a teacher's view: everyone's",
                   description="Filters: lesson (slug) and user (user name). Anonymous callers get an empty list.")
    def get(self, request: Request) -> Response:
        query = ProgressQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = progress_list(identity(request), **query.validated_data)
        return Response(ProgressSerializer([progress_card(p) for p in found], many=True).data)

