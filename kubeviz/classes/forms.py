"""The classes' forms: a class (teacher), joining (learner), a room action (teacher)."""
from __future__ import annotations

from django import forms

from kubeviz.clusters.templates import template_names
from kubeviz.exercises.loader import exercise_names
from kubeviz.lessons.loader import lesson_slugs

from .services import ROOM_ACTIONS


class ClassForm(forms.Form):
    name = forms.CharField(max_length=100)
    template = forms.ChoiceField()
    lessons = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    exercises = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    ends_at = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                  help_text="after this nobody joins")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(t, t) for t in template_names()]
        self.fields["lessons"].choices = [(s, s) for s in lesson_slugs()]
        self.fields["exercises"].choices = [(s, s) for s in exercise_names()]


class JoinForm(forms.Form):
    display_name = forms.CharField(max_length=60, label="Your name, as the class will see it")
    password = forms.CharField(max_length=128, required=False, widget=forms.PasswordInput,
                               label="A password (optional: to come back from another device)")


class CodeForm(forms.Form):
    code = forms.CharField(max_length=20, label="Join code")


class RoomActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ROOM_ACTIONS])
    text = forms.CharField(required=False, max_length=1_000_000)
    lesson = forms.SlugField(required=False, max_length=63)
