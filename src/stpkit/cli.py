"""The `stp` command: parses arguments, composes the layers below and prints. No model logic."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from stpkit import __version__
from stpkit.assurance import DEFAULT_RUNS, DEFAULT_SEED, GAPS_NOTE, Assessment, IndicatorResult, assess
from stpkit.domain import Plan, RatingComponent, Severity
from stpkit.engine.model import PlanResult, prepare, run_plan
from stpkit.engine.risk import PERCENTILES, Mapper, RiskSummary, simulate, summarise
from stpkit.engine.sensitivity import inputs, sobol, tornado
from stpkit.examples import DEFAULT_EXAMPLE, example_paths
from stpkit.io.assurance import assurance_document
from stpkit.io.atomic import write_file, write_files
from stpkit.io.located import InputError
from stpkit.io.plan_file import load_plan
from stpkit.io.results import (
    ILLUSTRATIVE_NOTE,
    beds_table,
    bridge_steps,
    bridge_table,
    capital_table,
    footprint_name,
    moves_table,
    positions_table,
    result_tables,
    results_document,
    risk_tables,
    sensitivity_document,
    sensitivity_tables,
    type1_table,
    workforce_table,
)
from stpkit.io.schema import plan_schema
from stpkit.national.rollup import (
    NationalResult,
    assess_footprints,
    national_challenge,
    national_document,
    rank,
    run_national,
)
from stpkit.reference.footprints import load_footprints
from stpkit.reference.parameters import load_parameters
from stpkit.report.footprint import footprint_report
from stpkit.report.html import to_pdf
from stpkit.report.map import national_map
from stpkit.report.national import national_report
from stpkit.report.public import public_summary

app = typer.Typer(
    pretty_exceptions_enable=False,
    add_completion=False,
    no_args_is_help=True,
    help="stpkit: Sustainability and Transformation Plans as data. Money in £000 unless marked.",
)
out = Console(highlight=False, soft_wrap=False, width=160)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="write files into this folder instead of printing")
]


def gbp000(value: float) -> str:
    return f"{value + 0.0:,.0f}" if abs(value) >= 0.5 else "0"


def gbpm(value: float) -> str:
    sign = "-" if value < -0.05 * 1000 else ""
    return f"{sign}£{abs(value) / 1000:,.1f}m"


# ---------------------------------------------------------------------------------------- run


def _plan_path(plan: Path | None) -> Path:
    return plan if plan is not None else example_paths()[DEFAULT_EXAMPLE]


RunsOption = Annotated[
    int, typer.Option("--runs", min=0, help="risk runs with the uncertain inputs drawn (0: central case only)")
]
SeedOption = Annotated[int, typer.Option("--seed", min=0, help="seed for the risk runs; same seed, same results")]
SchedulerOption = Annotated[
    str | None, typer.Option("--scheduler", help="address of a Dask scheduler to spread the runs over")
]


@contextmanager
def _mapper(scheduler: str | None) -> Iterator[Mapper | None]:
    """None locally (the engine shares out the work over this machine's cores); with a
    scheduler, tasks go to the cluster's workers and come back in order, so the results are the
    same as a local run."""
    if scheduler is None:
        yield None
        return
    from distributed import Client  # only needed for clusters

    with Client(scheduler) as client:

        def mapped(fn, items):
            futures = client.map(fn, items, pure=False)
            return (future.result() for future in futures)

        yield mapped


@contextmanager
def _progress(description: str, total: int, unit: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on standard error for long jobs, when it is a terminal."""
    if not err.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn(unit), TimeElapsedColumn(),
        console=err, transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.advance(task, done)


@app.command()
def run(
    plan: Annotated[Path | None, typer.Argument(help="plan file (YAML or JSON); default: the bundled example")] = None,
    format: FormatOption = Format.TABLE,
    output: OutputOption = None,
    runs: RunsOption = 0,
    seed: SeedOption = 0,
    scheduler: SchedulerOption = None,
    keep_run: Annotated[
        list[int] | None,
        typer.Option(
            "--keep-run", min=0, help="also show this run's positions (repeatable; run 0 is the central case)"
        ),
    ] = None,
) -> None:
    """Project a plan: the gap by year, do-nothing and with the plan, and the bridge; with
    --runs, how likely it is to hold."""
    path = _plan_path(plan)
    params = load_parameters()
    loaded = load_plan(path, params)
    result = run_plan(loaded, params)
    risk = None
    keep = tuple(keep_run or ())
    if any(k >= runs for k in keep):
        raise typer.BadParameter(f"runs are numbered 0 to {runs - 1} (--runs {runs})", param_hint="--keep-run")
    if runs:
        with _mapper(scheduler) as mapper, _progress("risk runs", runs, "runs") as progress:
            simulation = simulate(prepare(loaded, params), runs, seed, mapper=mapper, progress=progress)
        risk = summarise(simulation, result, keep)
    if format is Format.JSON:
        text = json.dumps(results_document(result, risk=risk), indent=2) + "\n"
        _emit(output, {"results.json": text})
    elif format is Format.CSV:
        tables = result_tables(result) | (risk_tables(result, risk) if risk else {})
        if output:
            _emit(output, {name: t.to_csv(index=False) for name, t in tables.items()})
        else:
            sys.stdout.write(_long_csv(result))
    else:
        if output:
            recorder = Console(record=True, width=160, file=open(os.devnull, "w"))  # noqa: SIM115
            _print_run(result, recorder, risk)
            _emit(output, {"summary.txt": recorder.export_text()})
        else:
            _print_run(result, out, risk)


def _emit(output: Path | None, files: dict[str, str]) -> None:
    if output is None:
        for text in files.values():
            sys.stdout.write(text)
        return
    for path in write_files(output, files):
        err.print(f"wrote {path}")


def _long_csv(result: PlanResult) -> str:
    positions = positions_table(result).rename(columns={"scenario": "item", "position_gbp000": "value_gbp000"})
    positions.insert(0, "table", "position")
    positions["label"] = positions["item"]
    bridge = bridge_table(result).rename(columns={"step": "item", "effect_gbp000": "value_gbp000"})
    bridge.insert(0, "table", "bridge")
    bridge["organisation"], bridge["name"] = "FOOTPRINT", footprint_name(result)
    columns = ["table", "organisation", "name", "item", "label", "year", "value_gbp000"]
    return pd.concat([positions[columns], bridge[columns]]).to_csv(index=False)


def _print_run(result: PlanResult, console: Console, risk: RiskSummary | None = None) -> None:
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
    summary.add_row("Do nothing", *[gbpm(v) for v in result.do_nothing[0]])
    summary.add_row("With the plan", *[gbpm(v) for v in result.with_plan[0]])
    summary.add_row("Closed by the plan", *[gbpm(v) for v in result.with_plan[0] - result.do_nothing[0]])
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

    bridge = Table(title="Bridge from the base year to the position with the plan (£000)", title_justify="left")
    bridge.add_column("Step", no_wrap=True, max_width=70, overflow="ellipsis")
    for year in years[1:]:
        bridge.add_column(year, justify="right")
    for step in bridge_steps(result):
        label = f"{step['id']} {step['label']}" if "category" in step else step["label"]
        style = "bold" if step["section"] in ("start", "total") else None
        bridge.add_row(label, *[gbp000(v) for v in step["values"][1:]], style=style)
    console.print(bridge)
    _print_capacity(result, console)
    if risk is not None:
        _print_risk(result, risk, console)


def _print_risk(result: PlanResult, risk: RiskSummary, console: Console) -> None:
    years, ledger = result.years, result.ledger
    table = _year_table(
        f"How likely the plan is to hold: {risk.runs:,} runs, seed {risk.seed} (consolidated, £m)", years, [""]
    )
    table.add_row("Central case (as planned)", *[gbpm(v) for v in risk.central])
    for i, p in enumerate(PERCENTILES):
        table.add_row(f"P{p}", *[gbpm(v) for v in risk.percentiles[i]], style="bold" if p == 50 else None)
    table.add_row("Average of runs", *[gbpm(v) for v in risk.mean])
    table.add_row("Do nothing P50", *[gbpm(v) for v in risk.do_nothing_percentiles[1]])
    table.add_row("Chance of balance or better", *[f"{100 * v:.0f}%" for v in risk.p_balance])
    table.add_row("Expected shortfall", *[gbpm(v) for v in risk.expected_shortfall])
    table.add_row("Shortfall, worst tenth of runs", *[gbpm(v) for v in risk.tail_shortfall])
    for k, (_, with_plan) in risk.kept_runs.items():
        table.add_row(f"Run {k}", *[gbpm(v) for v in with_plan])
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

    bridge = _year_table("Risk-adjusted bridge: from the do-nothing to the average of runs (£000)", years[1:], ["Step"])
    for step in risk.bridge:
        bridge.add_row(step.label, *[gbp000(v) for v in step.values[1:]])
    bridge.add_row("Average with the plan", *[gbp000(v) for v in risk.mean[1:]], style="bold")
    console.print(bridge)
    capital = risk.capital_need_percentiles
    if capital[-1].sum() > 0.5:
        console.print(
            f"Capital with cost overrun (HM Treasury optimism bias): P50 {gbpm(capital[1].sum())}, "
            f"P90 {gbpm(capital[2].sum())} over the plan, against {gbpm(result.capital.need.sum())} as planned."
        )


def _year_table(title: str, years: tuple[str, ...], first: list[str]) -> Table:
    table = Table(title=title, title_justify="left")
    for i, name in enumerate(first):
        table.add_column(name, no_wrap=True, max_width=46 if i == 1 else None, overflow="ellipsis")
    for year in years:
        table.add_column(year, justify="right")
    return table


def _print_capacity(result: PlanResult, console: Console) -> None:
    """Stranded cost, beds, A&E, activity moved, workforce and capital."""
    years, ledger = result.years, result.ledger
    stranded = _year_table(
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
        table = _year_table(
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
        table = _year_table("Activity moved by the plan's schemes (units)", years, ["Scheme", "From", "To"])
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
        table = _year_table("Capital (£000): need against what is available, by source", years, ["Source", ""])
        for source, rows in capital.groupby("source", sort=False):
            table.add_row(source, "need", *[gbp000(v) for v in rows["need_gbp000"]])
            table.add_row("", "available", *[gbp000(v) for v in rows["available_gbp000"]])
            table.add_row(
                "", "shortfall (cumulative)", *[gbp000(v) for v in rows["cumulative_shortfall_gbp000"]], style="bold"
            )
        console.print(table)


# ------------------------------------------------------------------------------- sensitivity


@app.command()
def sensitivity(
    plan: Annotated[Path | None, typer.Argument(help="plan file (YAML or JSON); default: the bundled example")] = None,
    samples: Annotated[
        int, typer.Option("--samples", min=8, help="Sobol base samples (a power of two); runs = samples x (inputs + 2)")
    ] = 512,
    seed: SeedOption = 0,
    format: FormatOption = Format.TABLE,
    output: OutputOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Which assumptions and schemes drive the final-year gap: a tornado and Sobol indices."""
    params = load_parameters()
    prepared = prepare(load_plan(_plan_path(plan), params), params)
    with _mapper(scheduler) as mapper:
        bars = tornado(prepared, mapper=mapper)
        n_inputs = len({item.group for item in inputs(prepared)})
        with _progress("Sobol runs", samples * (n_inputs + 2), "runs") as progress:
            indices = sobol(prepared, samples, seed, mapper=mapper, progress=progress)
    final = prepared.ledger.years[-1]
    document = sensitivity_document(prepared, bars, indices)
    if format is Format.JSON:
        _emit(output, {"sensitivity.json": json.dumps(document, indent=2) + "\n"})
        return
    if format is Format.CSV:
        _emit(output, {name: t.to_csv(index=False) for name, t in sensitivity_tables(bars, indices).items()})
        return
    table = Table(
        title=f"Tornado: position with the plan in {final} with each input at its P10 and P90 (£000); "
        f"all inputs at their median: {gbp000(bars.median_case)}",
        title_justify="left",
    )
    for name in ("Input", "At P10", "At P90", "Swing"):
        table.add_column(name, justify="left" if name == "Input" else "right", no_wrap=name == "Input",
                         max_width=70 if name == "Input" else None, overflow="ellipsis")
    for bar in bars.bars[:TORNADO_ROWS]:
        table.add_row(bar.label, gbp000(bar.low), gbp000(bar.high), gbp000(bar.swing))
    out.print(table)
    if len(bars.bars) > TORNADO_ROWS:
        out.print(f"{len(bars.bars) - TORNADO_ROWS} inputs with smaller swings not shown (see --format csv).")
    ranking = Table(
        title=f"What drives the {final} gap: Sobol indices over {indices.samples:,} runs "
        f"(standard deviation {gbpm(indices.variance ** 0.5)})",
        title_justify="left",
    )
    for name in ("Input (a scheme's delivery, slippage and recurrence together)", "Alone", "With interactions", "±"):
        ranking.add_column(name, justify="left" if name.startswith("Input") else "right", no_wrap=True,
                           max_width=70, overflow="ellipsis")
    for index in indices.indices:
        ranking.add_row(index.group, f"{100 * index.first_order:.1f}%", f"{100 * index.total:.1f}%",
                        f"{100 * index.total_conf:.1f}")
    out.print(ranking)
    out.print("Shares of the variance of the final-year position; 'with interactions' is the total-order index.")


TORNADO_ROWS = 20


# ----------------------------------------------------------------------------------- reports

ReportRunsOption = Annotated[
    int, typer.Option("--runs", min=0, help="risk runs behind the fan chart and the chance of balance (0: none)")
]
PdfOption = Annotated[bool, typer.Option("--pdf/--no-pdf", help="also write the PDF (WeasyPrint)")]


def _write_page(output: Path, stem: str, html: str, pdf: bool) -> None:
    files: dict[str, str | bytes] = {f"{stem}.html": html}
    if pdf:
        files[f"{stem}.pdf"] = to_pdf(html)
    for path in write_files(output, files):
        err.print(f"wrote {path}")


@app.command()
def report(
    plan: Annotated[Path | None, typer.Argument(help="plan file (YAML or JSON); default: the bundled example")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="folder to write into")] = Path("."),
    runs: ReportRunsOption = 2000,
    seed: SeedOption = 0,
    pdf: PdfOption = True,
    national_: Annotated[
        bool, typer.Option("--national", help="the national report: all 44 footprints (PLAN replaces its own)")
    ] = False,
) -> None:
    """The footprint report: one self-contained HTML file (and the same as PDF); with --national,
    the national report: league table, map, the national bridge and the ratings."""
    params = load_parameters()
    if national_:
        plans = [load_plan(plan, params)] if plan is not None else []
        with _progress("footprints", 44 if runs else 0, "footprints") as progress:
            result = run_national(params, plans, runs=runs, seed=seed, progress=progress)
        html = national_report(result, assess_footprints(result, params), national_challenge(params, result.horizon))
        _write_page(output, "england_report", html, pdf)
        return
    loaded = load_plan(_plan_path(plan), params)
    with _progress("assessing", 1, "plan"):
        assessment = assess(loaded, params, runs=runs, seed=seed)
    _write_page(output, f"{loaded.footprint.code}_report", footprint_report(assessment), pdf)


@app.command()
def public(
    plan: Annotated[Path | None, typer.Argument(help="plan file (YAML or JSON); default: the bundled example")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="folder to write into")] = Path("."),
    runs: ReportRunsOption = 2000,
    seed: SeedOption = 0,
    pdf: PdfOption = True,
) -> None:
    """What the plan means for you: a plain-English summary for the public (HTML and PDF)."""
    params = load_parameters()
    loaded = load_plan(_plan_path(plan), params)
    result = run_plan(loaded, params)
    chance = None
    if runs:
        chance = float(summarise(simulate(prepare(loaded, params), runs, seed), result).p_balance[-1])
    _write_page(output, f"{loaded.footprint.code}_public", public_summary(loaded, result, chance), pdf)


# ---------------------------------------------------------------------------------- national


@app.command()
def national(
    plan: Annotated[
        list[Path] | None,
        typer.Option(
            "--plan", "-p", help="use this plan instead of the illustrative one for its footprint (repeatable)"
        ),
    ] = None,
    format: FormatOption = Format.TABLE,
    output: OutputOption = None,
    runs: RunsOption = 0,
    seed: SeedOption = 0,
    scheduler: SchedulerOption = None,
    map_file: Annotated[
        Path | None,
        typer.Option("--map", help="where to write the map of England (SVG); default: england_map.svg in the "
                     "--output folder, or in the current folder for the table"),
    ] = None,
) -> None:
    """Run all 44 footprints and show each one and the national total; with --runs, the risk
    runs of every footprint with shared national draws. Writes a map of England by footprint."""
    params = load_parameters()
    plans: list[Plan] = [load_plan(p, params) for p in plan or []]
    with _mapper(scheduler) as mapper, _progress("footprints", 44 if runs else 0, "footprints") as progress:
        result = run_national(params, plans, runs=runs, seed=seed, mapper=mapper, progress=progress)
    table = result.table
    svg = national_map(
        dict(zip(table["code"], table["with_plan_gbp000"], strict=True)),
        dict(zip(table["code"], table["population"], strict=True)),
        result.horizon,
        result.any_illustrative,
    )
    ranking = rank(result, assess_footprints(result, params))
    if format is Format.JSON:
        _emit(output, {"national.json": json.dumps(national_document(result, ranking), indent=2) + "\n"})
    elif format is Format.CSV:
        _emit(output, {"national.csv": ranking.to_csv(index=False)})
    else:
        _print_national(result)
        _print_ranking(ranking, result.horizon)
    # The map goes with the table a person reads, with files written to a folder, or where asked.
    if map_file is None and output is not None:
        map_file = output / "england_map.svg"
    if map_file is None and format is Format.TABLE:
        map_file = Path("england_map.svg")
    if map_file is not None:
        err.print(f"wrote {write_file(map_file, svg)}")


def _print_ranking(ranking: pd.DataFrame, year: str) -> None:
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
    out.print(table)


def _print_national(result: NationalResult) -> None:
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
            gbpm(row.base_gbp000),
            gbpm(row.do_nothing_gbp000),
            gbpm(row.with_plan_gbp000),
            f"{row.with_plan_per_head_gbp:,.0f}",
            row.source + (" (illustrative baseline)" if row.illustrative and row.source == "plan file" else ""),
        )
    t = result.totals
    table.add_row(
        "[bold]England[/bold]",
        "",
        f"{t['population']:,}",
        gbpm(t["base_gbp000"]),
        gbpm(t["do_nothing_gbp000"]),
        gbpm(t["with_plan_gbp000"]),
        f"{t['with_plan_per_head_gbp']:,.0f}",
        "",
    )
    out.print(table)
    if result.risk is not None:
        _print_national_risk(result)
    if result.any_illustrative:
        out.print(f"[bold yellow]{ILLUSTRATIVE_NOTE}[/bold yellow]")
    for warning in result.warnings:
        out.print(f"[yellow]warning:[/yellow] {warning}")


def _print_national_risk(result: NationalResult) -> None:
    risk = result.risk
    years = tuple(result.results[next(iter(result.results))].years)
    table = _year_table(
        f"England with the plan over {risk.runs:,} runs, seed {risk.seed} (£m): national demand and inflation "
        "are drawn once per run for every footprint",
        years,
        [""],
    )
    for i, p in enumerate(PERCENTILES):
        table.add_row(f"P{p} of the summed runs", *[gbpm(v) for v in risk.percentiles_of_sum[i]],
                      style="bold" if p == 50 else None)
    for i, p in enumerate(PERCENTILES):
        table.add_row(f"P{p} of each footprint, added up (wrong)", *[gbpm(v) for v in risk.sum_of_percentiles[i]])
    table.add_row("Chance England balances", *[f"{100 * v:.0f}%" for v in risk.p_balance])
    out.print(table)
    spread = risk.percentiles_of_sum[2, -1] - risk.percentiles_of_sum[0, -1]
    added = risk.sum_of_percentiles[2, -1] - risk.sum_of_percentiles[0, -1]
    out.print(
        f"P10 to P90 in {years[-1]}: {gbpm(spread)} from the summed runs against {gbpm(added)} from adding "
        "percentiles; footprints' own risks partly offset each other, national ones do not."
    )
    ranked = result.table.sort_values("probability_of_balance", ascending=False)
    chances = Table(title=f"Chance of balance in {years[-1]} by footprint", title_justify="left")
    for name in ("Code", "Footprint", "P10 £m", "P50 £m", "P90 £m", "Chance of balance", "Only on paper"):
        chances.add_column(name, justify="left" if name in ("Code", "Footprint") else "right", no_wrap=True,
                           max_width=48 if name == "Footprint" else None, overflow="ellipsis")
    for row in ranked.itertuples():
        chances.add_row(row.code, row.name, gbpm(row.with_plan_p10_gbp000), gbpm(row.with_plan_p50_gbp000),
                        gbpm(row.with_plan_p90_gbp000), f"{100 * row.probability_of_balance:.0f}%",
                        "yes" if row.balances_only_on_paper else "")
    out.print(chances)


# ------------------------------------------------------------------------------------- excel
# The Excel modules are imported where they are used: openpyxl is needed only by these commands.


def _xlsx_output(output: Path | None, default: str) -> Path:
    """The workbook to write: ``--output`` (a file, or a folder to put ``default`` in) or ``default``."""
    if output is None:
        return Path(default)
    return output / default if output.is_dir() else output


@app.command()
def template(
    footprint: Annotated[
        str | None,
        typer.Argument(help="footprint code (E54000005 to E54000048): prefill its members and illustrative baseline"),
    ] = None,
    plan: Annotated[
        Path | None, typer.Option("--plan", "-p", help="write the workbook of this plan file (YAML or JSON)")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="workbook to write (default <footprint code>_submission.xlsx)"),
    ] = None,
    base_year: Annotated[
        str | None, typer.Option("--base-year", help="base year of an empty template (default 2016/17)")
    ] = None,
    horizon: Annotated[
        str | None, typer.Option("--horizon", help="last year of an empty template (default 2020/21)")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="replace the workbook if it exists")] = False,
) -> None:
    """Write a submission workbook: empty, prefilled for a footprint, or holding a plan."""
    from stpkit.io.excel import DEFAULT_BASE_YEAR, DEFAULT_HORIZON, empty_workbook, plan_workbook, prefilled_plan

    if footprint and plan:
        raise typer.BadParameter("give a FOOTPRINT or --plan, not both")
    if (footprint or plan) and (base_year or horizon):
        raise typer.BadParameter("--base-year and --horizon are for an empty template; a plan has its own years")
    params = load_parameters()
    try:
        if plan is not None:
            loaded = load_plan(plan, params)
            content, default = plan_workbook(loaded, params), f"{loaded.footprint.code}_submission.xlsx"
        elif footprint:
            code = footprint.strip().upper()
            if code not in load_footprints():
                raise typer.BadParameter(
                    f"unknown footprint {footprint!r}: expected an ONS STP code from E54000005 to E54000048 "
                    "(see `stp footprints`)",
                    param_hint="FOOTPRINT",
                )
            content, default = plan_workbook(prefilled_plan(code, params), params), f"{code}_submission.xlsx"
        else:
            content = empty_workbook(base_year or DEFAULT_BASE_YEAR, horizon or DEFAULT_HORIZON, params)
            default = "submission.xlsx"
    except ValueError as exc:  # years that are not financial years, or text a workbook cannot hold
        err.print(f"stp template: {exc}", markup=False)
        raise typer.Exit(2) from None
    path = _xlsx_output(output, default)
    if path.exists() and not force:
        err.print(f"{path} exists and may hold a filled-in plan: choose another --output, or add --force to "
                  "replace it.", markup=False)
        raise typer.Exit(2)
    err.print(f"wrote {write_file(path, content)}")


@app.command("import")
def import_workbook(
    workbook: Annotated[Path, typer.Argument(help="a filled submission workbook (.xlsx)")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="plan file to write: .yaml, or .json for JSON (default: standard output)"),
    ] = None,
) -> None:
    """Turn a filled submission workbook into a plan file, checked as `stp validate` checks one."""
    from stpkit.io.excel import read_workbook
    from stpkit.io.plan_writer import plan_to_yaml

    plan = read_workbook(workbook, load_parameters())
    if output is not None and output.suffix.lower() == ".json":
        data = {"schema_version": plan.schema_version, **json.loads(plan.model_dump_json(exclude_defaults=True))}
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        text = plan_to_yaml(plan, header=f"Imported from {workbook.name} by stp import (stpkit {__version__}).")
    if output is None:
        sys.stdout.write(text)
    else:
        err.print(f"wrote {write_file(output, text)}")


@app.command()
def export(
    plan: Annotated[
        Path | None,
        typer.Argument(help="plan file (YAML or JSON) or filled submission workbook (.xlsx); default: the example"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="workbook to write (default <plan name>_results.xlsx)")
    ] = None,
) -> None:
    """Write a plan's results as an Excel workbook of tidy tables: one sheet per table and a README."""
    from stpkit.io.excel import read_workbook
    from stpkit.io.excel_results import results_workbook

    path = _plan_path(plan)
    params = load_parameters()
    loaded = read_workbook(path, params) if path.suffix.lower() == ".xlsx" else load_plan(path, params)
    content = results_workbook(run_plan(loaded, params))
    err.print(f"wrote {write_file(_xlsx_output(output, f'{path.stem}_results.xlsx'), content)}")


# --------------------------------------------------------------------------- other commands


@app.command()
def validate(plan: Annotated[Path, typer.Argument(help="plan file to check")]) -> None:
    """Check a plan file and report every problem with its line and field."""
    loaded = load_plan(plan)
    out.print(
        f"{plan}: valid plan for {loaded.footprint.code} ({len(loaded.organisations)} organisations, "
        f"{len(loaded.schemes)} schemes, {loaded.base_year} to {loaded.horizon})"
    )


PART_LABELS = {
    RatingComponent.HEALTH_WELLBEING: "health and wellbeing",
    RatingComponent.CARE_QUALITY: "care and quality",
    RatingComponent.FINANCE: "finance and efficiency",
    RatingComponent.GOVERNANCE: "governance",
    RatingComponent.FINDINGS: "assurance findings",
    RatingComponent.RISK: "risk: chance of balance",
}


class CheckFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@app.command()
def check(
    plan: Annotated[Path, typer.Argument(help="plan file to check")],
    strict: Annotated[bool, typer.Option("--strict", help="exit with status 1 if any finding is an error")] = False,
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="table or json")] = CheckFormat.TABLE,
    runs: Annotated[
        int, typer.Option("--runs", min=0, help="risk runs for the rule on the median outcome (0: skip it)")
    ] = DEFAULT_RUNS,
    seed: Annotated[int, typer.Option("--seed", help="seed of the risk runs")] = DEFAULT_SEED,
) -> None:
    """Check a plan the way the centre would: every assurance rule, the three gaps and the rating."""
    params = load_parameters()
    assessment = assess(load_plan(plan, params), params, runs=runs, seed=seed)
    if format is CheckFormat.JSON:
        sys.stdout.write(json.dumps(assurance_document(assessment), indent=2) + "\n")
    else:
        _print_check(assessment, out)
    if strict and assessment.has_errors:
        err.print(f"--strict: {assessment.count(Severity.ERROR)} error-level finding(s)")
        raise typer.Exit(1)


def _number(name: str, value: float) -> str:
    if name.endswith("_gbp000"):
        return f"{'-' if value <= -0.5 else ''}£{gbp000(abs(value))}k"
    if name.endswith("_pct"):
        return f"{value:.1f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _indicator_value(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"


def _print_check(assessment: Assessment, console: Console) -> None:
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
            numbers = "\n".join(f"{name}: {_number(name, value)}" for name, value in f.numbers.items())
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
    finance.add_row("Do nothing", *[gbpm(v) for v in gaps.finance.do_nothing_gbp000])
    finance.add_row("With the plan", *[gbpm(v) for v in gaps.finance.with_plan_gbp000])
    console.print(finance)
    if gaps.finance.final_percentiles_gbp000 is not None:
        p10, p50, p90 = gaps.finance.final_percentiles_gbp000
        console.print(
            f"{years[-1]} over {assessment.risk.runs:,} risk runs: P10 {gbpm(p10)}, P50 {gbpm(p50)}, P90 {gbpm(p90)}; "
            f"chance of balance {100 * gaps.finance.probability_of_balance:.0f}%."
        )
    for title, indicators in (
        ("Care and quality gap", gaps.care_quality),
        ("Health and wellbeing gap", gaps.health_wellbeing),
    ):
        _print_indicators(title, indicators, years, console)
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


def _print_indicators(
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
            *[_indicator_value(v) for v in i.trajectory],
            _indicator_value(i.target),
            _indicator_value(i.gap_at_horizon),
            i.source,
        )
    console.print(table)


@app.command()
def schema(output: OutputOption = None) -> None:
    """Print the JSON Schema of plan files."""
    text = json.dumps(plan_schema(), indent=2) + "\n"
    if output:
        err.print(f"wrote {write_file(output / 'plan.schema.json', text)}")
    else:
        sys.stdout.write(text)


@app.command()
def parameters() -> None:
    """List the national parameters with their values by year and their sources."""
    params = load_parameters()
    out.print(f"National parameters as of {params.as_of} (history to 2015/16, planning assumptions after)")
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
            table.add_row(member, *["–" if v != v else f"{v:g}" for v in param.values[member].values()])
        out.print(table)
        for ref in param.references:
            out.print(f"  source: {ref.cite()}")


@app.command()
def footprints() -> None:
    """List the 44 footprints with their populations, CCGs and acute trusts."""
    table = Table(title="The 44 STP footprints (2017/18)", title_justify="left")
    for name in ("Code", "Footprint", "Population (mid-2018)", "CCGs", "Acute trusts"):
        table.add_column(name, justify="right" if name.startswith(("Pop", "CCG", "Acute")) else "left")
    for f in load_footprints().values():
        table.add_row(f.code, f.name, f"{f.population:,}", str(len(f.ccgs)), str(len(f.acute_trusts)))
    out.print(table)


@app.command()
def examples(
    copy: Annotated[Path | None, typer.Option("--copy", help="copy the example plans into this folder")] = None,
) -> None:
    """List the bundled example plans, or copy them to start your own."""
    paths = example_paths()
    if copy:
        for path in write_files(copy, {f"{name}.yaml": p.read_text("utf-8") for name, p in paths.items()}):
            err.print(f"wrote {path}")
        return
    for name, path in paths.items():
        out.print(f"{name}: {path}")


def _version(value: bool) -> None:
    if value:
        out.print(f"stpkit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False) -> None:
    pass


def main() -> None:
    """Entry point: an input problem is reported, not raised (exit status 2)."""
    try:
        app()
    except InputError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False)
        err.print(f"{len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''} found; nothing was written.")
        sys.exit(2)
