"""Input checks for the dashboard's forms (views stay thin: validate, call a service)."""
from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator

_name = RegexValidator(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", "not a Kubernetes object name")


class ObjectForm(forms.Form):
    namespace = forms.CharField(max_length=63, required=False, validators=[_name])
    name = forms.CharField(max_length=253, validators=[_name])


class ScaleForm(ObjectForm):
    replicas = forms.IntegerField(min_value=0, max_value=1000)


class ImageForm(ObjectForm):
    container = forms.CharField(max_length=63, required=False, validators=[_name])
    image = forms.CharField(max_length=512)


class UndoForm(ObjectForm):
    to_revision = forms.IntegerField(min_value=0, required=False)


class ComponentForm(forms.Form):
    component = forms.ChoiceField(choices=[("scheduler", "scheduler"), ("controller-manager", "controller-manager")])


class NodeAddForm(forms.Form):
    cpu = forms.RegexField(r"^[0-9]+m?$", required=False, max_length=8)
    memory = forms.RegexField(r"^[0-9]+(Mi|Gi)$", required=False, max_length=10)


class NoFieldsForm(forms.Form):
    """An action with nothing to fill in (its CSRF token is checked by the middleware)."""


class ManifestForm(forms.Form):
    text = forms.CharField(required=False, strip=False, widget=forms.Textarea)
    file = forms.FileField(required=False)
