"""Check a plan the way the centre would: every rule, the three gaps and the rating."""

from __future__ import annotations

from dataclasses import dataclass

from stpkit.assurance import capacity, finance, governance  # noqa: F401  (they register the rules)
from stpkit.assurance.core import Context, Finding, Rule, all_rules
from stpkit.assurance.gaps import Gaps, work_out_gaps
from stpkit.assurance.rating import Rating, rate
from stpkit.domain import Plan, Severity
from stpkit.engine.model import PlanResult, prepare, run_plan
from stpkit.engine.risk import RiskSummary, simulate, summarise
from stpkit.reference.parameters import ParameterSet

#: Risk runs made by default for the rule that looks at the median outcome.
DEFAULT_RUNS = 1000
DEFAULT_SEED = 0

RULES: tuple[Rule, ...] = all_rules()


@dataclass(frozen=True)
class Assessment:
    plan: Plan
    result: PlanResult
    risk: RiskSummary | None
    findings: tuple[Finding, ...]
    checked: tuple[str, ...]  # ids of the rules that were run
    not_checked: tuple[str, ...]  # ids of rules that need risk runs, when none were made
    # ids of rules on what a plan records about agreement and engagement, not applied to an
    # illustrative plan (a bundled stand-in records none)
    not_applicable: tuple[str, ...]
    gaps: Gaps
    rating: Rating

    def count(self, severity: Severity) -> int:
        return sum(f.severity is severity for f in self.findings)

    @property
    def has_errors(self) -> bool:
        return self.count(Severity.ERROR) > 0


def assess(
    plan: Plan,
    params: ParameterSet,
    runs: int = DEFAULT_RUNS,
    seed: int = DEFAULT_SEED,
    result: PlanResult | None = None,
    risk: RiskSummary | None = None,
) -> Assessment:
    """Every rule over a plan that has passed validation, with ``runs`` risk runs from ``seed``
    for the rules and the rating parts that need them (none when ``runs`` is 0). Pass ``risk``
    when the runs have been made already (a national run makes them for every footprint)."""
    result = result if result is not None else run_plan(plan, params)
    if risk is None and runs > 0:
        risk = summarise(simulate(prepare(plan, params), runs, seed), result)
    context = Context(plan, result, params, risk)
    findings: list[Finding] = []
    checked, not_checked, not_applicable = [], [], []
    for rule in RULES:
        if rule.needs_risk and risk is None:
            not_checked.append(rule.id)
            continue
        if rule.on_records and plan.illustrative:
            not_applicable.append(rule.id)
            continue
        checked.append(rule.id)
        findings += rule.check(context)
    gaps = work_out_gaps(context)
    return Assessment(
        plan=plan,
        result=result,
        risk=risk,
        findings=tuple(findings),
        checked=tuple(checked),
        not_checked=tuple(not_checked),
        not_applicable=tuple(not_applicable),
        gaps=gaps,
        rating=rate(context, findings, gaps),
    )
