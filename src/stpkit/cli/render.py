"""What the `stp` command prints: rich tables on the terminal, one function per view. Nothing
here parses arguments or works anything out; numbers come from the library face (``stpkit.api``)
and are written with the formatters every output shares (``stpkit.domain.formatting``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.console import Console
from rich.table import Table

from stpkit.assurance import GAPS_NOTE, Assessment, IndicatorResult
from stpkit.domain import Plan, RatingComponent, Severity
from stpkit.domain.formatting import gbp000, money_m, plain_number
from stpkit.engine.bridge import Bridge
from stpkit.engine.model import PlanResult
from stpkit.engine.risk import PERCENTILES, RiskSummary
from stpkit.outputs.results import (
    beds_table,
    bridge_steps,
    capital_table,
    footprint_name,
    moves_table,
    type1_table,
    workforce_table,
)
from stpkit.reference.footprints import load_footprints
from stpkit.reference.illustrative import ILLUSTRATIVE_NOTE
from stpkit.reference.parameters import ParameterSet

if TYPE_CHECKING:
    import pandas as pd

    from stpkit.api import Sensitivity
    from stpkit.national.rollup import NationalResult


def print_run(result: PlanResult, console: Console, risk: RiskSummary | None = None) -> None:
    plan = result.plan
    years = result.years
    console.print(f"[bold]{plan.title}[/bold]")
    console.print(
        f"Footprint {plan.footprint.code} {footprint_name(result)}  ·  base year {years[0]}, "
        f"horizon {years[-1]}  ·  surplus +, deficit −"
    )
    if plan.illustrative:
        console.print(f"[bold yellow]{ILLUSTRATIVE_NOTE}[/bold yellow]")

    summary = Table(title="Footprint position, consolidated (£m)", title_justify="left")
    summary.add_column("")
    for year in years:
        summary.add_column(year, justify="right")
    summary.add_row("Do nothing", *[money_m(v) for v in result.do_nothing[0]])
    summary.add_row("With the plan", *[money_m(v) for v in result.with_plan[0]])
    summary.add_row("Closed by the plan", *[money_m(v) for v in result.with_plan[0] - result.do_nothing[0]])
    console.print(summary)

    ledger = result.ledger
    for title, by_org, total in (
        ("Do-nothing position by organisation (£000)", result.do_nothing_by_org, result.do_nothing),
        ("Position with the plan by organisation (£000)", result.with_plan_by_org, result.with_plan),
    ):
        table = Table(title=title, title_justify="left")
        table.add_column("Code", no_wrap=True)
        table.add_column("Organisation", no_wrap=True, max_width=46, overflow="ellipsis")
        table.add_column("Share", justify="right")
        for year in years:
            table.add_column(year, justify="right")
        for o, code in enumerate(ledger.org_codes):
            table.add_row(
                code, ledger.org_names[o], f"{100 * ledger.org_share[o]:.0f}%", *[gbp000(v) for v in by_org[0, :, o]]
            )
        table.add_row("", "Footprint (consolidated)", "", *[gbp000(v) for v in total[0]], style="bold")
        console.print(table)

    console.print(bridge_table_view(
        "Bridge from the base year to the position with the plan (£000)", result.bridge, result.plan, years
    ))
    print_capacity(result, console)
    if risk is not None:
        print_risk(result, risk, console)


def bridge_table_view(title: str, bridge: Bridge, plan: Plan, years: tuple[str, ...]) -> Table:
    """A bridge by year after the base year: its start, each step (a scheme's with its id) and the
    totals in bold."""
    table = year_table(title, years[1:], ["Step"])
    for step in bridge_steps(bridge, plan=plan):
        label = f"{step['id']} {step['label']}" if "category" in step else step["label"]
        style = "bold" if step["section"] in ("start", "total") else None
        table.add_row(label, *[gbp000(v) for v in step["values"][1:]], style=style)
    return table


def print_risk(result: PlanResult, risk: RiskSummary, console: Console) -> None:
    years, ledger = result.years, result.ledger
    table = year_table(
        f"How likely the plan is to hold: {risk.runs:,} runs, seed {risk.seed} (consolidated, £m)", years, [""]
    )
    table.add_row("Central case (as planned)", *[money_m(v) for v in risk.central])
    for i, p in enumerate(PERCENTILES):
        table.add_row(f"P{p}", *[money_m(v) for v in risk.percentiles[i]], style="bold" if p == 50 else None)
    table.add_row("Average of runs", *[money_m(v) for v in risk.mean])
    table.add_row("Do nothing P50", *[money_m(v) for v in risk.do_nothing_percentiles[1]])
    table.add_row("Chance of balance or better", *[f"{100 * v:.0f}%" for v in risk.p_balance])
    table.add_row("Expected shortfall", *[money_m(v) for v in risk.expected_shortfall])
    table.add_row("Shortfall, worst tenth of runs", *[money_m(v) for v in risk.tail_shortfall])
    for k, (_, with_plan) in risk.kept_runs.items():
        table.add_row(f"Run {k}", *[money_m(v) for v in with_plan])
    console.print(table)
    final = years[-1]
    chance = f"{100 * risk.p_balance[-1]:.0f}%"
    if risk.balances_only_on_paper:
        console.print(
            f"[bold red]Balances only on paper:[/bold red] the central case balances in {final}, "
            f"but only {chance} of runs do."
        )
    elif risk.balances_centrally:
        console.print(f"The central case balances in {final}, and {chance} of runs do.")
    else:
        console.print(f"The central case does not balance in {final}; {chance} of runs do.")

    orgs = Table(title=f"Position with the plan in {final} by organisation (£000)", title_justify="left")
    for name in ("Code", "Organisation", "Central", *(f"P{p}" for p in PERCENTILES)):
        orgs.add_column(name, justify="left" if name in ("Code", "Organisation") else "right",
                        no_wrap=True, max_width=46 if name == "Organisation" else None, overflow="ellipsis")
    for o, code in enumerate(ledger.org_codes):
        orgs.add_row(code, ledger.org_names[o], gbp000(result.with_plan_by_org[0, -1, o]),
                     *[gbp000(risk.percentiles_by_org[i, -1, o]) for i in range(len(PERCENTILES))])
    console.print(orgs)

    console.print(bridge_table_view(
        "Risk-adjusted bridge: from the do-nothing to the average of runs (£000)", risk.bridge, result.plan, years
    ))
    if risk.fund_withheld_mean is not None:
        paid = risk.fund_paid_probability_by_org
        named = [f"{ledger.org_names[o]} {100 * paid[-1, o]:.0f}%"
                 for o in range(ledger.n_orgs) if paid is not None and paid[-1, o] == paid[-1, o]]
        chances = "; chance of being paid: " + ", ".join(named) if named else ""
        console.print(
            f"Sustainability and Transformation Fund withheld for missed control totals in {final}: "
            f"{money_m(risk.fund_withheld_mean[-1])} on average{chances}."
        )
    capital = risk.capital_need_percentiles
    if capital[-1].sum() > 0.5:
        console.print(
            f"Capital with cost overrun (HM Treasury optimism bias): P50 {money_m(capital[1].sum())}, "
            f"P90 {money_m(capital[2].sum())} over the plan, against {money_m(result.capital.need.sum())} as planned."
        )


def year_table(title: str, years: tuple[str, ...], first: list[str]) -> Table:
    table = Table(title=title, title_justify="left")
    for i, name in enumerate(first):
        table.add_column(name, no_wrap=True, max_width=46 if i == 1 else None, overflow="ellipsis")
    for year in years:
        table.add_column(year, justify="right")
    return table


def print_capacity(result: PlanResult, console: Console) -> None:
    """Stranded cost, beds, A&E, activity moved, workforce and capital."""
    years, ledger = result.years, result.ledger
    stranded = year_table(
        "Stranded cost by organisation (£000): cost of avoided activity that stays", years, ["Code", "Organisation"]
    )
    for o, code in enumerate(ledger.org_codes):
        if np.abs(result.stranded_by_org[0, :, o]).max() > 0.5:
            stranded.add_row(code, ledger.org_names[o], *[gbp000(-v) for v in result.stranded_by_org[0, :, o]])
    stranded.add_row("", "Footprint", *[gbp000(-v) for v in result.stranded[0]], style="bold")
    stranded.add_row("", "Released by closing wards and sites", *[gbp000(v) for v in result.capacity[0]])
    console.print(stranded)

    beds = beds_table(result)
    if not beds.empty:
        table = year_table(
            "Beds with the plan: available / needed at target occupancy, and occupancy",
            years,
            ["Code", "Organisation", ""],
        )
        for code, rows in beds.groupby("organisation", sort=False):
            name = rows["name"].iloc[0]
            table.add_row(code, name, "beds available", *[f"{v:,.0f}" for v in rows["beds_with_plan"]])
            table.add_row("", "", "beds needed", *[f"{v:,.0f}" for v in rows["beds_needed_with_plan"]])
            flags = []
            for occupancy, target in zip(rows["occupancy_with_plan_pct"], rows["occupancy_target_pct"], strict=True):
                flags.append(
                    f"[bold red]{occupancy:.0f}%[/bold red]" if occupancy > target + 0.5 else f"{occupancy:.0f}%"
                )
            table.add_row("", "", "occupancy", *flags)
            if rows["wards_removed"].max() > 0:
                table.add_row("", "", "wards closed", *[f"{v:,.0f}" for v in rows["wards_removed"]])
        console.print(table)
        console.print("Occupancy in red is above the target: the plan keeps fewer beds than its own activity needs.")

    departments = type1_table(result)
    if not departments.empty:
        table = Table(
            title=f"Type 1 A&E departments ({departments['year'].iloc[0]}, NHS England A&E data)", title_justify="left"
        )
        for name in ("Code", "Trust", "Attendances", "Admissions", "Admitted", "Within 4 hours"):
            table.add_column(name, justify="left" if name in ("Code", "Trust") else "right")
        for row in departments.itertuples():
            table.add_row(
                row.organisation,
                row.name,
                f"{row.attendances:,}",
                f"{row.admissions:,}",
                f"{row.admission_rate_pct:.0f}%",
                f"{row.four_hour_pct:.1f}%",
            )
        console.print(table)

    moves = moves_table(result)
    if not moves.empty:
        table = year_table("Activity moved by the plan's schemes (units)", years, ["Scheme", "From", "To"])
        for (scheme, source, line, target, to_line), rows in moves.groupby(
            ["scheme", "from", "from_service_line", "to", "to_service_line"], sort=False
        ):
            table.add_row(scheme, f"{source} {line}", f"{target} {to_line}", *[f"{v:,.0f}" for v in rows["units"]])
        console.print(table)

    workforce = workforce_table(result)
    if not workforce.empty:
        final = (
            workforce[workforce["year"] == years[-1]]
            .groupby(["organisation", "name"], sort=False)
            .sum(numeric_only=True)
        )
        table = Table(title=f"Workforce in {years[-1]} (WTE; agency premium £000)", title_justify="left")
        for name in (
            "Code",
            "Organisation",
            "Establishment do nothing",
            "With plan",
            "Vacant",
            "Agency",
            "Agency premium",
        ):
            table.add_column(
                name,
                justify="left" if name in ("Code", "Organisation") else "right",
                no_wrap=name == "Organisation",
                max_width=40 if name == "Organisation" else None,
                overflow="ellipsis",
            )
        for (code, name), row in final.iterrows():
            table.add_row(
                code,
                name,
                f"{row.establishment_wte_do_nothing:,.0f}",
                f"{row.establishment_wte_with_plan:,.0f}",
                f"{row.vacancies_wte:,.0f}",
                f"{row.agency_wte:,.0f}",
                gbp000(row.agency_premium_gbp000),
            )
        console.print(table)

    capital = capital_table(result)
    if not capital.empty:
        table = year_table("Capital (£000): need against what is available, by source", years, ["Source", ""])
        for source, rows in capital.groupby("source", sort=False):
            table.add_row(source, "need", *[gbp000(v) for v in rows["need_gbp000"]])
            table.add_row("", "available", *[gbp000(v) for v in rows["available_gbp000"]])
            table.add_row(
                "", "shortfall (cumulative)", *[gbp000(v) for v in rows["cumulative_shortfall_gbp000"]], style="bold"
            )
        console.print(table)


TORNADO_ROWS = 20


def print_ranking(ranking: pd.DataFrame, year: str, console: Console) -> None:
    table = Table(title=f"Footprints ranked (1 is best) in {year}", title_justify="left")
    columns = ["Code", "Footprint", "With plan £ per head", "Rank"]
    with_risk = "rank_probability_of_balance" in ranking
    if with_risk:
        columns += ["Chance of balance", "Rank"]
    columns += ["Rating", "Score", "Rank", "Serious findings"]
    for name in columns:
        table.add_column(name, justify="left" if name in ("Code", "Footprint", "Rating") else "right",
                         no_wrap=True, max_width=44 if name == "Footprint" else None, overflow="ellipsis")
    for row in ranking.itertuples():
        cells = [row.code, row.name, f"{row.with_plan_per_head_gbp:,.0f}", str(row.rank_per_head)]
        if with_risk:
            cells += [f"{100 * row.probability_of_balance:.0f}%", str(row.rank_probability_of_balance)]
        cells += [row.rating.replace("_", " "), f"{row.rating_score:.0f}", str(row.rank_rating),
                  str(row.serious_findings)]
        table.add_row(*cells)
    console.print(table)


def print_national(result: NationalResult, console: Console) -> None:
    table = Table(
        title=f"All {len(result.table)} footprints: consolidated position (£m; surplus +, deficit −)",
        title_justify="left",
    )
    table.add_column("Code", no_wrap=True)
    table.add_column("Footprint", no_wrap=True, max_width=48, overflow="ellipsis")
    for name in ("Population", result.base_year, f"{result.horizon} do nothing", f"{result.horizon} with plan"):
        table.add_column(name, justify="right")
    table.add_column("With plan £ per head", justify="right")
    table.add_column("Source")
    for row in result.table.itertuples():
        table.add_row(
            row.code,
            row.name,
            f"{row.population:,}",
            money_m(row.base_gbp000),
            money_m(row.do_nothing_gbp000),
            money_m(row.with_plan_gbp000),
            f"{row.with_plan_per_head_gbp:,.0f}",
            row.source + (" (illustrative baseline)" if row.illustrative and row.source == "plan file" else ""),
        )
    t = result.totals
    table.add_row(
        "[bold]England[/bold]",
        "",
        f"{t['population']:,}",
        money_m(t["base_gbp000"]),
        money_m(t["do_nothing_gbp000"]),
        money_m(t["with_plan_gbp000"]),
        f"{t['with_plan_per_head_gbp']:,.0f}",
        "",
    )
    console.print(table)
    if result.risk is not None:
        print_national_risk(result, console)
    if result.any_illustrative:
        console.print(f"[bold yellow]{ILLUSTRATIVE_NOTE}[/bold yellow]")
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")


def print_national_risk(result: NationalResult, console: Console) -> None:
    risk = result.risk
    years = tuple(result.results[next(iter(result.results))].years)
    table = year_table(
        f"England with the plan over {risk.runs:,} runs, seed {risk.seed} (£m): national demand and inflation "
        "are drawn once per run for every footprint",
        years,
        [""],
    )
    for i, p in enumerate(PERCENTILES):
        table.add_row(f"P{p} of the summed runs", *[money_m(v) for v in risk.percentiles_of_sum[i]],
                      style="bold" if p == 50 else None)
    for i, p in enumerate(PERCENTILES):
        table.add_row(f"P{p} of each footprint, added up (wrong)", *[money_m(v) for v in risk.sum_of_percentiles[i]])
    table.add_row("Chance England balances", *[f"{100 * v:.0f}%" for v in risk.p_balance])
    console.print(table)
    spread = risk.percentiles_of_sum[2, -1] - risk.percentiles_of_sum[0, -1]
    added = risk.sum_of_percentiles[2, -1] - risk.sum_of_percentiles[0, -1]
    console.print(
        f"P10 to P90 in {years[-1]}: {money_m(spread)} from the summed runs against {money_m(added)} from adding "
        "percentiles; footprints' own risks partly offset each other, national ones do not."
    )
    ranked = result.table.sort_values("probability_of_balance", ascending=False)
    chances = Table(title=f"Chance of balance in {years[-1]} by footprint", title_justify="left")
    for name in ("Code", "Footprint", "P10 £m", "P50 £m", "P90 £m", "Chance of balance", "Only on paper"):
        chances.add_column(name, justify="left" if name in ("Code", "Footprint") else "right", no_wrap=True,
                           max_width=48 if name == "Footprint" else None, overflow="ellipsis")
    for row in ranked.itertuples():
        chances.add_row(row.code, row.name, money_m(row.with_plan_p10_gbp000), money_m(row.with_plan_p50_gbp000),
                        money_m(row.with_plan_p90_gbp000), f"{100 * row.probability_of_balance:.0f}%",
                        "yes" if row.balances_only_on_paper else "")
    console.print(chances)


PART_LABELS = {
    RatingComponent.HEALTH_WELLBEING: "health and wellbeing",
    RatingComponent.CARE_QUALITY: "care and quality",
    RatingComponent.FINANCE: "finance and efficiency",
    RatingComponent.GOVERNANCE: "governance",
    RatingComponent.FINDINGS: "assurance findings",
    RatingComponent.RISK: "risk: chance of balance",
}


def number_text(name: str, value: float) -> str:
    if name.endswith("_gbp000"):
        return f"{'-' if value <= -0.5 else ''}£{gbp000(abs(value))}k"
    if name.endswith("_pct"):
        return f"{value:.1f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def indicator_text(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"


def print_check(assessment: Assessment, console: Console) -> None:
    plan, gaps, rating = assessment.plan, assessment.gaps, assessment.rating
    console.print(f"[bold]Assurance: {plan.title}[/bold]")
    console.print(f"Footprint {plan.footprint.code}  ·  {plan.base_year} to {plan.horizon}")
    if plan.illustrative:
        console.print(f"[bold yellow]{ILLUSTRATIVE_NOTE}[/bold yellow]")
    colour = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
    if assessment.findings:
        table = Table(title="Findings", title_justify="left", show_lines=True)
        table.add_column("Rule", no_wrap=True)
        table.add_column("Severity", no_wrap=True)
        table.add_column("Finding", ratio=3)
        table.add_column("Numbers", ratio=1)
        for f in assessment.findings:
            numbers = "\n".join(f"{name}: {number_text(name, value)}" for name, value in f.numbers.items())
            table.add_row(
                f.rule,
                f"[{colour[f.severity]}]{f.severity.value}[/{colour[f.severity]}]",
                f"[bold]{f.title}[/bold]\n{f.message}",
                numbers,
            )
        console.print(table)
    skipped = f"; not checked without risk runs: {', '.join(assessment.not_checked)}" if assessment.not_checked else ""
    console.print(
        f"{assessment.count(Severity.ERROR)} errors, {assessment.count(Severity.WARNING)} warnings, "
        f"{assessment.count(Severity.INFO)} for information, from {len(assessment.checked)} rules checked{skipped}."
    )

    years = gaps.years
    finance = Table(title="Finance and efficiency gap: consolidated position (£m)", title_justify="left")
    finance.add_column("")
    for year in years:
        finance.add_column(year, justify="right")
    finance.add_row("Do nothing", *[money_m(v) for v in gaps.finance.do_nothing_gbp000])
    finance.add_row("With the plan", *[money_m(v) for v in gaps.finance.with_plan_gbp000])
    console.print(finance)
    if gaps.finance.final_percentiles_gbp000 is not None:
        p10, p50, p90 = gaps.finance.final_percentiles_gbp000
        console.print(
            f"{years[-1]} over {assessment.risk.runs:,} risk runs: "
            f"P10 {money_m(p10)}, P50 {money_m(p50)}, P90 {money_m(p90)}; "
            f"chance of balance {100 * gaps.finance.probability_of_balance:.0f}%."
        )
    for title, indicators in (
        ("Care and quality gap", gaps.care_quality),
        ("Health and wellbeing gap", gaps.health_wellbeing),
    ):
        print_indicators(title, indicators, years, console)
    console.print(GAPS_NOTE)

    parts = Table(
        title=f"Rating: {rating.category.value.replace('_', ' ')} (score {rating.score:.0f} out of 100)",
        title_justify="left",
    )
    for name in ("Part", "Score", "Weight", "Basis"):
        parts.add_column(name, justify="right" if name in ("Score", "Weight") else "left")
    for c in rating.components:
        shown = "–" if c.score is None else f"{c.score:.0f}"
        parts.add_row(PART_LABELS[c.component], shown, f"{c.weight_pct:.0f}%", c.basis)
    console.print(parts)
    thresholds = ", ".join(f"{k.value.replace('_', ' ')} {v:.0f}" for k, v in rating.thresholds.items())
    console.print(f"Thresholds: {thresholds}; below that, needs most improvement.")


def print_indicators(
    title: str, indicators: tuple[IndicatorResult, ...], years: tuple[str, ...], console: Console
) -> None:
    if not indicators:
        console.print(f"{title}: the plan gives no indicators.")
        return
    table = Table(title=f"{title}: base year, the plan's trajectory, target and gap", title_justify="left")
    table.add_column("Indicator", max_width=44)
    table.add_column("Unit", max_width=18)
    for year in years:
        table.add_column(year, justify="right")
    table.add_column("Target", justify="right")
    table.add_column(f"Gap {years[-1]}", justify="right")
    table.add_column("Source", max_width=40)
    for i in indicators:
        table.add_row(
            i.name,
            i.unit,
            *[indicator_text(v) for v in i.trajectory],
            indicator_text(i.target),
            indicator_text(i.gap_at_horizon),
            i.source,
        )
    console.print(table)


def print_sensitivity(found: Sensitivity, year: str, console: Console) -> None:
    bars, indices = found.tornado, found.sobol
    table = Table(
        title=f"Tornado: position with the plan in {year} with each input at its P10 and P90 (£000); "
        f"all inputs at their median: {gbp000(bars.median_case)}",
        title_justify="left",
    )
    for name in ("Input", "At P10", "At P90", "Swing"):
        table.add_column(name, justify="left" if name == "Input" else "right", no_wrap=name == "Input",
                         max_width=70 if name == "Input" else None, overflow="ellipsis")
    for bar in bars.bars[:TORNADO_ROWS]:
        table.add_row(bar.label, gbp000(bar.low), gbp000(bar.high), gbp000(bar.swing))
    console.print(table)
    if len(bars.bars) > TORNADO_ROWS:
        console.print(f"{len(bars.bars) - TORNADO_ROWS} inputs with smaller swings not shown (see --format csv).")
    ranking = Table(
        title=f"What drives the {year} gap: Sobol indices over {indices.samples:,} runs "
        f"(standard deviation {money_m(indices.variance ** 0.5)})",
        title_justify="left",
    )
    for name in ("Input (a scheme's delivery, slippage and recurrence together)", "Alone", "With interactions", "±"):
        ranking.add_column(name, justify="left" if name.startswith("Input") else "right", no_wrap=True,
                           max_width=70, overflow="ellipsis")
    for index in indices.indices:
        ranking.add_row(index.group, f"{100 * index.first_order:.1f}%", f"{100 * index.total:.1f}%",
                        f"{100 * index.total_conf:.1f}")
    console.print(ranking)
    console.print("Shares of the variance of the final-year position; 'with interactions' is the total-order index.")


def print_parameters(params: ParameterSet, console: Console) -> None:
    console.print(f"National parameters as of {params.as_of} (history to 2015/16, planning assumptions after)")
    for param in params:
        table = Table(
            title=f"{param.name} ({param.unit})",
            title_justify="left",
            caption=param.description,
            caption_justify="left",
        )
        table.add_column(param.dimension or "")
        for year in params.years:
            table.add_column(year, justify="right")
        for member in param.members:
            table.add_row(member, *[plain_number(v) for v in param.values[member].values()])
        console.print(table)
        for ref in param.references:
            console.print(f"  source: {ref.cite()}")


def print_footprint_members(code: str, console: Console) -> None:
    """One footprint's CCGs with their populations, and its NHS trusts of every kind with the
    share of each counted in it and how it was placed."""
    from stpkit.reference.trusts import footprint_trusts

    footprint = load_footprints()[code]
    console.print(f"[bold]{footprint.code} {footprint.name}[/bold]: population {footprint.population:,} (mid-2018)")
    ccgs = Table(title="Clinical commissioning groups (April 2018)", title_justify="left")
    for name in ("Code", "CCG", "Region", "Population"):
        ccgs.add_column(name, justify="right" if name == "Population" else "left")
    for ccg in footprint.ccgs:
        ccgs.add_row(ccg.code, ccg.name, ccg.region, f"{ccg.population:,}")
    console.print(ccgs)
    trusts = Table(title="NHS trusts (2016/17)", title_justify="left")
    for name in ("Code", "Trust", "Kind", "Share", "Placed by"):
        trusts.add_column(name, justify="right" if name == "Share" else "left", overflow="fold")
    for trust, share in footprint_trusts(code):
        basis = next(m.basis for m in trust.memberships if m.footprint == code)
        trusts.add_row(trust.code, trust.name, trust.kind.value.replace("_", " "), f"{100 * share:.0f}%", basis)
    console.print(trusts)


def print_footprints(console: Console) -> None:
    footprints = load_footprints()
    table = Table(title=f"The {len(footprints)} STP footprints (2017/18)", title_justify="left")
    for name in ("Code", "Footprint", "Population (mid-2018)", "CCGs", "Acute trusts"):
        table.add_column(name, justify="right" if name.startswith(("Pop", "CCG", "Acute")) else "left")
    for f in footprints.values():
        table.add_row(f.code, f.name, f"{f.population:,}", str(len(f.ccgs)), str(len(f.acute_trusts)))
    console.print(table)
