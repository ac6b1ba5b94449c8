from django.urls import path

from . import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("", views.account, name="account"),
    path("tokens/", views.token_create, name="account-token-create"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="account-token-revoke"),
]
