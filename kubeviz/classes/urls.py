from django.urls import path

from . import follow_views, views

urlpatterns = [
    path("", views.class_list, name="class-list"),
    path("join/", views.join_box, name="class-join"),
    path("<int:pk>/", views.class_detail, name="class-detail"),
    path("<int:pk>/edit/", views.class_edit, name="class-edit"),
    path("<int:pk>/code/", views.class_code, name="class-code"),
    path("<int:pk>/actions/", views.room_action, name="class-action"),
    path("<int:pk>/grades.csv", views.grades_csv, name="class-grades"),
    path("<int:pk>/archive/", views.class_archive, name="class-archive"),
    path("<int:pk>/delete/", views.class_delete, name="class-delete"),
    path("<int:pk>/follow/", follow_views.class_follow, name="class-follow"),
    path("<int:pk>/broadcast/", follow_views.class_broadcast, name="class-broadcast"),
    path("<int:pk>/present/", follow_views.class_present, name="class-present"),
]
