"""Sign-up: a display name and a password; Django's validators judge the password."""
from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User


class SignupForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("username",)
        labels = {"username": "Display name"}
        help_texts = {"username": "What your teacher and classmates see. Letters, digits and @ . + - _ only."}

    def clean_username(self) -> str:
        name = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=name).exists():
            raise forms.ValidationError("That name is taken: pick another.")
        return name
