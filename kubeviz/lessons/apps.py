from django.apps import AppConfig


class LessonsConfig(AppConfig):
    name = "kubeviz.lessons"
    label = "lessons"
    verbose_name = "Lessons: step-through tutorials on one's own cluster"
