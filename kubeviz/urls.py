"""URL wiring: pages, the REST API and the Kubernetes API of each cluster."""
from django.contrib import admin
from django.urls import include, path

from kubeviz.classes import views as class_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("kubeviz.accounts.urls")),
    path("k8s/<slug:cluster>/", include("kubeviz.kubeapi.urls")),
    path("api/", include("kubeviz.api.urls")),
    path("lessons/", include("kubeviz.lessons.urls")),
    path("classes/", include("kubeviz.classes.urls")),
    path("join/<str:code>/", class_views.join, name="class-join-code"),
    path("", include("kubeviz.web.urls")),
]
