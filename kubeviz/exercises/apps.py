from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "kubeviz.exercises"
    label = "exercises"
    verbose_name = "Exercises: graded tasks on a learner's own sandbox"
