"""What each scheme component acts on in the ledger, how big it is, and when it lands.

Components combine multiplicatively: two 10% reductions of the same line leave 81% of it, so no
set of schemes can remove more than exists. That makes the with-plan ledger the do-nothing
ledger times ``exp(log(1 + direction * effect) @ incidence)``: one matrix product for any number
of schemes and runs.

Activity that falls is seen two ways. On paper, every cost of the activity goes with it (the
average cost, as plans usually assume). In reality only the variable part goes at once; the
semi-fixed part goes when the capacity behind it is removed (from ``capacity_removed_from`` for
clinics and teams; for beds, when wards close) and the fixed part when a site closes. The
difference is stranded cost.

Shorter stays leave activity alone: they lower bed days per unit in their cells (``stays``) and
the share of the line's cost that is per bed day. Of that cost the variable part goes at once;
the semi-fixed part when wards close, the fixed part when a site closes."""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property

import numpy as np

from stpkit.domain import ActsOnKind, Plan, Problem, fy_range
from stpkit.engine.components import Component
from stpkit.engine.ledger import COST_TYPES, NONE, SERVICE_LINES, Behaviour, Ledger, LineKind, Mret

#: Effects are kept just short of removing a line entirely, so that logarithms stay finite.
MAX_REDUCTION = 1.0 - 1e-12


class SchemeProblems(ValueError):
    """Problems only visible once the plan is laid out as a ledger."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class SchemeSet:
    ids: tuple[str, ...]
    names: tuple[str, ...]
    owner: np.ndarray  # (schemes,) organisation index
    profile: np.ndarray  # (years, schemes) share of the full effect in force each year, as planned
    phasing: np.ndarray  # (years, schemes) share of the full effect first delivered each year
    recurrent: np.ndarray  # (schemes,) bool
    investment_gbp000: np.ndarray  # (years, schemes) running cost, owner's share applied
    capital_gbp000: np.ndarray  # (years, schemes) whole scheme

    components: tuple[Component, ...]
    scheme_of: np.ndarray  # (components,) scheme index
    size: np.ndarray  # (components,) full effect as a fraction of what it acts on
    direction: np.ndarray  # (components,) -1 reduces, +1 increases
    paper: np.ndarray  # (components, lines) every line the component changes, on paper
    real: np.ndarray  # (components, lines) the lines it changes at once
    capacity: np.ndarray  # (components, lines) semi-fixed lines released once capacity is removed
    capacity_mask: np.ndarray  # (years, components) 1 once the capacity is removed
    cells: np.ndarray  # (components, cells) activity cells it reduces
    stays: np.ndarray  # (components, cells) activity cells whose bed days per unit it reduces
    lead_years: np.ndarray  # (components,) years the receiving service's cost comes early

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def n_components(self) -> int:
        return len(self.components)

    @cached_property
    def touched(self) -> np.ndarray:
        """Indices of the lines some component changes (on paper or in reality; the others never
        change)."""
        return np.flatnonzero(self.paper.any(axis=0) | self.real.any(axis=0) | self.capacity.any(axis=0))

    @cached_property
    def paper_acting(self) -> Acting:
        """``acting`` over the touched lines, on paper."""
        return Acting.of(acting(self.paper[:, self.touched]), self.n_components)

    @cached_property
    def landed_acting(self) -> Acting:
        """``acting`` over the touched lines as they really land: components acting at once,
        then (numbered after them) components acting once capacity is removed."""
        both = np.concatenate([self.real[:, self.touched], self.capacity[:, self.touched]])
        return Acting.of(acting(both), 2 * self.n_components)

    @cached_property
    def cells_acting(self) -> Acting:
        """``acting`` over the activity cells."""
        return Acting.of(acting(self.cells), self.n_components)

    @cached_property
    def stays_acting(self) -> Acting:
        """``acting`` over the activity cells, for bed days per unit."""
        return Acting.of(acting(self.stays), self.n_components)

    def sum_by_scheme(self, values: np.ndarray) -> np.ndarray:
        """``(..., schemes)``: component results ``(..., components)`` summed into scheme
        results. Added in place rather than multiplied by a (components x schemes) matrix,
        which grows with the square of the number of schemes."""
        out = np.zeros((self.n, *values.shape[:-1]))
        np.add.at(out, self.scheme_of, np.moveaxis(values, -1, 0))
        return np.moveaxis(out, 0, -1)

    def __reduce__(self):
        """Pickled with the incidence matrices (all 0 and 1) as bits, a sixty-fourth of their
        size: laid-out plans are sent to worker processes and clusters. What is worked out when
        first asked for is left out and worked out again there."""
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in INCIDENCE:
            matrix = state[name]
            if ((matrix == 0) | (matrix == 1)).all():
                state[name] = _Bits(matrix.shape, np.packbits(matrix.astype(bool), axis=None))
        return (_unpickled, (state,))


#: The ``SchemeSet`` fields that say which lines or cells a component acts on, as 0 and 1.
INCIDENCE = ("paper", "real", "capacity", "cells", "stays")


@dataclass(frozen=True)
class _Bits:
    shape: tuple[int, ...]
    packed: np.ndarray

    def unpacked(self) -> np.ndarray:
        count = int(np.prod(self.shape))
        return np.unpackbits(self.packed, count=count).reshape(self.shape).astype(float)


def _unpickled(state: dict) -> SchemeSet:
    return SchemeSet(**{k: v.unpacked() if isinstance(v, _Bits) else v for k, v in state.items()})


def _lines(component: Component, ledger: Ledger) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks over ledger lines: changed on paper, changed at once, released with capacity."""
    baseline = ~ledger.is_arrival
    if component.kind is ActsOnKind.ACTIVITY:
        cells = np.zeros(len(ledger.cells), dtype=bool)
        cells[list(component.cells)] = True
        touched = baseline & (ledger.cell != NONE) & cells[np.maximum(ledger.cell, 0)]
        # Under the marginal rate rule only the marginal part of an emergency payment moves.
        touched &= ledger.mret != Mret.BASELINE
        is_cost = ledger.kind == LineKind.COST
        at_once = touched & (~is_cost | (ledger.behaviour == Behaviour.VARIABLE))
        with_capacity = touched & is_cost & (ledger.behaviour == Behaviour.SEMI_FIXED) & ~ledger.bedded
        if component.capacity_from is None:
            with_capacity = np.zeros_like(with_capacity)
        return touched, at_once, with_capacity
    own_costs = baseline & (ledger.org == component.owner) & (ledger.kind == LineKind.COST)
    if component.kind is ActsOnKind.LENGTH_OF_STAY:
        # The bed days leg changes no money line; the cost leg changes the line's cost, its
        # variable part at once (the semi-fixed part goes as wards close, in the beds stage).
        if component.service_line is None:  # the bed days leg
            none = np.zeros_like(own_costs)
            return none, none, none
        lines = own_costs & (ledger.service_line == SERVICE_LINES.index(component.service_line))
        return lines, lines & (ledger.behaviour == Behaviour.VARIABLE), np.zeros_like(lines)
    if component.kind is ActsOnKind.UNIT_COST:
        lines = own_costs
        if component.service_line is not None:
            lines = lines & (ledger.service_line == SERVICE_LINES.index(component.service_line))
    elif component.kind is ActsOnKind.COST_TYPE:
        lines = own_costs & (ledger.cost_type == COST_TYPES.index(component.cost_type))
    else:  # income
        lines = (
            baseline
            & (ledger.org == component.owner)
            & (ledger.source == component.income_source)
            & ((ledger.kind == LineKind.OTHER_INCOME) | (ledger.kind == LineKind.CLINICAL_INCOME))
        )
    return lines, lines, np.zeros_like(lines)


def _measure(lines: np.ndarray, ledger: Ledger, owner: int) -> float:
    """Base-year value of what a £000-sized scheme is measured against: the owner's own lines
    among those it acts on (a commissioner's spend, a provider's income or cost)."""
    own = lines & (ledger.org == owner)
    if not (own & (ledger.kind == LineKind.COST)).any():
        own &= ledger.mret != Mret.BASELINE  # the two parts of an emergency payment are one amount
    return float(ledger.full_base_gbp000[own].sum())


def build_schemes(plan: Plan, ledger: Ledger, components: tuple[Component, ...]) -> SchemeSet:
    years = fy_range(plan.base_year, plan.horizon)
    n, n_years, k = len(plan.schemes), len(years), len(components)
    paper = np.zeros((k, ledger.n_lines))
    real = np.zeros((k, ledger.n_lines))
    capacity = np.zeros((k, ledger.n_lines))
    cells = np.zeros((k, len(ledger.cells)))
    stays = np.zeros((k, len(ledger.cells)))
    size = np.zeros(k)
    direction = np.full(k, -1.0)
    mask = np.zeros((n_years, k))
    problems: list[Problem] = []
    for j, component in enumerate(components):
        paper[j], real[j], capacity[j] = _lines(component, ledger)
        cells[j, list(component.cells)] = 1.0
        stays[j, list(component.stays)] = 1.0
        if component.kind is ActsOnKind.INCOME:
            direction[j] = 1.0
        if component.capacity_from is not None:
            mask[component.capacity_from :, j] = 1.0
        if component.size_fraction is not None:
            size[j] = component.size_fraction
        else:
            measure = _measure(paper[j].astype(bool), ledger, component.owner)
            size[j] = component.size_gbp000 / measure if measure > 0 else np.inf
            if direction[j] < 0 and size[j] > 1.0:
                problems.append(
                    Problem(
                        ("schemes", component.scheme, "size_gbp000"),
                        f"£{component.size_gbp000:,.0f}k is more than the £{measure:,.0f}k it acts on",
                    )
                )
    if problems:
        raise SchemeProblems(problems)

    profile = np.zeros((n_years, n))
    phasing_all = np.zeros((n_years, n))
    investment = np.zeros((n_years, n))
    capital = np.zeros((n_years, n))
    index = {code: i for i, code in enumerate(ledger.org_codes)}
    for s, scheme in enumerate(plan.schemes):
        phasing = np.array([scheme.phasing_pct.get(y, 0.0) / 100.0 for y in years])
        phasing_all[:, s] = phasing
        profile[:, s] = np.cumsum(phasing) if scheme.recurrent else phasing
        share = ledger.org_share[index[scheme.owner]]
        investment[:, s] = [scheme.revenue_investment_gbp000.get(y, 0.0) * share for y in years]
        capital[:, s] = [scheme.capital_gbp000.get(y, 0.0) for y in years]
    return SchemeSet(
        ids=tuple(s.id for s in plan.schemes),
        names=tuple(s.name for s in plan.schemes),
        owner=np.array([index[s.owner] for s in plan.schemes], dtype=np.int64),
        profile=profile,
        phasing=phasing_all,
        recurrent=np.array([s.recurrent for s in plan.schemes], dtype=bool),
        investment_gbp000=investment,
        capital_gbp000=capital,
        components=components,
        scheme_of=np.array([c.scheme for c in components], dtype=np.int64),
        size=size,
        direction=direction,
        paper=paper,
        real=real,
        capacity=capacity,
        capacity_mask=mask,
        cells=cells,
        stays=stays,
        lead_years=np.array([c.lead_years for c in components], dtype=np.int64),
    )


def central_effect(schemes: SchemeSet) -> np.ndarray:
    """``(1, years, components)``: the share of each line removed (or added) by each component."""
    return (schemes.size * schemes.profile[:, schemes.scheme_of])[None]


def lead(effect: np.ndarray, years: np.ndarray) -> np.ndarray:
    """The effect brought forward by each component's lead time: the receiving service's cost
    is incurred ``years`` before the activity arrives (and stays at the last year's level).
    Never into the base year, the actual position: year 0 keeps its own effect (validation
    refuses a lead time that would reach it)."""
    if not years.any():
        return effect
    runs, n_years, n = effect.shape
    t = np.arange(n_years)
    source = np.minimum(t[:, None] + years[None, :], n_years - 1)  # (years, components)
    source[0] = 0  # the base year keeps its own effect
    flat = (source * n + np.arange(n)).ravel()  # the place of (source year, component) in a run
    return effect.reshape(runs, n_years * n).take(flat, axis=1).reshape(effect.shape)


def log_factor(schemes: SchemeSet, effect: np.ndarray) -> np.ndarray:
    change = np.clip(schemes.direction * effect, -MAX_REDUCTION, None)
    return np.log1p(change)


def single_change(schemes: SchemeSet, effect: np.ndarray) -> np.ndarray:
    """``(runs, years, components)``: each component's own change to the lines it acts on, as a
    fraction, as if it were the only one."""
    return np.exp(log_factor(schemes, effect)) - 1.0


def acting(incidence: np.ndarray) -> np.ndarray:
    """``(most, lines)``: for each line, the components acting on it, padded with the index one
    past the last component. ``incidence`` is ``(components, lines)`` of 0 and 1. Lines are
    acted on by few components, so gathering their factors is much cheaper than a product
    with the whole incidence matrix."""
    k, n = incidence.shape
    counts = incidence.sum(axis=0).astype(np.int64)
    most = int(counts.max()) if n else 0
    out = np.full((most, n), k, dtype=np.int64)
    component, line = np.nonzero(incidence)
    order = np.lexsort((component, line))  # by line, then component
    component, line = component[order], line[order]
    slot = np.arange(len(line)) - np.searchsorted(line, line)
    out[slot, line] = component
    return out


@dataclass(frozen=True)
class Acting:
    """The components acting on each of some lines (see ``acting``), grouped: lines acted on by
    the same components share a pattern, and the product of a pattern's factors is worked out
    once for all its lines. Plans have many lines but few patterns (a scheme acts on every line
    of an organisation's activity or costs alike), so this is much less work than a product
    for every line."""

    #: ``(most, patterns)`` component indices of each pattern, padded with the index one past
    #: the last component; patterns are sorted by how many components act, most first, so the
    #: patterns with a component in slot ``s`` are the first ``counts[s]``.
    patterns: np.ndarray
    counts: np.ndarray  # (most,) patterns with a component in each slot
    of_line: np.ndarray  # (lines,) each line's pattern

    @classmethod
    def of(cls, padded: np.ndarray, n_components: int) -> Acting:
        """Grouped from ``acting``'s ``(most, lines)`` array, padded with ``n_components``."""
        most, n = padded.shape
        if not most or not n:
            return cls(np.zeros((most, 0), dtype=np.int64), np.zeros(most, dtype=np.int64),
                       np.zeros(n, dtype=np.int64))
        unique, inverse = np.unique(padded.T, axis=0, return_inverse=True)  # (patterns, most), (lines,)
        acting_count = (unique != n_components).sum(axis=1)
        order = np.argsort(-acting_count, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        counts = np.array([(acting_count > slot).sum() for slot in range(most)], dtype=np.int64)
        return cls(np.ascontiguousarray(unique[order].T), counts, rank[inverse.ravel()])

    def __len__(self) -> int:
        return self.patterns.shape[0]

    @property
    def shape(self) -> tuple[int, int]:
        return (self.patterns.shape[0], len(self.of_line))

    def __getitem__(self, key: tuple[slice, np.ndarray | slice]) -> Acting:
        """``acting[:, columns]``: the components acting on some of the lines."""
        rows, columns = key
        if rows != slice(None):
            raise IndexError("only the lines of an Acting can be chosen")
        return Acting(self.patterns, self.counts, self.of_line[columns])


def combined_change(factors: np.ndarray, acting_on: Acting | np.ndarray) -> np.ndarray:
    """``(runs, years, lines)``: the combined change (a fraction) to each line from the
    components acting on it. ``factors`` is ``(runs, years, components)``, each component's
    ``1 + direction * effect``; the product over a line's components is the multiplicative
    combination of schemes described above, taken in the order of ``acting``'s slots."""
    if not isinstance(acting_on, Acting):
        acting_on = Acting.of(acting_on, factors.shape[2])
    n_lines = len(acting_on.of_line)
    if not len(acting_on) or not n_lines:
        return np.zeros(factors.shape[:2] + (n_lines,))
    patterns, counts = acting_on.patterns, acting_on.counts
    runs, years, k = factors.shape
    # Components by row, so that each slot's factors are whole rows, copied as blocks.
    by_component = np.ascontiguousarray(factors.reshape(runs * years, k).T)  # (components, runs x years)
    product = np.empty((patterns.shape[1], runs * years))
    first = counts[0]
    by_component.take(patterns[0, :first], axis=0, out=product[:first])
    product[first:] = 1.0
    for slot in range(1, len(patterns)):
        n = counts[slot]
        product[:n] *= by_component.take(patterns[slot, :n], axis=0)
    product -= 1.0
    return np.ascontiguousarray(product.T).take(acting_on.of_line, axis=1).reshape(runs, years, n_lines)
