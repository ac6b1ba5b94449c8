from django.apps import AppConfig


class SchedulerConfig(AppConfig):
    name = "kubeviz.scheduler"
    label = "scheduler"
    verbose_name = "kube-scheduler"
