from django.apps import AppConfig


class LessonsConfig(AppConfig):
    name = "kubeviz.lessons"
    label = "lessons"
    verbose_name = "Lessons: step-through tutorials on one's own cluster"

    def ready(self) -> None:
        from kubeviz.accounts.signals import guest_claimed

        from .services import progress_adopt

        def claim(sender: object, guest: str, user: object, **kwargs: object) -> None:
            progress_adopt(guest=guest, user=user)

        guest_claimed.connect(claim, weak=False, dispatch_uid="lessons.progress_adopt")
