from django.urls import path, re_path

from . import views

urlpatterns = [
    path("version", views.VersionView.as_view()),
    path("api", views.CoreVersionsView.as_view()),
    path("api/<str:version>", views.ResourceListView.as_view()),
    path("apis", views.GroupListView.as_view()),
    re_path(r"^apis/(?P<group>[a-z0-9.-]+)$", views.GroupView.as_view()),
    re_path(r"^apis/(?P<group>[a-z0-9.-]+)/(?P<version>v[0-9a-z]+)$", views.ResourceListView.as_view()),
    re_path(r"^openapi/(?P<version>v[23])(?:/.*)?$", views.OpenAPIView.as_view()),
    re_path(r"^(?P<prefix>api)/(?P<rest>v1/.+)$", views.ResourceView.as_view()),
    re_path(r"^(?P<prefix>apis)/(?P<rest>[^/]+/[^/]+/.+)$", views.ResourceView.as_view()),
]
