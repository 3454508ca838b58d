"""The rules language of rules.yaml: load and check it, evaluate tickets against it."""

from bridge.compiled import prefer_compiled

prefer_compiled(__path__, __name__)  # before any module of the package is imported


from bridge.rules.evaluate import evaluate
from bridge.rules.load import Problem, RulesError, load_rules
from bridge.rules.result import Escalation, Evaluation, SlaAlert, StatusMapping
from bridge.rules.schema import Rules

__all__ = [
    "Escalation",
    "Evaluation",
    "Problem",
    "Rules",
    "RulesError",
    "SlaAlert",
    "StatusMapping",
    "evaluate",
    "load_rules",
]
