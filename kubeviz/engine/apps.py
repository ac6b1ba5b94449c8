from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "kubeviz.engine"
    label = "engine"
