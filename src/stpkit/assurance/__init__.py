"""Assurance: every plan checked the same way, with the reason for each finding.

Named rules (``RULES``, documented in docs/assurance.md) look at a plan and its results and
return findings that carry the numbers that made them fire; ``assess`` runs them all and adds the
three gaps (health and wellbeing, care and quality, finance) and a rating in NHS England's four
categories of July 2017. Nothing here reads files or prints."""

from stpkit.assurance.check import DEFAULT_RUNS, DEFAULT_SEED, RULES, Assessment, assess
from stpkit.assurance.core import Context, Finding, Rule
from stpkit.assurance.gaps import GAPS_NOTE, FinanceGap, Gaps, IndicatorResult, work_out_gaps
from stpkit.assurance.governance import major_changes
from stpkit.assurance.rating import ComponentScore, Rating, rate

__all__ = [
    "DEFAULT_RUNS",
    "DEFAULT_SEED",
    "GAPS_NOTE",
    "RULES",
    "Assessment",
    "ComponentScore",
    "Context",
    "FinanceGap",
    "Finding",
    "Gaps",
    "IndicatorResult",
    "Rating",
    "Rule",
    "assess",
    "major_changes",
    "rate",
    "work_out_gaps",
]
