from django.apps import AppConfig


class ClustersConfig(AppConfig):
    name = "kubeviz.clusters"
    label = "clusters"
    verbose_name = "Clusters: identity, owners, lifecycle, sleep"
