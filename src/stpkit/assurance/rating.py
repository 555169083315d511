"""A footprint's rating in NHS England's four categories of July 2017 (outstanding, advanced,
making progress, needs most improvement), from a score out of 100 over six parts:

- health and wellbeing, and care and quality: the average score of their indicators (each the
  share of its base-year gap closed by the horizon; an indicator the plan does not give scores
  0, so a plan with no health and wellbeing indicators scores 0 on that part);
- finance: the share of the do-nothing gap closed in the final year, at the median of the risk
  runs (the central case without them);
- governance: the average of four shares: members signed off; local government, health and
  wellbeing boards and local medical committees that took part; major changes put to the public
  before they happen (with none, whether the public was engaged before the plan starts); and
  changes that move care between organisations with a joint decision;
- findings: 100 less a penalty for each assurance rule that fires, by the worst severity of its
  findings;
- risk: the chance of balancing in the final year in the risk runs.

The weights, thresholds and penalties are national parameters (``rating_weight_pct``,
``rating_threshold_pct``, ``finding_penalty_pct``).

An illustrative plan (a bundled stand-in, not a footprint's own submission) records no sign-off,
partners or engagement and no health and wellbeing indicators: those parts are not known rather
than failed, so they are left out and their weight shared among the other parts in proportion,
and the rules on those records are not applied. Its rating says what its numbers show.

A plan's rating never improves by skipping the risk runs: without them, the parts that depend
on them are scored as unproven — risk and finance 0, and each rule that needs the runs counted
as if it fired — so every part scores no more than it would with them."""

from __future__ import annotations

from dataclasses import dataclass

from stpkit.assurance.core import Context, Finding, Rule, all_rules
from stpkit.assurance.gaps import Gaps
from stpkit.assurance.governance import governance_parts
from stpkit.domain import RatingCategory, RatingComponent, Severity

#: Which of two severities a rule that fires with both counts at.
_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True)
class ComponentScore:
    component: RatingComponent
    score: float | None  # 0 to 100; None when not scored (risk without risk runs)
    weight_pct: float  # the weight used, after leaving out parts not scored
    basis: str  # what the score is, in words


@dataclass(frozen=True)
class Rating:
    category: RatingCategory
    score: float
    components: tuple[ComponentScore, ...]
    thresholds: dict[RatingCategory, float]


def _indicators_basis(n: int) -> str:
    if n == 0:
        return "no indicators given"
    return f"share of the gap closed, averaged over {n} indicator{'s' if n != 1 else ''}"


def _average(scores: list[float]) -> float:
    return sum(scores) / len(scores) if scores else 0.0


def category_for(score: float, thresholds: dict[RatingCategory, float]) -> RatingCategory:
    for category in (RatingCategory.OUTSTANDING, RatingCategory.ADVANCED, RatingCategory.MAKING_PROGRESS):
        if score >= thresholds[category] - 1e-9:
            return category
    return RatingCategory.NEEDS_MOST_IMPROVEMENT


def findings_score(
    ctx: Context, findings: list[Finding], unproven: tuple[Rule, ...] = ()
) -> tuple[float, dict[Severity, int]]:
    """100 less the penalty of each rule that fires (once per rule) or could not be checked
    (``unproven``), no less than 0."""
    fired: dict[str, Severity] = {}
    for f in findings:  # a rule counts once, at the worst severity of its findings
        if f.rule not in fired or _RANK[f.severity] > _RANK[fired[f.rule]]:
            fired[f.rule] = f.severity
    fired |= {rule.id: rule.severity for rule in unproven}
    by_severity = {s: sum(v is s for v in fired.values()) for s in Severity}
    penalty = sum(ctx.national("finding_penalty_pct", member=s.value) * n for s, n in by_severity.items())
    return max(0.0, 100.0 - penalty), by_severity


def combine(parts: dict[RatingComponent, float | None], weights: dict[RatingComponent, float]) -> tuple[float, dict]:
    """The weighted score of the parts that are scored, and the weights used."""
    scored = {c: w for c, w in weights.items() if parts.get(c) is not None}
    total = sum(scored.values())
    used = {c: (100 * scored[c] / total if c in scored else 0.0) for c in weights}
    score = sum(parts[c] * used[c] / 100 for c in scored)
    return score, used


def rate(ctx: Context, findings: list[Finding], gaps: Gaps) -> Rating:
    governance = governance_parts(ctx)
    no_runs = ctx.risk is None
    stand_in = ctx.plan.illustrative
    # an indicator the plan does not project counts as failed in a plan, unknown in a stand-in
    care = [i for i in gaps.care_quality if not stand_in or i.projected]
    unproven = tuple(rule for rule in all_rules() if rule.needs_risk) if no_runs else ()
    found, by_severity = findings_score(ctx, findings, unproven)
    parts: dict[RatingComponent, float | None] = {
        RatingComponent.HEALTH_WELLBEING: None
        if stand_in and not gaps.health_wellbeing
        else _average([i.score for i in gaps.health_wellbeing]),
        RatingComponent.CARE_QUALITY: _average([i.score for i in care]),
        RatingComponent.FINANCE: 0.0 if no_runs else gaps.finance.score,
        RatingComponent.GOVERNANCE: None if stand_in else 100 * _average(list(governance.values())),
        RatingComponent.FINDINGS: found,
        RatingComponent.RISK: 0.0 if no_runs else 100 * float(ctx.risk.p_balance[-1]),
    }
    weights = {c: ctx.national("rating_weight_pct", member=c.value) for c in RatingComponent}
    score, used = combine(parts, weights)
    unscored = "not scored without risk runs, so counted as 0: skipping the runs never raises the rating"
    unknown = "not known for an illustrative plan, which records none: left out, its weight shared among the others"
    basis = {
        RatingComponent.HEALTH_WELLBEING: unknown
        if parts[RatingComponent.HEALTH_WELLBEING] is None
        else _indicators_basis(len(gaps.health_wellbeing)),
        RatingComponent.CARE_QUALITY: _indicators_basis(len(care)),
        RatingComponent.FINANCE: unscored
        if no_runs
        else f"share of the do-nothing gap closed in {ctx.horizon}, P50 of the risk runs",
        RatingComponent.GOVERNANCE: unknown
        if stand_in
        else "sign-off {signed_off:.0%}, partners {partners:.0%}, public {public:.0%}, "
        "joint decisions {decisions:.0%}".format(**governance),
        RatingComponent.FINDINGS: f"{by_severity[Severity.ERROR]} error and {by_severity[Severity.WARNING]} warning "
        "rules fired" + (f", counting the {len(unproven)} not checked without risk runs" if unproven else ""),
        RatingComponent.RISK: unscored
        if no_runs
        else f"chance of balance in {ctx.horizon} over {ctx.risk.runs:,} runs",
    }
    thresholds = {
        c: ctx.national("rating_threshold_pct", member=c.value)
        for c in RatingCategory
        if c is not RatingCategory.NEEDS_MOST_IMPROVEMENT
    }
    components = tuple(ComponentScore(c, parts[c], used[c], basis[c]) for c in RatingComponent)
    return Rating(category_for(score, thresholds), score, components, thresholds)
