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
from functools import lru_cache

import numpy as np

from stpkit.domain import CostType, Plan
from stpkit.engine.assumptions import Assumptions
from stpkit.engine.project import Rates
from stpkit.engine.schemes import SchemeSet

NATIONAL_STREAM, FOOTPRINT_STREAM = 0, 1
COST_TYPES = tuple(CostType)


@dataclass(frozen=True)
class NationalDraws:
    #: One normal draw per run, scaled by each year's spread (central: one column of zeros).
    demand_shift: np.ndarray  # (runs, years) added to every line's demand growth in each projection year
    inflation_shift: np.ndarray  # (runs, years, cost types) added to cost inflation in each projection year

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
    #: (runs, years, schemes) fraction added to the scheme's capital spent in each year; one
    #: draw per scheme, read between the optimism-bias bounds of each year (central: (runs, 1, schemes))
    capital_overrun: np.ndarray
    national: NationalDraws

    @property
    def runs(self) -> int:
        return self.delivery.shape[0]

    def rows(self, rows: slice) -> Draws:
        return Draws(self.delivery[rows], self.delay_years[rows], self.nonrecurrent[rows],
                     self.capital_overrun[rows], self.national.rows(rows))

    def drawn(self) -> Draws:
        """These draws (see ``SeededRows.drawn``)."""
        return self


def central_national(runs: int = 1) -> NationalDraws:
    return NationalDraws(np.zeros((runs, 1)), np.zeros((runs, 1, len(COST_TYPES))))


def central_draws(n_schemes: int, runs: int = 1) -> Draws:
    zeros = np.zeros((runs, n_schemes))
    return Draws(np.ones((runs, n_schemes)), zeros, zeros.copy(), np.zeros((runs, 1, n_schemes)),
                 central_national(runs))


def _stream(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=key))


def footprint_key(code: str) -> int:
    """A stable number for a footprint's stream (the same on every machine and run)."""
    return zlib.crc32(code.encode("utf-8"))


#: The second shape of a distribution with no spread at all: a point mass at the first.
POINT_MASS = np.inf


def _beta(mean: np.ndarray, sd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Beta shape parameters with this mean and standard deviation (the spread is capped at
    what a beta distribution with that mean can have). With no spread (a standard deviation
    of 0, or a mean of 0 or 1) no beta distribution fits: every draw is the mean, written
    ``(mean, POINT_MASS)``."""
    variance = np.minimum(sd**2, 0.99 * mean * (1 - mean))
    point = variance <= 0
    common = mean * (1 - mean) / np.where(point, 1.0, variance) - 1
    return np.where(point, mean, mean * common), np.where(point, POINT_MASS, (1 - mean) * common)


#: Points on the probability scale at which beta quantiles are tabulated: the exact inverse is
#: about fifty times slower than reading a table, and the table is accurate to well under a
#: tenth of a percentage point of delivery.
_QUANTILE_GRID = np.linspace(0.0, 1.0, 4097)


def distributions():
    """scipy's special functions (inverse distribution functions), imported when first needed:
    most commands never draw. Worker processes forked after this is called share the import."""
    from scipy import special

    return special


@lru_cache(maxsize=1024)
def _quantile_table(alpha: float, beta: float) -> np.ndarray:
    """Quantiles of beta(alpha, beta) on ``_QUANTILE_GRID``: the same shapes recur (one per
    evidence level), across blocks of runs and footprints, so each is tabulated once."""
    if beta == POINT_MASS:
        table = np.full(len(_QUANTILE_GRID), alpha)
    else:
        table = distributions().betaincinv(alpha, beta, _QUANTILE_GRID)
    table.flags.writeable = False
    return table


def _beta_quantiles(alpha: np.ndarray, beta: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``u`` is ``(runs, n)`` probabilities; column j is read off beta(alpha[j], beta[j]) by
    linear interpolation in a table on an even grid (so the cell is found by arithmetic)."""
    if not len(alpha):  # a plan with no schemes draws no delivery
        return np.zeros(u.shape)
    shapes, which = np.unique(np.column_stack([alpha, beta]), axis=0, return_inverse=True)
    table = np.concatenate([_quantile_table(float(a), float(b)) for a, b in shapes])  # shapes x grid, flat
    points = len(_QUANTILE_GRID)
    steps = points - 1
    position = u * steps
    cell = np.minimum(position.astype(np.int64), steps - 1)
    weight = position - cell
    cell += which.ravel() * points  # the cell's place in the flat table
    return (1.0 - weight) * table.take(cell) + weight * table.take(cell + 1)


@dataclass(frozen=True)
class Uncertainty:
    """The distributions of a plan's uncertain inputs, from the assumptions and the plan."""

    delivery_alpha: np.ndarray  # (schemes,) beta shape of each scheme's delivery
    delivery_beta: np.ndarray
    correlation: float  # share of delivery variance common to the footprint
    slippage_mean: np.ndarray  # (schemes,) years
    nonrecurrent_alpha: float
    nonrecurrent_beta: float
    overrun_lower: np.ndarray  # (years, schemes) fraction of the capital spent in the year
    overrun_upper: np.ndarray
    demand_sd: np.ndarray  # (years,) national, fraction a year, the spread in each year
    inflation_sd: np.ndarray  # (years, cost types) national, fraction a year

    @property
    def n_schemes(self) -> int:
        return len(self.slippage_mean)


def _by_year(assumptions: Assumptions, name: str, members: list[str]) -> np.ndarray:
    """``(years, len(members))``: the parameter for each member in every year of the plan."""
    return np.array([assumptions.series(name, m) for m in members]).reshape(len(members), len(assumptions.years)).T


def plan_uncertainty(plan: Plan, assumptions: Assumptions) -> Uncertainty:
    """Parameters a scheme or run draws once are read at the base year (``SINGLE_VALUE`` in
    reference/parameters.py refuses other values in later years); the optimism-bias bounds
    are read in each year, for the capital spent in that year, and the national spreads in
    each year, scaling the run's one draw."""
    evidence = [s.evidence.value for s in plan.schemes]
    mean = np.array([s.delivery_pct / 100.0 if s.delivery_pct is not None
                     else assumptions.series("delivery_mean_pct", e)[0] / 100.0
                     for s, e in zip(plan.schemes, evidence, strict=True)])
    sd = np.array([assumptions.series("delivery_sd_pct", e)[0] / 100.0 for e in evidence])
    alpha, beta = _beta(mean, sd)
    nr_alpha, nr_beta = _beta(np.array(assumptions.series("nonrecurrent_share_mean_pct")[0] / 100.0),
                              np.array(assumptions.series("nonrecurrent_share_sd_pct")[0] / 100.0))
    kinds = [s.capital_project_type.value for s in plan.schemes]
    return Uncertainty(
        delivery_alpha=alpha,
        delivery_beta=beta,
        correlation=assumptions.series("delivery_correlation_pct")[0] / 100.0,
        slippage_mean=np.array([assumptions.series("slippage_mean_years", e)[0] for e in evidence]),
        nonrecurrent_alpha=float(nr_alpha),
        nonrecurrent_beta=float(nr_beta),
        overrun_lower=_by_year(assumptions, "optimism_bias_capital_lower_pct", kinds) / 100.0,
        overrun_upper=_by_year(assumptions, "optimism_bias_capital_upper_pct", kinds) / 100.0,
        demand_sd=assumptions.series("demand_growth_sd_pct") / 100.0,
        inflation_sd=_by_year(assumptions, "cost_inflation_sd_pct", [c.value for c in COST_TYPES]) / 100.0,
    )


@dataclass(frozen=True)
class Uniforms:
    """Independent probabilities (0 to 1) from which every uncertain input is read. Risk runs
    take them from random streams; sensitivity analysis sets them directly."""

    common: np.ndarray  # (runs,) the footprint-wide delivery factor
    own: np.ndarray  # (runs, schemes) each scheme's own delivery noise
    delay: np.ndarray  # (runs, schemes)
    nonrecurrent: np.ndarray  # (runs, schemes)
    overrun: np.ndarray  # (runs, schemes)
    demand: np.ndarray  # (runs,)
    inflation: np.ndarray  # (runs, cost types)


def national_from_uniforms(unc: Uncertainty, demand: np.ndarray, inflation: np.ndarray) -> NationalDraws:
    special = distributions()
    # One shift per run (and cost type), scaled by the spread of each year.
    return NationalDraws(special.ndtri(demand)[:, None] * unc.demand_sd[None],
                         special.ndtri(inflation)[:, None, :] * unc.inflation_sd[None])


def from_uniforms(unc: Uncertainty, u: Uniforms) -> Draws:
    """Every input read off its distribution at the given probabilities."""
    special = distributions()
    rho = unc.correlation
    z = np.sqrt(rho) * special.ndtri(u.common)[:, None] + np.sqrt(1 - rho) * special.ndtri(u.own)
    delivery = _beta_quantiles(unc.delivery_alpha, unc.delivery_beta, special.ndtr(z))
    delay = -np.log1p(-u.delay) * unc.slippage_mean  # exponential
    nonrecurrent = _beta_quantiles(np.full(unc.n_schemes, unc.nonrecurrent_alpha),
                                   np.full(unc.n_schemes, unc.nonrecurrent_beta), u.nonrecurrent)
    # One draw per scheme, placed between each year's bounds: (runs, years, schemes).
    overrun = unc.overrun_lower[None] + (unc.overrun_upper - unc.overrun_lower)[None] * u.overrun[:, None, :]
    return Draws(delivery, delay, nonrecurrent, overrun, national_from_uniforms(unc, u.demand, u.inflation))


def _open_unit(g: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Uniform on the open interval (0, 1), so that no inverse distribution is infinite."""
    return (g.integers(0, 2**53, size=shape) + 0.5) / 2.0**53


def draw_national(unc: Uncertainty, seed: int, runs: int) -> NationalDraws:
    """National shifts for ``runs`` runs (row 0 central), from the seed alone."""
    demand = _open_unit(_stream(seed, NATIONAL_STREAM, 0), (runs,))
    inflation = _open_unit(_stream(seed, NATIONAL_STREAM, 1), (runs, len(COST_TYPES)))
    national = national_from_uniforms(unc, demand, inflation)
    national.demand_shift[0], national.inflation_shift[0] = 0.0, 0.0
    return national


@dataclass(frozen=True)
class SeededRows:
    """Rows ``start`` to ``stop`` of a plan's draws from a seed, drawn only when asked for
    (``drawn``). A block of runs handed to a worker carries this recipe rather than the numbers,
    so memory grows with the runs of one block, not with all runs times all schemes. Each
    quantity's stream is moved on past the rows before ``start`` (every value takes one step of
    the generator), so the rows are exactly those of ``draw_plan`` for all the runs."""

    uncertainty: Uncertainty
    key: int  # the footprint's stream (``footprint_key``)
    seed: int
    start: int
    stop: int
    national: NationalDraws  # rows ``start`` to ``stop``

    @property
    def runs(self) -> int:
        return self.stop - self.start

    def drawn(self) -> Draws:
        unc, runs = self.uncertainty, self.runs
        n = unc.n_schemes

        def stream(quantity: int, width: int | None) -> np.ndarray:
            g = _stream(self.seed, FOOTPRINT_STREAM, self.key, quantity)
            g.bit_generator.advance(self.start * (1 if width is None else width))
            return _open_unit(g, (runs,) if width is None else (runs, width))

        u = Uniforms(
            common=stream(0, None),
            own=stream(1, n),
            delay=stream(2, n),
            nonrecurrent=stream(3, n),
            overrun=stream(4, n),
            demand=np.full(runs, 0.5),
            inflation=np.full((runs, len(COST_TYPES)), 0.5),
        )
        draws = from_uniforms(unc, u)
        if self.start == 0 and runs:  # row 0 is the plan as written
            central = central_draws(n)
            for name in ("delivery", "delay_years", "nonrecurrent", "capital_overrun"):
                getattr(draws, name)[0] = getattr(central, name)[0]
        return replace(draws, national=self.national)


def seeded_blocks(
    plan: Plan, unc: Uncertainty, seed: int, runs: int, block_runs: int, national: NationalDraws | None = None
) -> list[SeededRows]:
    """``draw_plan``'s runs in blocks of ``block_runs``, each drawn when asked for."""
    national = national if national is not None else draw_national(unc, seed, runs)
    key = footprint_key(plan.footprint.code)
    return [
        SeededRows(unc, key, seed, a, min(a + block_runs, runs), national.rows(slice(a, min(a + block_runs, runs))))
        for a in range(0, runs, block_runs)
    ]


def draw_plan(plan: Plan, unc: Uncertainty, seed: int, runs: int, national: NationalDraws | None = None) -> Draws:
    """Draws of every uncertain input of ``plan`` for ``runs`` runs (row 0 central). Pass the
    national draws to share them with other footprints."""
    national = national if national is not None else draw_national(unc, seed, runs)
    return SeededRows(unc, footprint_key(plan.footprint.code), seed, 0, runs, national).drawn()


def drawn_rates(central: Rates, national: NationalDraws) -> Rates:
    """The central rates with each run's national shifts added in every projection year."""
    runs = national.runs
    projection = np.ones(central.demand.shape[1])
    projection[0] = 0.0
    demand = central.demand + national.demand_shift[:, :, None] * projection[None, :, None]
    inflation = central.cost_inflation + national.inflation_shift * projection[None, :, None]

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
    flat, column = padded.ravel(), np.arange(phasing.shape[1])

    def at(index: np.ndarray) -> np.ndarray:
        clipped = np.clip(index + 1, 0, n_years).astype(np.int64)
        clipped *= phasing.shape[1]
        clipped += column  # the place of (year, scheme) in the flat table
        return flat.take(clipped)

    delayed = (1 - weight) * at(below) + weight * at(below + 1)
    first_delivered = np.diff(delayed, axis=1, prepend=0.0)
    recurrent = schemes.recurrent[None, None, :]
    one_off = draws.nonrecurrent[:, None, :]
    profile = np.where(recurrent, (1 - one_off) * delayed + one_off * first_delivered, first_delivered)
    return draws.delivery[:, None, :] * profile


def drawn_effect(schemes: SchemeSet, draws: Draws, profiles: np.ndarray | None = None) -> np.ndarray:
    """``(runs, years, components)``; pass ``scheme_profiles`` if already worked out."""
    if profiles is None:
        profiles = scheme_profiles(schemes, draws)
    return schemes.size * profiles[:, :, schemes.scheme_of]
