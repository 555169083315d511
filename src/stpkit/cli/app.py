"""The `stp` command: each command parses its arguments, asks the library face (``stpkit.api``)
for what it needs and hands it to a renderer (``stpkit.cli.render``) or writes it out. No model
logic lives here. The library and the renderers are imported inside the commands, so that
`stp --help` starts without numpy, pandas or the report libraries."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from stpkit import __version__
from stpkit.outputs.json_text import json_text

if TYPE_CHECKING:
    from stpkit.engine.risk import Mapper

app = typer.Typer(
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: no "<bool>" beside flags, and quicker to start
    add_completion=False,
    no_args_is_help=True,
    help="stpkit: Sustainability and Transformation Plans as data. Money in £000 unless marked.",
)
# No emoji codes: ":100:" in "plan.yaml:100:" is a line number, not a picture. Text that came from
# a plan or a path is printed with markup=False and through ``plain`` (no escape sequences).
out = Console(highlight=False, soft_wrap=False, width=160, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


#: The risk runs and seed every command makes unless told otherwise, so that a plan gets the
#: same chance of balance and rating from `run`, `check`, `report`, `public` and `national`.
#: They are ``stpkit.assurance.DEFAULT_RUNS`` and ``DEFAULT_SEED``, written out so that
#: `stp --help` need not import the assurance layer; a test checks they agree.
DEFAULT_RUNS, DEFAULT_SEED = 1000, 0


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


PlanArgument = Annotated[
    Path | None, typer.Argument(metavar="PLAN", help="plan file (YAML or JSON); default: the bundled example")
]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="write files into this folder instead of printing")
]
RunsOption = Annotated[
    int, typer.Option("--runs", min=0, help="risk runs with the uncertain inputs drawn (0: central case only)")
]
SeedOption = Annotated[int, typer.Option("--seed", min=0, help="seed for the risk runs; same seed, same results")]
SchedulerOption = Annotated[
    str | None, typer.Option("--scheduler", help="address of a Dask scheduler to spread the runs over")
]
PdfOption = Annotated[bool, typer.Option("--pdf/--no-pdf", help="also write the PDF (WeasyPrint)")]
FolderOption = Annotated[Path, typer.Option("--output", "-o", help="folder to write into")]


# ------------------------------------------------------------------------------ plumbing


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
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn(unit), TimeElapsedColumn(),
        console=err, transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.advance(task, done)


def _emit(output: Path | None, files: dict[str, str | bytes]) -> None:
    """Print the files' text, or write them all into ``output`` together (all or nothing)."""
    if output is None:
        for text in files.values():
            sys.stdout.write(text)
        return
    from stpkit.outputs.atomic import write_files

    for path in write_files(output, files):
        _say(f"wrote {path}")


def _write_one(path: Path, content: str | bytes) -> None:
    from stpkit.outputs.atomic import write_file

    _say(f"wrote {write_file(path, content)}")


def _say(message: str) -> None:
    """A message on standard error that may hold a path or plan text: shown as written."""
    from stpkit.domain.formatting import plain

    err.print(plain(message), markup=False)


def _recorded(draw: Callable[[Console], None]) -> str:
    """What a renderer would print, as plain text for a file."""
    recorder = Console(record=True, width=160, file=open(os.devnull, "w"), emoji=False)  # noqa: SIM115
    draw(recorder)
    return recorder.export_text()


def _page_files(stem: str, html: str, pdf: bool) -> dict[str, str | bytes]:
    from stpkit.api import to_pdf

    return {f"{stem}.html": html} | ({f"{stem}.pdf": to_pdf(html)} if pdf else {})


# --------------------------------------------------------------------------- one plan


@app.command()
def run(
    plan: PlanArgument = None,
    format: FormatOption = Format.TABLE,
    output: OutputOption = None,
    runs: RunsOption = DEFAULT_RUNS,
    seed: SeedOption = DEFAULT_SEED,
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
    keep = tuple(keep_run or ())
    if any(k >= runs for k in keep):
        raise typer.BadParameter(f"runs are numbered 0 to {runs - 1} (--runs {runs})", param_hint="--keep-run")
    from stpkit.api import PlanRun
    from stpkit.cli import render

    loaded = PlanRun.load(plan)
    risk = None
    if runs:
        with _mapper(scheduler) as mapper, _progress("risk runs", runs, "runs") as progress:
            risk = loaded.risk(runs, seed, keep, mapper=mapper, progress=progress)
    if format is Format.JSON:
        _emit(output, {"results.json": json_text(loaded.results_document(risk))})
    elif format is Format.CSV and output:
        from stpkit.outputs.results import to_csv

        _emit(output, {name: to_csv(t) for name, t in loaded.result_tables(risk).items()})
    elif format is Format.CSV:
        from stpkit.outputs.results import long_csv

        sys.stdout.write(long_csv(loaded.central))
    elif output:
        _emit(output, {"summary.txt": _recorded(lambda console: render.print_run(loaded.central, console, risk))})
    else:
        render.print_run(loaded.central, out, risk)


@app.command()
def sensitivity(
    plan: PlanArgument = None,
    samples: Annotated[
        int, typer.Option("--samples", min=8, help="Sobol base samples (a power of two); runs = samples x (inputs + 2)")
    ] = 512,
    seed: SeedOption = DEFAULT_SEED,
    format: FormatOption = Format.TABLE,
    output: OutputOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Which assumptions and schemes drive the final-year gap: a tornado and Sobol indices."""
    from stpkit.api import PlanRun
    from stpkit.cli import render

    loaded = PlanRun.load(plan)
    with _mapper(scheduler) as mapper, _progress("Sobol runs", loaded.sensitivity_runs(samples), "runs") as progress:
        found = loaded.sensitivity(samples, seed, mapper=mapper, progress=progress)
    if format is Format.JSON:
        _emit(output, {"sensitivity.json": json_text(loaded.sensitivity_document(found))})
    elif format is Format.CSV:
        from stpkit.outputs.results import sensitivity_tables, to_csv

        tables = sensitivity_tables(found.tornado, found.sobol)
        _emit(output, {name: to_csv(t) for name, t in tables.items()})
    else:
        render.print_sensitivity(found, loaded.central.years[-1], out)


@app.command()
def report(
    plan: PlanArgument = None,
    output: FolderOption = Path("."),
    runs: RunsOption = DEFAULT_RUNS,
    seed: SeedOption = DEFAULT_SEED,
    pdf: PdfOption = True,
    national_: Annotated[
        bool, typer.Option("--national", help="the national report: all 44 footprints (PLAN replaces its own)")
    ] = False,
) -> None:
    """The footprint report: one self-contained HTML file (and the same as PDF); with --national,
    the national report: league table, map, the national bridge and the ratings."""
    from stpkit.api import NationalRun, PlanRun, footprint_count

    if national_:
        given = [PlanRun.load(plan)] if plan is not None else []
        with _progress("footprints", footprint_count() if runs else 0, "footprints") as progress:
            everyone = NationalRun.run(given, runs=runs, seed=seed, progress=progress)
        _emit(output, _page_files("england_report", everyone.report_html(), pdf))
        return
    loaded = PlanRun.load(plan)
    with _progress("assessing", 1, "plan"):
        html = loaded.report_html(runs, seed)
    _emit(output, _page_files(f"{loaded.plan.footprint.code}_report", html, pdf))


@app.command()
def public(
    plan: PlanArgument = None,
    output: FolderOption = Path("."),
    runs: RunsOption = DEFAULT_RUNS,
    seed: SeedOption = DEFAULT_SEED,
    pdf: PdfOption = True,
) -> None:
    """What the plan means for you: a plain-English summary for the public (HTML and PDF)."""
    from stpkit.api import PlanRun

    loaded = PlanRun.load(plan)
    _emit(output, _page_files(f"{loaded.plan.footprint.code}_public", loaded.public_html(runs, seed), pdf))


# ------------------------------------------------------------------------------ national


@app.command()
def national(
    plan: Annotated[
        list[Path] | None,
        typer.Option(
            "--plan", "-p", help="use this plan instead of the illustrative one for its footprint (repeatable)"
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="folder of baseline CSV files: these organisations' own accounts replace the illustrative figures",
        ),
    ] = None,
    format: FormatOption = Format.TABLE,
    output: OutputOption = None,
    runs: RunsOption = DEFAULT_RUNS,
    seed: SeedOption = DEFAULT_SEED,
    scheduler: SchedulerOption = None,
    map_file: Annotated[
        Path | None,
        typer.Option("--map", help="where to write the map of England (SVG); default: england_map.svg in the "
                     "--output folder, or in the current folder for the table"),
    ] = None,
) -> None:
    """Run all 44 footprints and show each one and the national total; with --runs, the risk
    runs of every footprint with shared national draws. Writes a map of England by footprint."""
    from stpkit.api import NationalRun, PlanRun, footprint_count
    from stpkit.cli import render

    given = [PlanRun.load(p) for p in plan or []]
    bar = _progress("footprints", footprint_count() if runs else 0, "footprints")
    with _mapper(scheduler) as mapper, bar as progress:
        everyone = NationalRun.run(
            given, runs=runs, seed=seed, mapper=mapper, progress=progress, baseline=baseline
        )
    # The map goes with the table a person reads, with files written to a folder, or where asked.
    if map_file is None and output is not None:
        map_file = output / "england_map.svg"
    if map_file is None and format is Format.TABLE:
        map_file = Path("england_map.svg")
    if format is Format.JSON:
        _emit(output, {"national.json": json_text(everyone.document())})
    elif format is Format.CSV:
        from stpkit.outputs.results import to_csv

        _emit(output, {"national.csv": to_csv(everyone.ranking)})
    else:

        def draw(console: Console) -> None:
            render.print_national(everyone.result, console)
            render.print_ranking(everyone.ranking, everyone.result.horizon, everyone.result.base_year, console)

        if output is not None:
            _emit(output, {"national.txt": _recorded(draw)})
        else:
            draw(out)
    if map_file is not None:
        _write_one(map_file, everyone.map_svg())


# --------------------------------------------------------------------------------- excel


def _xlsx_output(output: Path | None, default: str) -> Path:
    """The workbook to write: ``--output`` (a file, or a folder to put ``default`` in) or ``default``."""
    if output is None:
        return Path(default)
    return output / default if output.is_dir() else output


@app.command()
def template(
    footprint: Annotated[
        str | None,
        typer.Argument(
            metavar="FOOTPRINT",
            help="footprint code (E54000005 to E54000048): prefill its members and illustrative baseline",
        ),
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
    from stpkit.api import PlanRun, empty_submission_workbook, prefilled_submission_workbook
    from stpkit.reference.footprints import load_footprints

    if footprint and plan:
        raise typer.BadParameter("give a FOOTPRINT or --plan, not both")
    if (footprint or plan) and (base_year or horizon):
        raise typer.BadParameter("--base-year and --horizon are for an empty template; a plan has its own years")
    try:
        if plan is not None:
            loaded = PlanRun.load(plan)
            content, default = loaded.submission_workbook(), f"{loaded.plan.footprint.code}_submission.xlsx"
        elif footprint:
            code = footprint.strip().upper()
            if code not in load_footprints():
                raise typer.BadParameter(
                    f"unknown footprint {footprint!r}: expected an ONS STP code from E54000005 to E54000048 "
                    "(see `stp footprints`)",
                    param_hint="FOOTPRINT",
                )
            content, default = prefilled_submission_workbook(code), f"{code}_submission.xlsx"
        else:
            content, default = empty_submission_workbook(base_year, horizon), "submission.xlsx"
    except ValueError as exc:  # years that are not financial years
        _say(f"stp template: {exc}")
        raise typer.Exit(2) from None
    path = _xlsx_output(output, default)
    if path.exists() and not force:
        _say(f"{path} exists and may hold a filled-in plan: choose another --output, or add --force to replace it.")
        raise typer.Exit(2)
    _write_one(path, content)


@app.command("import")
def import_workbook(
    workbook: Annotated[Path, typer.Argument(metavar="WORKBOOK", help="a filled submission workbook (.xlsx)")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="plan file to write: .yaml, or .json for JSON (default: standard output)"),
    ] = None,
) -> None:
    """Turn a filled submission workbook into a plan file, checked as `stp validate` checks one."""
    from stpkit.api import PlanRun

    loaded = PlanRun.load(workbook, workbook=True)
    if output is not None and output.suffix.lower() == ".json":
        text = loaded.plan_json()
    else:
        text = loaded.plan_yaml(header=f"Imported from {workbook.name} by stp import (stpkit {__version__}).")
    if output is None:
        sys.stdout.write(text)
    else:
        _write_one(output, text)


@app.command()
def export(
    plan: Annotated[
        Path | None,
        typer.Argument(
            metavar="PLAN",
            help="plan file (YAML or JSON) or filled submission workbook (.xlsx); default: the example",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="workbook to write (default <plan name>_results.xlsx)")
    ] = None,
) -> None:
    """Write a plan's results as an Excel workbook of tidy tables: one sheet per table and a README."""
    from stpkit.api import PlanRun

    loaded = PlanRun.load(plan)
    _write_one(_xlsx_output(output, f"{loaded.source.stem}_results.xlsx"), loaded.results_workbook())


# ------------------------------------------------------------------------ checking plans


@app.command()
def validate(plan: Annotated[Path, typer.Argument(metavar="PLAN", help="plan file to check")]) -> None:
    """Check a plan file and report every problem with its line and field."""
    from stpkit.api import PlanRun
    from stpkit.domain.formatting import plain

    loaded = PlanRun.load(plan).plan
    out.print(
        plain(
            f"{plan}: valid plan for {loaded.footprint.code} ({len(loaded.organisations)} organisations, "
            f"{len(loaded.schemes)} schemes, {loaded.base_year} to {loaded.horizon})"
        ),
        markup=False,
    )


class CheckFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@app.command()
def check(
    plan: Annotated[Path, typer.Argument(metavar="PLAN", help="plan file to check")],
    strict: Annotated[bool, typer.Option("--strict", help="exit with status 1 if any finding is an error")] = False,
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="table or json")] = CheckFormat.TABLE,
    runs: RunsOption = DEFAULT_RUNS,
    seed: SeedOption = DEFAULT_SEED,
) -> None:
    """Check a plan the way the centre would: every assurance rule, the three gaps and the rating."""
    from stpkit.api import PlanRun
    from stpkit.cli import render
    from stpkit.domain import Severity
    from stpkit.outputs.assurance import assurance_document

    assessment = PlanRun.load(plan).assessment(runs, seed)
    if format is CheckFormat.JSON:
        sys.stdout.write(json_text(assurance_document(assessment)))
    else:
        render.print_check(assessment, out)
    if strict and assessment.has_errors:
        err.print(f"--strict: {assessment.count(Severity.ERROR)} error-level finding(s)")
        raise typer.Exit(1)


# --------------------------------------------------------------------------- reference


@app.command()
def schema(output: OutputOption = None) -> None:
    """Print the JSON Schema of plan files."""
    from stpkit.inputs.schema import plan_schema

    text = json_text(plan_schema())
    if output:
        _write_one(output / "plan.schema.json", text)
    else:
        sys.stdout.write(text)


@app.command()
def parameters() -> None:
    """List the national parameters with their values by year and their sources."""
    from stpkit.cli import render
    from stpkit.reference.parameters import load_parameters

    render.print_parameters(load_parameters(), out)


@app.command()
def footprints(
    code: Annotated[
        str | None, typer.Argument(metavar="CODE", help="a footprint code (E54000005 to E54000048): list its members")
    ] = None,
) -> None:
    """List the 44 footprints with their populations, CCGs and acute trusts; with CODE, that
    footprint's member CCGs and trusts."""
    from stpkit.cli import render
    from stpkit.reference.footprints import load_footprints

    if code is None:
        render.print_footprints(out)
        return
    if code.strip().upper() not in load_footprints():
        raise typer.BadParameter(
            f"unknown footprint {code!r}: expected an ONS STP code from E54000005 to E54000048", param_hint="CODE"
        )
    render.print_footprint_members(code.strip().upper(), out)


@app.command()
def examples(
    copy: Annotated[Path | None, typer.Option("--copy", help="copy the example plans into this folder")] = None,
) -> None:
    """List the bundled example plans, or copy them to start your own."""
    from stpkit.examples import example_paths

    paths = example_paths()
    if copy:
        _emit(copy, {f"{name}.yaml": p.read_text("utf-8") for name, p in paths.items()})
        return
    for name, path in paths.items():
        out.print(f"{name}: {path}", markup=False)



@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="port to listen on")] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="load the example plans and make one account per role (passwords printed)")
    ] = False,
) -> None:
    """Run the web service: make and migrate its database (SQLite in $STPKIT_DATA, default
    ./stpkit-data, or DATABASE_URL) and serve it. See docs/web.md."""
    from stpkit.web.serve import prepare, run

    passwords = prepare(demo=demo, say=lambda line: out.print(line, markup=False))
    if passwords:
        out.print("Demo accounts (these passwords are shown once; --demo again makes new ones):")
        for username, password in passwords.items():
            out.print(f"  {username}  {password}", markup=False)
    out.print(f"Serving on http://{host}:{port}/ (Ctrl-C to stop)", markup=False)
    run(host, port)

def _version(value: bool) -> None:
    if value:
        out.print(f"stpkit {__version__}")
        raise typer.Exit()


VersionOption = Annotated[
    bool, typer.Option("--version", callback=_version, is_eager=True, help="show the version and exit")
]


@app.callback()
def _main(version: VersionOption = False) -> None:
    pass


def main() -> None:
    """Entry point: an input problem is reported, not raised (exit status 2)."""
    from stpkit.inputs.located import InputError

    try:
        app()
    except InputError as exc:
        for problem in exc.problems:
            _say(str(problem))
        err.print(f"{len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''} found; nothing was written.")
        sys.exit(2)
