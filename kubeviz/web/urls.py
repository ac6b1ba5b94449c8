from django.urls import path

from . import views

urlpatterns = [
    path("", views.cluster_list, name="cluster-list"),
    path("clusters/<slug:name>/", views.cluster_detail, name="cluster-detail"),
]
