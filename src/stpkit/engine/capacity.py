"""Beds, wards and sites: what the plan's activity needs and what capacity it keeps.

Bed days come from activity (bed days per unit of each line). In the do-nothing a provider's
beds grow with its bed days at today's occupancy. With the plan, beds stay where the
do-nothing has them unless the plan says otherwise (``capacity.beds``) or a site closes: a fall
in activity does not by itself close a ward. Beds grow, though, where activity arrives from
another provider. Closing whole wards releases semi-fixed cost, but only wards of beds that
the activity no longer needs even at the occupancy ceiling: beds the plan gives up below that
are still needed, so their cost stays. Closing a site releases its fixed cost."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stpkit.domain import Plan, fy_range
from stpkit.engine.assumptions import Assumptions
from stpkit.engine.ledger import SERVICE_LINES, Ledger
from stpkit.engine.project import Rates, cumulative_index

DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class Beds:
    """Arrays ``(runs, years, orgs)``; commissioners and providers without beds are zero."""

    bed_days_do_nothing: np.ndarray
    bed_days_with_plan: np.ndarray
    beds_do_nothing: np.ndarray  # available
    beds_with_plan: np.ndarray  # available
    occupancy_target_pct: np.ndarray  # (years,)
    occupancy_ceiling_pct: np.ndarray  # (years,)
    wards_removed: np.ndarray  # whole wards of beds freed: no longer needed at the ceiling
    semi_fixed_factor: np.ndarray  # share of bedded semi-fixed cost kept
    fixed_factor: np.ndarray  # (years, orgs) share of fixed cost kept
    repurposing_income_gbp000: np.ndarray  # (years, orgs), share applied
    disposal_receipts_gbp000: np.ndarray  # (years, orgs), whole organisation

    # Worked out when asked for: risk runs never need them.
    @property
    def required_with_plan(self) -> np.ndarray:
        return 100 * self.bed_days_with_plan / (DAYS_PER_YEAR * self.occupancy_target_pct[None, :, None])

    @property
    def occupancy_with_plan_pct(self) -> np.ndarray:
        """NaN where there are no beds."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(
                self.beds_with_plan > 0, 100 * self.bed_days_with_plan / (DAYS_PER_YEAR * self.beds_with_plan), np.nan
            )


def bed_days_per_unit(assumptions: Assumptions) -> np.ndarray:
    """``(years, service lines)``."""
    return assumptions.values["bed_days_per_unit"]


@dataclass(frozen=True)
class BedLayout:
    """What the beds model needs that no draw changes: worked out once per plan."""

    cells: np.ndarray  # indices of the activity cells that use beds at a member provider
    cell_days: np.ndarray  # (years, those cells) bed days per unit
    cell_to_org: np.ndarray  # (those cells, orgs) the provider of each
    arrival_days: np.ndarray  # (years, arrivals) bed days per unit of each arrival
    arrival_to_org: np.ndarray  # (arrivals, orgs)
    target: np.ndarray  # (years,) occupancy target, a fraction
    ceiling: np.ndarray  # (years,) the highest occupancy beds can be run at, a fraction
    ward: np.ndarray  # (years,) beds in a ward
    ward_cost: np.ndarray  # (years,) semi-fixed cost of a ward, base-year prices, £000
    given: np.ndarray  # (years, orgs) the plan's beds from each year on, NaN where not given
    base_beds: np.ndarray  # (orgs,) beds in the base year: the plan's, or what its activity needs
    fixed_factor: np.ndarray  # (years, orgs) share of fixed cost kept as sites close
    closing: np.ndarray  # (years, orgs) beds on the sites closed by each year
    repurposing: np.ndarray  # (years, orgs) £000, share applied
    disposals: np.ndarray  # (years, orgs) £000, whole organisation
    org_share: np.ndarray  # (orgs,)


def bed_layout(plan: Plan, ledger: Ledger, assumptions: Assumptions) -> BedLayout:
    years = fy_range(plan.base_year, plan.horizon)
    n_years, n_orgs = len(years), ledger.n_orgs
    per_unit = bed_days_per_unit(assumptions)
    cell_line = np.array([SERVICE_LINES.index(c.service_line) for c in ledger.cells], dtype=np.int64)
    cell_org = np.array([c.provider for c in ledger.cells], dtype=np.int64)
    to_org = np.zeros((len(ledger.cells), n_orgs))
    has_provider = cell_org >= 0
    to_org[np.flatnonzero(has_provider), cell_org[has_provider]] = 1.0
    arrival_line = np.array([SERVICE_LINES.index(a.service_line) for a in ledger.arrivals], dtype=np.int64)
    arrival_to = np.zeros((len(ledger.arrivals), n_orgs))
    arrival_to[np.arange(len(ledger.arrivals)), [a.provider for a in ledger.arrivals]] = 1.0
    cell_days = per_unit[:, cell_line] if len(cell_line) else np.zeros((n_years, 0))
    # Only cells whose activity uses beds at a member provider count.
    bedded = np.flatnonzero(has_provider & (cell_days > 0).any(axis=0)) if len(cell_line) else np.zeros(0, int)
    cell_days, to_org = cell_days[:, bedded], to_org[bedded]
    target = assumptions.series("bed_occupancy_target_pct") / 100.0
    base_days = (ledger.cell_activity[bedded] * cell_days[0]) @ to_org
    base_beds = base_days / (DAYS_PER_YEAR * target[0])
    given = np.full((n_years, n_orgs), np.nan)
    fixed_factor = np.ones((n_years, n_orgs))
    closing = np.zeros((n_years, n_orgs))
    repurposing = np.zeros((n_years, n_orgs))
    disposals = np.zeros((n_years, n_orgs))
    for o, org in enumerate(plan.organisations):
        capacity = org.capacity
        if capacity is None:
            continue
        if years[0] in capacity.beds:
            base_beds[o] = capacity.beds[years[0]]
        for t in range(1, n_years):
            later = [y for y in capacity.beds if years[0] < y <= years[t]]
            if later:
                given[t, o] = capacity.beds[max(later)]
        for site in capacity.sites:
            share = (
                site.fixed_cost_share_pct / 100.0
                if site.fixed_cost_share_pct is not None
                else min(1.0, site.beds / base_beds[o])
                if base_beds[o] > 0
                else 0.0
            )
            for t, year in enumerate(years):
                if site.closes is not None and year >= site.closes:
                    fixed_factor[t, o] -= share
                    closing[t, o] += site.beds
                repurposing[t, o] += site.repurposing_income_gbp000.get(year, 0.0) * ledger.org_share[o]
                disposals[t, o] += site.disposal_receipt_gbp000.get(year, 0.0)
    return BedLayout(
        cells=bedded,
        cell_days=cell_days,
        cell_to_org=to_org,
        arrival_days=per_unit[:, arrival_line] if len(arrival_line) else np.zeros((n_years, 0)),
        arrival_to_org=arrival_to,
        target=target,
        ceiling=assumptions.series("bed_occupancy_ceiling_pct") / 100.0,
        ward=assumptions.series("ward_size_beds"),
        ward_cost=assumptions.series("ward_semi_fixed_cost_gbp000"),
        given=given,
        base_beds=base_beds,
        fixed_factor=np.clip(fixed_factor, 0.0, 1.0),
        closing=closing,
        repurposing=repurposing,
        disposals=disposals,
        org_share=ledger.org_share,
    )


def plan_beds(
    layout: BedLayout,
    rates: Rates,
    cells_dn: np.ndarray,
    cells_wp: np.ndarray,
    arrivals_wp: np.ndarray,
    semi_fixed_bedded_dn: np.ndarray,
) -> Beds:
    """Beds and the capacity factors that follow from them.

    ``cells_*`` are ``(runs, years, layout.cells)`` units, ``arrivals_wp`` ``(runs, years, arrivals)``
    units, ``semi_fixed_bedded_dn`` ``(runs, years, orgs)`` the do-nothing semi-fixed cost of
    bedded activity."""
    days_dn = (cells_dn * layout.cell_days) @ layout.cell_to_org
    days_wp = (cells_wp * layout.cell_days) @ layout.cell_to_org
    if layout.arrival_days.shape[1]:
        days_wp = days_wp + (arrivals_wp * layout.arrival_days) @ layout.arrival_to_org

    target, ward, given, base_beds = layout.target, layout.ward, layout.given, layout.base_beds
    fixed_factor, closing = layout.fixed_factor, layout.closing

    with np.errstate(divide="ignore", invalid="ignore"):
        growth_dn = np.where(days_dn[:, :1] > 0, days_dn / days_dn[:, :1], 1.0)
        growth_wp = np.where(days_dn[:, :1] > 0, days_wp / days_dn[:, :1], 1.0)
    beds_dn = base_beds * growth_dn
    # Bed days that arrive at a provider with none today need beds at the target occupancy.
    needed_wp = np.where(days_dn[:, :1] > 0, base_beds * growth_wp, days_wp / (DAYS_PER_YEAR * target[None, :, None]))
    # Beds do not close because activity falls; they do grow where activity arrives.
    default_wp = np.maximum(beds_dn, needed_wp) - closing[None]
    beds_wp = np.where(np.isnan(given)[None], default_wp, given[None])
    beds_wp[:, 0] = beds_dn[:, 0]
    beds_wp = np.maximum(beds_wp, 0.0)

    # Wards close only out of beds freed: those the run's bed days no longer need even at the
    # ceiling. Beds the plan gives up below that are still needed and keep their cost.
    needed_at_ceiling = days_wp / (DAYS_PER_YEAR * layout.ceiling[None, :, None])
    freed = beds_dn - np.maximum(beds_wp, needed_at_ceiling)
    wards = np.floor(np.maximum(freed, 0.0) / ward[None, :, None] + 1e-9)
    ward_cost = (
        layout.ward_cost[None, :, None] * cumulative_index(rates.cost_inflation[..., 0])[:, :, None] * layout.org_share
    )
    released = np.minimum(wards * ward_cost, semi_fixed_bedded_dn)
    with np.errstate(divide="ignore", invalid="ignore"):
        semi_factor = np.where(semi_fixed_bedded_dn > 0, 1.0 - released / semi_fixed_bedded_dn, 1.0)
    return Beds(
        bed_days_do_nothing=days_dn,
        bed_days_with_plan=days_wp,
        beds_do_nothing=beds_dn,
        beds_with_plan=beds_wp,
        occupancy_target_pct=100 * target,
        occupancy_ceiling_pct=100 * layout.ceiling,
        wards_removed=wards,
        semi_fixed_factor=semi_factor,
        fixed_factor=fixed_factor,
        repurposing_income_gbp000=layout.repurposing,
        disposal_receipts_gbp000=layout.disposals,
    )
