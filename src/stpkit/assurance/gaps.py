"""The three gaps of the Five Year Forward View for one plan: health and wellbeing, care and
quality, and finance and efficiency. Each indicator has a base-year value, a target, the plan's
trajectory by year and the gap left; the finance gap comes from the model.

Care and quality indicators stpkit works out itself: A&E patients seen within four hours (the
footprint's providers in NHS England's A&E data), general and acute bed occupancy (the capacity
model) and staff vacancies (the workforce model). Elective waiting and the health and wellbeing
indicators (smoking, obesity, admissions for conditions that can be managed outside hospital)
come from the plan. Years the plan gives no value for hold the year before."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stpkit.assurance.core import Context
from stpkit.domain import Better, Indicator, IndicatorGap, Measure, OrgKind
from stpkit.reference.ae import annual_by_provider, load_ae

GAPS_NOTE = (
    "Each indicator's gap is how far its value falls short of the target, in its own unit (0 when "
    "the target is met); the share closed compares the gap at the horizon with the gap in the base year."
)


#: How a trajectory the plan does not give is described (held at the baseline).
HELD = "held at the baseline"


@dataclass(frozen=True)
class Standard:
    name: str
    unit: str
    better: Better
    target_parameter: str  # the national standard, or the model's occupancy target


STANDARDS = {
    Measure.AE_WITHIN_4_HOURS_PCT: Standard(
        "A&E patients admitted, transferred or discharged within four hours (all types)",
        "% of attendances",
        Better.HIGHER,
        "ae_within_4_hours_standard_pct",
    ),
    Measure.BED_OCCUPANCY_PCT: Standard(
        "General and acute bed occupancy, acute trusts", "% of beds", Better.LOWER, "bed_occupancy_target_pct"
    ),
    Measure.STAFF_VACANCY_PCT: Standard(
        "Vacant posts in the providers' staff establishment",
        "% of establishment",
        Better.LOWER,
        "staff_vacancy_target_pct",
    ),
    Measure.ELECTIVE_WITHIN_18_WEEKS_PCT: Standard(
        "Patients waiting under 18 weeks for planned treatment",
        "% of the waiting list",
        Better.HIGHER,
        "elective_within_18_weeks_standard_pct",
    ),
}


@dataclass(frozen=True)
class IndicatorResult:
    id: str
    name: str
    gap: IndicatorGap
    unit: str
    better: Better
    baseline: float | None
    target: float | None
    trajectory: tuple[float | None, ...]  # one value per plan year; the base year is the baseline
    source: str  # where the baseline comes from
    trajectory_source: str  # where the values after the base year come from

    @property
    def projected(self) -> bool:
        """Whether the years after the base year come from the plan or the model, rather than
        being held at the baseline (or unknown)."""
        return self.baseline is not None and not self.trajectory_source.startswith(HELD)

    @property
    def final(self) -> float | None:
        return self.trajectory[-1]

    def shortfall(self, value: float | None) -> float | None:
        """How far ``value`` falls short of the target, in the indicator's unit (0 if it meets it)."""
        if value is None or self.target is None:
            return None
        direction = 1.0 if self.better is Better.HIGHER else -1.0
        return max(0.0, direction * (self.target - value))

    @property
    def gap_at_baseline(self) -> float | None:
        return self.shortfall(self.baseline)

    @property
    def gap_at_horizon(self) -> float | None:
        return self.shortfall(self.final)

    @property
    def share_closed_pct(self) -> float | None:
        """Share of the base-year gap closed by the horizon (None when there was no gap)."""
        before, after = self.gap_at_baseline, self.gap_at_horizon
        if before is None or after is None or before <= 0:
            return None
        return 100 * (1 - after / before)

    @property
    def score(self) -> float:
        """0 to 100: the share of the base-year gap closed (no less than 0), or, where the
        baseline already met the target, 100 if the horizon still does and 0 if not."""
        before, after = self.gap_at_baseline, self.gap_at_horizon
        if before is None or after is None:
            return 0.0
        if before <= 0:
            return 100.0 if after <= 0 else 0.0
        return 100 * min(max(1 - after / before, 0.0), 1.0)


@dataclass(frozen=True)
class FinanceGap:
    """The consolidated position, £000, surplus positive."""

    do_nothing_gbp000: tuple[float, ...]
    with_plan_gbp000: tuple[float, ...]
    final_percentiles_gbp000: tuple[float, float, float] | None  # P10, P50, P90 in the final year
    probability_of_balance: float | None  # in the final year, from risk runs

    @property
    def gap_gbp000(self) -> float:
        """The do-nothing deficit in the final year (0 if it balances)."""
        return max(0.0, -self.do_nothing_gbp000[-1])

    @property
    def left_central_gbp000(self) -> float:
        return max(0.0, -self.with_plan_gbp000[-1])

    @property
    def left_p50_gbp000(self) -> float | None:
        return None if self.final_percentiles_gbp000 is None else max(0.0, -self.final_percentiles_gbp000[1])

    @property
    def score(self) -> float:
        """0 to 100: the share of the do-nothing gap closed in the final year, at P50 when there
        are risk runs and in the central case otherwise."""
        left = self.left_p50_gbp000 if self.left_p50_gbp000 is not None else self.left_central_gbp000
        if self.gap_gbp000 <= 0:
            return 100.0 if left <= 0 else 0.0
        return 100 * min(max(1 - left / self.gap_gbp000, 0.0), 1.0)


@dataclass(frozen=True)
class Gaps:
    years: tuple[str, ...]
    finance: FinanceGap
    care_quality: tuple[IndicatorResult, ...]
    health_wellbeing: tuple[IndicatorResult, ...]


def _held(years: tuple[str, ...], baseline: float | None, given: dict[str, float]) -> tuple[float | None, ...]:
    values: list[float | None] = [baseline]
    for year in years[1:]:
        values.append(float(given[year]) if year in given else values[-1])
    return tuple(values)


def ae_baseline(ctx: Context) -> tuple[float | None, str]:
    """Share of A&E attendances at the footprint's providers seen within four hours in the base
    year (or the nearest year of the data), weighted by each provider's share of the footprint."""
    data_years = sorted(load_ae()["year"].unique())
    base = ctx.years[0]
    year = base if base in data_years else min(data_years, key=lambda y: abs(int(y[:4]) - int(base[:4])))
    frame = annual_by_provider(year).groupby("org_code")[["attendances", "breaches"]].sum()
    attendances = breaches = 0.0
    used = []
    for org in ctx.plan.organisations:
        if org.kind.is_provider and org.code in frame.index:
            weight = org.share_pct / 100
            attendances += weight * float(frame.loc[org.code, "attendances"])
            breaches += weight * float(frame.loc[org.code, "breaches"])
            used.append(org.code)
    if attendances <= 0:
        return None, "no member provider is in NHS England's A&E data"
    note = "" if year == base else f" (the data start in {year})"
    return 100 * (1 - breaches / attendances), f"NHS England A&E data {year}{note}: {', '.join(used)}"


def _bed_occupancy(ctx: Context) -> tuple[float | None, ...] | None:
    beds, ledger = ctx.result.beds, ctx.result.ledger
    acute = [o for o, kind in enumerate(ledger.org_kinds) if kind is OrgKind.ACUTE_TRUST]
    share = ledger.org_share[acute]
    days = (beds.bed_days_with_plan[0][:, acute] * share).sum(axis=1)
    available = (beds.beds_with_plan[0][:, acute] * share).sum(axis=1)
    if not acute or available[0] <= 0:
        return None
    return tuple(float(v) for v in 100 * days / (365.0 * np.maximum(available, 1e-9)))


def _vacancy(ctx: Context) -> tuple[float | None, ...] | None:
    workforce, share = ctx.result.workforce, ctx.result.ledger.org_share
    establishment = (workforce.establishment_with_plan.sum(axis=2) * share).sum(axis=1)
    vacant = (workforce.vacancies_with_plan.sum(axis=2) * share).sum(axis=1)
    if establishment[0] <= 0:
        return None
    return tuple(float(v) for v in 100 * vacant / establishment)


def _target(ctx: Context, given: Indicator | None, parameter: str) -> float:
    if given is not None and given.target is not None:
        return float(given.target)
    if parameter in ctx.result.assumptions.values:  # a model parameter: the plan's own value
        return float(ctx.result.assumptions.series(parameter)[-1])
    return ctx.national(parameter)


def _standard(ctx: Context, measure: Measure, given: Indicator | None) -> IndicatorResult | None:
    standard = STANDARDS[measure]
    years = ctx.years
    target = _target(ctx, given, standard.target_parameter)
    common = dict(id=measure.value, name=standard.name, gap=IndicatorGap.CARE_QUALITY, unit=standard.unit)
    common.update(better=standard.better, target=target)
    if measure in (Measure.BED_OCCUPANCY_PCT, Measure.STAFF_VACANCY_PCT):
        modelled = _bed_occupancy(ctx) if measure is Measure.BED_OCCUPANCY_PCT else _vacancy(ctx)
        if modelled is None:
            return None
        model = "the capacity model" if measure is Measure.BED_OCCUPANCY_PCT else "the workforce model"
        return IndicatorResult(
            **common, baseline=modelled[0], trajectory=modelled, source=model, trajectory_source=model
        )
    given_trajectory = given.trajectory if given else {}
    if measure is Measure.AE_WITHIN_4_HOURS_PCT:
        if given is not None and given.baseline is not None:
            baseline, source = float(given.baseline), given.source or "the plan"
        else:
            baseline, source = ae_baseline(ctx)
    elif given is None:
        return IndicatorResult(
            **common,
            baseline=None,
            trajectory=(None,) * len(years),
            source="not given in the plan",
            trajectory_source="",
        )
    else:
        baseline, source = float(given.baseline), given.source or "the plan"
    trajectory = _held(years, baseline, given_trajectory)
    how = "the plan" if given_trajectory else f"{HELD}: the plan gives no trajectory"
    return IndicatorResult(**common, baseline=baseline, trajectory=trajectory, source=source, trajectory_source=how)


def work_out_gaps(ctx: Context) -> Gaps:
    result, risk = ctx.result, ctx.risk
    finance = FinanceGap(
        do_nothing_gbp000=tuple(float(v) for v in result.do_nothing[0]),
        with_plan_gbp000=tuple(float(v) for v in result.with_plan[0]),
        final_percentiles_gbp000=None if risk is None else tuple(float(v) for v in risk.percentiles[:, -1]),
        probability_of_balance=None if risk is None else float(risk.p_balance[-1]),
    )
    given = {i.id: i for i in ctx.plan.indicators}
    care = [_standard(ctx, measure, given.get(measure.value)) for measure in Measure]
    local: dict[IndicatorGap, list[IndicatorResult]] = {gap: [] for gap in IndicatorGap}
    known = {m.value for m in Measure}
    for indicator in ctx.plan.indicators:
        if indicator.id in known:
            continue
        local[indicator.gap].append(
            IndicatorResult(
                id=indicator.id,
                name=indicator.name,
                gap=indicator.gap,
                unit=indicator.unit,
                better=indicator.better,
                baseline=float(indicator.baseline),
                target=float(indicator.target),
                trajectory=_held(ctx.years, float(indicator.baseline), indicator.trajectory),
                source=indicator.source or "the plan",
                trajectory_source="the plan" if indicator.trajectory else f"{HELD}: the plan gives none",
            )
        )
    return Gaps(
        years=ctx.years,
        finance=finance,
        care_quality=tuple(c for c in care if c is not None) + tuple(local[IndicatorGap.CARE_QUALITY]),
        health_wellbeing=tuple(local[IndicatorGap.HEALTH_WELLBEING]),
    )


__all__ = ["GAPS_NOTE", "FinanceGap", "Gaps", "IndicatorResult", "work_out_gaps"]
