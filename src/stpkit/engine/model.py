"""Run a plan: the do-nothing projection, the plan's schemes, the capacity it keeps, and the
bridge between them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from stpkit.domain import OrgKind, Plan
from stpkit.engine.assumptions import Assumptions, resolve_assumptions
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
from stpkit.engine.project import DRIVERS, Rates, central_rates, combination_weights, cumulative_index, project, values
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
    def do_nothing_weights(self) -> np.ndarray:
        """``(years, combinations, orgs)``: how the do-nothing lines add up to positions."""
        ledger = self.ledger
        return combination_weights(ledger, ledger.org_matrix() * ~ledger.is_arrival[:, None])


@dataclass(frozen=True)
class PlanResult:
    """Everything the engine works out for one plan. Money is £000, surplus positive.

    Arrays have a leading runs axis; run 0 is the central case. ``by_org`` arrays end in an
    organisation axis, in the order of ``ledger.org_codes``. The position with the plan is
    reached in three steps from the do-nothing: the schemes as planned, with all the cost of
    the activity they avoid going with it (``paper``); less the cost that stays (stranded);
    plus the capacity the plan removes (wards and sites closed)."""

    plan: Plan
    assumptions: Assumptions
    ledger: Ledger
    schemes: SchemeSet
    do_nothing_by_org: np.ndarray  # (runs, years, orgs)
    paper_by_org: np.ndarray  # (runs, years, orgs) with the schemes, every avoided cost removed
    with_plan_by_org: np.ndarray  # (runs, years, orgs)
    driver_effect_by_org: np.ndarray  # (runs, years, drivers, orgs) change from the base year
    driver_interaction_by_org: np.ndarray  # (runs, years, orgs)
    scheme_effect_by_org: np.ndarray  # (runs, years, schemes, orgs) each scheme alone, on paper
    scheme_interaction_by_org: np.ndarray  # (runs, years, orgs)
    stranded_by_org: np.ndarray  # (runs, years, orgs) position effect (<= 0) of cost that stays
    capacity_by_org: np.ndarray  # (runs, years, orgs) position effect of wards and sites closed
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
    def base_by_org(self) -> np.ndarray:
        """``(orgs,)`` base-year position of each organisation."""
        return self.do_nothing_by_org[0, 0]

    def _total(self, by_org: np.ndarray) -> np.ndarray:
        return by_org.sum(axis=-1)

    @property
    def do_nothing(self) -> np.ndarray:
        """``(runs, years)`` consolidated do-nothing position of the footprint."""
        return self._total(self.do_nothing_by_org)

    @property
    def paper(self) -> np.ndarray:
        return self._total(self.paper_by_org)

    @property
    def with_plan(self) -> np.ndarray:
        return self._total(self.with_plan_by_org)

    @property
    def driver_effect(self) -> np.ndarray:
        return self._total(self.driver_effect_by_org)

    @property
    def driver_interaction(self) -> np.ndarray:
        return self._total(self.driver_interaction_by_org)

    @property
    def scheme_effect(self) -> np.ndarray:
        return self._total(self.scheme_effect_by_org)

    @property
    def scheme_interaction(self) -> np.ndarray:
        return self._total(self.scheme_interaction_by_org)

    @property
    def stranded(self) -> np.ndarray:
        return self._total(self.stranded_by_org)

    @property
    def capacity(self) -> np.ndarray:
        return self._total(self.capacity_by_org)


def cost_behaviour(assumptions: Assumptions) -> CostBehaviour:
    variable = {k: assumptions.series("cost_variable_share_pct", k.value)[0] / 100.0 for k in OrgKind if k.is_provider}
    semi = {k: assumptions.series("cost_semi_fixed_share_pct", k.value)[0] / 100.0 for k in OrgKind if k.is_provider}
    per_unit = bed_days_per_unit(assumptions)[0]
    bedded = frozenset(line for i, line in enumerate(SERVICE_LINES) if per_unit[i] > 0)
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


def run_plan(plan: Plan, params: ParameterSet) -> PlanResult:
    """The central case of a plan that has passed validation."""
    prepared = prepare(plan, params)
    return evaluate(prepared, central_rates(prepared.assumptions), central_effect(prepared.schemes))


@dataclass(frozen=True)
class Core:
    """The positions the model reaches for a set of runs, and the arrays they come from."""

    possible: np.ndarray  # (runs, years, lines) every line as if all moved activity had moved
    lines_dn: np.ndarray  # (runs, years, lines)
    dn_by_org: np.ndarray  # (runs, years, orgs)
    log_change: np.ndarray  # (runs, years, components)
    lines_wp: np.ndarray | None  # (runs, years, lines)
    cells_dn: np.ndarray  # (runs, years, cells); only the cells that use beds without ``lines``
    cells_wp: np.ndarray  # (runs, years, cells); likewise
    arrivals_wp: np.ndarray  # (runs, years, arrivals)
    beds: Beds
    paper_by_org: np.ndarray | None  # (runs, years, orgs)
    landed_by_org: np.ndarray  # (runs, years, orgs) before wards and sites close
    wp_by_org: np.ndarray  # (runs, years, orgs)


def core(prepared: Prepared, rates: Rates, effect: np.ndarray, lines: bool = True, paper: bool = True) -> Core:
    """Do nothing, the schemes on paper, as they really land, and with the capacity the plan
    removes, for the given draws of the rates and of each component's effect
    ``(runs, years, components)``. Both the central case and risk runs go through here; risk
    runs ask for positions only (``lines=False``: ``lines_wp`` is then None), and national risk
    runs need no positions on paper (``paper=False``: ``paper_by_org`` is then None)."""
    ledger, schemes = prepared.ledger, prepared.schemes
    investment = (schemes.investment_gbp000 @ _one_hot(schemes.owner, ledger.n_orgs))[None]

    value = values(ledger, rates)
    possible = lines_dn = None
    if lines:
        possible = value.all()
        lines_dn = possible * ~ledger.is_arrival if ledger.arrivals else possible
    dn_by_org = value.summed(prepared.do_nothing_weights)

    def dn_of(columns: np.ndarray) -> np.ndarray:
        """Do-nothing values of some lines (arrival lines are nil in the do-nothing)."""
        return value.of(columns) * ~ledger.is_arrival[columns]

    # The schemes on paper, and as they really land before capacity is removed. Only the lines
    # some component touches change; the rest are worked on as changes from the do-nothing.
    log_change = log_factor(schemes, effect)
    log_capacity = log_factor(schemes, effect * schemes.capacity_mask[None])
    touched = schemes.touched
    dn_touched = dn_of(touched)
    landed_change = dn_touched * combined_change(
        np.exp(np.concatenate([log_change, log_capacity], axis=2)), schemes.landed_acting
    )
    paper_by_org = None
    if paper:
        paper_change = dn_touched * combined_change(np.exp(log_change), schemes.paper_acting)
        paper_by_org = dn_by_org + ledger.by_org(paper_change, touched)
    landed_by_org = dn_by_org + ledger.by_org(landed_change, touched)
    # Moved activity (arrival lines are never closed and never touched by a scheme's lines).
    moved = np.flatnonzero(ledger.is_arrival)
    if len(moved):
        arrived = value.of(moved) * _arrival_effect(ledger, schemes, arrival_share(ledger, schemes, effect))
        arrived_by_org = ledger.by_org(arrived, moved)
        if paper_by_org is not None:
            paper_by_org += arrived_by_org
        landed_by_org += arrived_by_org
    # Activity, beds, and the capacity the plan keeps: wards close (semi-fixed cost of bedded
    # activity) and sites close (fixed cost).
    # Risk runs need only the cells that use beds.
    cells = slice(None) if lines else prepared.beds_layout.cells
    cells_dn = _cell_activity(ledger, rates)[..., cells]
    cells_wp = cells_dn * (1.0 + combined_change(np.exp(log_change), schemes.cells_acting[:, cells]))
    arrivals_wp = _arrival_units(ledger, schemes, rates, effect)
    is_cost = ledger.kind == LineKind.COST
    semi_bedded = is_cost & (ledger.behaviour == Behaviour.SEMI_FIXED) & ledger.bedded & ~ledger.is_arrival
    semi_bedded_cost = -ledger.by_org(dn_of(np.flatnonzero(semi_bedded)), np.flatnonzero(semi_bedded))
    bedded_cells = slice(None) if not lines else prepared.beds_layout.cells
    beds = plan_beds(
        prepared.beds_layout, rates, cells_dn[..., bedded_cells], cells_wp[..., bedded_cells], arrivals_wp,
        semi_bedded_cost,
    )
    closing = np.flatnonzero(semi_bedded | (is_cost & (ledger.behaviour == Behaviour.FIXED)))
    owner = ledger.org[closing]
    capacity_factor = np.where(
        semi_bedded[closing], beds.semi_fixed_factor[..., owner], beds.fixed_factor[None, :, owner]
    )
    # Closing wards and sites releases part of the cost that closes, as the schemes leave it.
    released = capacity_factor - 1.0
    wp_by_org = landed_by_org + ledger.by_org(dn_of(closing) * released, closing)
    _, in_closing, in_touched = np.intersect1d(closing, touched, return_indices=True)
    if len(in_closing):
        wp_by_org += ledger.by_org(landed_change[..., in_touched] * released[..., in_closing], closing[in_closing])
    lines_wp = None
    if lines:
        lines_wp = lines_dn.copy()
        if len(moved):
            lines_wp[..., moved] += arrived
        lines_wp[..., touched] += landed_change
        lines_wp[..., closing] *= capacity_factor

    return Core(
        possible=possible,
        lines_dn=lines_dn,
        dn_by_org=dn_by_org,
        log_change=log_change,
        lines_wp=lines_wp,
        cells_dn=cells_dn,
        cells_wp=cells_wp,
        arrivals_wp=arrivals_wp,
        beds=beds,
        paper_by_org=paper_by_org - investment if paper_by_org is not None else None,
        landed_by_org=landed_by_org - investment,
        wp_by_org=wp_by_org - investment + beds.repurposing_income_gbp000[None],
    )


def evaluate(prepared: Prepared, rates: Rates, effect: np.ndarray) -> PlanResult:
    """Everything for the given draws: the positions, the bridge to them driver by driver and
    scheme by scheme, activity, beds, workforce and capital."""
    plan, ledger, schemes = prepared.plan, prepared.ledger, prepared.schemes
    c = core(prepared, rates, effect)
    to_org = ledger.org_matrix()
    owns = (to_org != 0).astype(float)

    base = c.dn_by_org[:, :1]
    driver_effect = np.stack([project(ledger, rates, {d}) @ to_org - base for d in DRIVERS], axis=2)
    driver_interaction = c.dn_by_org - base - driver_effect.sum(axis=2)

    scheme_effect = (
        _scheme_alone(ledger, schemes, effect, c.lines_dn, c.possible, owns)
        - (schemes.investment_gbp000[:, :, None] * _one_hot(schemes.owner, ledger.n_orgs)[None])[None]
    )
    scheme_interaction = c.paper_by_org - c.dn_by_org - scheme_effect.sum(axis=2)

    return PlanResult(
        plan=plan,
        assumptions=prepared.assumptions,
        ledger=ledger,
        schemes=schemes,
        do_nothing_by_org=c.dn_by_org,
        paper_by_org=c.paper_by_org,
        with_plan_by_org=c.wp_by_org,
        driver_effect_by_org=driver_effect,
        driver_interaction_by_org=driver_interaction,
        scheme_effect_by_org=scheme_effect,
        scheme_interaction_by_org=scheme_interaction,
        stranded_by_org=c.landed_by_org - c.paper_by_org,
        capacity_by_org=c.wp_by_org - c.landed_by_org,
        stranded_by_scheme=_stranded_alone(ledger, schemes, effect, c.lines_dn),
        lines_do_nothing=c.lines_dn,
        lines_with_plan=c.lines_wp,
        activity_do_nothing=c.cells_dn,
        activity_with_plan=c.cells_wp,
        arrivals_with_plan=c.arrivals_wp,
        beds=c.beds,
        workforce=plan_workforce(plan, ledger, prepared.assumptions, rates, schemes, effect, c.lines_dn, c.lines_wp),
        capital=plan_capital(plan, c.beds.disposal_receipts_gbp000.sum(axis=1)),
    )


def _one_hot(index: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros((len(index), size))
    out[np.arange(len(index)), index] = 1.0
    return out


def arrival_share(ledger: Ledger, schemes: SchemeSet, effect: np.ndarray) -> np.ndarray:
    """``(runs, years, arrivals)``: the share of the leaving cell's do-nothing activity that
    each arrival brings. Components reducing the same cell combine multiplicatively, so
    together they take ``1 - prod(1 - e)`` of it; each takes its part of that in proportion to
    ``-log(1 - e)``, and a shift's part arrives elsewhere. With one component this is ``e``."""
    if not ledger.arrivals:
        return np.zeros(effect.shape[:2] + (0,))
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


def _arrival_units(ledger: Ledger, schemes: SchemeSet, rates: Rates, effect: np.ndarray) -> np.ndarray:
    """``(runs, years, arrivals)`` units of activity that have arrived."""
    if not ledger.arrivals:
        return np.zeros(effect.shape[:2] + (0,))
    volume = cumulative_index(rates.demand)
    leaving = ledger.cell_line[ledger.arrival_cell]
    units = np.array([a.units for a in ledger.arrivals])
    return units * volume[..., leaving] * arrival_share(ledger, schemes, effect)


def _cell_activity(ledger: Ledger, rates: Rates) -> np.ndarray:
    """``(runs, years, cells)`` do-nothing activity of each cell, in units."""
    volume = cumulative_index(rates.demand)
    if not ledger.cells:
        return np.zeros(volume.shape[:2] + (0,))
    return volume[:, :, ledger.cell_line] * ledger.cell_activity


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
    return np.einsum("rtko,ks->rtso", by_component, schemes.by_scheme())


def _stranded_alone(ledger: Ledger, schemes: SchemeSet, effect: np.ndarray, lines_dn: np.ndarray) -> np.ndarray:
    """``(runs, years, schemes)``: the cost each scheme alone would leave behind (positive)."""
    costs = lines_dn * (ledger.kind == LineKind.COST)
    stays = costs @ (schemes.paper - schemes.real).T  # cost that does not go at once
    released_later = costs @ schemes.capacity.T
    fall = -single_change(schemes, effect)
    fall_later = -single_change(schemes, effect * schemes.capacity_mask[None])
    return (fall * stays - fall_later * released_later) @ schemes.by_scheme()
