from django.urls import re_path

from . import views

urlpatterns = [
    # A trailing slash answers as without it, as the real API server's paths do.
    re_path(r"^version/?$", views.VersionView.as_view()),
    re_path(r"^(?P<check>healthz|livez|readyz)(?:/(?P<name>[a-z0-9/_.-]+))?/?$", views.HealthView.as_view()),
    re_path(r"^api/?$", views.CoreVersionsView.as_view()),
    re_path(r"^api/(?P<version>v[0-9a-z]+)/?$", views.ResourceListView.as_view()),
    re_path(r"^apis/?$", views.GroupListView.as_view()),
    re_path(r"^apis/(?P<group>[a-z0-9.-]+)/?$", views.GroupView.as_view()),
    re_path(r"^apis/(?P<group>[a-z0-9.-]+)/(?P<version>v[0-9a-z]+)/?$", views.ResourceListView.as_view()),
    re_path(r"^apis/metrics\.k8s\.io/v1beta1/(?:namespaces/(?P<namespace>[a-z0-9.-]+)/)?(?P<resource>pods|nodes)"
            r"(?:/(?P<name>[a-z0-9.-]+))?/?$", views.MetricsView.as_view()),
        re_path(r"^openapi/(?P<version>v[23])(?P<rest>/.*)?$", views.OpenAPIView.as_view()),
    re_path(r"^(?P<prefix>api)/(?P<rest>v1/.+)$", views.ResourceView.as_view()),
    re_path(r"^(?P<prefix>apis)/(?P<rest>[^/]+/[^/]+/.+)$", views.ResourceView.as_view()),
]
