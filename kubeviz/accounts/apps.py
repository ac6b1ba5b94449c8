from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kubeviz.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"
