"""Run a plan: the do-nothing projection, the plan's schemes, the capacity it keeps, and the
bridge between them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from stpkit.domain import OrgKind, Plan
from stpkit.engine.assumptions import Assumptions, resolve_assumptions
from stpkit.engine.bridge import (
    CAPACITY_REMOVED,
    FUND_REGAINED,
    FUND_WITHHELD,
    INTERACTION_OF_DRIVERS,
    INTERACTION_OF_SCHEMES,
    STRANDED_COST,
    Bridge,
    Leg,
    Step,
    interaction,
)
from stpkit.engine.capacity import BedLayout, Beds, bed_days_per_unit, bed_layout, plan_beds
from stpkit.engine.capital import Capital, plan_capital
from stpkit.engine.components import compile_schemes
from stpkit.engine.ledger import (
    SERVICE_LINES,
    Behaviour,
    CostBehaviour,
    Ledger,
    LineKind,
    build_cells,
    build_ledger,
)
from stpkit.engine.project import (
    DRIVER_LABELS,
    DRIVERS,
    Rates,
    Values,
    central_rates,
    combination_weights,
    cumulative_index,
    project,
    values,
)
from stpkit.engine.schemes import (
    SchemeSet,
    build_schemes,
    central_effect,
    combined_change,
    lead,
    log_factor,
    single_change,
)
from stpkit.engine.workforce import Workforce, plan_workforce
from stpkit.reference.parameters import ParameterSet


@dataclass(frozen=True)
class Prepared:
    """A plan laid out for the model: everything that does not depend on the draws."""

    plan: Plan
    assumptions: Assumptions
    ledger: Ledger
    schemes: SchemeSet

    @cached_property
    def beds_layout(self) -> BedLayout:
        return bed_layout(self.plan, self.ledger, self.assumptions)

    @cached_property
    def control_totals(self) -> np.ndarray | None:
        """``(years, orgs)`` each provider's control total at the footprint's share, NaN where it
        has none (and in the base year, which is what happened); None when no one has one."""
        ledger = self.ledger
        out = np.full((len(ledger.years), ledger.n_orgs), np.nan)
        for org in self.plan.organisations:
            if org.baseline.control_total_gbp000:
                o = ledger.org_codes.index(org.code)
                for t, year in enumerate(ledger.years[1:], start=1):
                    if year in org.baseline.control_total_gbp000:
                        out[t, o] = org.baseline.control_total_gbp000[year] * ledger.org_share[o]
        return out if not np.isnan(out).all() else None

    @cached_property
    def do_nothing_weights(self) -> np.ndarray:
        """``(years, combinations, orgs)``: how the do-nothing lines add up to positions."""
        ledger = self.ledger
        return combination_weights(ledger, ledger.org_matrix() * ~ledger.is_arrival[:, None])


@dataclass(frozen=True)
class PlanResult:
    """Everything the engine works out for one plan. Money is £000, surplus positive.

    Arrays have a leading runs axis; run 0 is the central case. ``by_org`` arrays end in an
    organisation axis, in the order of ``ledger.org_codes``. ``bridge`` goes from the base-year
    position to the do-nothing (one step per driver) and on to the position with the plan (one
    step per scheme on paper, their interaction, the cost that stays, the capacity removed);
    the positions at its ends are worked out on their own, not as sums of its steps."""

    plan: Plan
    assumptions: Assumptions
    ledger: Ledger
    schemes: SchemeSet
    bridge: Bridge
    paper_by_org: np.ndarray  # (runs, years, orgs) with the schemes, every avoided cost removed
    stranded_by_scheme: np.ndarray  # (runs, years, schemes) cost each scheme alone leaves behind
    lines_do_nothing: np.ndarray  # (runs, years, lines)
    lines_with_plan: np.ndarray  # (runs, years, lines)
    activity_do_nothing: np.ndarray  # (runs, years, cells) units
    activity_with_plan: np.ndarray  # (runs, years, cells) units
    arrivals_with_plan: np.ndarray  # (runs, years, arrivals) units
    beds: Beds
    workforce: Workforce
    capital: Capital

    @property
    def years(self) -> tuple[str, ...]:
        return self.ledger.years

    @property
    def to_do_nothing(self) -> Leg:
        return self.bridge.leg("do_nothing")

    @property
    def to_with_plan(self) -> Leg:
        return self.bridge.leg("with_plan")

    @property
    def do_nothing_by_org(self) -> np.ndarray:
        """``(runs, years, orgs)``"""
        return self.to_do_nothing.end_by_org

    @property
    def with_plan_by_org(self) -> np.ndarray:
        """``(runs, years, orgs)``"""
        return self.to_with_plan.end_by_org

    @property
    def base_by_org(self) -> np.ndarray:
        """``(orgs,)`` base-year position of each organisation."""
        return self.do_nothing_by_org[0, 0]

    @property
    def driver_effect_by_org(self) -> np.ndarray:
        """``(runs, years, drivers, orgs)`` each driver alone, change from the base year."""
        return np.stack([self.to_do_nothing.step(d.value).by_org for d in DRIVERS], axis=2)

    @property
    def driver_interaction_by_org(self) -> np.ndarray:
        return self.to_do_nothing.step(INTERACTION_OF_DRIVERS[0]).by_org

    @property
    def scheme_effect_by_org(self) -> np.ndarray:
        """``(runs, years, schemes, orgs)`` each scheme alone, on paper, with its running cost."""
        steps = self.to_with_plan.scheme_steps()
        if not steps:
            return np.zeros(self.paper_by_org.shape[:2] + (0,) + self.paper_by_org.shape[2:])
        return np.stack([s.by_org for s in steps], axis=2)

    @property
    def scheme_interaction_by_org(self) -> np.ndarray:
        return self.to_with_plan.step(INTERACTION_OF_SCHEMES[0]).by_org

    def fund_withheld_by_org(self) -> tuple[np.ndarray, np.ndarray]:
        """``(runs, years, orgs)`` STF withheld (<= 0) for missed control totals: do nothing, and
        with the plan (zeros without control totals)."""
        steps = {s.id: s.by_org for s in self.to_do_nothing.steps + self.to_with_plan.steps}
        if FUND_WITHHELD[0] not in steps:
            zeros = np.zeros_like(self.paper_by_org)
            return zeros, zeros
        do_nothing = steps[FUND_WITHHELD[0]]
        return do_nothing, do_nothing + steps[FUND_REGAINED[0]]

    @property
    def stranded_by_org(self) -> np.ndarray:
        """``(runs, years, orgs)`` position effect (<= 0) of cost that stays."""
        return self.to_with_plan.step(STRANDED_COST[0]).by_org

    @property
    def capacity_by_org(self) -> np.ndarray:
        """``(runs, years, orgs)`` position effect of wards and sites closed."""
        return self.to_with_plan.step(CAPACITY_REMOVED[0]).by_org

    @property
    def do_nothing(self) -> np.ndarray:
        """``(runs, years)`` consolidated do-nothing position of the footprint."""
        return self.do_nothing_by_org.sum(axis=-1)

    @property
    def paper(self) -> np.ndarray:
        return self.paper_by_org.sum(axis=-1)

    @property
    def with_plan(self) -> np.ndarray:
        return self.with_plan_by_org.sum(axis=-1)

    @property
    def driver_effect(self) -> np.ndarray:
        return self.driver_effect_by_org.sum(axis=-1)

    @property
    def driver_interaction(self) -> np.ndarray:
        return self.driver_interaction_by_org.sum(axis=-1)

    @property
    def scheme_effect(self) -> np.ndarray:
        return self.scheme_effect_by_org.sum(axis=-1)

    @property
    def scheme_interaction(self) -> np.ndarray:
        return self.scheme_interaction_by_org.sum(axis=-1)

    @property
    def stranded(self) -> np.ndarray:
        return self.stranded_by_org.sum(axis=-1)

    @property
    def capacity(self) -> np.ndarray:
        return self.capacity_by_org.sum(axis=-1)


def cost_behaviour(assumptions: Assumptions) -> CostBehaviour:
    variable = {k: assumptions.series("cost_variable_share_pct", k.value)[0] / 100.0 for k in OrgKind if k.is_provider}
    semi = {k: assumptions.series("cost_semi_fixed_share_pct", k.value)[0] / 100.0 for k in OrgKind if k.is_provider}
    # A line uses beds if it does in any year, as the beds model counts it (capacity.bed_layout).
    per_unit = bed_days_per_unit(assumptions)
    bedded = frozenset(line for i, line in enumerate(SERVICE_LINES) if (per_unit[:, i] > 0).any())
    return CostBehaviour(variable=variable, semi_fixed=semi, bedded_lines=bedded)


def prepare(plan: Plan, params: ParameterSet) -> Prepared:
    """Lay out a plan that has passed validation."""
    assumptions = resolve_assumptions(plan, params)
    cells = build_cells(plan)
    behaviour = cost_behaviour(assumptions)
    grows_with_activity = {
        p: behaviour.variable[o.kind] + behaviour.semi_fixed[o.kind]
        for p, o in enumerate(plan.organisations)
        if o.kind.is_provider
    }
    compiled = compile_schemes(plan, cells, assumptions, params.ae_admission_rates, grows_with_activity)
    ledger = build_ledger(plan, cells, behaviour, assumptions.fraction("allocation_growth_pct"), compiled.arrivals)
    schemes = build_schemes(plan, ledger, compiled.components)
    return Prepared(plan, assumptions, ledger, schemes)


def central_case(prepared: Prepared) -> PlanResult:
    """The central case of a laid-out plan: every uncertain input at its central value."""
    return evaluate(prepared, central_rates(prepared.assumptions), central_effect(prepared.schemes))


def run_plan(plan: Plan, params: ParameterSet) -> PlanResult:
    """The central case of a plan that has passed validation."""
    return central_case(prepare(plan, params))


class Stages:
    """The model for one set of draws, as a chain of named stages: do nothing; the schemes on
    paper; what lands (and the cost that stays); activity moved and received; beds and wards;
    capacity released; investment. Each stage is worked out once, when first asked for, from
    the stages before it, and each ``*_by_org`` stage is its own change to the position
    ``(runs, years, orgs)``. The central case asks for every stage; risk runs ask only for the
    ones they keep, so work they do not need is never done.

    ``rates`` are the draws of the yearly rates; ``effect`` is ``(runs, years, components)``,
    each scheme component's effect in force."""

    def __init__(self, prepared: Prepared, rates: Rates, effect: np.ndarray, *, all_cells: bool = True):
        self.prepared, self.rates, self.effect = prepared, rates, effect
        self.ledger, self.schemes = prepared.ledger, prepared.schemes
        # Central runs report activity in every cell; risk runs need only the cells that use beds.
        self.all_cells = all_cells

    # Indices, built once per set of draws.

    @cached_property
    def volume(self) -> np.ndarray:
        """``(runs, years, service lines)`` activity index."""
        return cumulative_index(self.rates.demand)

    @cached_property
    def values(self) -> Values:
        return values(self.ledger, self.rates, volume=self.volume)

    @cached_property
    def log_change(self) -> np.ndarray:
        """``(runs, years, components)`` log of each component's factor."""
        return log_factor(self.schemes, self.effect)

    def _do_nothing_of(self, columns: np.ndarray) -> np.ndarray:
        """Do-nothing values of some lines (arrival lines are nil in the do-nothing)."""
        return self.values.of(columns) * ~self.ledger.is_arrival[columns]

    @cached_property
    def _touched_do_nothing(self) -> np.ndarray:
        return self._do_nothing_of(self.schemes.touched)

    # Stage 1: do nothing.

    @cached_property
    def do_nothing_by_org(self) -> np.ndarray:
        """The do-nothing position itself (the other stages are changes to it)."""
        return self.values.summed(self.prepared.do_nothing_weights)

    @cached_property
    def lines_do_nothing(self) -> np.ndarray:
        """``(runs, years, lines)``; arrival lines are nil."""
        possible = self.values.all()
        return possible * ~self.ledger.is_arrival if self.ledger.arrivals else possible

    # Stage 2: the schemes on paper, with all the cost of the activity they avoid going with it.

    @cached_property
    def paper_change(self) -> np.ndarray:
        """``(runs, years, touched lines)``"""
        return self._touched_do_nothing * combined_change(np.exp(self.log_change), self.schemes.paper_acting)

    @cached_property
    def on_paper_by_org(self) -> np.ndarray:
        return self.ledger.by_org(self.paper_change, self.schemes.touched)

    # Stage 3: what lands. Variable cost goes at once; semi-fixed cost of activity outside beds
    # goes once the scheme removes its capacity; the rest stays (stranded cost).

    @cached_property
    def landed_change(self) -> np.ndarray:
        """``(runs, years, touched lines)``"""
        schemes = self.schemes
        log_capacity = log_factor(schemes, self.effect * schemes.capacity_mask[None])
        factors = np.exp(np.concatenate([self.log_change, log_capacity], axis=2))
        return self._touched_do_nothing * combined_change(factors, schemes.landed_acting)

    @cached_property
    def landed_by_org(self) -> np.ndarray:
        return self.ledger.by_org(self.landed_change, self.schemes.touched)

    @cached_property
    def stranded_by_org(self) -> np.ndarray:
        """Position effect (<= 0) of the cost the schemes take away on paper that stays, line by
        line: paper less landed on each line the schemes touch."""
        return self.ledger.by_org(self.landed_change - self.paper_change, self.schemes.touched)

    # Stage 4: activity moved and received. Arrival lines are never touched by a scheme's
    # lines and never closed.

    @cached_property
    def moved_lines(self) -> np.ndarray:
        return np.flatnonzero(self.ledger.is_arrival)

    @cached_property
    def arrival_share(self) -> np.ndarray:
        return arrival_share(self.ledger, self.schemes, self.effect, self.log_change)

    @cached_property
    def arrived(self) -> np.ndarray:
        """``(runs, years, arrival lines)`` value of what has arrived."""
        return self.values.of(self.moved_lines) * _arrival_effect(self.ledger, self.schemes, self.arrival_share)

    @cached_property
    def moved_by_org(self) -> np.ndarray:
        if not len(self.moved_lines):
            return np.zeros_like(self.do_nothing_by_org)
        return self.ledger.by_org(self.arrived, self.moved_lines)

    @cached_property
    def arrivals_with_plan(self) -> np.ndarray:
        """``(runs, years, arrivals)`` units of activity that have arrived."""
        ledger = self.ledger
        if not ledger.arrivals:
            return np.zeros(self.effect.shape[:2] + (0,))
        leaving = ledger.cell_line[ledger.arrival_cell]
        units = np.array([a.units for a in ledger.arrivals])
        return units * self.volume[..., leaving] * self.arrival_share

    # Stage 5: beds and wards. Bed days come from activity and from stays, shorter with the plan.

    @cached_property
    def _cells(self) -> slice | np.ndarray:
        return slice(None) if self.all_cells else self.prepared.beds_layout.cells

    @cached_property
    def activity_do_nothing(self) -> np.ndarray:
        """``(runs, years, cells)`` units (only the bedded cells for risk runs)."""
        ledger = self.ledger
        if not ledger.cells:
            return np.zeros(self.volume.shape[:2] + (0,))
        return (self.volume[:, :, ledger.cell_line] * ledger.cell_activity)[..., self._cells]

    @cached_property
    def activity_with_plan(self) -> np.ndarray:
        acting_on = self.schemes.cells_acting[:, self._cells]
        return self.activity_do_nothing * (1.0 + combined_change(np.exp(self.log_change), acting_on))

    @cached_property
    def stays_with_plan(self) -> np.ndarray:
        """``(runs, years, cells)`` bed days per unit with the plan, as a share of the do-nothing's
        (shorter stays; only the bedded cells for risk runs)."""
        acting_on = self.schemes.stays_acting[:, self._cells]
        return 1.0 + combined_change(np.exp(self.log_change), acting_on)

    @cached_property
    def _semi_fixed_bedded(self) -> np.ndarray:
        ledger = self.ledger
        is_cost = ledger.kind == LineKind.COST
        return is_cost & (ledger.behaviour == Behaviour.SEMI_FIXED) & ledger.bedded & ~ledger.is_arrival

    @cached_property
    def beds(self) -> Beds:
        semi = np.flatnonzero(self._semi_fixed_bedded)
        semi_cost = -self.ledger.by_org(self._do_nothing_of(semi), semi)
        bedded = self.prepared.beds_layout.cells if self.all_cells else slice(None)
        # Shorter stays count as fewer units at today's bed days per unit.
        stayed = self.activity_with_plan[..., bedded] * self.stays_with_plan[..., bedded]
        return plan_beds(
            self.prepared.beds_layout, self.rates, self.activity_do_nothing[..., bedded], stayed,
            self.arrivals_with_plan, semi_cost,
        )

    # Stage 6: capacity released. Closing wards releases semi-fixed cost of bedded activity,
    # closing sites fixed cost, each as the schemes leave it; a closed site may earn income.

    @cached_property
    def closing(self) -> np.ndarray:
        ledger = self.ledger
        is_fixed_cost = (ledger.kind == LineKind.COST) & (ledger.behaviour == Behaviour.FIXED)
        return np.flatnonzero(self._semi_fixed_bedded | is_fixed_cost)

    @cached_property
    def capacity_factor(self) -> np.ndarray:
        """``(runs, years, closing lines)`` share of each closing line's cost kept."""
        owner = self.ledger.org[self.closing]
        semi = self._semi_fixed_bedded[self.closing]
        return np.where(semi, self.beds.semi_fixed_factor[..., owner], self.beds.fixed_factor[None, :, owner])

    @cached_property
    def capacity_by_org(self) -> np.ndarray:
        ledger, closing = self.ledger, self.closing
        released = self.capacity_factor - 1.0
        out = ledger.by_org(self._do_nothing_of(closing) * released, closing)
        _, in_closing, in_touched = np.intersect1d(closing, self.schemes.touched, return_indices=True)
        if len(in_closing):
            landed = self.landed_change[..., in_touched]
            out += ledger.by_org(landed * released[..., in_closing], closing[in_closing])
        return out + self.beds.repurposing_income_gbp000[None]

    # Stage 7: investment, the schemes' running cost.

    @cached_property
    def investment_by_org(self) -> np.ndarray:
        schemes = self.schemes
        return -(schemes.investment_gbp000 @ _one_hot(schemes.owner, self.ledger.n_orgs))[None]

    # Stage 8: the Sustainability and Transformation Fund, paid to a provider in a year only if
    # it meets its control total that year (STF included); worked out on the do-nothing and on
    # the position with the plan, run by run.

    @cached_property
    def sustainability_fund_by_org(self) -> np.ndarray:
        """``(runs, years, orgs)`` STF income as planned."""
        lines = np.flatnonzero(self.ledger.kind == LineKind.SUSTAINABILITY_FUND)
        if not len(lines):
            return np.zeros_like(self.do_nothing_by_org)
        return self.ledger.by_org(self.values.of(lines), lines)

    def _fund_withheld(self, position_by_org: np.ndarray) -> np.ndarray:
        """The change (<= 0) from STF not paid where ``position_by_org`` misses the control total."""
        control = self.prepared.control_totals
        if control is None:
            return np.zeros_like(position_by_org)
        missed = position_by_org < control[None]  # NaN (no control total) never misses
        return np.where(missed, -self.sustainability_fund_by_org, 0.0)

    @cached_property
    def fund_withheld_do_nothing_by_org(self) -> np.ndarray:
        return self._fund_withheld(self.do_nothing_by_org)

    @cached_property
    def fund_withheld_with_plan_by_org(self) -> np.ndarray:
        return self._fund_withheld(self.with_plan_before_fund_by_org)

    # Positions reached, from the stages.

    @cached_property
    def paper_by_org(self) -> np.ndarray:
        return self.do_nothing_by_org + self.on_paper_by_org + self.moved_by_org + self.investment_by_org

    @cached_property
    def landed_position_by_org(self) -> np.ndarray:
        """The position before wards and sites close."""
        return self.do_nothing_by_org + self.landed_by_org + self.moved_by_org + self.investment_by_org

    @cached_property
    def with_plan_before_fund_by_org(self) -> np.ndarray:
        """The position with the plan with all the STF planned."""
        return self.landed_position_by_org + self.capacity_by_org

    @cached_property
    def do_nothing_position_by_org(self) -> np.ndarray:
        """The do-nothing position, with STF only where control totals are met."""
        return self.do_nothing_by_org + self.fund_withheld_do_nothing_by_org

    @cached_property
    def with_plan_by_org(self) -> np.ndarray:
        """The position with the plan, with STF only where control totals are met."""
        return self.with_plan_before_fund_by_org + self.fund_withheld_with_plan_by_org

    # Lines with the plan, worked out from each line's own value (for tables, workforce and the
    # check that the stages add up).

    @cached_property
    def lines_with_plan(self) -> np.ndarray:
        lines = self.lines_do_nothing.copy()
        if len(self.moved_lines):
            lines[..., self.moved_lines] += self.arrived
        lines[..., self.schemes.touched] += self.landed_change
        lines[..., self.closing] *= self.capacity_factor
        return lines

    @cached_property
    def with_plan_from_lines_by_org(self) -> np.ndarray:
        """The position with the plan added up from the lines with the plan, not from the stages."""
        repurposing = self.beds.repurposing_income_gbp000[None]
        lines = self.ledger.by_org(self.lines_with_plan)
        return lines + self.investment_by_org + repurposing + self.fund_withheld_with_plan_by_org


def evaluate(prepared: Prepared, rates: Rates, effect: np.ndarray) -> PlanResult:
    """Everything for the given draws: the positions, the bridge to them driver by driver and
    scheme by scheme, activity, beds, workforce and capital."""
    plan, ledger, schemes = prepared.plan, prepared.ledger, prepared.schemes
    stages = Stages(prepared, rates, effect)
    to_org = ledger.org_matrix()
    owns = (to_org != 0).astype(float)

    dn = stages.do_nothing_by_org
    base = np.broadcast_to(dn[:, :1], dn.shape)
    drivers = [Step(d.value, DRIVER_LABELS[d], project(ledger, rates, {d}) @ to_org - base) for d in DRIVERS]
    drivers.append(interaction(INTERACTION_OF_DRIVERS, base, drivers, dn))
    conditional_fund = prepared.control_totals is not None
    if conditional_fund:
        drivers.append(Step(*FUND_WITHHELD, stages.fund_withheld_do_nothing_by_org))

    alone = _scheme_alone(ledger, schemes, effect, stages.lines_do_nothing, stages.values.all(), owns) - (
        schemes.investment_gbp000[:, :, None] * _one_hot(schemes.owner, ledger.n_orgs)[None]
    )[None]
    steps = [Step(s.id, s.name, alone[:, :, i], scheme=i) for i, s in enumerate(plan.schemes)]
    steps.append(interaction(INTERACTION_OF_SCHEMES, dn, steps, stages.paper_by_org))
    steps.append(Step(*STRANDED_COST, stages.stranded_by_org))
    steps.append(Step(*CAPACITY_REMOVED, stages.capacity_by_org))
    if conditional_fund:
        regained = stages.fund_withheld_with_plan_by_org - stages.fund_withheld_do_nothing_by_org
        steps.append(Step(*FUND_REGAINED, regained))
    dn_position = stages.do_nothing_position_by_org
    bridge = Bridge(
        "base_position",
        f"Base-year position ({ledger.years[0]})",
        (
            Leg("do_nothing", "Do-nothing position", base, tuple(drivers), dn_position),
            Leg("with_plan", "Position with the plan", dn_position, tuple(steps), stages.with_plan_from_lines_by_org),
        ),
    )
    return PlanResult(
        plan=plan,
        assumptions=prepared.assumptions,
        ledger=ledger,
        schemes=schemes,
        bridge=bridge,
        paper_by_org=stages.paper_by_org,
        stranded_by_scheme=_stranded_alone(ledger, schemes, effect, stages.lines_do_nothing),
        lines_do_nothing=stages.lines_do_nothing,
        lines_with_plan=stages.lines_with_plan,
        activity_do_nothing=stages.activity_do_nothing,
        activity_with_plan=stages.activity_with_plan,
        arrivals_with_plan=stages.arrivals_with_plan,
        beds=stages.beds,
        workforce=plan_workforce(
            plan, ledger, prepared.assumptions, rates, schemes, effect, stages.lines_do_nothing, stages.lines_with_plan
        ),
        capital=plan_capital(plan, stages.beds.disposal_receipts_gbp000.sum(axis=1)),
    )


def _one_hot(index: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros((len(index), size))
    out[np.arange(len(index)), index] = 1.0
    return out


def arrival_share(
    ledger: Ledger, schemes: SchemeSet, effect: np.ndarray, log_change: np.ndarray | None = None
) -> np.ndarray:
    """``(runs, years, arrivals)``: the share of the leaving cell's do-nothing activity that
    each arrival brings. Components reducing the same cell combine multiplicatively, so
    together they take ``1 - prod(1 - e)`` of it; each takes its part of that in proportion to
    ``-log(1 - e)``, and a shift's part arrives elsewhere. With one component this is ``e``."""
    if not ledger.arrivals:
        return np.zeros(effect.shape[:2] + (0,))
    if log_change is None:
        log_change = log_factor(schemes, effect)
    cell_log = log_change @ schemes.cells[:, ledger.arrival_cell]
    own = log_change[..., ledger.arrival_component]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(cell_log < 0, -np.expm1(cell_log) * own / cell_log, 0.0)


def _arrival_effect(ledger: Ledger, schemes: SchemeSet, share: np.ndarray) -> np.ndarray:
    """``(runs, years, arrival lines)``: how much of each arrival line's activity has arrived,
    from the share each arrival brings ``(runs, years, arrivals)``; the receiving service's
    cost comes early by the component's lead time."""
    lines = np.flatnonzero(ledger.is_arrival)
    early = lead(share, schemes.lead_years[ledger.arrival_component])
    arrival = ledger.arrival[lines]
    is_cost = ledger.kind[lines] == LineKind.COST
    return np.where(is_cost, early[..., arrival], share[..., arrival])


def _scheme_alone(
    ledger: Ledger, schemes: SchemeSet, effect: np.ndarray, lines_dn: np.ndarray, possible: np.ndarray, owns: np.ndarray
) -> np.ndarray:
    """``(runs, years, schemes, orgs)``: each scheme as if it were the only one, on paper. A
    component on its own changes every line it acts on by the same fraction, and the activity
    it moves arrives in full."""
    signed = lines_dn * ledger.sign
    touched = np.einsum("rtl,kl,lo->rtko", signed, schemes.paper, owns)
    by_component = single_change(schemes, effect)[..., None] * touched
    if ledger.arrivals:
        component = np.array([ledger.arrivals[a].component if a >= 0 else 0 for a in ledger.arrival])
        arrival_lines = _one_hot(component, schemes.n_components) * ledger.is_arrival[:, None]
        alone = np.array([a.component for a in ledger.arrivals], dtype=np.int64)
        moved = np.flatnonzero(ledger.is_arrival)
        arrived = np.zeros_like(possible)
        arrived[..., moved] = possible[..., moved] * _arrival_effect(ledger, schemes, effect[..., alone])
        by_component += np.einsum("rtl,lk,lo->rtko", arrived * ledger.sign, arrival_lines, owns)
    return np.moveaxis(schemes.sum_by_scheme(np.moveaxis(by_component, 2, -1)), -1, 2)


def _stranded_alone(ledger: Ledger, schemes: SchemeSet, effect: np.ndarray, lines_dn: np.ndarray) -> np.ndarray:
    """``(runs, years, schemes)``: the cost each scheme alone would leave behind (positive)."""
    costs = lines_dn * (ledger.kind == LineKind.COST)
    stays = costs @ (schemes.paper - schemes.real).T  # cost that does not go at once
    released_later = costs @ schemes.capacity.T
    fall = -single_change(schemes, effect)
    fall_later = -single_change(schemes, effect * schemes.capacity_mask[None])
    return schemes.sum_by_scheme(fall * stays - fall_later * released_later)
