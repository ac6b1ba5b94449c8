from django.urls import path

from . import views

urlpatterns = [
    path("", views.lesson_index, name="lesson-list"),
    path("<slug:slug>/", views.lesson_page, name="lesson-page"),
    path("<slug:slug>/panel/", views.lesson_panel, name="lesson-panel"),
    path("<slug:slug>/start/", views.lesson_start, name="lesson-start"),
    path("<slug:slug>/answer/", views.lesson_answer, name="lesson-answer"),
    path("<slug:slug>/actions/<int:index>/", views.lesson_act, name="lesson-act"),
    path("<slug:slug>/<slug:move>/", views.lesson_move, name="lesson-move"),
]
