"""Which assumptions and schemes drive the gap: a tornado and variance-based (Sobol) indices.

Every uncertain input is read off its distribution at a probability between 0 and 1 (see
``Uniforms``), so both analyses only choose probabilities and run them through ``simulate``.
The output studied is the footprint's consolidated position with the plan in the final year.

Inputs are independent by construction: the footprint-wide delivery factor that correlates the
schemes is an input of its own, which is what Sobol indices need."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stpkit.domain import CostType
from stpkit.engine.model import Prepared
from stpkit.engine.risk import Mapper, Progress, risk_run_bytes, simulate
from stpkit.engine.uncertainty import Uniforms, from_uniforms, plan_uncertainty

#: The tornado's low and high: each input at these probabilities, every other at its median.
LOW, HIGH = 0.10, 0.90
#: Probabilities are kept inside (0, 1) so that no input is infinite.
EDGE = 1e-9


@dataclass(frozen=True)
class Input:
    """One uncertain input: where it sits in ``Uniforms`` and which Sobol group it joins."""

    label: str
    group: str
    field: str
    column: int | None  # column for per-scheme or per-cost-type fields, None for a single value


def inputs(prepared: Prepared) -> list[Input]:
    out = [
        Input("footprint-wide delivery (shared by all schemes)", "footprint-wide delivery", "common", None),
        Input("national demand growth", "national demand growth", "demand", None),
    ]
    out += [
        Input(f"{c.value} inflation", f"{c.value} inflation", "inflation", i) for i, c in enumerate(CostType)
    ]
    for s, name in enumerate(prepared.schemes.names):
        out += [
            Input(f"delivery: {name}", name, "own", s),
            Input(f"slippage: {name}", name, "delay", s),
            Input(f"recurrence: {name}", name, "nonrecurrent", s),
        ]
    return out


def _uniforms(prepared: Prepared, rows: np.ndarray) -> Uniforms:
    """``rows`` is ``(runs, inputs)`` probabilities in the order of ``inputs``."""
    spec = inputs(prepared)
    n, runs = prepared.schemes.n, rows.shape[0]
    fields = {
        "common": np.full(runs, 0.5),
        "own": np.full((runs, n), 0.5),
        "delay": np.full((runs, n), 0.5),
        "nonrecurrent": np.full((runs, n), 0.5),
        "overrun": np.full((runs, n), 0.5),
        "demand": np.full(runs, 0.5),
        "inflation": np.full((runs, len(CostType)), 0.5),
    }
    for j, item in enumerate(spec):
        if item.column is None:
            fields[item.field][:] = rows[:, j]
        else:
            fields[item.field][:, item.column] = rows[:, j]
    return Uniforms(**fields)


def sobol_run_bytes(prepared: Prepared) -> int:
    """Bytes held for each Sobol run: what a risk run keeps, and its sampled inputs (as drawn
    from SALib, as uniforms and as the inputs they give: each scheme's delivery, slippage,
    recurrence and overrun, and the national rates by year), held for all runs at once."""
    d, schemes, years = len(inputs(prepared)), prepared.schemes.n, len(prepared.ledger.years)
    return risk_run_bytes(prepared) + 8 * (3 * d + 6 * schemes + 4 * years)


def _final_positions(
    prepared: Prepared, rows: np.ndarray, mapper: Mapper | None, progress: Progress | None
) -> np.ndarray:
    unc = plan_uncertainty(prepared.plan, prepared.assumptions)
    draws = from_uniforms(unc, _uniforms(prepared, np.clip(rows, EDGE, 1 - EDGE)))
    return simulate(prepared, draws=draws, mapper=mapper, progress=progress).with_plan[:, -1]


@dataclass(frozen=True)
class TornadoBar:
    label: str
    low: float  # final-year position with the input at its low (P10), £000
    high: float  # ... at its high (P90)

    @property
    def swing(self) -> float:
        return abs(self.high - self.low)


@dataclass(frozen=True)
class Tornado:
    median_case: float  # final-year position with every input at its median, £000
    bars: tuple[TornadoBar, ...]  # widest swing first


def tornado(prepared: Prepared, mapper: Mapper | None = None, progress: Progress | None = None) -> Tornado:
    spec = inputs(prepared)
    d = len(spec)
    rows = np.full((1 + 2 * d, d), 0.5)
    for j in range(d):
        rows[1 + 2 * j, j] = LOW
        rows[2 + 2 * j, j] = HIGH
    y = _final_positions(prepared, rows, mapper, progress)
    bars = [TornadoBar(item.label, float(y[1 + 2 * j]), float(y[2 + 2 * j])) for j, item in enumerate(spec)]
    return Tornado(float(y[0]), tuple(sorted(bars, key=lambda b: -b.swing)))


@dataclass(frozen=True)
class SobolIndex:
    group: str
    first_order: float  # share of the variance of the final-year position due to this input alone
    total: float  # ... including its interactions with every other input
    total_conf: float  # half-width of the 95% confidence interval of ``total``


@dataclass(frozen=True)
class Sobol:
    samples: int  # model runs
    variance: float  # of the final-year position, £000 squared
    indices: tuple[SobolIndex, ...]  # largest total effect first


def sobol(
    prepared: Prepared, base_samples: int = 512, seed: int = 0, mapper: Mapper | None = None,
    progress: Progress | None = None,
) -> Sobol:
    """Sobol indices by input group (each scheme's delivery, slippage and recurrence together;
    each national or footprint-wide input alone), from Saltelli's sampling scheme."""
    from SALib.analyze import sobol as sobol_analyze  # only here: slow to import, and only Sobol needs it
    from SALib.sample import sobol as sobol_sample

    spec = inputs(prepared)
    problem = {
        "num_vars": len(spec),
        "names": [item.label for item in spec],
        "bounds": [[0.0, 1.0]] * len(spec),
        "groups": [item.group for item in spec],
    }
    rows = sobol_sample.sample(problem, base_samples, calc_second_order=False, seed=seed)
    y = _final_positions(prepared, rows, mapper, progress)
    # The bootstrap behind the confidence intervals is seeded too (SALib ignores a seed of 0).
    analysis = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed + 1)
    groups = list(dict.fromkeys(item.group for item in spec))
    indices = [
        SobolIndex(g, float(analysis["S1"][i]), float(analysis["ST"][i]), float(analysis["ST_conf"][i]))
        for i, g in enumerate(groups)
    ]
    return Sobol(len(y), float(np.var(y)), tuple(sorted(indices, key=lambda x: -x.total)))
