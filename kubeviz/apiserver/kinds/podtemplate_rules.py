"""Validation pieces shared by DaemonSet, StatefulSet and Job (pkg/apis/apps/validation and
pkg/apis/batch/validation), with Kubernetes' wording."""
from __future__ import annotations

import re
from typing import Any

from .. import validation as v
from ..selectors import from_label_selector_object
from .podspec import validate_selector

PERCENT = re.compile(r"^[0-9]+%$")
PERCENT_MSG = (
    "a valid percent string must be a numeric string followed by an ending '%' "
    "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
)
SELECTOR_MISMATCH = "`selector` does not match template `labels`"


def label_selector(selector: Any, field: str, kind: str) -> list[v.FieldError]:
    """ValidateLabelSelector plus the "empty selector is invalid for <kind>" rule of the
    apps/v1 workloads. A missing selector is left to the caller (Required or not)."""
    if selector is None:
        return []
    if not isinstance(selector, dict):
        return [v.invalid(field, selector, "must be a label selector")]
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        return [v.invalid(field, selector, f"empty selector is invalid for {kind}")]
    return validate_selector(selector, field)


def template_labels(template: Any) -> dict[str, Any]:
    if not isinstance(template, dict) or not isinstance(template.get("metadata"), dict):
        return {}
    labels = template["metadata"].get("labels")
    return labels if isinstance(labels, dict) else {}


def selector_matches_template(selector: Any, template: Any, field: str) -> list[v.FieldError]:
    """The selector must select the template's labels; a missing selector selects nothing
    (metav1.LabelSelectorAsSelector(nil) is labels.Nothing())."""
    labels = template_labels(template)
    if not from_label_selector_object(selector if isinstance(selector, dict) else None).matches(labels):
        return [v.invalid(field, labels, SELECTOR_MISMATCH)]
    return []


def percent_value(value: Any) -> int | None:
    """The number of ``"25%"``, or None when ``value`` is not a valid percent string."""
    if isinstance(value, str) and PERCENT.match(value):
        return int(value[:-1])
    return None


def int_or_percent_value(value: Any) -> int:
    """getIntOrPercentValue: the percentage's number, or the integer."""
    pct = percent_value(value)
    if pct is not None:
        return pct
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return 0


def positive_int_or_percent(value: Any, field: str) -> list[v.FieldError]:
    """ValidatePositiveIntOrPercent."""
    if isinstance(value, str):
        return [] if PERCENT.match(value) else [v.invalid(field, value, PERCENT_MSG)]
    if isinstance(value, int) and not isinstance(value, bool):
        return v.non_negative(value, field)
    return [v.invalid(field, value, "must be an integer or percentage (e.g '5%')")]


def not_more_than_100_percent(value: Any, field: str) -> list[v.FieldError]:
    pct = percent_value(value)
    if pct is not None and pct > 100:
        return [v.invalid(field, value, "must not be greater than 100%")]
    return []


def non_negative_if_set(spec: dict[str, Any], name: str, field: str) -> list[v.FieldError]:
    if spec.get(name) is None:
        return []
    return v.non_negative(spec[name], field)
