"""The footprint's ledger: every money line of every member organisation, laid out as flat
arrays so that the model is a handful of numpy operations over ``(runs, years, lines)``.

A payment between two members appears twice, as the commissioner's spend and as the
provider's income, each scaled by its own organisation's share of the footprint; summed over
the footprint they cancel, which is what consolidation means. Provider costs are attributed to
the activity they pay for in proportion to income, so that a fall in activity can be traced to
the costs it touches, and each cost is split by how it behaves: variable (goes with activity),
semi-fixed (goes only when a step of capacity is removed) and fixed (goes only with a site).

Emergency (non-elective) payments are split in two: the base-year amount, and the part that
moves with activity, which is paid at the marginal rate. Lines for activity that a scheme moves
to another provider ("arrivals") are laid out too; they are zero in the do-nothing."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property

import numpy as np

from stpkit.domain import PROVIDER_LINES, CostType, OrgKind, Plan, ServiceLine, fy_range

SERVICE_LINES = tuple(ServiceLine)
COST_TYPES = tuple(CostType)
COMMISSIONER_KINDS = tuple(k for k in OrgKind if k.is_commissioner)
NONE = -1


class Behaviour(IntEnum):
    """How a cost line responds when activity falls."""

    VARIABLE = 0
    SEMI_FIXED = 1
    FIXED = 2


class Mret(IntEnum):
    """The two parts of an emergency payment under the marginal rate rule."""

    NONE = 0
    BASELINE = 1  # the base-year amount, paid in full
    MARGINAL = 2  # activity above (or below) the base year, paid at the marginal rate


class LineKind(IntEnum):
    ALLOCATION = 0  # a commissioner's allocation (or a council's funding)
    CLINICAL_INCOME = 1  # a provider's income for activity
    OTHER_INCOME = 2  # education and training, research, private patients, other
    SUSTAINABILITY_FUND = 3  # STF income
    SPEND = 4  # a commissioner's spend
    COST = 5  # a provider's expenditure


#: +1 for money coming in, -1 for money going out.
SIGN = {
    LineKind.ALLOCATION: 1.0,
    LineKind.CLINICAL_INCOME: 1.0,
    LineKind.OTHER_INCOME: 1.0,
    LineKind.SUSTAINABILITY_FUND: 1.0,
    LineKind.SPEND: -1.0,
    LineKind.COST: -1.0,
}


class PriceBasis(IntEnum):
    """Which price index a line's value moves with."""

    NONE = 0
    TARIFF = 1  # national tariff: cost uplift less the efficiency requirement
    PAY = 2
    DRUGS = 3
    OTHER = 4


class PriceIndex(IntEnum):
    """The columns of the table of price indices: which index moves a line's value."""

    ONE = 0  # not moved by prices
    TARIFF = 1
    SPEND_PAY = 2  # commissioner spend not at tariff, moving with the cost it mostly buys
    SPEND_DRUGS = 3
    SPEND_OTHER = 4
    COST_PAY = 5  # provider costs
    COST_DRUGS = 6
    COST_OTHER = 7
    OTHER_INCOME = 8


#: Commissioner spend that is not paid at tariff moves with the cost it mostly buys.
NON_TARIFF_PRICE_BASIS = {
    ServiceLine.PRIMARY_CARE: PriceBasis.PAY,
    ServiceLine.PRESCRIBING: PriceBasis.DRUGS,
    ServiceLine.CONTINUING_CARE: PriceBasis.PAY,
    ServiceLine.SOCIAL_CARE: PriceBasis.PAY,
    ServiceLine.PUBLIC_HEALTH: PriceBasis.OTHER,
    ServiceLine.OTHER: PriceBasis.OTHER,
}
COST_PRICE_BASIS = {CostType.PAY: PriceBasis.PAY, CostType.DRUGS: PriceBasis.DRUGS, CostType.OTHER: PriceBasis.OTHER}


def price_basis(line: ServiceLine) -> PriceBasis:
    return PriceBasis.TARIFF if line in PROVIDER_LINES else NON_TARIFF_PRICE_BASIS[line]


@dataclass(frozen=True)
class Cell:
    """One stream of activity: who pays, who provides, which service line."""

    payer: int  # member organisation index, or NONE for a payer outside the footprint
    payer_label: str  # member code or income source
    provider: int  # member organisation index, or NONE for a provider outside / no provider
    provider_label: str
    service_line: ServiceLine
    value_gbp000: float  # base-year value, whole payment (before any share)
    activity: float  # base-year units delivered for it (0 where not counted)


@dataclass(frozen=True)
class Arrival:
    """Activity that a scheme component moves from one cell to a provider, at full effect in
    the base year."""

    component: int
    cell: int  # the cell it leaves
    provider: int  # the member provider it arrives at
    service_line: ServiceLine
    units: float  # base-year units arriving at full effect
    price_gbp000: float  # the receiving provider's price per unit
    cost_gbp000: float  # the receiving provider's variable and semi-fixed cost per unit


@dataclass(frozen=True)
class Ledger:
    """The lines of a footprint. Every array has one entry per line."""

    years: tuple[str, ...]
    org_codes: tuple[str, ...]
    org_names: tuple[str, ...]
    org_kinds: tuple[OrgKind, ...]
    org_share: np.ndarray  # (orgs,) fraction of each organisation in the footprint
    cells: tuple[Cell, ...]
    arrivals: tuple[Arrival, ...]

    org: np.ndarray  # int: owning organisation
    kind: np.ndarray  # int: LineKind
    sign: np.ndarray  # float: +1 in, -1 out
    base_gbp000: np.ndarray  # float: base-year value with the owner's share applied
    full_base_gbp000: np.ndarray  # float: base-year value of the whole organisation
    cell: np.ndarray  # int: activity cell, or NONE
    service_line: np.ndarray  # int: index into SERVICE_LINES, or NONE
    volume_line: np.ndarray  # int: the service line whose demand growth moves the line, or NONE
    cost_type: np.ndarray  # int: index into COST_TYPES, or NONE
    behaviour: np.ndarray  # int: Behaviour for cost lines, or NONE
    bedded: np.ndarray  # bool: a cost line of activity that uses beds
    mret: np.ndarray  # int: Mret
    source: np.ndarray  # object: income source (str) or ""
    counterparty: np.ndarray  # int: the member on the other side of an internal payment, or NONE
    internal: np.ndarray  # bool: a payment between members
    price_basis: np.ndarray  # int: PriceBasis
    #: (years, lines): funding index for allocation and STF lines (1 elsewhere)
    funding_path: np.ndarray
    arrival: np.ndarray  # int: index into ``arrivals`` for lines of moved activity, else NONE
    #: True for a ledger whose lines are each the sum of several (see ``risk.compact``): the
    #: base value then carries the sign, and lines are sorted by organisation.
    merged: bool = False

    @cached_property
    def cell_line(self) -> np.ndarray:
        """``(cells,)`` index into SERVICE_LINES of each activity cell."""
        return np.array([SERVICE_LINES.index(c.service_line) for c in self.cells], dtype=np.int64)

    @cached_property
    def cell_activity(self) -> np.ndarray:
        """``(cells,)`` base-year units of each activity cell."""
        return np.array([c.activity for c in self.cells], dtype=float)

    @cached_property
    def arrival_component(self) -> np.ndarray:
        """``(arrivals,)`` the scheme component that moves each arrival."""
        return np.array([a.component for a in self.arrivals], dtype=np.int64)

    @cached_property
    def arrival_cell(self) -> np.ndarray:
        """``(arrivals,)`` the cell each arrival leaves."""
        return np.array([a.cell for a in self.arrivals], dtype=np.int64)

    @cached_property
    def price_index(self) -> np.ndarray:
        """For each line, the ``PriceIndex`` that moves its value."""
        keys = np.full(self.n_lines, PriceIndex.ONE, dtype=np.int64)
        is_cost = self.kind == LineKind.COST
        keys[self.price_basis == PriceBasis.TARIFF] = PriceIndex.TARIFF
        for offset, b in enumerate((PriceBasis.PAY, PriceBasis.DRUGS, PriceBasis.OTHER)):
            keys[(self.price_basis == b) & ~is_cost] = PriceIndex.SPEND_PAY + offset
            keys[(self.price_basis == b) & is_cost] = PriceIndex.COST_PAY + offset
        keys[self.kind == LineKind.OTHER_INCOME] = PriceIndex.OTHER_INCOME
        return keys

    @cached_property
    def volume_key(self) -> np.ndarray:
        """For each line, the service line whose activity moves it, or ``len(SERVICE_LINES)``
        for lines not tied to activity and for the base-year part of emergency payments."""
        tied = (self.volume_line != NONE) & (self.mret != Mret.BASELINE)
        return np.where(tied, self.volume_line, len(SERVICE_LINES))

    @cached_property
    def index_combos(self) -> tuple[np.ndarray, np.ndarray]:
        """The distinct (volume key, price index, ``Mret``) combinations, ``(combos, 3)``, and
        each line's combination: the model multiplies indices once per combination."""
        keys = np.column_stack([self.volume_key, self.price_index, self.mret])
        combos, which = np.unique(keys, axis=0, return_inverse=True)
        return combos, which.ravel()

    @property
    def n_lines(self) -> int:
        return len(self.kind)

    @property
    def n_orgs(self) -> int:
        return len(self.org_codes)

    @property
    def is_arrival(self) -> np.ndarray:
        return self.arrival != NONE

    def org_matrix(self) -> np.ndarray:
        """``(lines, orgs)``: the signed contribution of each line to each organisation's
        surplus, so that ``values @ org_matrix()`` gives positions by organisation."""
        matrix = np.zeros((self.n_lines, self.n_orgs))
        matrix[np.arange(self.n_lines), self.org] = self.sign
        return matrix

    def by_org(self, values: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
        """``(runs, years, lines)`` values to ``(runs, years, orgs)`` surplus contributions;
        with ``columns`` (sorted indices of lines), ``values`` holds only those lines."""
        if not self.merged:
            matrix = self.org_matrix()
            return values @ (matrix if columns is None else matrix[columns])
        # Lines are sorted by organisation and signed: add up each organisation's run of lines.
        org = self.org if columns is None else self.org[columns]
        out = np.zeros(values.shape[:-1] + (self.n_orgs,))
        if len(org):
            starts = np.flatnonzero(np.r_[True, org[1:] != org[:-1]])
            out[..., org[starts]] = np.add.reduceat(values, starts, axis=-1)
        return out


@dataclass(frozen=True)
class CostBehaviour:
    """Inputs the ledger needs from the assumptions, for the base year."""

    variable: dict[OrgKind, float]  # share of cost, by provider kind
    semi_fixed: dict[OrgKind, float]
    bedded_lines: frozenset[ServiceLine]  # lines whose activity uses beds


class _Builder:
    def __init__(self, n_years: int):
        self.rows: list[dict] = []
        self.n_years = n_years

    def add(
        self,
        *,
        org: int,
        kind: LineKind,
        full: float,
        share: float,
        cell: int = NONE,
        service_line: ServiceLine | None = None,
        volume_line: ServiceLine | None = None,
        cost_type: CostType | None = None,
        behaviour: int = NONE,
        bedded: bool = False,
        mret: Mret = Mret.NONE,
        source: str = "",
        counterparty: int = NONE,
        internal: bool = False,
        basis: PriceBasis = PriceBasis.NONE,
        funding: np.ndarray | None = None,
        arrival: int = NONE,
    ) -> None:
        self.rows.append(
            dict(
                org=org,
                kind=int(kind),
                sign=SIGN[kind],
                base=full * share,
                full=full,
                cell=cell,
                service_line=NONE if service_line is None else SERVICE_LINES.index(service_line),
                volume_line=NONE if volume_line is None else SERVICE_LINES.index(volume_line),
                cost_type=NONE if cost_type is None else COST_TYPES.index(cost_type),
                behaviour=int(behaviour),
                bedded=bedded,
                mret=int(mret),
                source=source,
                counterparty=counterparty,
                internal=internal,
                basis=int(basis),
                funding=np.ones(self.n_years) if funding is None else funding,
                arrival=arrival,
            )
        )

    def add_payment(
        self,
        *,
        payer: int,
        provider: int,
        payer_label: str,
        line: ServiceLine,
        value: float,
        share: np.ndarray,
        cell: int = NONE,
        volume_line: ServiceLine | None = None,
        arrival: int = NONE,
    ) -> None:
        """A payment for activity: the payer's spend (when a member) and the provider's income
        (when a member). Emergency payments are split into their baseline and marginal parts;
        activity that arrives through a scheme is all marginal."""
        basis = price_basis(line)
        internal = payer != NONE and provider != NONE
        volume_line = line if volume_line is None else volume_line
        if line is ServiceLine.NON_ELECTIVE:
            parts = (Mret.MARGINAL,) if arrival != NONE else (Mret.BASELINE, Mret.MARGINAL)
        else:
            parts = (Mret.NONE,)
        for part in parts:
            common = dict(
                full=value,
                cell=cell,
                service_line=line,
                volume_line=volume_line,
                internal=internal,
                basis=basis,
                mret=part,
                arrival=arrival,
            )
            if payer != NONE:
                self.add(org=payer, kind=LineKind.SPEND, share=share[payer], counterparty=provider, **common)
            if provider != NONE:
                self.add(
                    org=provider,
                    kind=LineKind.CLINICAL_INCOME,
                    share=share[provider],
                    counterparty=payer,
                    source=payer_label if payer == NONE else "",
                    **common,
                )

    def add_cost(
        self,
        *,
        org: int,
        full: float,
        share: float,
        kind: OrgKind,
        behaviour: CostBehaviour,
        cost_type: CostType,
        cell: int = NONE,
        line: ServiceLine | None = None,
        volume_line: ServiceLine | None = None,
        arrival: int = NONE,
        parts: tuple[Behaviour, ...] = tuple(Behaviour),
    ) -> None:
        """A cost, split into its variable, semi-fixed and fixed parts."""
        variable = behaviour.variable[kind]
        semi = behaviour.semi_fixed[kind]
        split = {Behaviour.VARIABLE: variable, Behaviour.SEMI_FIXED: semi, Behaviour.FIXED: 1.0 - variable - semi}
        total = sum(split[p] for p in parts)
        for part in parts:
            self.add(
                org=org,
                kind=LineKind.COST,
                full=full * split[part] / total,
                share=share,
                cell=cell,
                service_line=line,
                volume_line=line if volume_line is None else volume_line,
                cost_type=cost_type,
                behaviour=part,
                bedded=line in behaviour.bedded_lines,
                basis=COST_PRICE_BASIS[cost_type],
                arrival=arrival,
            )


def build_cells(plan: Plan) -> list[Cell]:
    """Activity cells: member commissioners' spend, then providers' income from outside, each
    with its share of the provider's activity on the line."""
    index = {o.code: i for i, o in enumerate(plan.organisations)}
    cells: list[Cell] = []
    for k, org in enumerate(plan.organisations):
        for spend in org.baseline.spend_gbp000:
            provider = NONE if spend.provider is None else index[spend.provider]
            label = spend.provider or spend.external_provider or ""
            cells.append(Cell(k, org.code, provider, label, spend.service_line, spend.value_gbp000, 0.0))
    for p, org in enumerate(plan.organisations):
        for inc in org.baseline.income_gbp000:
            if inc.service_line is not None:
                cells.append(Cell(NONE, inc.source.value, p, org.code, inc.service_line, inc.value_gbp000, 0.0))
    return _with_activity(cells, plan)


def build_ledger(
    plan: Plan,
    cells: list[Cell],
    behaviour: CostBehaviour,
    allocation_growth: np.ndarray,
    arrivals: tuple[Arrival, ...] = (),
) -> Ledger:
    """Lay out the plan's baseline, and the activity its schemes move, as ledger lines.

    ``allocation_growth`` is ``(years, commissioner kinds)`` as fractions; it fills the years
    in which a commissioner has no published allocation. The plan must have passed
    ``check_plan``."""
    years = tuple(fy_range(plan.base_year, plan.horizon))
    n_years = len(years)
    orgs = plan.organisations
    share = np.array([o.share_pct / 100.0 for o in orgs])
    b = _Builder(n_years)

    for c, cell in enumerate(cells):
        b.add_payment(
            payer=cell.payer,
            provider=cell.provider,
            payer_label=cell.payer_label,
            line=cell.service_line,
            value=cell.value_gbp000,
            share=share,
            cell=c,
        )

    for i, org in enumerate(orgs):
        base = org.baseline
        if org.kind.is_commissioner:
            kind_index = COMMISSIONER_KINDS.index(org.kind)
            path = _allocation_path(
                base.allocation_gbp000 or 0.0, base.allocations_gbp000, years, allocation_growth[:, kind_index]
            )
            b.add(
                org=i,
                kind=LineKind.ALLOCATION,
                full=base.allocation_gbp000 or 0.0,
                share=share[i],
                funding=path,
            )
            continue
        for inc in base.income_gbp000:
            if inc.service_line is None:
                b.add(org=i, kind=LineKind.OTHER_INCOME, full=inc.value_gbp000, share=share[i], source=inc.source.value)
        if base.sustainability_fund_gbp000:
            series = np.array([base.sustainability_fund_gbp000.get(y, 0.0) for y in years])
            # The fund is given year by year: the line's base is one £000 and its path the amounts.
            b.add(org=i, kind=LineKind.SUSTAINABILITY_FUND, full=1.0, share=share[i], funding=series)
        _add_costs(b, i, org, cells, share[i], behaviour)

    for a, arrival in enumerate(arrivals):
        cell = cells[arrival.cell]
        payer_label = cell.payer_label
        b.add_payment(
            payer=cell.payer,
            provider=arrival.provider,
            payer_label=payer_label,
            line=arrival.service_line,
            value=arrival.units * arrival.price_gbp000,
            share=share,
            volume_line=cell.service_line,
            arrival=a,
        )
        mix = _expenditure_mix(orgs[arrival.provider])
        for cost_type, weight in mix.items():
            b.add_cost(
                org=arrival.provider,
                full=arrival.units * arrival.cost_gbp000 * weight,
                share=share[arrival.provider],
                kind=orgs[arrival.provider].kind,
                behaviour=behaviour,
                cost_type=cost_type,
                line=arrival.service_line,
                volume_line=cell.service_line,
                arrival=a,
                parts=(Behaviour.VARIABLE, Behaviour.SEMI_FIXED),
            )

    rows = b.rows

    def column(name: str, dtype=None) -> np.ndarray:
        return np.array([r[name] for r in rows], dtype=dtype)

    return Ledger(
        years=years,
        org_codes=tuple(o.code for o in orgs),
        org_names=tuple(o.name for o in orgs),
        org_kinds=tuple(o.kind for o in orgs),
        org_share=share,
        cells=tuple(cells),
        arrivals=tuple(arrivals),
        org=column("org", np.int64),
        kind=column("kind", np.int64),
        sign=column("sign", float),
        base_gbp000=column("base", float),
        full_base_gbp000=column("full", float),
        cell=column("cell", np.int64),
        service_line=column("service_line", np.int64),
        volume_line=column("volume_line", np.int64),
        cost_type=column("cost_type", np.int64),
        behaviour=column("behaviour", np.int64),
        bedded=column("bedded", bool),
        mret=column("mret", np.int64),
        source=column("source", object),
        counterparty=column("counterparty", np.int64),
        internal=column("internal", bool),
        price_basis=column("basis", np.int64),
        funding_path=np.stack([r["funding"] for r in rows], axis=1) if rows else np.ones((n_years, 0)),
        arrival=column("arrival", np.int64),
    )


def _expenditure_mix(org) -> dict[CostType, float]:
    spend = org.baseline.expenditure_gbp000
    total = sum(spend.values())
    if total <= 0:
        return {c: 1.0 / len(COST_TYPES) for c in COST_TYPES}
    return {c: spend.get(c, 0.0) / total for c in COST_TYPES if spend.get(c, 0.0) > 0}


def _with_activity(cells: list[Cell], plan: Plan) -> list[Cell]:
    """Share each provider's activity on a line among the cells that pay for it, by value."""
    totals: dict[tuple[int, ServiceLine], float] = {}
    for cell in cells:
        if cell.provider != NONE:
            key = (cell.provider, cell.service_line)
            totals[key] = totals.get(key, 0.0) + cell.value_gbp000
    out = []
    for cell in cells:
        activity = 0.0
        if cell.provider != NONE:
            total = totals[(cell.provider, cell.service_line)]
            units = plan.organisations[cell.provider].baseline.activity.get(cell.service_line, 0.0)
            activity = units * cell.value_gbp000 / total if total > 0 else 0.0
        out.append(
            Cell(
                cell.payer,
                cell.payer_label,
                cell.provider,
                cell.provider_label,
                cell.service_line,
                cell.value_gbp000,
                activity,
            )
        )
    return out


def _add_costs(b: _Builder, i: int, org, cells: list[Cell], share: float, behaviour: CostBehaviour) -> None:
    """A provider's expenditure by cost type, attributed to the cells it is paid for in
    proportion to income; the part matching non-clinical income stays unattributed."""
    own = [(c, cell) for c, cell in enumerate(cells) if cell.provider == i]
    clinical = sum(cell.value_gbp000 for _, cell in own)
    other = sum(inc.value_gbp000 for inc in org.baseline.income_gbp000 if inc.service_line is None)
    income = clinical + other
    for cost_type in COST_TYPES:
        total = org.baseline.expenditure_gbp000.get(cost_type, 0.0)
        if total <= 0:
            continue
        # With no income at all nothing ties the cost to a line: it all stays unattributed (below).
        for c, cell in own if income > 0 else ():
            b.add_cost(
                org=i,
                full=total * cell.value_gbp000 / income,
                share=share,
                kind=org.kind,
                behaviour=behaviour,
                cost_type=cost_type,
                cell=c,
                line=cell.service_line,
            )
        unattributed = total * other / income if income > 0 else total
        if unattributed > 0:
            b.add_cost(org=i, full=unattributed, share=share, kind=org.kind, behaviour=behaviour, cost_type=cost_type)


def _allocation_path(
    base: float, published: dict[str, float], years: tuple[str, ...], growth: np.ndarray
) -> np.ndarray:
    """Allocation index by year: published allocations where given, otherwise the previous
    year's grown at the national rate. Index 1 in the base year."""
    values = np.empty(len(years))
    values[0] = base
    for t in range(1, len(years)):
        values[t] = published.get(years[t], values[t - 1] * (1.0 + growth[t]))
    return values / base if base > 0 else np.ones(len(years))
