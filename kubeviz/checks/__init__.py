"""The check language shared by lessons and exercises (docs/checks.md).

``parse_check`` turns a spec into a typed check (``CheckError`` lists every problem by
its path); ``evaluate`` reads the cluster, never changes it, and answers an ``Outcome``."""
from .evaluation import evaluate, evaluate_many
from .language import Check, CheckError, parse_check
from .outcome import Outcome, Scope

__all__ = ["Check", "CheckError", "Outcome", "Scope", "evaluate", "evaluate_many", "parse_check"]
