"""Personal API tokens through REST: list, create, revoke. Session only: a token cannot
mint or revoke tokens, so a leaked one cannot entrench itself."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kubeviz.accounts import services
from kubeviz.accounts.selectors import token_card, token_list
from kubeviz.apiserver.errors import StatusError

from .errors import StatusErrorsMixin, error_responses, object_id
from .permissions import BrowserSessionAuthentication


class SignedInBrowser(BasePermission):
    def has_permission(self, request, view) -> bool:
        if request.user is None or not request.user.is_authenticated:
            raise NotAuthenticated("sign in with a browser session: personal tokens are managed on the account "
                                   "page, and a token cannot make or revoke tokens")
        return True


class TokenRequest(serializers.Serializer):
    name = serializers.CharField(min_length=1, max_length=100, help_text="what the token is for, e.g. 'course platform'")


class TokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="the token's first characters, to recognise it")
    created = serializers.DateTimeField()
    last_used = serializers.DateTimeField(allow_null=True, help_text="within a minute")


class NewTokenSerializer(TokenSerializer):
    token = serializers.CharField(help_text="the token itself: shown only now, never again (only its hash is kept)")


class TokenSessionView(StatusErrorsMixin, APIView):
    authentication_classes = [BrowserSessionAuthentication]
    permission_classes = [SignedInBrowser]
    credentials_required = True


class TokenListView(TokenSessionView):
    @extend_schema(responses={200: TokenSerializer(many=True), **error_responses(e401="not signed in")},
                   summary="Your personal API tokens (never the tokens themselves)")
    def get(self, request: Request) -> Response:
        return Response(TokenSerializer(token_list(user=request.user), many=True).data)

    @extend_schema(request=TokenRequest,
                   responses={201: NewTokenSerializer,
                              **error_responses(e400="no name, or a name too long", e401="not signed in",
                                        e403="the CSRF token is missing",
                                        e415="the body's content type is not JSON, a form or multipart")},
                   summary="Make a personal API token",
                   description="Send it as `Authorization: Bearer kv_…` (or `Token kv_…`). It is in this answer only.")
    def post(self, request: Request) -> Response:
        body = TokenRequest(data=request.data)
        body.is_valid(raise_exception=True)
        row, token = services.token_create(user=request.user, **body.validated_data)
        return Response(NewTokenSerializer({**token_card(row), "token": token}).data, status=status.HTTP_201_CREATED)


class TokenView(TokenSessionView):
    @extend_schema(request=None, responses={204: None, **error_responses(e401="not signed in", e403="the CSRF token is missing",
                                                                  e404="you have no token of that id")},
                   summary="Revoke a personal API token: it stops working at once")
    def delete(self, request: Request, token_id: str) -> Response:
        if not services.token_revoke(user=request.user, token_id=object_id(token_id, "tokens")):
            raise StatusError(404, "NotFound", f'personal token "{token_id}" not found', kind="tokens")
        return Response(status=status.HTTP_204_NO_CONTENT)
