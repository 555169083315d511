"""Risk runs: reproducible, run 0 is the central case, the compact ledger changes nothing, the
draws follow their documented distributions, and the summary's numbers are right."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import special

from stpkit.engine.bridge import Leg
from stpkit.engine.ledger import LineKind
from stpkit.engine.model import evaluate, prepare, run_plan
from stpkit.engine.project import central_rates
from stpkit.engine.risk import Simulation, compact, simulate, summarise, tail_mean
from stpkit.engine.uncertainty import draw_plan, drawn_effect, drawn_rates, plan_uncertainty
from stpkit.examples import example_paths
from stpkit.inputs.plan_file import load_plan
from stpkit.reference.illustrative import illustrative_plan
from stpkit.reference.parameters import load_parameters


@pytest.fixture(scope="module")
def params():
    return load_parameters()


@pytest.fixture(scope="module")
def lincolnshire(params):
    return load_plan(example_paths()["lincolnshire"], params)


def test_run_zero_is_the_central_case(params, lincolnshire):
    central = run_plan(lincolnshire, params)
    sim = simulate(prepare(lincolnshire, params), 200, seed=11)
    np.testing.assert_allclose(sim.with_plan_by_org[0], central.with_plan_by_org[0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(sim.do_nothing_by_org[0], central.do_nothing_by_org[0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(sim.paper_by_org[0], central.paper_by_org[0], rtol=0, atol=1e-6)


def test_same_seed_same_runs_and_more_runs_keep_the_first(params, lincolnshire):
    prepared = prepare(lincolnshire, params)
    first = simulate(prepared, 300, seed=5)
    again = simulate(prepared, 300, seed=5)
    longer = simulate(prepared, 2600, seed=5)  # crosses a block boundary
    other = simulate(prepared, 300, seed=6)
    assert np.array_equal(first.with_plan_by_org, again.with_plan_by_org)
    np.testing.assert_allclose(longer.with_plan_by_org[:300], first.with_plan_by_org, rtol=0, atol=1e-6)
    assert not np.allclose(other.with_plan[1:], first.with_plan[1:])


@pytest.mark.parametrize("name", ["north_west_london", "cornwall_and_isles_of_scilly", "lincolnshire"])
def test_the_compact_ledger_gives_the_full_ledgers_positions(params, name):
    """Merging lines is exact: every run through the compact ledger matches the full model."""
    plan = load_plan(example_paths()[name], params)
    prepared = prepare(plan, params)
    assert compact(prepared).ledger.n_lines < prepared.ledger.n_lines
    draws = draw_plan(plan, plan_uncertainty(plan, prepared.assumptions), 3, 40)
    full = evaluate(prepared, drawn_rates(central_rates(prepared.assumptions), draws.national),
                    drawn_effect(prepared.schemes, draws))
    sim = simulate(prepared, draws=draws)
    for mine, theirs in ((sim.with_plan_by_org, full.with_plan_by_org), (sim.paper_by_org, full.paper_by_org),
                         (sim.do_nothing_by_org, full.do_nothing_by_org)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-6)


def test_draws_follow_their_documented_distributions(params, lincolnshire):
    """Means and spreads as in national_parameters.yaml: moderate evidence delivers 80% on
    average with sd 15 points; half the delivery variance is common to the footprint; slippage
    is exponential with mean 0.25 years for moderate evidence; standard buildings overrun by
    2% to 24%, uniformly (mean 13%)."""
    prepared = prepare(lincolnshire, params)
    unc = plan_uncertainty(lincolnshire, prepared.assumptions)
    draws = draw_plan(lincolnshire, unc, 1, 40001)
    evidence = [s.evidence.value for s in lincolnshire.schemes]
    moderate = [i for i, e in enumerate(evidence) if e == "moderate"]
    assert len(moderate) >= 2
    delivery = draws.delivery[1:, moderate]
    assert delivery.mean() == pytest.approx(0.80, abs=0.005)
    assert delivery.std(axis=0).mean() == pytest.approx(0.15, abs=0.005)
    # Back on the latent normal scale the correlation between two schemes is the common share.
    latent = special.ndtri(special.betainc(unc.delivery_alpha[moderate[:2]], unc.delivery_beta[moderate[:2]],
                                           delivery[:, :2]))
    assert np.corrcoef(latent.T)[0, 1] == pytest.approx(0.50, abs=0.02)
    assert draws.delay_years[1:, moderate].mean() == pytest.approx(0.25, abs=0.01)
    overrun = draws.capital_overrun[1:]
    assert overrun.min() >= 0.02 and overrun.max() <= 0.24
    assert overrun.mean() == pytest.approx(0.13, abs=0.003)
    # Row 0 is the plan as written.
    assert (draws.delivery[0] == 1).all() and (draws.delay_years[0] == 0).all()
    assert (draws.national.demand_shift[0] == 0).all() and (draws.national.inflation_shift[0] == 0).all()


def test_footprints_share_national_draws(params):
    """The same seed gives every footprint the same national demand and inflation in each run."""
    plans = [illustrative_plan(code, params) for code in ("E54000036", "E54000008")]
    draws = [draw_plan(p, plan_uncertainty(p, prepare(p, params).assumptions), 9, 500) for p in plans]
    assert np.array_equal(draws[0].national.demand_shift, draws[1].national.demand_shift)
    assert np.array_equal(draws[0].national.inflation_shift, draws[1].national.inflation_shift)
    assert not np.array_equal(draws[0].delivery[1:, :3], draws[1].delivery[1:, :3])


def _simulation(with_plan: np.ndarray) -> Simulation:
    """A simulation of one organisation whose runs are given, for checking the summary."""
    runs, years = with_plan.shape
    zeros = np.zeros((runs, years, 1))
    return Simulation(
        seed=0,
        do_nothing_by_org=zeros,
        paper_by_org=with_plan[..., None],
        landed_by_org=with_plan[..., None],
        with_plan_by_org=with_plan[..., None],
        realisation=np.zeros((years, 0)),
        capital_need=np.zeros((runs, years)),
    )


class _Central:
    """What ``summarise`` reads from a central result."""

    def __init__(self, years: int, with_plan: np.ndarray):
        self.with_plan = with_plan[None]
        self.to_with_plan = Leg("with_plan", "", with_plan[None, :, None], (), with_plan[None, :, None])
        self.schemes = type("S", (), {"investment_gbp000": np.zeros((years, 0)), "owner": np.zeros(0, int)})()


def test_summary_numbers_worked_by_hand():
    """Ten runs of a final year: central +1,000, then -5,000 ... +3,000.
    Balance or better: runs at +1,000, 0, +2,000 and +3,000, so 4 of 10 = 40%.
    Shortfalls: 5,000 + 4,000 + 3,000 + 2,000 + 1,000 + 500 = 15,500 over 10 runs = 1,550.
    Worst tenth = the single worst run, -5,000, so its shortfall is 5,000.
    Central balances but fewer than half the runs do: it balances only on paper."""
    final = np.array([1000, -5000, -4000, -3000, -2000, -1000, -500, 0, 2000, 3000], dtype=float)
    runs = np.column_stack([np.zeros(10), final])
    summary = summarise(_simulation(runs), _Central(2, runs[0]))
    assert summary.p_balance[-1] == pytest.approx(0.4)
    assert summary.expected_shortfall[-1] == pytest.approx(1550.0)
    assert summary.tail_shortfall[-1] == pytest.approx(5000.0)
    assert summary.mean[-1] == pytest.approx(-950.0)
    assert summary.percentiles[1, -1] == pytest.approx(-750.0)  # median of -1,000 and -500
    assert summary.balances_centrally and summary.balances_only_on_paper
    assert tail_mean(np.arange(20.0)[:, None], 0.1)[0] == pytest.approx(0.5)  # the lowest two of 20


def test_the_risk_adjusted_bridge_adds_up_to_the_average(params, lincolnshire):
    prepared = prepare(lincolnshire, params)
    summary = summarise(simulate(prepared, 1000, seed=2), run_plan(lincolnshire, params))
    (leg,) = summary.bridge.legs
    np.testing.assert_allclose(leg.end[0], summary.mean, rtol=0, atol=1e-6)
    np.testing.assert_allclose(leg.unexplained_by_org(), 0.0, rtol=0, atol=1e-6)
    # One step per scheme, each the central step scaled by what the scheme delivers on average.
    assert [s.id for s in leg.scheme_steps()] == [s.id for s in lincolnshire.schemes]


def balancing_on_paper(params):
    """The small test plan with its CCG's allocation raised until the central case shows a
    surplus of £1m every year: it balances, but only if every scheme delivers in full."""
    plan = load_plan(str(Path(__file__).parent / "fixtures" / "valid_small.yaml"), params)
    result = run_plan(plan, params)
    ledger = result.ledger
    allocation = result.lines_do_nothing[0][:, ledger.kind == LineKind.ALLOCATION].sum(axis=1)
    raised = allocation - result.with_plan[0] + 1000.0
    ccg = plan.organisations[0]
    baseline = ccg.baseline.model_copy(
        update={"allocations_gbp000": {y: float(v) for y, v in zip(result.years[1:], raised[1:], strict=True)}}
    )
    organisations = [ccg.model_copy(update={"baseline": baseline}), *plan.organisations[1:]]
    return plan.model_copy(update={"organisations": organisations})


def test_a_plan_that_balances_only_on_paper_is_flagged(params):
    plan = balancing_on_paper(params)
    central = run_plan(plan, params)
    np.testing.assert_allclose(central.with_plan[0, 1:], 1000.0, atol=1e-6)
    summary = summarise(simulate(prepare(plan, params), 2000, seed=1), central)
    assert summary.balances_centrally
    assert summary.p_balance[-1] < 0.5
    assert summary.balances_only_on_paper


@pytest.mark.parametrize("name", ["north_west_london", "lincolnshire"])
def test_keeping_only_totals_gives_the_same_totals(params, name):
    """The national view merges lines across organisations and skips the positions on paper."""
    prepared = prepare(load_plan(example_paths()[name], params), params)
    full = simulate(prepared, 300, seed=4)
    totals = simulate(prepared, 300, seed=4, by_org=False)
    if prepared.control_totals is None:
        assert compact(prepared, by_org=False).ledger.n_lines < compact(prepared).ledger.n_lines
    else:  # STF follows each provider's own position, so organisations are kept
        assert compact(prepared, by_org=False).ledger.n_lines == compact(prepared).ledger.n_lines
    assert totals.paper_by_org is None and totals.with_plan_by_org.shape[-1] == 1
    np.testing.assert_allclose(totals.with_plan, full.with_plan, rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(totals.do_nothing, full.do_nothing, rtol=1e-12, atol=1e-6)
    summary = summarise(totals, run_plan(prepared.plan, params))
    assert summary.bridge is None and summary.percentiles_by_org is None
