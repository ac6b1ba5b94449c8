from django.apps import AppConfig


class KubeapiConfig(AppConfig):
    name = "kubeviz.kubeapi"
    label = "kubeapi"
