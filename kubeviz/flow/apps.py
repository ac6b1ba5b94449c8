from django.apps import AppConfig


class FlowConfig(AppConfig):
    name = "kubeviz.flow"
    label = "flow"
