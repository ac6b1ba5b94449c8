from django.apps import AppConfig


class ClustersConfig(AppConfig):
    name = "kubeviz.clusters"
    label = "clusters"
    verbose_name = "Clusters: identity, owners, lifecycle, sleep"

    def ready(self) -> None:
        from kubeviz.accounts.signals import guest_claimed

        from .services import sandboxes_adopt

        def claim(sender: object, guest: str, user: object, **kwargs: object) -> None:
            sandboxes_adopt(guest=guest, user=user)

        guest_claimed.connect(claim, weak=False, dispatch_uid="clusters.sandboxes_adopt")
