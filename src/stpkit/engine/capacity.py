"""Beds, wards and sites: what the plan's activity needs and what capacity it keeps.

Bed days come from activity (bed days per unit of each line). In the do-nothing a provider's
beds grow with its bed days at today's occupancy. With the plan, beds stay where the
do-nothing has them unless the plan says otherwise (``capacity.beds``) or a site closes: a fall
in activity does not by itself close a ward. Beds grow, though, where activity arrives from
another provider. Closing whole wards releases semi-fixed cost; closing a site releases its
fixed cost."""

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
    required_do_nothing: np.ndarray  # needed at the target occupancy
    required_with_plan: np.ndarray
    occupancy_with_plan_pct: np.ndarray  # NaN where there are no beds
    occupancy_target_pct: np.ndarray  # (years,)
    wards_removed: np.ndarray
    semi_fixed_factor: np.ndarray  # share of bedded semi-fixed cost kept
    fixed_factor: np.ndarray  # (years, orgs) share of fixed cost kept
    repurposing_income_gbp000: np.ndarray  # (years, orgs), share applied
    disposal_receipts_gbp000: np.ndarray  # (years, orgs), whole organisation


def bed_days_per_unit(assumptions: Assumptions) -> np.ndarray:
    """``(years, service lines)``."""
    return assumptions.values["bed_days_per_unit"]


def plan_beds(
    plan: Plan,
    ledger: Ledger,
    assumptions: Assumptions,
    rates: Rates,
    cells_dn: np.ndarray,
    cells_wp: np.ndarray,
    arrivals_wp: np.ndarray,
    semi_fixed_bedded_dn: np.ndarray,
) -> Beds:
    """Beds and the capacity factors that follow from them.

    ``cells_*`` are ``(runs, years, cells)`` units, ``arrivals_wp`` ``(runs, years, arrivals)``
    units, ``semi_fixed_bedded_dn`` ``(runs, years, orgs)`` the do-nothing semi-fixed cost of
    bedded activity."""
    years = fy_range(plan.base_year, plan.horizon)
    runs, n_years = cells_dn.shape[:2]
    n_orgs = ledger.n_orgs
    per_unit = bed_days_per_unit(assumptions)
    cell_line = np.array([SERVICE_LINES.index(c.service_line) for c in ledger.cells], dtype=np.int64)
    cell_org = np.array([c.provider for c in ledger.cells], dtype=np.int64)
    to_org = np.zeros((len(ledger.cells), n_orgs))
    has_provider = cell_org >= 0
    to_org[np.flatnonzero(has_provider), cell_org[has_provider]] = 1.0
    cell_days = per_unit[:, cell_line] if len(cell_line) else np.zeros((n_years, 0))
    days_dn = (cells_dn * cell_days) @ to_org
    days_wp = (cells_wp * cell_days) @ to_org
    if ledger.arrivals:
        arrival_line = np.array([SERVICE_LINES.index(a.service_line) for a in ledger.arrivals], dtype=np.int64)
        arrival_to = np.zeros((len(ledger.arrivals), n_orgs))
        arrival_to[np.arange(len(ledger.arrivals)), [a.provider for a in ledger.arrivals]] = 1.0
        days_wp = days_wp + (arrivals_wp * per_unit[:, arrival_line]) @ arrival_to

    target = assumptions.series("bed_occupancy_target_pct") / 100.0  # (years,)
    ward = assumptions.series("ward_size_beds")
    given = np.full((n_years, n_orgs), np.nan)  # the plan's beds from each year on
    base_beds = days_dn[0, 0] / (DAYS_PER_YEAR * target[0])
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
    fixed_factor = np.clip(fixed_factor, 0.0, 1.0)

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

    wards = np.floor(np.maximum(beds_dn - beds_wp, 0.0) / ward[None, :, None] + 1e-9)
    ward_cost = (
        assumptions.series("ward_semi_fixed_cost_gbp000")[None, :, None]
        * cumulative_index(rates.cost_inflation[..., 0])[:, :, None]
        * ledger.org_share
    )
    released = np.minimum(wards * ward_cost, semi_fixed_bedded_dn)
    with np.errstate(divide="ignore", invalid="ignore"):
        semi_factor = np.where(semi_fixed_bedded_dn > 0, 1.0 - released / semi_fixed_bedded_dn, 1.0)
        occupancy = np.where(beds_wp > 0, 100 * days_wp / (DAYS_PER_YEAR * beds_wp), np.nan)
    return Beds(
        bed_days_do_nothing=days_dn,
        bed_days_with_plan=days_wp,
        beds_do_nothing=beds_dn,
        beds_with_plan=beds_wp,
        required_do_nothing=days_dn / (DAYS_PER_YEAR * target[None, :, None]),
        required_with_plan=days_wp / (DAYS_PER_YEAR * target[None, :, None]),
        occupancy_with_plan_pct=occupancy,
        occupancy_target_pct=100 * target,
        wards_removed=wards,
        semi_fixed_factor=semi_factor,
        fixed_factor=fixed_factor,
        repurposing_income_gbp000=repurposing,
        disposal_receipts_gbp000=disposals,
    )
