"""Actions: the dashboard's vocabulary written as data, for lessons and exercises
(docs/actions.md). ``parse_action`` checks a spec, ``run_action`` performs it."""
from __future__ import annotations

from .parse import Action, ActionError, parse_action
from .run import run_action

__all__ = ["Action", "ActionError", "parse_action", "run_action"]
