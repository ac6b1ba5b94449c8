"""URL wiring: pages, the REST API and the Kubernetes API of each cluster."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("kubeviz.accounts.urls")),
    path("k8s/<slug:cluster>/", include("kubeviz.kubeapi.urls")),
    path("api/", include("kubeviz.api.urls")),
    path("lessons/", include("kubeviz.lessons.urls")),
    path("", include("kubeviz.web.urls")),
]
