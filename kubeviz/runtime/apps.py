from django.apps import AppConfig


class RuntimeConfig(AppConfig):
    name = "kubeviz.runtime"
    label = "runtime"
    verbose_name = "container runtime"
