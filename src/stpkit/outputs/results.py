"""Results as tidy tables and as the documented JSON structure (``stpkit-results`` version 1).

Money is £000, unrounded, surplus positive and deficit negative. Tables are long ("tidy"):
one row per organisation, item and year."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stpkit import __version__
from stpkit.domain import ActsOnAeDowngrade, ActsOnCostType, ActsOnIncome, ActsOnWorkforce, Plan
from stpkit.engine.bridge import Bridge
from stpkit.engine.capital import SOURCES
from stpkit.engine.model import PlanResult, Prepared
from stpkit.engine.risk import PERCENTILES, RiskSummary
from stpkit.engine.workforce import STAFF_GROUPS
from stpkit.reference.ae import AE_REFERENCE_YEAR, type1_departments
from stpkit.reference.footprints import load_footprints
from stpkit.reference.illustrative import ILLUSTRATIVE_NOTE

if TYPE_CHECKING:  # the sensitivity module imports SALib and scipy.stats, which `stp run` never needs
    from stpkit.engine.sensitivity import Sobol, Tornado

RESULTS_FORMAT = "stpkit-results"
RESULTS_FORMAT_VERSION = 1
FOOTPRINT_ROW = "FOOTPRINT"

#: The section of the results tables each leg's steps are listed under.
STEP_SECTION = {"do_nothing": "do_nothing", "with_plan": "schemes", "average_with_plan": "schemes"}


def footprint_name(result: PlanResult) -> str:
    ref = result.plan.footprint
    return ref.name or load_footprints()[ref.code].name


def _listed(values: np.ndarray) -> list[float]:
    return [float(v) for v in values]


def positions_table(result: PlanResult, run: int = 0) -> pd.DataFrame:
    """Position of every organisation and of the footprint, do nothing and with the plan, and
    the stranded cost within the with-plan position."""
    ledger, rows = result.ledger, []
    series = (
        ("do_nothing", result.do_nothing_by_org),
        ("with_plan", result.with_plan_by_org),
        ("stranded_cost", -result.stranded_by_org),
    )
    for scenario, by_org in series:
        for o, code in enumerate(ledger.org_codes):
            for t, year in enumerate(result.years):
                rows.append(
                    (
                        code,
                        ledger.org_names[o],
                        ledger.org_kinds[o].value,
                        100 * ledger.org_share[o],
                        scenario,
                        year,
                        by_org[run, t, o],
                    )
                )
        for t, year in enumerate(result.years):
            rows.append(
                (FOOTPRINT_ROW, footprint_name(result), "footprint", 100.0, scenario, year, by_org[run, t].sum())
            )
    return pd.DataFrame(
        rows, columns=["organisation", "name", "kind", "share_pct", "scenario", "year", "position_gbp000"]
    )


def bridge_steps(
    bridge: Bridge, run: int = 0, plan: Plan | None = None, org: int | None = None
) -> list[dict[str, Any]]:
    """A bridge as one list, in order: its start, then each leg's steps and the total it
    reaches. ``values`` are the footprint's by year, or organisation ``org``'s (at the
    footprint's share); the steps between two totals add up to their difference. With
    ``plan``, a scheme's step also names its category and owner. Every bridge shown anywhere
    (terminal, reports, tables, JSON) is listed through here."""

    def of(by_org: np.ndarray) -> np.ndarray:
        return by_org[run].sum(axis=-1) if org is None else by_org[run, :, org]

    start = of(bridge.start_by_org)
    steps = [{"section": "start", "id": bridge.start_id, "label": bridge.start_label, "values": start}]
    for leg in bridge.legs:
        for step in leg.steps:
            extra: dict[str, Any] = {}
            if plan is not None and step.scheme is not None:
                scheme = plan.schemes[step.scheme]
                extra = {"category": scheme.category.value, "owner": scheme.owner}
            section = STEP_SECTION[leg.id]
            steps.append({"section": section, "id": step.id, "label": step.label, "values": of(step.by_org), **extra})
        steps.append({"section": "total", "id": leg.id, "label": leg.label, "values": of(leg.end_by_org)})
    return steps


def income_and_expenditure(result: PlanResult, run: int = 0) -> dict[str, np.ndarray]:
    """``(years, orgs)`` income and expenditure of each member, at the footprint's share, do
    nothing and with the plan: allocations and every income line coming in, spend and costs
    (with the plan, the schemes' running costs too) going out; income from repurposed sites is
    income. Income less expenditure is the member's position."""
    ledger, schemes = result.ledger, result.schemes
    to_org = ledger.org_matrix() != 0
    coming_in, going_out = to_org & (ledger.sign > 0)[:, None], to_org & (ledger.sign < 0)[:, None]
    investment = np.zeros((len(result.years), ledger.n_orgs))
    np.add.at(investment.T, schemes.owner, schemes.investment_gbp000.T)
    # STF not paid for a missed control total is income not received.
    withheld_do_nothing, withheld_with_plan = (w[run] for w in result.fund_withheld_by_org())
    return {
        "income_do_nothing": result.lines_do_nothing[run] @ coming_in + withheld_do_nothing,
        "expenditure_do_nothing": result.lines_do_nothing[run] @ going_out,
        "income_with_plan": result.lines_with_plan[run] @ coming_in + result.beds.repurposing_income_gbp000
        + withheld_with_plan,
        "expenditure_with_plan": result.lines_with_plan[run] @ going_out + investment,
    }


def accounts_table(result: PlanResult, run: int = 0) -> pd.DataFrame:
    """Each member's income and expenditure by year, do nothing and with the plan (£000)."""
    ledger, accounts = result.ledger, income_and_expenditure(result, run)
    rows = [
        (code, ledger.org_names[o], ledger.org_kinds[o].value, scenario, item, year,
         accounts[f"{item}_{scenario}"][t, o])
        for o, code in enumerate(ledger.org_codes)
        for scenario in ("do_nothing", "with_plan")
        for item in ("income", "expenditure")
        for t, year in enumerate(result.years)
    ]
    return pd.DataFrame(rows, columns=["organisation", "name", "kind", "scenario", "item", "year", "value_gbp000"])


def organisation_bridge_table(result: PlanResult, run: int = 0) -> pd.DataFrame:
    """The bridge of every member, step by step (£000 at the footprint's share)."""
    ledger, rows = result.ledger, []
    for o, code in enumerate(ledger.org_codes):
        for order, step in enumerate(bridge_steps(result.bridge, run, result.plan, org=o)):
            for t, year in enumerate(result.years):
                rows.append((code, ledger.org_names[o], order, step["section"], step["id"], step["label"], year,
                             step["values"][t]))
    columns = ["organisation", "name", "order", "section", "step", "label", "year", "effect_gbp000"]
    return pd.DataFrame(rows, columns=columns)


def bridge_table(result: PlanResult, run: int = 0) -> pd.DataFrame:
    rows = []
    for order, step in enumerate(bridge_steps(result.bridge, run, result.plan)):
        for t, year in enumerate(result.years):
            rows.append((order, step["section"], step["id"], step["label"], year, step["values"][t]))
    return pd.DataFrame(rows, columns=["order", "section", "step", "label", "year", "effect_gbp000"])


SCHEME_COLUMNS = [
    "id",
    "name",
    "category",
    "owner",
    "acts_on",
    "target",
    "evidence",
    "recurrent",
    "final_year_effect_gbp000",
    "final_year_stranded_gbp000",
    "total_investment_gbp000",
    "total_capital_gbp000",
    "capital_source",
]


def schemes_table(result: PlanResult, run: int = 0) -> pd.DataFrame:
    final = len(result.years) - 1
    rows = []
    for s, scheme in enumerate(result.plan.schemes):
        act = scheme.acts_on
        match act:
            case ActsOnAeDowngrade():
                target = act.site
            case ActsOnCostType():
                target = act.cost_type
            case ActsOnIncome():
                target = act.income_source
            case ActsOnWorkforce():
                target = act.staff_group
            case _:  # activity, shift, and unit_cost (all its costs when it names no line)
                target = act.service_line
        rows.append(
            {
                "id": scheme.id,
                "name": scheme.name,
                "category": scheme.category.value,
                "owner": scheme.owner,
                "acts_on": act.kind.value,
                "target": getattr(target, "value", target) if target is not None else "all costs",
                "evidence": scheme.evidence.value,
                "recurrent": scheme.recurrent,
                "final_year_effect_gbp000": result.scheme_effect[run, final, s],
                "final_year_stranded_gbp000": result.stranded_by_scheme[run, final, s],
                "total_investment_gbp000": float(result.schemes.investment_gbp000[:, s].sum()),
                "total_capital_gbp000": float(result.schemes.capital_gbp000[:, s].sum()),
                "capital_source": scheme.capital_source.value,
            }
        )
    return pd.DataFrame(rows, columns=SCHEME_COLUMNS)


def beds_table(result: PlanResult, run: int = 0) -> pd.DataFrame:
    """Beds of every provider that has bedded activity, by year."""
    beds, ledger = result.beds, result.ledger
    rows = []
    for o, code in enumerate(ledger.org_codes):
        if not ledger.org_kinds[o].is_provider or beds.bed_days_do_nothing[run, 0, o] <= 0:
            continue
        for t, year in enumerate(result.years):
            rows.append(
                {
                    "organisation": code,
                    "name": ledger.org_names[o],
                    "year": year,
                    "bed_days_do_nothing": beds.bed_days_do_nothing[run, t, o],
                    "bed_days_with_plan": beds.bed_days_with_plan[run, t, o],
                    "beds_do_nothing": beds.beds_do_nothing[run, t, o],
                    "beds_with_plan": beds.beds_with_plan[run, t, o],
                    "beds_needed_with_plan": beds.required_with_plan[run, t, o],
                    "occupancy_with_plan_pct": beds.occupancy_with_plan_pct[run, t, o],
                    "occupancy_target_pct": beds.occupancy_target_pct[t],
                    "wards_removed": beds.wards_removed[run, t, o],
                }
            )
    return pd.DataFrame(rows)


def activity_table(result: PlanResult, run: int = 0) -> pd.DataFrame:
    """Activity by provider and service line, do nothing and with the plan (including activity
    that arrives from schemes), in units."""
    ledger = result.ledger
    totals: dict[tuple[int, str], np.ndarray] = {}
    for c, cell in enumerate(ledger.cells):
        if cell.provider < 0:
            continue
        key = (cell.provider, cell.service_line.value)
        dn, wp = totals.get(key, (0.0, 0.0))
        totals[key] = (dn + result.activity_do_nothing[run, :, c], wp + result.activity_with_plan[run, :, c])
    for a, arrival in enumerate(ledger.arrivals):
        key = (arrival.provider, arrival.service_line.value)
        dn, wp = totals.get(key, (np.zeros(len(result.years)), np.zeros(len(result.years))))
        totals[key] = (dn, wp + result.arrivals_with_plan[run, :, a])
    rows = []
    for (o, line), (dn, wp) in sorted(totals.items()):
        for t, year in enumerate(result.years):
            rows.append(
                {
                    "organisation": ledger.org_codes[o],
                    "name": ledger.org_names[o],
                    "service_line": line,
                    "year": year,
                    "do_nothing": float(np.broadcast_to(dn, (len(result.years),))[t]),
                    "with_plan": float(wp[t]),
                }
            )
    return pd.DataFrame(rows)


def moves_table(result: PlanResult, run: int = 0) -> pd.DataFrame:
    """Activity that schemes move between providers and settings, by year, in units."""
    ledger, schemes = result.ledger, result.schemes
    grouped: dict[tuple, np.ndarray] = {}
    for a, arrival in enumerate(ledger.arrivals):
        component = schemes.components[arrival.component]
        cell = ledger.cells[arrival.cell]
        key = (
            result.plan.schemes[component.scheme].id,
            cell.provider_label,
            cell.service_line.value,
            ledger.org_codes[arrival.provider],
            arrival.service_line.value,
        )
        grouped[key] = grouped.get(key, 0.0) + result.arrivals_with_plan[run, :, a]
    rows = [
        {
            "scheme": k[0],
            "from": k[1],
            "from_service_line": k[2],
            "to": k[3],
            "to_service_line": k[4],
            "year": year,
            "units": float(v[t]),
        }
        for k, v in grouped.items()
        for t, year in enumerate(result.years)
    ]
    return pd.DataFrame(rows, columns=["scheme", "from", "from_service_line", "to", "to_service_line", "year", "units"])


def type1_table(result: PlanResult) -> pd.DataFrame:
    """The footprint's type 1 A&E departments in the bundled A&E data (by trust)."""
    codes = {t.code for t in load_footprints()[result.plan.footprint.code].acute_trusts}
    codes |= {c for c, k in zip(result.ledger.org_codes, result.ledger.org_kinds, strict=True) if k.is_provider}
    names = dict(zip(result.ledger.org_codes, result.ledger.org_names, strict=True))
    names.update({t.code: t.name for t in load_footprints()[result.plan.footprint.code].acute_trusts})
    departments = type1_departments(AE_REFERENCE_YEAR)
    rows = [
        {
            "organisation": code,
            "name": names.get(code, code),
            "year": AE_REFERENCE_YEAR,
            "attendances": int(d.attendances),
            "admissions": int(d.admissions),
            "admission_rate_pct": 100 * float(d.admission_rate),
            "four_hour_pct": float(d.four_hour_pct),
        }
        for code, d in departments.iterrows()
        if code in codes
    ]
    return pd.DataFrame(
        rows,
        columns=["organisation", "name", "year", "attendances", "admissions", "admission_rate_pct", "four_hour_pct"],
    )


def workforce_table(result: PlanResult) -> pd.DataFrame:
    """Staff by provider and group, by year: establishment, vacancies, agency cover and premium."""
    w, ledger = result.workforce, result.ledger
    rows = []
    for o, code in enumerate(ledger.org_codes):
        if w.establishment_do_nothing[0, o].sum() <= 0:
            continue
        for g, group in enumerate(STAFF_GROUPS):
            for t, year in enumerate(result.years):
                rows.append(
                    {
                        "organisation": code,
                        "name": ledger.org_names[o],
                        "staff_group": group.value,
                        "year": year,
                        "establishment_wte_do_nothing": w.establishment_do_nothing[t, o, g],
                        "establishment_wte_with_plan": w.establishment_with_plan[t, o, g],
                        "vacancies_wte": w.vacancies_with_plan[t, o, g],
                        "agency_wte": w.agency_with_plan[t, o, g],
                        "agency_premium_gbp000": w.agency_premium_with_plan_gbp000[t, o, g],
                    }
                )
    return pd.DataFrame(rows)


def capital_table(result: PlanResult) -> pd.DataFrame:
    capital = result.capital
    shortfall = capital.shortfall
    rows = [
        {
            "source": source.value,
            "year": year,
            "need_gbp000": capital.need[t, i],
            "available_gbp000": capital.available[t, i],
            "cumulative_shortfall_gbp000": shortfall[t, i],
        }
        for i, source in enumerate(SOURCES)
        for t, year in enumerate(result.years)
        if capital.need[:, i].any() or capital.available[:, i].any()
    ]
    return pd.DataFrame(
        rows, columns=["source", "year", "need_gbp000", "available_gbp000", "cumulative_shortfall_gbp000"]
    )


def long_csv(result: PlanResult) -> str:
    """Positions and the bridge in one long CSV (what `stp run --format csv` prints)."""
    positions = positions_table(result).rename(columns={"scenario": "item", "position_gbp000": "value_gbp000"})
    positions.insert(0, "table", "position")
    positions["label"] = positions["item"]
    bridge = bridge_table(result).rename(columns={"step": "item", "effect_gbp000": "value_gbp000"})
    bridge.insert(0, "table", "bridge")
    bridge["organisation"], bridge["name"] = "FOOTPRINT", footprint_name(result)
    columns = ["table", "organisation", "name", "item", "label", "year", "value_gbp000"]
    return pd.concat([positions[columns], bridge[columns]]).to_csv(index=False)


def internal_payments(result: PlanResult, run: int = 0) -> np.ndarray:
    """``(years,)`` payments between members eliminated on consolidation: for each internal
    payment, the part inside the footprint on both sides (the smaller of the two shares)."""
    ledger = result.ledger
    income = ledger.internal & (ledger.sign > 0)
    lines = result.lines_with_plan[run][:, income]
    share = ledger.org_share
    own = share[ledger.org[income]]
    other = share[ledger.counterparty[income]]
    return (lines * np.minimum(own, other) / own).sum(axis=1)


def result_tables(result: PlanResult) -> dict[str, pd.DataFrame]:
    """Every results table by file name, as written by ``--format csv --output``."""
    return {
        "positions.csv": positions_table(result),
        "accounts.csv": accounts_table(result),
        "bridge.csv": bridge_table(result),
        "organisation_bridge.csv": organisation_bridge_table(result),
        "schemes.csv": schemes_table(result),
        "beds.csv": beds_table(result),
        "activity.csv": activity_table(result),
        "moves.csv": moves_table(result),
        "type1_ae.csv": type1_table(result),
        "workforce.csv": workforce_table(result),
        "capital.csv": capital_table(result),
    }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def results_document(result: PlanResult, run: int = 0, risk: RiskSummary | None = None) -> dict[str, Any]:
    """The ``stpkit-results`` JSON structure (documented in docs/results-json.md)."""
    plan, ledger = result.plan, result.ledger
    accounts = income_and_expenditure(result, run)

    def listed(steps: list[dict[str, Any]], section: str) -> list[dict[str, Any]]:
        return [
            {**{k: v for k, v in s.items() if k not in ("values", "section")}, "gbp000": _listed(s["values"])}
            for s in steps
            if s["section"] == section
        ]

    def bridge_document(org: int | None) -> dict[str, Any]:
        steps = bridge_steps(result.bridge, run, plan, org)
        totals = {s["id"]: s["values"] for s in steps if s["section"] in ("start", "total")}
        start = totals["base_position"]
        return {
            "to_do_nothing": {
                "start_gbp000": float(start[0]),
                "steps": listed(steps, "do_nothing"),
                "end_gbp000": _listed(totals["do_nothing"]),
            },
            "to_with_plan": {
                "start_gbp000": _listed(totals["do_nothing"]),
                "steps": listed(steps, "schemes"),
                "end_gbp000": _listed(totals["with_plan"]),
            },
        }

    orgs = [
        {
            "code": code,
            "name": ledger.org_names[o],
            "kind": ledger.org_kinds[o].value,
            "share_pct": float(100 * ledger.org_share[o]),
            "do_nothing_gbp000": _listed(result.do_nothing_by_org[run, :, o]),
            "with_plan_gbp000": _listed(result.with_plan_by_org[run, :, o]),
            "stranded_cost_gbp000": _listed(-result.stranded_by_org[run, :, o]),
            "income_gbp000": {s: _listed(accounts[f"income_{s}"][:, o]) for s in ("do_nothing", "with_plan")},
            "expenditure_gbp000": {s: _listed(accounts[f"expenditure_{s}"][:, o]) for s in ("do_nothing", "with_plan")},
            "bridge": bridge_document(o),
        }
        for o, code in enumerate(ledger.org_codes)
    ]

    return {
        "format": RESULTS_FORMAT,
        "format_version": RESULTS_FORMAT_VERSION,
        "stpkit_version": __version__,
        "plan": {
            "title": plan.title,
            "footprint": {"code": plan.footprint.code, "name": footprint_name(result)},
            "base_year": plan.base_year,
            "horizon": plan.horizon,
            "illustrative": plan.illustrative,
            "illustrative_note": ILLUSTRATIVE_NOTE if plan.illustrative else None,
        },
        "units": {
            "money": "GBP thousands (£000)",
            "sign": "surplus positive, deficit negative",
            "activity": "units of each service line (spells, attendances, contacts)",
            "staff": "WTE",
        },
        "years": list(result.years),
        "consolidated": {
            "base_year_gbp000": float(result.do_nothing[run, 0]),
            "do_nothing_gbp000": _listed(result.do_nothing[run]),
            "on_paper_gbp000": _listed(result.paper[run]),
            "with_plan_gbp000": _listed(result.with_plan[run]),
            "stranded_cost_gbp000": _listed(-result.stranded[run]),
            "capacity_released_gbp000": _listed(result.capacity[run]),
            "internal_payments_eliminated_gbp000": _listed(internal_payments(result, run)),
        },
        "organisations": orgs,
        "bridge": bridge_document(None),
        "schemes": _records(schemes_table(result, run)),
        "beds": _records(beds_table(result, run)),
        "activity": _records(activity_table(result, run)),
        "moves": _records(moves_table(result, run)),
        "type1_ae": _records(type1_table(result)),
        "workforce": _records(workforce_table(result)),
        "capital": _records(capital_table(result)),
        "risk": risk_document(result, risk) if risk is not None else None,
    }


def risk_document(result: PlanResult, risk: RiskSummary) -> dict[str, Any]:
    """The ``risk`` section: what many runs with the uncertain inputs drawn say about the plan."""
    ledger = result.ledger

    def by_percentile(values: np.ndarray) -> dict[str, list[float]]:
        return {f"p{p}_gbp000": _listed(values[i]) for i, p in enumerate(PERCENTILES)}

    return {
        "runs": risk.runs,
        "seed": risk.seed,
        "central_gbp000": _listed(risk.central),
        "mean_gbp000": _listed(risk.mean),
        "with_plan": by_percentile(risk.percentiles),
        "do_nothing": by_percentile(risk.do_nothing_percentiles),
        "probability_of_balance": _listed(risk.p_balance),
        "expected_shortfall_gbp000": _listed(risk.expected_shortfall),
        "worst_tenth_shortfall_gbp000": _listed(risk.tail_shortfall),
        "balances_centrally": risk.balances_centrally,
        "balances_only_on_paper": risk.balances_only_on_paper,
        "organisations": [
            {"code": code, **by_percentile(risk.percentiles_by_org[:, :, o])} for o, code in enumerate(ledger.org_codes)
        ],
        "risk_adjusted_bridge": [
            {"id": step["id"], "step": step["label"], "gbp000": _listed(step["values"])}
            for step in bridge_steps(risk.bridge)
            if step["section"] != "total"
        ]
        if risk.bridge is not None
        else [],
        "capital_need": by_percentile(risk.capital_need_percentiles),
        "kept_runs": [
            {"run": k, "do_nothing_gbp000": _listed(dn), "with_plan_gbp000": _listed(wp)}
            for k, (dn, wp) in risk.kept_runs.items()
        ],
        "sustainability_fund": _fund_document(result, risk),
    }


def _fund_document(result: PlanResult, risk: RiskSummary) -> dict[str, Any] | None:
    if risk.fund_withheld_mean is None:
        return None
    paid = risk.fund_paid_probability_by_org
    organisations = [] if paid is None else [
        {"code": code, "probability_paid": _listed(paid[:, o])}
        for o, code in enumerate(result.ledger.org_codes)
        if not np.isnan(paid[:, o]).all()
    ]
    return {"withheld_on_average_gbp000": _listed(risk.fund_withheld_mean), "organisations": organisations}


def risk_tables(result: PlanResult, risk: RiskSummary) -> dict[str, pd.DataFrame]:
    """Tidy tables of the risk runs, for CSV."""
    years = result.years
    rows = []
    names = ("FOOTPRINT", *result.ledger.org_codes)
    for o, code in enumerate(names):
        values = risk.percentiles if o == 0 else risk.percentiles_by_org[:, :, o - 1]
        for i, p in enumerate(PERCENTILES):
            rows += [{"organisation": code, "percentile": p, "year": y, "with_plan_gbp000": float(values[i, t])}
                     for t, y in enumerate(years)]
    balance = pd.DataFrame(
        {
            "year": years,
            "central_gbp000": risk.central,
            "mean_gbp000": risk.mean,
            "probability_of_balance": risk.p_balance,
            "expected_shortfall_gbp000": risk.expected_shortfall,
            "worst_tenth_shortfall_gbp000": risk.tail_shortfall,
        }
    )
    steps = bridge_steps(risk.bridge) if risk.bridge is not None else []
    bridge = pd.DataFrame(
        [{"step": step["label"], "year": y, "effect_gbp000": float(step["values"][t])}
         for step in steps for t, y in enumerate(years)],
        columns=["step", "year", "effect_gbp000"],
    )
    return {"risk_percentiles.csv": pd.DataFrame(rows), "risk_balance.csv": balance, "risk_bridge.csv": bridge}


def sensitivity_document(prepared: Prepared, bars: Tornado, indices: Sobol) -> dict[str, Any]:
    """The ``stpkit-sensitivity`` JSON structure: the tornado and the Sobol ranking of the
    final-year consolidated position with the plan."""
    return {
        "format": "stpkit-sensitivity",
        "format_version": 1,
        "stpkit_version": __version__,
        "footprint": prepared.plan.footprint.code,
        "year": prepared.ledger.years[-1],
        "units": {"money": "GBP thousands (£000)", "indices": "share of variance (0 to 1)"},
        "tornado": {
            "median_case_gbp000": bars.median_case,
            "low_percentile": 10,
            "high_percentile": 90,
            "bars": [{"input": b.label, "low_gbp000": b.low, "high_gbp000": b.high, "swing_gbp000": b.swing}
                     for b in bars.bars],
        },
        "sobol": {
            "runs": indices.samples,
            "variance_gbp000_squared": indices.variance,
            "indices": [{"input": i.group, "first_order": i.first_order, "total": i.total,
                         "total_confidence": i.total_conf} for i in indices.indices],
        },
    }


def sensitivity_tables(bars: Tornado, indices: Sobol) -> dict[str, pd.DataFrame]:
    tornado = pd.DataFrame([{"input": b.label, "low_gbp000": b.low, "high_gbp000": b.high, "swing_gbp000": b.swing}
                            for b in bars.bars])
    sobol = pd.DataFrame([{"input": i.group, "first_order": i.first_order, "total": i.total,
                           "total_confidence": i.total_conf} for i in indices.indices])
    return {"tornado.csv": tornado, "sobol.csv": sobol}
