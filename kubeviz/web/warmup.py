"""What a Daphne reads once and keeps, read before it serves rather than by its first
requests.

Those caches are filled on first use. When a class of two hundred arrives at once, the
first requests all find them empty and all build them together: parsing the schemas takes
a tenth of a second alone and about that many times longer with a hundred threads at it,
which is how the first seconds of a class came to answer in over a second.
"""
from __future__ import annotations

import logging

from kubeviz.apiserver.resources import all_resources
from kubeviz.apiserver.schemas import for_strategy
from kubeviz.clusters.selectors import template_summaries
from kubeviz.exercises.loader import ExerciseError, exercise_get, exercise_names
from kubeviz.lessons.loader import lesson_get, lesson_slugs

log = logging.getLogger(__name__)


def warm() -> None:
    """Fill the schema, lesson, exercise and template caches."""
    for strategy in all_resources():
        for_strategy(strategy)
    for slug in lesson_slugs():
        try:
            lesson_get(slug)
        except Exception:  # noqa: BLE001 - a broken lesson is lesson_check's to report, not start-up's
            log.warning("lesson %s does not load; its page will say why", slug)
    for name in exercise_names():
        try:
            exercise_get(name)
        except ExerciseError:
            log.warning("exercise %s does not load; its page will say why", name)
    template_summaries()
