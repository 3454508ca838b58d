"""The rules language of rules.yaml: load and check it, evaluate tickets against it."""

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
