from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kubeviz.api"
    label = "api"
