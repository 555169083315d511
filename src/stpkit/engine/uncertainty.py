"""The uncertain inputs of a plan, drawn for many runs from one seed.

Row 0 of every draw is the plan as written (full delivery, no slippage, savings as recurrent
as planned, capital at its stated cost, national rates at their central values), so run 0 of
any risk run is the central case. Each quantity is drawn from its own stream, spawned from the
seed, and row by row, so adding runs never changes the runs already drawn. National quantities
(demand growth, cost inflation) come from a stream that depends on the seed only, so every
footprint in a national run sees the same national draws; a footprint's own quantities come
from a stream keyed by its code, so its runs are the same alone or in a national run."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace

import numpy as np
from scipy import special, stats

from stpkit.domain import CostType, Plan
from stpkit.engine.assumptions import Assumptions
from stpkit.engine.project import Rates
from stpkit.engine.schemes import SchemeSet

NATIONAL_STREAM, FOOTPRINT_STREAM = 0, 1
COST_TYPES = tuple(CostType)


@dataclass(frozen=True)
class NationalDraws:
    demand_shift: np.ndarray  # (runs,) added to every line's demand growth each projection year
    inflation_shift: np.ndarray  # (runs, cost types) added to cost inflation each projection year

    @property
    def runs(self) -> int:
        return len(self.demand_shift)

    def rows(self, rows: slice) -> NationalDraws:
        return NationalDraws(self.demand_shift[rows], self.inflation_shift[rows])


@dataclass(frozen=True)
class Draws:
    """Every uncertain input of one plan for a set of runs; row 0 is the central case."""

    delivery: np.ndarray  # (runs, schemes) share of the planned effect achieved
    delay_years: np.ndarray  # (runs, schemes) slippage of the phasing
    nonrecurrent: np.ndarray  # (runs, schemes) share of a recurrent scheme's effect that does not recur
    capital_overrun: np.ndarray  # (runs, schemes) fraction added to the scheme's capital
    national: NationalDraws

    @property
    def runs(self) -> int:
        return self.delivery.shape[0]

    def rows(self, rows: slice) -> Draws:
        return Draws(self.delivery[rows], self.delay_years[rows], self.nonrecurrent[rows],
                     self.capital_overrun[rows], self.national.rows(rows))


def central_national(runs: int = 1) -> NationalDraws:
    return NationalDraws(np.zeros(runs), np.zeros((runs, len(COST_TYPES))))


def central_draws(n_schemes: int, runs: int = 1) -> Draws:
    zeros = np.zeros((runs, n_schemes))
    return Draws(np.ones((runs, n_schemes)), zeros, zeros.copy(), zeros.copy(), central_national(runs))


def _stream(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=key))


def footprint_key(code: str) -> int:
    """A stable number for a footprint's stream (the same on every machine and run)."""
    return zlib.crc32(code.encode("utf-8"))


def draw_national(assumptions: Assumptions, seed: int, runs: int) -> NationalDraws:
    """National shifts for ``runs`` runs (row 0 central), from the seed alone."""
    demand_sd = assumptions.series("demand_growth_sd_pct")[0] / 100.0
    inflation_sd = np.array([assumptions.series("cost_inflation_sd_pct", c.value)[0] for c in COST_TYPES]) / 100.0
    demand = _stream(seed, NATIONAL_STREAM, 0).standard_normal(runs) * demand_sd
    inflation = _stream(seed, NATIONAL_STREAM, 1).standard_normal((runs, len(COST_TYPES))) * inflation_sd
    demand[0], inflation[0] = 0.0, 0.0
    return NationalDraws(demand, inflation)


def _beta(mean: np.ndarray, sd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Beta shape parameters with this mean and standard deviation (the spread is capped so
    that the distribution stays unimodal-or-U-shaped but valid)."""
    variance = np.minimum(sd**2, 0.99 * mean * (1 - mean))
    common = mean * (1 - mean) / variance - 1
    return mean * common, (1 - mean) * common


def draw_plan(plan: Plan, assumptions: Assumptions, seed: int, runs: int,
              national: NationalDraws | None = None) -> Draws:
    """Draws of every uncertain input of ``plan`` for ``runs`` runs (row 0 central)."""
    n = len(plan.schemes)
    key = footprint_key(plan.footprint.code)
    if national is None:
        national = draw_national(assumptions, seed, runs)

    def stream(quantity: int) -> np.random.Generator:
        return _stream(seed, FOOTPRINT_STREAM, key, quantity)

    evidence = [s.evidence.value for s in plan.schemes]
    mean = np.array([s.delivery_pct / 100.0 if s.delivery_pct is not None
                     else assumptions.series("delivery_mean_pct", e)[0] / 100.0
                     for s, e in zip(plan.schemes, evidence, strict=True)])
    sd = np.array([assumptions.series("delivery_sd_pct", e)[0] / 100.0 for e in evidence])
    rho = assumptions.series("delivery_correlation_pct")[0] / 100.0
    # A footprint-wide factor shared by its schemes plus each scheme's own noise (Gaussian copula).
    common = stream(0).standard_normal((runs, 1))
    own = stream(1).standard_normal((runs, n))
    uniform = stats.norm.cdf(np.sqrt(rho) * common + np.sqrt(1 - rho) * own)
    alpha, beta = _beta(mean, sd)
    delivery = special.betaincinv(alpha, beta, uniform) if n else np.zeros((runs, 0))

    slippage = np.array([assumptions.series("slippage_mean_years", e)[0] for e in evidence])
    delay = stream(2).standard_exponential((runs, n)) * slippage

    nr_mean = assumptions.series("nonrecurrent_share_mean_pct")[0] / 100.0
    nr_sd = assumptions.series("nonrecurrent_share_sd_pct")[0] / 100.0
    a, b = _beta(np.array(nr_mean), np.array(nr_sd))
    nonrecurrent = stream(3).beta(a, b, (runs, n))

    lower = np.array([assumptions.series("optimism_bias_capital_lower_pct", s.capital_project_type.value)[0]
                      for s in plan.schemes]) / 100.0
    upper = np.array([assumptions.series("optimism_bias_capital_upper_pct", s.capital_project_type.value)[0]
                      for s in plan.schemes]) / 100.0
    overrun = lower + (upper - lower) * stream(4).random((runs, n))

    draws = Draws(delivery, delay, nonrecurrent, overrun, national)
    central = central_draws(n)
    for name in ("delivery", "delay_years", "nonrecurrent", "capital_overrun"):
        getattr(draws, name)[0] = getattr(central, name)[0]
    return replace(draws, national=national)


def drawn_rates(central: Rates, national: NationalDraws) -> Rates:
    """The central rates with each run's national shifts added in every projection year."""
    runs = national.runs
    projection = np.ones(central.demand.shape[1])
    projection[0] = 0.0
    demand = central.demand + national.demand_shift[:, None, None] * projection[None, :, None]
    inflation = central.cost_inflation + national.inflation_shift[:, None, :] * projection[None, :, None]

    def widen(a: np.ndarray) -> np.ndarray:
        return np.broadcast_to(a, (runs,) + a.shape[1:])

    return Rates(demand=demand, cost_inflation=inflation, tariff_cost_uplift=widen(central.tariff_cost_uplift),
                 tariff_efficiency=widen(central.tariff_efficiency),
                 provider_efficiency=widen(central.provider_efficiency),
                 other_income_growth=widen(central.other_income_growth),
                 marginal_rate=widen(central.marginal_rate))


def scheme_profiles(schemes: SchemeSet, draws: Draws) -> np.ndarray:
    """``(runs, years, schemes)``: the share of each scheme's planned effect in force each year,
    after delivery, slippage and savings that turn out not to recur."""
    phasing = schemes.phasing  # (years, schemes) share first delivered each year
    n_years = phasing.shape[0]
    cumulative = np.cumsum(phasing, axis=0)  # (years, schemes)
    # Slippage: the cumulative phasing read off ``delay`` years earlier, by linear interpolation.
    t = np.arange(n_years)[None, :, None] - draws.delay_years[:, None, :]  # (runs, years, schemes)
    below = np.floor(t)
    weight = t - below
    padded = np.concatenate([np.zeros((1, phasing.shape[1])), cumulative], axis=0)  # index 0 is year -1

    def at(index: np.ndarray) -> np.ndarray:
        clipped = np.clip(index + 1, 0, n_years).astype(np.int64)
        return np.take_along_axis(np.broadcast_to(padded[None], (t.shape[0],) + padded.shape), clipped, axis=1)

    delayed = (1 - weight) * at(below) + weight * at(below + 1)
    first_delivered = np.diff(delayed, axis=1, prepend=0.0)
    recurrent = schemes.recurrent[None, None, :]
    one_off = draws.nonrecurrent[:, None, :]
    profile = np.where(recurrent, (1 - one_off) * delayed + one_off * first_delivered, first_delivered)
    return draws.delivery[:, None, :] * profile


def drawn_effect(schemes: SchemeSet, draws: Draws) -> np.ndarray:
    """``(runs, years, components)``."""
    return schemes.size * scheme_profiles(schemes, draws)[:, :, schemes.scheme_of]
