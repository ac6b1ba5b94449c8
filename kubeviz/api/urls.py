from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import control, lessons, lifecycle, proxy, views

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("clusters/", lifecycle.ClusterCollectionView.as_view(), name="api-clusters"),
    path("templates/", lifecycle.TemplateListView.as_view(), name="api-templates"),
    path("clusters/<slug:cluster>/", lifecycle.ClusterView.as_view(), name="api-cluster"),
    path("clusters/<slug:cluster>/clone/", lifecycle.CloneView.as_view(), name="api-cluster-clone"),
    path("clusters/<slug:cluster>/snapshots/", lifecycle.SnapshotListView.as_view(), name="api-snapshots"),
    path("clusters/<slug:cluster>/snapshots/<str:snapshot>/", lifecycle.SnapshotView.as_view(), name="api-snapshot"),
    path("clusters/<slug:cluster>/snapshots/<str:snapshot>/restore/", lifecycle.SnapshotRestoreView.as_view(),
         name="api-snapshot-restore"),
    path("clusters/<slug:cluster>/steps/", views.StepListView.as_view(), name="api-steps"),
    path("clusters/<slug:cluster>/history/", views.HistoryView.as_view(), name="api-history"),
    path("clusters/<slug:cluster>/clock/", control.ClockView.as_view(), name="api-clock"),
    path("clusters/<slug:cluster>/clock/next/", control.NextStepView.as_view(), name="api-clock-next"),
    path("clusters/<slug:cluster>/nodes/", control.NodeListView.as_view(), name="api-nodes"),
    path("clusters/<slug:cluster>/nodes/<str:name>/", control.NodeView.as_view(), name="api-node"),
    path("clusters/<slug:cluster>/nodes/<str:name>/<str:action>/", control.NodeActionView.as_view(), name="api-node-action"),
    path("clusters/<slug:cluster>/pods/<str:namespace>/<str:name>/scheduling/", views.SchedulingDecisionView.as_view(), name="api-pod-scheduling"),
    path("clusters/<slug:cluster>/pods/<str:namespace>/<str:name>/<str:action>/", control.PodActionView.as_view(), name="api-pod-action"),
    path("clusters/<slug:cluster>/components/<str:component>/<str:action>/", control.ComponentView.as_view(), name="api-component"),
    path("clusters/<slug:cluster>/token/rotate/", views.TokenRotateView.as_view(), name="api-token-rotate"),
    path("lessons/", lessons.LessonListView.as_view(), name="api-lessons"),
    path("lessons/<slug:slug>/", lessons.LessonView.as_view(), name="api-lesson"),
    path("lessons/<slug:slug>/progress/", lessons.LessonProgressView.as_view(), name="api-lesson-progress"),
    path("lesson-progress/", lessons.ProgressListView.as_view(), name="api-lesson-progress-list"),
    path("clusters/<slug:cluster>/reset/", control.ResetView.as_view(), name="api-reset"),
    path("clusters/<slug:cluster>/proxy/rules/", proxy.ProxyRulesView.as_view(), name="api-proxy-rules"),
    path("clusters/<slug:cluster>/services/<str:namespace>/<str:name>/traffic/", proxy.ServiceTrafficView.as_view(),
         name="api-service-traffic"),
]
