from django.conf import settings
from django.contrib.staticfiles.views import serve as static_serve
from django.urls import path, re_path

from . import exercises, health, lifecycle, views

urlpatterns = [
    path("", views.cluster_list, name="cluster-list"),
    path("readyz", health.readyz, name="readyz"),
    path("clusters/<slug:name>/", views.cluster_detail, name="cluster-detail"),
    path("exercises/", exercises.exercise_list, name="exercise-list"),
    path("exercises/<slug:slug>/", exercises.exercise_detail, name="exercise-detail"),
    path("exercises/<slug:slug>/start/", exercises.attempt_start, name="exercise-start"),
    path("exercises/<slug:slug>/attempts/<int:pk>/check/", exercises.attempt_check, name="exercise-check"),
    path("exercises/<slug:slug>/attempts/<int:pk>/submit/", exercises.attempt_submit, name="exercise-submit"),
    path("exercises/<slug:slug>/attempts/<int:pk>/reset/", exercises.attempt_reset, name="exercise-reset"),
    path("exams/<int:exam>/sit/", exercises.sitting_begin, name="exam-sit"),
    path("exams/sittings/<int:pk>/", exercises.sitting_detail, name="sitting-detail"),
    path("exams/sittings/<int:pk>/submit/", exercises.sitting_handin, name="sitting-submit"),
    path("try/", lifecycle.try_it, name="try-it"),
    path("sandboxes/new/", lifecycle.sandbox_new, name="sandbox-new"),
    path("clusters/<slug:name>/clone/", lifecycle.clone, name="cluster-clone"),
    path("clusters/<slug:name>/delete/", lifecycle.delete, name="cluster-delete"),
    path("clusters/<slug:name>/reset/", lifecycle.reset, name="cluster-reset"),
    path("clusters/<slug:name>/snapshots/", lifecycle.snapshot_create, name="cluster-snapshot-create"),
    path("clusters/<slug:name>/snapshots/<str:snapshot>/restore/", lifecycle.snapshot_restore,
         name="cluster-snapshot-restore"),
    path("clusters/<slug:name>/snapshots/<str:snapshot>/delete/", lifecycle.snapshot_delete,
         name="cluster-snapshot-delete"),
    path("clusters/<slug:name>/state/", views.state, name="cluster-state"),
    path("clusters/<slug:name>/kubeconfig", views.kubeconfig, name="cluster-kubeconfig"),
    path("clusters/<slug:name>/manifest/", views.manifest, name="cluster-manifest"),
    path("clusters/<slug:name>/panels/<slug:panel>/", views.panel, name="cluster-panel"),
    path("clusters/<slug:name>/actions/<slug:action>/", views.action, name="cluster-action"),
    path("clusters/<slug:name>/objects/<slug:plural>/<str:objname>/", views.object_view, name="cluster-object"),
    path("clusters/<slug:name>/objects/<slug:plural>/<str:namespace>/<str:objname>/", views.object_view,
         name="cluster-object-ns"),
]

# The embedded default is Daphne alone (no nginx in front, DEBUG off): serve the dashboard's
# own vendored CSS/JS from static/ through staticfiles' finders. A deployment with a static
# file server in front sets KUBEVIZ_SERVE_STATIC = False in its settings.
if getattr(settings, "KUBEVIZ_SERVE_STATIC", True):
    urlpatterns.append(
        re_path(rf"^{settings.STATIC_URL.lstrip('/')}(?P<path>.*)$", static_serve, {"insecure": True}),
    )
