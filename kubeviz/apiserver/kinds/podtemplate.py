"""PodTemplate (core/v1): a stored pod template, plain CRUD (no controller reads it)."""
from __future__ import annotations

from .. import validation as v
from ..resources import register
from ..strategy import Context, Obj, Strategy
from .podspec import default_template, validate_template


class PodTemplateStrategy(Strategy):
    def default(self, obj: Obj, ctx: Context) -> None:
        default_template(obj.get("template"))

    def validate(self, obj: Obj) -> list[v.FieldError]:
        return validate_template(obj.get("template"), "template", None)


register(PodTemplateStrategy(kind="PodTemplate", plural="podtemplates", singular="podtemplate", subresources=()))
