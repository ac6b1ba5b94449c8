from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "kubeviz.exams"
    label = "exams"
    verbose_name = "Exams: exercises under a time limit"
