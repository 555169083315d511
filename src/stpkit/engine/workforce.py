"""Staff: whole-time equivalents by group tied to the pay the plan keeps, the vacancies among
them (less the posts workforce schemes fill), and the agency premium paid to cover vacant
shifts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stpkit.domain import ActsOnKind, Plan, StaffGroup
from stpkit.engine.assumptions import Assumptions
from stpkit.engine.components import pay_share
from stpkit.engine.ledger import COST_TYPES, Ledger, LineKind
from stpkit.engine.project import Rates, cumulative_index
from stpkit.engine.schemes import SchemeSet, log_factor

STAFF_GROUPS = tuple(StaffGroup)
PAY = COST_TYPES.index(next(c for c in COST_TYPES if c.value == "pay"))


@dataclass(frozen=True)
class Workforce:
    """Arrays ``(years, orgs, staff groups)`` for the central case; zero for commissioners."""

    establishment_do_nothing: np.ndarray  # WTE
    establishment_with_plan: np.ndarray
    vacancies_with_plan: np.ndarray  # WTE, less the posts workforce schemes fill
    agency_with_plan: np.ndarray  # WTE of vacant shifts filled by agency staff
    agency_premium_with_plan_gbp000: np.ndarray


def plan_workforce(
    plan: Plan,
    ledger: Ledger,
    assumptions: Assumptions,
    rates: Rates,
    schemes: SchemeSet,
    effect: np.ndarray,
    lines_dn: np.ndarray,
    lines_wp: np.ndarray,
) -> Workforce:
    """Establishment grows and shrinks with the provider's pay in base-year prices, as activity,
    beds and productivity change it."""
    n_years, n_orgs, n_groups = len(ledger.years), ledger.n_orgs, len(STAFF_GROUPS)
    pay_lines = (ledger.kind == LineKind.COST) & (ledger.cost_type == PAY)
    to_org = np.zeros((ledger.n_lines, n_orgs))
    to_org[np.flatnonzero(pay_lines), ledger.org[pay_lines]] = 1.0
    deflator = cumulative_index(rates.cost_inflation[..., PAY])[0]  # (years,)
    # Workforce schemes lower pay by covering shifts more cheaply, not by needing fewer staff:
    # take their effect out of the pay that sets the establishment.
    workforce = np.array([plan.schemes[c.scheme].acts_on.kind is ActsOnKind.WORKFORCE for c in schemes.components])
    staffed_wp = lines_wp[0]
    if workforce.any():
        log_change = log_factor(schemes, effect)[0][:, workforce]  # (years, workforce components)
        staffed_wp = staffed_wp * np.exp(-(log_change @ schemes.real[workforce]))
    volume_dn = (lines_dn[0] @ to_org) / deflator[:, None]
    volume_wp = (staffed_wp @ to_org) / deflator[:, None]
    base = volume_dn[0]

    cost = np.array([assumptions.series("cost_per_wte_gbp", g.value) for g in STAFF_GROUPS]).T  # (years, groups)
    wte0 = np.zeros((n_orgs, n_groups))
    vacancy = np.zeros((n_years, n_orgs, n_groups))  # rates in each year: the plan's, else national
    agency = np.zeros((n_years, n_orgs, n_groups))
    for o, org in enumerate(plan.organisations):
        if not org.kind.is_provider or base[o] <= 0:
            continue
        given = org.workforce
        shares = pay_share(org, assumptions)
        for g, group in enumerate(STAFF_GROUPS):
            if given and group in given.wte:
                wte0[o, g] = given.wte[group]
            else:
                # Pay in £000 at the footprint's share, back to the whole organisation's WTE.
                wte0[o, g] = 1000 * base[o] * shares[group] / ledger.org_share[o] / cost[0, g]
            vacancy[:, o, g] = (
                given.vacancy_pct[group]
                if given and group in given.vacancy_pct
                else assumptions.series("vacancy_rate_pct", group.value)
            ) / 100.0
            agency[:, o, g] = (
                given.agency_share_pct[group]
                if given and group in given.agency_share_pct
                else assumptions.series("agency_share_of_vacancies_pct", group.value)
            ) / 100.0
    with np.errstate(divide="ignore", invalid="ignore"):
        index_dn = np.where(base > 0, volume_dn / base, 0.0)
        index_wp = np.where(base > 0, volume_wp / base, 0.0)
    establishment_dn = index_dn[:, :, None] * wte0[None]
    establishment_wp = index_wp[:, :, None] * wte0[None]

    # Workforce schemes fill a share of the posts agency staff cover: by year, the staff they
    # recruit (in force as planned, cumulated when recurrent) are no longer vacancies, nor
    # covered by agency staff, nor paid the premium. Schemes on the same group combine as
    # their savings do: two that each replace half leave a quarter of the agency shifts.
    agency_left = np.ones((n_years, n_orgs, n_groups))
    for component in schemes.components:
        scheme = plan.schemes[component.scheme]
        if scheme.acts_on.kind is ActsOnKind.WORKFORCE:
            g = STAFF_GROUPS.index(scheme.acts_on.staff_group)
            converted = (scheme.size_pct or 0.0) / 100.0 * schemes.profile[:, component.scheme]
            agency_left[:, component.owner, g] *= 1.0 - converted
    vacant_before = establishment_wp * vacancy  # the posts vacant without the schemes
    agency_before = vacant_before * agency
    recruited = agency_before * (1.0 - agency_left)
    vacancies = vacant_before - recruited
    agency_wte = agency_before - recruited
    premium = assumptions.series("agency_premium_pct")[:, None, None] / 100.0
    premium_cost = agency_wte * cost[:, None, :] * deflator[:, None, None] * premium / 1000.0
    return Workforce(establishment_dn, establishment_wp, vacancies, agency_wte, premium_cost)
