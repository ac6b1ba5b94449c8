from django.apps import AppConfig


class EtcdConfig(AppConfig):
    name = "kubeviz.etcd"
    label = "etcd"
    verbose_name = "etcd (the store)"
