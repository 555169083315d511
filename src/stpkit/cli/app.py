"""The `stp` command: each command parses its arguments, asks the library face (``stpkit.api``)
for what it needs and hands it to a renderer (``stpkit.cli.render``) or writes it out. No model
logic lives here. The library and the renderers are imported inside the commands, so that
`stp --help` starts without numpy, pandas or the report libraries."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

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
    Path | None, typer.Option("--output", "-o", metavar="PATH", help="write files into this folder instead of printing")
]
RunsOption = Annotated[
    int, typer.Option("--runs", min=0, metavar="N",
                      help="risk runs with the uncertain inputs drawn (0: central case only)")
]
SeedOption = Annotated[int, typer.Option("--seed", min=0, metavar="N",
                                         help="seed for the risk runs; same seed, same results")]
SchedulerOption = Annotated[
    str | None, typer.Option("--scheduler", metavar="ADDRESS",
                             help="address of a Dask scheduler to spread the runs over")
]
PdfOption = Annotated[bool, typer.Option("--pdf/--no-pdf", help="also write the PDF (WeasyPrint)")]
FolderOption = Annotated[Path, typer.Option("--output", "-o", metavar="PATH", help="folder to write into")]
ForceOption = Annotated[bool, typer.Option("--force", help="replace output files that already exist")]

#: How long to wait for a Dask scheduler to answer before giving up, in seconds.
SCHEDULER_TIMEOUT_S = 5


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

    _reachable(scheduler)
    # Dask's own timeout covers the connection, not the handshake: something listening that is
    # not a scheduler would hold the client for minutes, so it is made in a thread with a deadline.
    made: dict[str, Any] = {}

    def connect() -> None:
        try:
            made["client"] = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
        except Exception as exc:  # any failure to connect becomes the one line below
            made["error"] = exc

    connecting = threading.Thread(target=connect, daemon=True)
    connecting.start()
    connecting.join(SCHEDULER_TIMEOUT_S + 1)
    if "client" not in made:
        reason = made.get("error") or f"no answer within {SCHEDULER_TIMEOUT_S} s"
        _fail(f"--scheduler {scheduler}: no Dask scheduler answered there ({reason})")
    with made["client"] as client:

        def mapped(fn, items):
            futures = client.map(fn, items, pure=False)
            return (future.result() for future in futures)

        yield mapped


def _fail(message: str) -> NoReturn:
    """One line on standard error and exit status 2: how every refused command ends."""
    _say(f"stp: {message}")
    raise typer.Exit(2)


def _reachable(scheduler: str) -> None:
    """Fail in one line, within SCHEDULER_TIMEOUT_S, for an address that is malformed or where
    nothing listens. Checked with a plain connection before Dask is asked, because a Dask client
    that fails to connect waits longer and prints tracebacks of its own as the program ends."""
    import socket

    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import backends

    try:
        scheme, location = parse_address(scheduler)
        if scheme not in backends:
            raise ValueError(f"unknown scheme {scheme!r}")
        if scheme == "inproc":
            return
        host, port = parse_host_port(location)
    except (ValueError, TypeError) as exc:
        _fail(f"--scheduler {scheduler!r} is not a scheduler address like tcp://host:8786 ({exc})")
    try:
        socket.create_connection((host, port), timeout=SCHEDULER_TIMEOUT_S).close()
    except OSError as exc:
        reason = "no answer" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        _fail(f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({reason})")


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


def _emit(
    output: Path | None,
    files: dict[str, str | bytes],
    *,
    force: bool = False,
    inputs: Iterable[Path | None] = (),
    about: dict[str, Any] | None = None,
    manifest_name: str = "manifest.json",
) -> None:
    """Print the files' text, or write them all into ``output`` together (all or nothing), with a
    manifest when ``about`` says where they came from; nothing is replaced without ``force``
    and no input is ever replaced."""
    if output is None:
        for text in files.values():
            sys.stdout.write(text)
        return
    from stpkit.outputs.atomic import write_files

    manifest = None if about is None else {"stpkit": __version__, **about}
    written = write_files(
        output, files, force=force, inputs=[p for p in inputs if p is not None], manifest=manifest,
        manifest_name=manifest_name,
    )
    for path in written:
        _say(f"wrote {path}")


def _write_one(path: Path, content: str | bytes, *, force: bool = False, inputs: Iterable[Path | None] = ()) -> None:
    from stpkit.outputs.atomic import write_file

    _say(f"wrote {write_file(path, content, force=force, inputs=[p for p in inputs if p is not None])}")


def _say(message: str) -> None:
    """A message on standard error that may hold a path or plan text: shown as written."""
    from stpkit.domain.formatting import plain

    err.print(plain(message), markup=False)


def _about(command: str, sources: Iterable[Path | None], **settings: int) -> dict[str, Any]:
    """What a folder of results came from, for its manifest: the command, the sha256 of each plan
    file read (none for footprints left to their illustrative plans) and the settings that change
    the numbers (runs or samples, seed)."""
    from stpkit.outputs.atomic import file_sha256

    return {"command": command, "plans": {str(p): file_sha256(p) for p in sources if p is not None}, **settings}


def _recorded(draw: Callable[[Console], None]) -> str:
    """What a renderer would print, as plain text for a file."""
    recorder = Console(record=True, width=160, file=open(os.devnull, "w"), emoji=False)  # noqa: SIM115
    draw(recorder)
    return recorder.export_text()


def _emit_pages(
    output: Path, stem: str, html: str, pdf: bool, force: bool, inputs: list[Path | None], about: dict[str, Any]
) -> None:
    """A page as HTML (and PDF) with its manifest, named after the page so that the pages of
    several plans can share a folder (by default the current one)."""
    from stpkit.api import to_pdf

    files: dict[str, str | bytes] = {f"{stem}.html": html} | ({f"{stem}.pdf": to_pdf(html)} if pdf else {})
    _emit(output, files, force=force, inputs=inputs, about=about, manifest_name=f"{stem}.manifest.json")


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
            "--keep-run", metavar="K", min=0,
                help="also show this run's positions (repeatable; run 0 is the central case)"
        ),
    ] = None,
    force: ForceOption = False,
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
    about = _about("run", [loaded.source], runs=runs, seed=seed)
    safely = {"force": force, "inputs": [loaded.source], "about": about}
    if format is Format.JSON:
        _emit(output, {"results.json": json_text(loaded.results_document(risk))}, **safely)
    elif format is Format.CSV and output:
        from stpkit.outputs.results import to_csv

        _emit(output, {name: to_csv(t) for name, t in loaded.result_tables(risk).items()}, **safely)
    elif format is Format.CSV:
        from stpkit.outputs.results import long_csv

        sys.stdout.write(long_csv(loaded.central))
    elif output:
        summary = _recorded(lambda console: render.print_run(loaded.central, console, risk))
        _emit(output, {"summary.txt": summary}, **safely)
    else:
        render.print_run(loaded.central, out, risk)


@app.command()
def sensitivity(
    plan: PlanArgument = None,
    samples: Annotated[
        int, typer.Option("--samples", min=8, metavar="N",
                          help="Sobol base samples (a power of two); runs = samples x (inputs + 2)")
    ] = 512,
    seed: SeedOption = DEFAULT_SEED,
    format: FormatOption = Format.TABLE,
    output: OutputOption = None,
    scheduler: SchedulerOption = None,
    force: ForceOption = False,
) -> None:
    """Which assumptions and schemes drive the final-year gap: a tornado and Sobol indices."""
    from stpkit.api import PlanRun
    from stpkit.cli import render

    loaded = PlanRun.load(plan)
    with _mapper(scheduler) as mapper, _progress("Sobol runs", loaded.sensitivity_runs(samples), "runs") as progress:
        found = loaded.sensitivity(samples, seed, mapper=mapper, progress=progress)
    safely = {
        "force": force, "inputs": [loaded.source],
        "about": _about("sensitivity", [loaded.source], samples=samples, seed=seed),
    }
    if format is Format.JSON:
        _emit(output, {"sensitivity.json": json_text(loaded.sensitivity_document(found))}, **safely)
    elif format is Format.CSV:
        from stpkit.outputs.results import sensitivity_tables, to_csv

        tables = sensitivity_tables(found.tornado, found.sobol)
        _emit(output, {name: to_csv(t) for name, t in tables.items()}, **safely)
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
    force: ForceOption = False,
) -> None:
    """The footprint report: one self-contained HTML file (and the same as PDF); with --national,
    the national report: league table, map, the national bridge and the ratings."""
    from stpkit.api import NationalRun, PlanRun, footprint_count

    if national_:
        given = [PlanRun.load(plan)] if plan is not None else []
        with _progress("footprints", footprint_count() if runs else 0, "footprints") as progress:
            everyone = NationalRun.run(given, runs=runs, seed=seed, progress=progress)
        _emit_pages(output, "england_report", everyone.report_html(), pdf, force, [plan], _about(
            "report --national", [plan], runs=runs, seed=seed))
        return
    loaded = PlanRun.load(plan)
    with _progress("assessing", 1, "plan"):
        html = loaded.report_html(runs, seed)
    _emit_pages(output, f"{loaded.plan.footprint.code}_report", html, pdf, force, [loaded.source], _about(
        "report", [loaded.source], runs=runs, seed=seed))


@app.command()
def public(
    plan: PlanArgument = None,
    output: FolderOption = Path("."),
    runs: RunsOption = DEFAULT_RUNS,
    seed: SeedOption = DEFAULT_SEED,
    pdf: PdfOption = True,
    force: ForceOption = False,
) -> None:
    """What the plan means for you: a plain-English summary for the public (HTML and PDF)."""
    from stpkit.api import PlanRun

    loaded = PlanRun.load(plan)
    _emit_pages(output, f"{loaded.plan.footprint.code}_public", loaded.public_html(runs, seed), pdf, force,
                [loaded.source], _about("public", [loaded.source], runs=runs, seed=seed))


# ------------------------------------------------------------------------------ national


@app.command()
def national(
    plan: Annotated[
        list[Path] | None,
        typer.Option(
            "--plan", "-p", metavar="FILE",
                help="use this plan instead of the illustrative one for its footprint (repeatable)"
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline", metavar="DIR",
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
        typer.Option("--map", metavar="FILE",
                     help="where to write the map of England (SVG); default: england_map.svg in the "
                     "--output folder, or in the current folder for the table"),
    ] = None,
    force: ForceOption = False,
) -> None:
    """Run all 44 footprints and show each one and the national total; with --runs, the risk
    runs of every footprint with shared national draws. Writes a map of England by footprint."""
    from stpkit.api import NationalRun, PlanRun, footprint_count
    from stpkit.cli import render
    from stpkit.outputs.atomic import check_target

    # The map goes with the table a person reads, with files written to a folder (in the same
    # all-or-nothing write), or where asked; a map that may not be written is refused before the run.
    inputs = [*(plan or []), baseline]
    if map_file is None and format is Format.TABLE and output is None:
        map_file = Path("england_map.svg")
    if map_file is not None:
        check_target(map_file, force=force, inputs=[p for p in inputs if p is not None])
    given = [PlanRun.load(p) for p in plan or []]
    bar = _progress("footprints", footprint_count() if runs else 0, "footprints")
    with _mapper(scheduler) as mapper, bar as progress:
        everyone = NationalRun.run(
            given, runs=runs, seed=seed, mapper=mapper, progress=progress, baseline=baseline
        )
    files: dict[str, str | bytes] = {}
    if format is Format.JSON:
        files["national.json"] = json_text(everyone.document())
    elif format is Format.CSV:
        from stpkit.outputs.results import to_csv

        files["national.csv"] = to_csv(everyone.ranking)
    else:

        def draw(console: Console) -> None:
            render.print_national(everyone.result, console)
            render.print_ranking(everyone.ranking, everyone.result.horizon, everyone.result.base_year, console)

        if output is not None:
            files["national.txt"] = _recorded(draw)
        else:
            draw(out)
    if output is not None:
        if map_file is None:
            files["england_map.svg"] = everyone.map_svg()
        about = _about("national", plan or [], runs=runs, seed=seed)
        _emit(output, files, force=force, inputs=inputs, about=about)
    elif files:
        _emit(None, files)
    if map_file is not None:
        _write_one(map_file, everyone.map_svg(), force=force, inputs=inputs)


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
        Path | None, typer.Option("--plan", "-p", metavar="FILE",
                                  help="write the workbook of this plan file (YAML or JSON)")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="PATH",
                     help="workbook to write (default <footprint code>_submission.xlsx)"),
    ] = None,
    base_year: Annotated[
        str | None, typer.Option("--base-year", metavar="YEAR", help="base year of an empty template (default 2016/17)")
    ] = None,
    horizon: Annotated[
        str | None, typer.Option("--horizon", metavar="YEAR", help="last year of an empty template (default 2020/21)")
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
        _fail(f"{path} exists and may hold a filled-in plan: choose another --output, or add --force to replace it.")
    _write_one(path, content, force=force, inputs=[plan])


@app.command("import")
def import_workbook(
    workbook: Annotated[Path, typer.Argument(metavar="WORKBOOK", help="a filled submission workbook (.xlsx)")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="PATH",
                     help="plan file to write: .yaml, or .json for JSON (default: standard output)"),
    ] = None,
    force: ForceOption = False,
) -> None:
    """Turn a filled submission workbook into a plan file, checked as `stp validate` checks one."""
    from stpkit.api import PlanRun
    from stpkit.outputs.atomic import check_target

    if output is not None:  # refused before the workbook is read, not after
        check_target(output, force=force, inputs=[workbook])
    loaded = PlanRun.load(workbook, workbook=True)
    if output is not None and output.suffix.lower() == ".json":
        text = loaded.plan_json()
    else:
        text = loaded.plan_yaml(header=f"Imported from {workbook.name} by stp import (stpkit {__version__}).")
    if output is None:
        sys.stdout.write(text)
    else:
        _write_one(output, text, force=force, inputs=[workbook])


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
        Path | None, typer.Option("--output", "-o", metavar="PATH",
                                  help="workbook to write (default <plan name>_results.xlsx)")
    ] = None,
    force: ForceOption = False,
) -> None:
    """Write a plan's results as an Excel workbook of tidy tables: one sheet per table and a README."""
    from stpkit.api import PlanRun
    from stpkit.outputs.atomic import check_target

    loaded = PlanRun.load(plan)
    path = _xlsx_output(output, f"{loaded.source.stem}_results.xlsx")
    check_target(path, force=force, inputs=[loaded.source])  # refused before the results are worked out
    _write_one(path, loaded.results_workbook(), force=force, inputs=[loaded.source])


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
def schema(output: OutputOption = None, force: ForceOption = False) -> None:
    """Print the JSON Schema of plan files."""
    from stpkit.inputs.schema import plan_schema

    text = json_text(plan_schema())
    if output:
        _emit(output, {"plan.schema.json": text}, force=force)
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
    copy: Annotated[Path | None, typer.Option("--copy", metavar="DIR",
                                              help="copy the example plans into this folder")] = None,
    force: ForceOption = False,
) -> None:
    """List the bundled example plans, or copy them to start your own."""
    from stpkit.examples import example_paths

    paths = example_paths()
    if copy:
        _emit(copy, {f"{name}.yaml": p.read_text("utf-8") for name, p in paths.items()}, force=force)
        return
    for name, path in paths.items():
        out.print(f"{name}: {path}", markup=False)



@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", metavar="ADDRESS", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, metavar="PORT", help="port to listen on")] = 8000,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="load the example plans and an illustrative plan for every other footprint, and make one "
            "account per role (passwords printed)",
        ),
    ] = False,
) -> None:
    """Run the web service: make and migrate its database (SQLite in $STPKIT_DATA, default
    ./stpkit-data, or DATABASE_URL) and serve it. See docs/web.md."""
    import socket

    # Find out now, in one line, that the address is taken or wrong, before the database is
    # prepared and demo passwords are printed for a site that never starts.
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc).split(" (")[0]
        _fail(f"cannot listen on {host}:{port}: {reason}; choose another --host or --port")
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
    """Entry point: an input problem, an output that may not be written and a file system that
    refuses a write are reported in one line each, not raised (exit status 2)."""
    from stpkit.inputs.located import InputError
    from stpkit.outputs.atomic import OutputRefused

    try:
        app()
    except ValueError as exc:
        from stpkit.engine.risk import TooManyRuns  # imported already by whatever raised it

        if not isinstance(exc, TooManyRuns):
            raise
        err.print(f"--{exc.parameter}: {exc}", markup=False)
        err.print("1 problem found; nothing was written.")
        sys.exit(2)
    except InputError as exc:
        for problem in exc.problems:
            _say(str(problem))
        err.print(f"{len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''} found; nothing was written.")
        sys.exit(2)
    except OutputRefused as exc:
        err.print(f"stp: {exc}; nothing was written.", markup=False)
        sys.exit(2)
    except OSError as exc:  # a read-only folder, a full disk, a name the file system refuses
        where = f"{exc.filename}: " if exc.filename else ""
        err.print(f"stp: {where}{exc.strerror or exc}; nothing was written.", markup=False)
        sys.exit(2)
