"""REST endpoints of exercises, attempts and exams. Thin: parse, find what the caller may
touch (the exercises' and exams' selectors apply the permissions), call one service,
render. Someone else's attempt or sitting answers 404 like a missing one, a submitted
attempt 409 (``AttemptClosed``), no credentials 401."""
from __future__ import annotations

import csv
import io
from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers, serializers, status
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kubeviz.accounts.roles import Identity
from kubeviz.apiserver.errors import StatusError
from kubeviz.clusters.permissions import Action
from kubeviz.clusters.selectors import sandbox_card
from kubeviz.exams import selectors as exams
from kubeviz.exams.services import exam_create, sitting_enforce, sitting_start, sitting_submit
from kubeviz.exercises import services
from kubeviz.exercises.loader import LEVELS, TAGS
from kubeviz.exercises.models import Attempt
from kubeviz.exercises.selectors import attempt_may, attempts_visible, exercise_summary, exercises_list

from .errors import StatusErrorsMixin, error_responses, object_id
from .lifecycle import SandboxSerializer, identity

WRITE = dict(e401="no credentials: sign in, press Try it, or send a personal token (Bearer kv_…)",
             e403="a browser's write without the CSRF token, or not allowed (the message says why)",
             e415="the body's content type is not JSON, a form or multipart")
ATTEMPT_ERRORS = error_responses(**WRITE, e404="no such attempt (someone else's answers the same)",
                         e409="the attempt was submitted: it is closed", e410="the attempt's cluster was deleted")


def signed_identity(request: Request) -> Identity:
    """The caller, who must be someone: a user (session or personal token) or a guest."""
    who = identity(request)
    if who.user is None and not who.guest:
        raise NotAuthenticated("sign in, press Try it, or send a personal API token (Bearer kv_…)")
    return who


def attempt_for(request: Request, pk: str, action: Action = Action.WATCH) -> Attempt:
    """The attempt, if the caller may (``attempt_may``, the exercises' rule); an exam's
    deadline is enforced first (time up: it is submitted before the request goes on).
    One query on the hot path: checks come fifty a second."""
    who = signed_identity(request)
    found = Attempt.objects.select_related("cluster").filter(pk=object_id(pk, "attempts")).order_by()[:1]
    attempt = found[0] if found else None
    if attempt is None or not attempt_may(who, Action.WATCH, attempt):
        raise StatusError(404, "NotFound", f'attempts "{pk}" not found', name=str(pk), kind="attempts")
    if not attempt_may(who, action, attempt):
        raise StatusError(403, "Forbidden", f'attempts "{pk}" is forbidden: only the learner who started an '
                                            "attempt may check, reset or submit it", name=str(pk), kind="attempts")
    if attempt.sitting_id is not None and sitting_enforce(sitting_id=attempt.sitting_id):
        attempt.refresh_from_db()
    return attempt


def attempt_card(attempt: Attempt) -> dict[str, Any]:
    """An attempt as the API shows it: the final grade's objectives only once submitted."""
    owner = attempt.owner.get_username() if attempt.owner_id else "guest"
    return {
        "id": attempt.pk, "exercise": attempt.exercise, "learner": owner, "status": attempt.status,
        "score": attempt.score, "maximum": attempt.maximum, "started": attempt.started,
        "submitted": attempt.submitted, "sitting": attempt.sitting_id,
        "sandbox": sandbox_card(attempt.cluster) if attempt.cluster_id else None,
        "results": attempt.results if not attempt.is_open else [],
    }


# -- bodies -------------------------------------------------------------------------------

class ObjectiveBrief(serializers.Serializer):
    title = serializers.CharField()
    weight = serializers.IntegerField()


class ExerciseSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    level = serializers.ChoiceField(choices=LEVELS)
    tags = serializers.ListField(child=serializers.CharField())
    minutes = serializers.IntegerField()
    template = serializers.CharField(help_text="the cluster template an attempt's sandbox is made from")
    task = serializers.CharField(help_text="Markdown")
    objectives = ObjectiveBrief(many=True, help_text="the visible objectives and their weights")
    hidden_objectives = serializers.IntegerField(help_text="how many objectives are hidden until the final grade")
    maximum = serializers.IntegerField(help_text="the full marks: every objective's weight, hidden ones included")
    hints = serializers.IntegerField(help_text="how many hints there are (the page shows them on request)")


class ExerciseQuery(serializers.Serializer):
    """An empty value means no filter, as the page's "all" option sends."""

    tag = serializers.ChoiceField(choices=TAGS, required=False, allow_blank=True)
    level = serializers.ChoiceField(choices=LEVELS, required=False, allow_blank=True)


class ObjectiveResult(serializers.Serializer):
    title = serializers.CharField()
    weight = serializers.IntegerField()
    passed = serializers.BooleanField()
    found = serializers.CharField(allow_blank=True, help_text="what the check saw, in a sentence")
    advice = serializers.CharField(allow_blank=True, help_text="what to try (empty when it passed)")
    message = serializers.CharField(allow_blank=True, help_text="the exercise's message when it failed")
    hidden = serializers.BooleanField(help_text="a hidden objective: listed only in the final grade")


class GradeSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    maximum = serializers.IntegerField()
    final = serializers.BooleanField(help_text="true for the grade of a submit: every objective is listed")
    hidden = serializers.IntegerField(help_text="hidden objectives counted in the score but not listed")
    objectives = ObjectiveResult(many=True)


class AttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    exercise = serializers.CharField()
    learner = serializers.CharField(help_text='the learner\'s user name, or "guest"')
    status = serializers.ChoiceField(choices=[Attempt.OPEN, Attempt.SUBMITTED])
    score = serializers.IntegerField(allow_null=True, help_text="the final score, once submitted")
    maximum = serializers.IntegerField()
    started = serializers.DateTimeField()
    submitted = serializers.DateTimeField(allow_null=True)
    sitting = serializers.IntegerField(allow_null=True, help_text="the exam sitting it belongs to")
    sandbox = SandboxSerializer(allow_null=True, help_text="its cluster (null once deleted)")
    results = ObjectiveResult(many=True, help_text="every objective of the final grade; empty while open")


class AttemptQuery(serializers.Serializer):
    """An empty value means no filter."""

    exercise = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=[Attempt.OPEN, Attempt.SUBMITTED], required=False, allow_blank=True)
    learner = serializers.CharField(required=False, allow_blank=True, help_text="a user name (teachers see everyone's)")
    sitting = serializers.IntegerField(required=False, min_value=1, max_value=2**62)


class ExamRequest(serializers.Serializer):
    title = serializers.CharField(min_length=1, max_length=200)
    exercises = serializers.ListField(child=serializers.SlugField(max_length=100), min_length=1, max_length=20)
    minutes = serializers.IntegerField(min_value=1, max_value=600)


class ExamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    exercises = serializers.ListField(child=serializers.CharField())
    minutes = serializers.IntegerField()
    created = serializers.DateTimeField()


class SittingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    exam = serializers.IntegerField()
    title = serializers.CharField()
    learner = serializers.CharField()
    started = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    submitted = serializers.DateTimeField(allow_null=True)
    timed_out = serializers.BooleanField(help_text="submitted because the time ran out")
    seconds_left = serializers.IntegerField()
    page_url = serializers.CharField(help_text="the sitting's page, with its countdown")
    attempts = AttemptSerializer(many=True)


# -- exercises ----------------------------------------------------------------------------

class ExerciseListView(StatusErrorsMixin, APIView):
    @extend_schema(parameters=[ExerciseQuery], responses={200: ExerciseSerializer(many=True),
                                                          **error_responses(e400="an unknown tag or level")},
                   summary="The exercises, filtered by tag and level")
    def get(self, request: Request) -> Response:
        query = ExerciseQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = exercises_list(**{k: v for k, v in query.validated_data.items() if v})
        return Response(ExerciseSerializer([exercise_summary(e) for e in found], many=True).data)


class ExerciseView(StatusErrorsMixin, APIView):
    @extend_schema(responses={200: ExerciseSerializer, **error_responses(e404="no such exercise")},
                   summary="One exercise: its task, visible objectives with weights, how many are hidden")
    def get(self, request: Request, slug: str) -> Response:
        return Response(ExerciseSerializer(exercise_summary(services.exercise_find(slug))).data)


class AttemptStartView(StatusErrorsMixin, APIView):
    @extend_schema(request=None, responses={201: AttemptSerializer,
                                            **error_responses(**WRITE, e404="no such exercise")},
                   summary="Start an attempt: a sandbox of your own, set up as the exercise says",
                   description="The sandbox counts against your sandbox limit (KUBEVIZ_SANDBOXES_PER_LEARNER).")
    def post(self, request: Request, slug: str) -> Response:
        attempt = services.attempt_start(identity=signed_identity(request), slug=slug)
        return Response(AttemptSerializer(attempt_card(attempt)).data, status=status.HTTP_201_CREATED)


# -- attempts -----------------------------------------------------------------------------

class CSVRenderer(renderers.BaseRenderer):
    """Attempts as a spreadsheet: one row each, for a teacher's gradebook."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    COLUMNS = ("id", "learner", "exercise", "status", "score", "maximum", "started", "submitted", "sitting", "cluster")

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.COLUMNS)
        for row in data or []:
            cells = {**row, "cluster": (row.get("sandbox") or {}).get("name", "")}
            writer.writerow(["" if cells.get(c) is None else cells[c] for c in self.COLUMNS])
        return out.getvalue().encode()


class AttemptListView(StatusErrorsMixin, APIView):
    renderer_classes = [renderers.JSONRenderer, CSVRenderer]
    credentials_required = True

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple:
        """An unknown ``format`` is a malformed query (400), not a missing resource."""
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            if force:
                raise
            raise ValidationError({"format": "one of json, csv"}) from None

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        """Only a list of attempts is a spreadsheet: errors stay the one JSON Status body
        (and OPTIONS its JSON description), even for ``?format=csv``."""
        if response.status_code >= 400 or not isinstance(getattr(response, "data", None), list):
            request.accepted_renderer, request.accepted_media_type = renderers.JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(parameters=[AttemptQuery, OpenApiParameter("format", str, enum=["json", "csv"],
                                                              description="csv: the same rows as a spreadsheet")],
                   responses={(200, "application/json"): AttemptSerializer(many=True),
                              (200, "text/csv"): OpenApiTypes.STR,
                              **error_responses(e400="a filter or the format is malformed", e401=WRITE["e401"])},
                   summary="Attempts: your own, or every learner's for a teacher (newest first)")
    def get(self, request: Request, format: str | None = None) -> Response:
        who = signed_identity(request)
        query = AttemptQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = attempts_visible(identity=who).select_related("owner", "cluster")
        q = {k: v for k, v in query.validated_data.items() if v not in ("", None)}
        if "exercise" in q:
            found = found.filter(exercise=q["exercise"])
        if "status" in q:
            found = found.filter(status=q["status"])
        if "learner" in q:
            found = found.filter(owner__username=q["learner"])
        if "sitting" in q:
            found = found.filter(sitting_id=q["sitting"])
        return Response(AttemptSerializer([attempt_card(a) for a in found], many=True).data)


class AttemptCSVView(AttemptListView):
    renderer_classes = [CSVRenderer, renderers.JSONRenderer]

    @extend_schema(parameters=[AttemptQuery],
                   responses={(200, "text/csv"): OpenApiTypes.STR,
                              **error_responses(e400="a filter is malformed", e401=WRITE["e401"])},
                   summary="Attempts as CSV (the same rows as GET /api/attempts/?format=csv)")
    def get(self, request: Request, format: str | None = None) -> Response:
        return super().get(request, format)


class AttemptView(StatusErrorsMixin, APIView):
    credentials_required = True

    @extend_schema(responses={200: AttemptSerializer, **error_responses(e401=WRITE["e401"], e404="no such attempt")},
                   summary="One attempt (with every objective of its final grade once submitted)")
    def get(self, request: Request, pk: str) -> Response:
        return Response(AttemptSerializer(attempt_card(attempt_for(request, pk))).data)


class AttemptCheckView(StatusErrorsMixin, APIView):
    @extend_schema(request=None, responses={200: GradeSerializer, **ATTEMPT_ERRORS},
                   summary="Check my work: the score so far, and each visible objective's result",
                   description="Hidden objectives are counted in the score, never listed. Reads only.")
    def post(self, request: Request, pk: str) -> Response:
        grade = services.attempt_check(attempt=attempt_for(request, pk, Action.ACT))
        # ``as_dict`` is GradeSerializer's shape already (tests/exercises/test_api.py keeps them
        # equal): checks come fifty a second, and the serializer cost an eighth of each.
        return Response(grade.as_dict())


class AttemptSubmitView(StatusErrorsMixin, APIView):
    @extend_schema(request=None, responses={200: GradeSerializer, **ATTEMPT_ERRORS},
                   summary="Submit: the final grade with every objective; the attempt closes",
                   description="Its cluster is kept read-only for review.")
    def post(self, request: Request, pk: str) -> Response:
        grade = services.attempt_submit(attempt=attempt_for(request, pk, Action.ACT))
        return Response(GradeSerializer(grade.as_dict()).data)


class AttemptResetView(StatusErrorsMixin, APIView):
    @extend_schema(request=None, responses={200: AttemptSerializer, **ATTEMPT_ERRORS},
                   summary="Back to the exercise's start (what was done before no longer counts)")
    def post(self, request: Request, pk: str) -> Response:
        attempt = services.attempt_reset(attempt=attempt_for(request, pk, Action.ACT))
        return Response(AttemptSerializer(attempt_card(attempt)).data)


# -- exams --------------------------------------------------------------------------------

def sitting_body(sitting: Any) -> dict[str, Any]:
    return {**exams.sitting_card(sitting), "attempts": [attempt_card(a) for a in exams.sitting_attempts(sitting)]}


class ExamListView(StatusErrorsMixin, APIView):
    credentials_required = True

    @extend_schema(responses={200: ExamSerializer(many=True), **error_responses(e401=WRITE["e401"])}, summary="The exams")
    def get(self, request: Request) -> Response:
        signed_identity(request)
        return Response(ExamSerializer([exams.exam_card(e) for e in exams.exams_list()], many=True).data)

    @extend_schema(request=ExamRequest, responses={201: ExamSerializer,
                                                   **error_responses(**WRITE, e400="a field is malformed, or no such exercise")},
                   summary="Make an exam (teachers): exercises under a time limit")
    def post(self, request: Request) -> Response:
        who = signed_identity(request)
        body = ExamRequest(data=request.data)
        body.is_valid(raise_exception=True)
        exam = exam_create(identity=who, **body.validated_data)
        return Response(ExamSerializer(exams.exam_card(exam)).data, status=status.HTTP_201_CREATED)


class SittingStartView(StatusErrorsMixin, APIView):
    @extend_schema(request=None, responses={201: SittingSerializer,
                                            **error_responses(**WRITE, e404="no such exam", e409="you have sat it already")},
                   summary="Sit an exam: the clock starts and every exercise's attempt with it",
                   description="When the time limit passes, every attempt still open is submitted.")
    def post(self, request: Request, pk: str) -> Response:
        who = signed_identity(request)
        sitting = sitting_start(identity=who, exam=exams.exam_get(pk=object_id(pk, "exams")))
        return Response(SittingSerializer(sitting_body(sitting)).data, status=status.HTTP_201_CREATED)


class SittingView(StatusErrorsMixin, APIView):
    credentials_required = True

    @extend_schema(responses={200: SittingSerializer, **error_responses(e401=WRITE["e401"], e404="no such sitting")},
                   summary="A sitting: time left and its attempts (past the deadline, all submitted)")
    def get(self, request: Request, pk: str) -> Response:
        sitting = exams.sitting_get(identity=signed_identity(request), pk=object_id(pk, "sittings"))
        sitting_enforce(sitting_id=sitting.pk)
        sitting.refresh_from_db()
        return Response(SittingSerializer(sitting_body(sitting)).data)


class SittingSubmitView(StatusErrorsMixin, APIView):
    @extend_schema(request=None, responses={200: SittingSerializer, **error_responses(**WRITE, e404="no such sitting")},
                   summary="Hand in the exam: every attempt still open is submitted")
    def post(self, request: Request, pk: str) -> Response:
        who = signed_identity(request)
        sitting = exams.sitting_get(identity=who, pk=object_id(pk, "sittings"))
        if sitting.learner_id != who.user.pk:
            raise StatusError(403, "Forbidden", "only the learner sitting an exam may hand it in")
        return Response(SittingSerializer(sitting_body(sitting_submit(sitting=sitting))).data)
