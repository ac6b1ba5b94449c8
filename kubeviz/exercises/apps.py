from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "kubeviz.exercises"
    label = "exercises"
    verbose_name = "Exercises: graded tasks on a learner's own sandbox"

    def ready(self) -> None:
        from kubeviz.accounts.signals import guest_claimed

        from .services import attempts_adopt

        def claim(sender: object, guest: str, user: object, **kwargs: object) -> None:
            attempts_adopt(guest=guest, user=user)

        guest_claimed.connect(claim, weak=False, dispatch_uid="exercises.attempts_adopt")
