"""The do-nothing projection: each ledger line grown by the drivers of the gap.

Every function here works on arrays shaped ``(runs, years, ...)``; the central case is run 0.
Year 0 is the base year, where every index is 1."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

import numpy as np

from stpkit.engine.assumptions import Assumptions
from stpkit.engine.ledger import Ledger, PriceIndex


class Driver(StrEnum):
    """The drivers of the do-nothing gap, one step each in the bridge."""

    DEMAND = "demand"  # activity growth
    INFLATION = "inflation"  # cost inflation, and the tariff's cost uplift that pays for it
    EFFICIENCY = "efficiency"  # the tariff efficiency requirement, do-nothing provider efficiency
    FUNDING = "funding"  # allocation growth, the Sustainability and Transformation Fund, other income


DRIVERS = tuple(Driver)
DRIVER_LABELS = {
    Driver.DEMAND: "Demand growth",
    Driver.INFLATION: "Cost inflation and tariff cost uplift",
    Driver.EFFICIENCY: "Tariff efficiency and do-nothing provider efficiency",
    Driver.FUNDING: "Funding growth (allocations, STF, other income)",
}


@dataclass(frozen=True)
class Rates:
    """Yearly rates as fractions, each with a leading runs axis. Year 0 is never used."""

    demand: np.ndarray  # (runs, years, service lines)
    cost_inflation: np.ndarray  # (runs, years, cost types)
    tariff_cost_uplift: np.ndarray  # (runs, years)
    tariff_efficiency: np.ndarray  # (runs, years)
    provider_efficiency: np.ndarray  # (runs, years)
    other_income_growth: np.ndarray  # (runs, years)
    marginal_rate: np.ndarray  # (runs, years) share of tariff paid for emergency activity above the base year

    @property
    def runs(self) -> int:
        return self.demand.shape[0]


def central_rates(assumptions: Assumptions) -> Rates:
    """The central case as a single run."""
    demand = assumptions.fraction("demand_growth_demographic_pct") + assumptions.fraction(
        "demand_growth_non_demographic_pct"
    )
    return Rates(
        demand=demand[None],
        cost_inflation=assumptions.fraction("cost_inflation_pct")[None],
        tariff_cost_uplift=assumptions.fraction("tariff_cost_uplift_pct")[None, :, 0],
        tariff_efficiency=assumptions.fraction("tariff_efficiency_pct")[None, :, 0],
        provider_efficiency=assumptions.fraction("provider_efficiency_do_nothing_pct")[None, :, 0],
        other_income_growth=assumptions.fraction("provider_other_income_growth_pct")[None, :, 0],
        marginal_rate=assumptions.fraction("emergency_marginal_rate_pct")[None, :, 0],
    )


def cumulative_index(growth: np.ndarray) -> np.ndarray:
    """Index by year from yearly growth rates along axis 1: 1 in year 0, then the running
    product of ``1 + growth``. The base year's own rate is ignored."""
    index = 1.0 + growth
    index[:, 0] = 1.0
    # Year by year: the same products as ``np.cumprod`` along axis 1, which runs a separate
    # loop of a few years for every run and line.
    for t in range(1, index.shape[1]):
        index[:, t] *= index[:, t - 1]
    return index


def _price_table(rates: Rates, drivers: frozenset[Driver]) -> np.ndarray:
    """``(runs, years, 9)`` price indices with only the chosen drivers switched on."""
    inflation = Driver.INFLATION in drivers
    efficiency = Driver.EFFICIENCY in drivers
    funding = Driver.FUNDING in drivers
    runs, years = rates.tariff_cost_uplift.shape
    zero = np.zeros((runs, years))
    tariff = (rates.tariff_cost_uplift if inflation else zero) - (rates.tariff_efficiency if efficiency else zero)
    costs = rates.cost_inflation if inflation else np.zeros_like(rates.cost_inflation)
    provider_eff = rates.provider_efficiency if efficiency else zero
    growth = np.stack(
        [
            zero,
            tariff,
            costs[..., 0],
            costs[..., 1],
            costs[..., 2],
            costs[..., 0],
            costs[..., 1],
            costs[..., 2],
            rates.other_income_growth if funding else zero,
        ],
        axis=2,
    )
    table = cumulative_index(growth)
    # Do-nothing provider efficiency lowers every provider cost line.
    table[:, :, PriceIndex.COST_PAY : PriceIndex.COST_OTHER + 1] *= cumulative_index(-provider_eff)[:, :, None]
    return table


def _volume_table(rates: Rates, on: bool, volume: np.ndarray | None = None) -> np.ndarray:
    """``(runs, years, service lines + 1)`` activity index of each service line (``volume``
    when already worked out); the last column is 1, for lines not tied to activity."""
    runs, years = rates.demand.shape[:2]
    grown = np.ones(rates.demand.shape)
    if on:
        grown = cumulative_index(rates.demand) if volume is None else volume
    return np.concatenate([grown, np.ones((runs, years, 1))], axis=2)


def _split_table(rates: Rates) -> np.ndarray:
    """``(runs, years, 3)`` indexed by ``Mret``: the part of each emergency payment line in
    force, 1 - rate for the base-year part and the rate for the part that moves with activity."""
    rate = rates.marginal_rate
    return np.stack([np.ones_like(rate), 1.0 - rate, rate], axis=2)


@dataclass(frozen=True)
class MixedLedger(Ledger):
    """A ledger whose lines each stand for lines of several combinations of indices (see
    ``risk.compact``): a line's value in year t is ``sum over c of index[c] * mix[t, c, line]``,
    where ``mix`` holds the signed base values and funding paths of the lines it stands for.
    Every step of the model is linear in the lines' values, so lines that the model otherwise
    treats alike can be one line whatever their demand, price and funding. Its base values and
    funding paths are 1: the mix carries them."""

    base_combos: np.ndarray | None = None  # (combinations, 3) volume key, price index, Mret
    mix: np.ndarray | None = None  # (years, combinations, lines)

    @cached_property
    def index_combos(self) -> tuple[np.ndarray, np.ndarray]:
        """Each line is a combination of its own."""
        return np.full((self.n_lines, 3), -1, dtype=np.int64), np.arange(self.n_lines)


@dataclass(frozen=True)
class Values:
    """Line values in factored form: each line's value is the index of its combination of
    volume, price and marginal-rate indices times its own scale (base value and funding path).
    Reading a few lines, or adding lines up, never needs every line's value."""

    index: np.ndarray  # (runs, years, combinations)
    scale: np.ndarray | None  # (years, lines); None where every line's scale is 1
    which: np.ndarray  # (lines,) each line's combination
    #: For a ``MixedLedger``, ``(runs, years, combinations)`` the indices its lines mix: sums
    #: over lines are worked out from these (see ``combination_weights``).
    mixed_from: np.ndarray | None = None

    def of(self, columns: np.ndarray) -> np.ndarray:
        """``(runs, years, len(columns))`` the values of these lines."""
        out = self.index.take(self.which[columns], axis=2)
        if self.scale is not None:
            out *= self.scale[:, columns]
        return out

    def all(self) -> np.ndarray:
        out = self.index[:, :, self.which]
        return out if self.scale is None else out * self.scale

    def summed(self, by_combination: np.ndarray) -> np.ndarray:
        """``(runs, years, k)``: the lines' values added up with weights already gathered by
        combination, ``(years, combinations, k)`` (see ``combination_weights``)."""
        index = self.index if self.mixed_from is None else self.mixed_from
        # One matrix product a year (numpy's einsum would not use BLAS here).
        return np.matmul(index.transpose(1, 0, 2), by_combination).transpose(1, 0, 2)


def combination_weights(ledger: Ledger, weights: np.ndarray) -> np.ndarray:
    """``(years, combinations, k)``: ``weights`` ``(lines, k)`` times each line's scale, added
    up over the lines of each combination of indices, so that ``Values.summed`` gives
    ``all() @ weights`` without working out every line. For a ``MixedLedger``, by the
    combinations its lines mix."""
    if isinstance(ledger, MixedLedger):
        return np.matmul(ledger.mix, weights)
    _, which = ledger.index_combos
    scale = ledger.funding_path * ledger.base_gbp000
    n = ledger.index_combos[0].shape[0]
    out = np.zeros((scale.shape[0], n, weights.shape[1]))
    for t in range(scale.shape[0]):
        np.add.at(out[t], which, scale[t][:, None] * weights)
    return out


def values(
    ledger: Ledger, rates: Rates, drivers: Iterable[Driver] = DRIVERS, volume: np.ndarray | None = None
) -> Values:
    """Every line's value with only the given drivers switched on (the others held at their
    base-year level), in factored form. Lines of activity that a scheme moves are valued as if
    all of it had moved."""
    drivers = frozenset(drivers)
    if isinstance(ledger, MixedLedger):
        if drivers != frozenset(DRIVERS):
            raise ValueError("a mixed ledger's funding paths are in its mix: it is valued with every driver")
        index = _combination_index(rates, drivers, volume, ledger.base_combos)
        # Each line mixes the combinations: one matrix product a year, written in place.
        mixed = np.empty(index.shape[:2] + (ledger.n_lines,))
        for t in range(index.shape[1]):
            np.matmul(index[:, t, :], ledger.mix[t], out=mixed[:, t, :])
        return Values(mixed, None, np.arange(ledger.n_lines), mixed_from=index)
    funding = (
        ledger.funding_path
        if Driver.FUNDING in drivers
        else np.broadcast_to(ledger.funding_path[:1], ledger.funding_path.shape)
    )
    # Lines share few combinations of the three indices: multiply them once per combination.
    combos, which = ledger.index_combos
    return Values(_combination_index(rates, drivers, volume, combos), funding * ledger.base_gbp000, which)


def _combination_index(
    rates: Rates, drivers: frozenset[Driver], volume: np.ndarray | None, combos: np.ndarray
) -> np.ndarray:
    """``(runs, years, combinations)``: the volume, price and marginal-rate indices multiplied."""
    index = _volume_table(rates, Driver.DEMAND in drivers, volume)[:, :, combos[:, 0]]
    index *= _price_table(rates, drivers)[:, :, combos[:, 1]]
    index *= _split_table(rates)[:, :, combos[:, 2]]
    return index


def project(ledger: Ledger, rates: Rates, drivers: Iterable[Driver] = DRIVERS) -> np.ndarray:
    """Do-nothing value of every line: activity moved by schemes is nil."""
    return values(ledger, rates, drivers).all() * ~ledger.is_arrival
