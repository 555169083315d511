"""Schemes broken into components: the pieces the ledger and the matrices work with.

Most schemes are one component. A shift of care is one component that takes activity away
from its cells and brings it to other providers (arrivals). An A&E downgrade is two: the
attendances that move, and the emergency admissions that follow them to the receiving type 1
departments. A workforce scheme is a reduction of pay worked out from vacancies, agency use and
the agency premium. A length of stay scheme is two: the bed days per spell that fall in the
owner's cells of its line (its ``stays``; activity is unchanged), and the cost that goes with
them, the share of the line's cost that is per bed day (``bed_day_cost_share_pct``) times the
fall. All components of a scheme share its phasing."""

from __future__ import annotations

from dataclasses import dataclass, field

from stpkit.domain import (
    ActsOnActivity,
    ActsOnAeDowngrade,
    ActsOnCostType,
    ActsOnIncome,
    ActsOnKind,
    ActsOnLengthOfStay,
    ActsOnShift,
    ActsOnUnitCost,
    ActsOnWorkforce,
    CostType,
    Organisation,
    Plan,
    Scheme,
    ServiceLine,
    StaffGroup,
    fy_range,
)
from stpkit.engine.assumptions import Assumptions
from stpkit.engine.ledger import NONE, Arrival, Cell

GBP_PER_GBP000 = 1000.0


@dataclass(frozen=True)
class Destination:
    provider: int
    service_line: ServiceLine
    share: float  # of the moved activity
    units_per_unit: float


@dataclass(frozen=True)
class Component:
    scheme: int  # index of the scheme in the plan
    #: ACTIVITY (incl. the legs of a shift or downgrade), UNIT_COST, COST_TYPE, INCOME or LENGTH_OF_STAY
    kind: ActsOnKind
    owner: int
    size_fraction: float | None  # full effect as a fraction, or None to measure size_gbp000 on the ledger
    size_gbp000: float | None = None
    cells: frozenset[int] = frozenset()  # activity cells it reduces
    stays: frozenset[int] = frozenset()  # activity cells whose bed days per unit it reduces
    destinations: tuple[Destination, ...] = ()
    #: unit_cost: limit to this line's cost; length_of_stay: the line whose cost falls (None for its bed days leg)
    service_line: ServiceLine | None = None
    cost_type: CostType | None = None
    income_source: str | None = None
    capacity_from: int | None = None  # year index from which the semi-fixed capacity behind avoided activity goes
    lead_years: int = 0
    label: str = ""  # which leg, for reports


@dataclass(frozen=True)
class Compiled:
    components: tuple[Component, ...]
    arrivals: tuple[Arrival, ...] = field(default=())


def _leaving_cells(scheme: Scheme, cells: list[Cell], index: dict[str, int], line: ServiceLine) -> frozenset[int]:
    """The cells an activity or shift scheme takes activity from: a commissioner's own spend on
    the line (optionally with some providers), or everything a provider is paid for on it."""
    owner = index[scheme.owner]
    providers = {index[c] for c in scheme.acts_on.providers}
    chosen = set()
    for c, cell in enumerate(cells):
        if cell.service_line != line:
            continue
        commissioned = cell.payer == owner and (not providers or cell.provider in providers)
        if commissioned or cell.provider == owner:
            chosen.add(c)
    return frozenset(chosen)


class _Prices:
    """Each provider's price and average cost per unit on each line, in £000."""

    def __init__(self, plan: Plan, cells: list[Cell], assumptions: Assumptions):
        self.plan = plan
        self.national = {
            line: assumptions.series("national_unit_cost_gbp", line.value)[0] / GBP_PER_GBP000 for line in ServiceLine
        }
        self.value: dict[tuple[int, ServiceLine], float] = {}
        self.units: dict[tuple[int, ServiceLine], float] = {}
        income: dict[int, float] = {}
        for cell in cells:
            if cell.provider != NONE:
                key = (cell.provider, cell.service_line)
                self.value[key] = self.value.get(key, 0.0) + cell.value_gbp000
                self.units[key] = self.units.get(key, 0.0) + cell.activity
                income[cell.provider] = income.get(cell.provider, 0.0) + cell.value_gbp000
        self.cost_ratio = {}
        for p, org in enumerate(plan.organisations):
            if org.kind.is_provider:
                other = sum(i.value_gbp000 for i in org.baseline.income_gbp000 if i.service_line is None)
                total_income = income.get(p, 0.0) + other
                cost = sum(org.baseline.expenditure_gbp000.values())
                self.cost_ratio[p] = cost / total_income if total_income > 0 else 1.0

    def price(self, provider: int, line: ServiceLine) -> float:
        key = (provider, line)
        if self.units.get(key, 0.0) > 0:
            return self.value[key] / self.units[key]
        return self.national[line]

    def units_of(self, cell: Cell) -> float:
        """Units in a cell; for spend with a provider outside the footprint, at the national price."""
        if cell.activity > 0 or cell.provider != NONE:
            return cell.activity
        national = self.national[cell.service_line]
        return cell.value_gbp000 / national if national > 0 else 0.0


def compile_schemes(
    plan: Plan,
    cells: list[Cell],
    assumptions: Assumptions,
    ae_rates: dict[str, float],
    variable_and_semi: dict[int, float],
) -> Compiled:
    """Components and arrivals for every scheme. ``variable_and_semi`` is each provider's share
    of cost that grows with activity that arrives (all but fixed cost)."""
    index = {o.code: i for i, o in enumerate(plan.organisations)}
    years = fy_range(plan.base_year, plan.horizon)
    prices = _Prices(plan, cells, assumptions)
    components: list[Component] = []
    arrivals: list[Arrival] = []

    def add(component: Component) -> None:
        k = len(components)
        components.append(component)
        for c in sorted(component.cells):
            cell = cells[c]
            units = prices.units_of(cell)
            for dest in component.destinations:
                price = prices.price(dest.provider, dest.service_line)
                cost = price * prices.cost_ratio[dest.provider] * variable_and_semi[dest.provider]
                arrivals.append(
                    Arrival(
                        component=k,
                        cell=c,
                        provider=dest.provider,
                        service_line=dest.service_line,
                        units=units * dest.share * dest.units_per_unit,
                        price_gbp000=price,
                        cost_gbp000=cost,
                    )
                )

    for s, scheme in enumerate(plan.schemes):
        act = scheme.acts_on
        owner = index[scheme.owner]
        size = scheme.size_pct / 100.0 if scheme.size_pct is not None else None
        capacity_from = years.index(scheme.capacity_removed_from) if scheme.capacity_removed_from else None
        lead_years = act.lead_time_years if isinstance(act, ActsOnShift | ActsOnAeDowngrade) else 0
        common = dict(scheme=s, owner=owner, capacity_from=capacity_from, lead_years=lead_years)
        sized = dict(size_fraction=size, size_gbp000=scheme.size_gbp000)
        match act:
            case ActsOnActivity() | ActsOnShift():
                to = act.to if isinstance(act, ActsOnShift) else []
                destinations = tuple(
                    Destination(
                        index[d.provider], d.service_line or act.service_line, d.share_pct / 100.0, d.units_per_unit
                    )
                    for d in to
                )
                add(
                    Component(
                        kind=ActsOnKind.ACTIVITY,
                        cells=_leaving_cells(scheme, cells, index, act.service_line),
                        destinations=destinations,
                        label=act.service_line.value,
                        **sized,
                        **common,
                    )
                )
            case ActsOnAeDowngrade():
                for component in _ae_downgrade(scheme, plan, cells, index, size or 0.0, ae_rates, assumptions, common):
                    add(component)
            case ActsOnWorkforce():
                fraction = _agency_premium_share(plan.organisations[owner], act.staff_group, assumptions)
                add(
                    Component(
                        kind=ActsOnKind.COST_TYPE,
                        size_fraction=(size or 0.0) * fraction,
                        cost_type=CostType.PAY,
                        label=f"agency premium, {act.staff_group.value}",
                        **common,
                    )
                )
            case ActsOnLengthOfStay():
                for component in _length_of_stay(act, owner, cells, size or 0.0, assumptions, common):
                    add(component)
            case ActsOnUnitCost():
                add(Component(kind=act.kind, service_line=act.service_line, **sized, **common))
            case ActsOnCostType():
                add(Component(kind=act.kind, cost_type=act.cost_type, **sized, **common))
            case ActsOnIncome():
                add(Component(kind=act.kind, income_source=act.income_source.value, **sized, **common))
    return Compiled(tuple(components), tuple(arrivals))


def site_ae_share(org: Organisation, site_code: str) -> float:
    """The share of a provider's A&E attendances seen at one of its type 1 sites."""
    sites = [s for s in org.capacity.sites if s.type1_ae]
    site = next(s for s in sites if s.code == site_code)
    if site.ae_share_pct is not None:
        return site.ae_share_pct / 100.0
    given = sum(s.ae_share_pct or 0.0 for s in sites) / 100.0
    unspecified = [s for s in sites if s.ae_share_pct is None]
    return (1.0 - given) / len(unspecified)


def _ae_downgrade(scheme, plan, cells, index, size, ae_rates, assumptions, common) -> list[Component]:
    act = scheme.acts_on
    owner_index = index[scheme.owner]
    owner = plan.organisations[owner_index]
    share = site_ae_share(owner, act.site)
    rate = act.admissions_per_attendance
    if rate is None:
        rate = ae_rates.get(owner.code, assumptions.series("ae_admission_rate_pct")[0] / 100.0)
    to = [(index[d.provider], d.service_line or ServiceLine.AE, d.share_pct / 100.0) for d in act.to]
    attendances = Component(
        kind=ActsOnKind.ACTIVITY,
        size_fraction=size * share,
        label=f"A&E attendances from {act.site}",
        cells=frozenset(
            c for c, cell in enumerate(cells) if cell.provider == owner_index and cell.service_line is ServiceLine.AE
        ),
        destinations=tuple(Destination(p, line, w, 1.0) for p, line, w in to),
        **common,
    )
    type1 = [(p, w) for p, line, w in to if line is ServiceLine.AE]
    type1_share = sum(w for _, w in type1)
    ae_units = owner.baseline.activity.get(ServiceLine.AE, 0.0)
    nel_units = owner.baseline.activity.get(ServiceLine.NON_ELECTIVE, 0.0)
    if not type1 or nel_units <= 0:
        return [attendances]
    # Patients who would have been admitted from this department are admitted where they now go.
    moved = min(1.0, rate * share * ae_units * type1_share / nel_units)
    admissions = Component(
        kind=ActsOnKind.ACTIVITY,
        size_fraction=size * moved,
        label=f"emergency admissions from {act.site}",
        cells=frozenset(
            c
            for c, cell in enumerate(cells)
            if cell.provider == owner_index and cell.service_line is ServiceLine.NON_ELECTIVE
        ),
        destinations=tuple(Destination(p, ServiceLine.NON_ELECTIVE, w / type1_share, 1.0) for p, w in type1),
        **common,
    )
    return [attendances, admissions]


def _length_of_stay(
    act: ActsOnLengthOfStay, owner: int, cells: list[Cell], size: float, assumptions: Assumptions, common: dict
) -> list[Component]:
    """Bed days per spell fall by ``size`` in every cell of the line the owner is paid for; the
    line's cost falls by the share of it that is per bed day times ``size``."""
    line = act.service_line
    stays = frozenset(c for c, cell in enumerate(cells) if cell.provider == owner and cell.service_line is line)
    per_bed_day = assumptions.series("bed_day_cost_share_pct", line.value)[0] / 100.0
    return [
        Component(kind=act.kind, size_fraction=size, stays=stays, label=f"{line.value} bed days", **common),
        Component(
            kind=act.kind,
            size_fraction=size * per_bed_day,
            service_line=line,
            label=f"{line.value} cost per bed day",
            **common,
        ),
    ]


def _agency_premium_share(org: Organisation, group: StaffGroup, assumptions: Assumptions) -> float:
    """The agency premium paid for one staff group as a share of the provider's pay cost."""
    workforce = org.workforce
    base = {
        name: assumptions.series(name, group.value)[0] / 100.0
        for name in ("vacancy_rate_pct", "agency_share_of_vacancies_pct")
    }
    vacancy = (
        workforce.vacancy_pct.get(group) / 100.0
        if workforce and group in workforce.vacancy_pct
        else base["vacancy_rate_pct"]
    )
    agency = (
        workforce.agency_share_pct.get(group) / 100.0
        if workforce and group in workforce.agency_share_pct
        else base["agency_share_of_vacancies_pct"]
    )
    premium = assumptions.series("agency_premium_pct")[0] / 100.0
    return pay_share(org, assumptions)[group] * vacancy * agency * premium / (1.0 + vacancy * agency * premium)


def pay_share(org: Organisation, assumptions: Assumptions) -> dict[StaffGroup, float]:
    """Each staff group's share of the provider's pay: from its establishment if given, else national."""
    if org.workforce and org.workforce.wte:
        cost = {
            g: org.workforce.wte.get(g, 0.0) * assumptions.series("cost_per_wte_gbp", g.value)[0] for g in StaffGroup
        }
    else:
        cost = {g: assumptions.series("pay_share_pct", g.value)[0] for g in StaffGroup}
    total = sum(cost.values())
    return {g: v / total if total > 0 else 0.25 for g, v in cost.items()}
