from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("clusters/", views.ClusterListView.as_view(), name="api-clusters"),
    path("clusters/<slug:cluster>/steps/", views.StepListView.as_view(), name="api-steps"),
]
