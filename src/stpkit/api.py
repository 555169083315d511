"""The library face of stpkit: what the command line, the tests and any other front end call.

A plan is read and checked once and laid out for the model once; everything else is worked out
from that when first asked for, and kept::

    from stpkit.api import PlanRun

    run = PlanRun.load("north_west_london.yaml")       # or PlanRun.illustrative("E54000036")
    run.central.with_plan[0, -1]                        # final-year position with the plan, £000
    run.risk(runs=2000, seed=1).p_balance[-1]           # chance of balance in the final year
    run.assessment().rating.category                    # the 2017 rating

``NationalRun`` does the same for all 44 footprints at once. Heavy libraries (pandas, openpyxl,
WeasyPrint, SALib) are imported by the methods that need them, not here."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stpkit.assurance import DEFAULT_RUNS, DEFAULT_SEED, Assessment, assess
from stpkit.domain import Plan, Problem, format_loc
from stpkit.domain.years import STP_BASE_YEAR, STP_HORIZON, fy_range
from stpkit.engine.model import PlanResult, Prepared, central_case, prepare
from stpkit.engine.risk import (
    Mapper,
    Progress,
    RiskSummary,
    check_runs_fit,
    risk_run_bytes,
    simulate,
    summarise,
    totals_run_bytes,
)
from stpkit.engine.schemes import SchemeProblems
from stpkit.examples import DEFAULT_EXAMPLE, example_paths
from stpkit.inputs.located import InputError, LocatedProblem
from stpkit.inputs.plan_file import load_plan
from stpkit.outputs.json_text import json_text
from stpkit.reference.parameters import ParameterSet, load_parameters

if TYPE_CHECKING:
    import pandas as pd

    from stpkit.engine.sensitivity import Sobol, Tornado
    from stpkit.national.rollup import NationalResult


class _LaidOut:
    """The check the readers run last: lay the plan out for the model, which finds the problems
    only visible in the ledger (a scheme larger than what it acts on). The layout is kept, so a
    plan that passes is never laid out twice."""

    def __init__(self, params: ParameterSet):
        self.params = params
        self.prepared: Prepared | None = None

    def __call__(self, plan: Plan) -> list[Problem]:
        try:
            self.prepared = prepare(plan, self.params)
        except SchemeProblems as exc:
            return exc.problems
        return []


def footprint_count() -> int:
    """How many footprints there are in the bundled reference data (44 in 2017/18)."""
    from stpkit.reference.footprints import load_footprints

    return len(load_footprints())


def default_plan_path() -> Path:
    """The bundled example that commands use when no plan is given."""
    return example_paths()[DEFAULT_EXAMPLE]


@dataclass(frozen=True)
class Sensitivity:
    tornado: Tornado
    sobol: Sobol


@dataclass
class PlanRun:
    """One plan, checked and laid out, and what has been worked out from it so far."""

    plan: Plan
    params: ParameterSet
    prepared: Prepared
    source: Path | None = None
    _risks: dict[tuple[int, int, tuple[int, ...]], RiskSummary] = field(default_factory=dict, repr=False)

    # Getting a plan.

    @classmethod
    def load(
        cls, path: str | Path | None = None, params: ParameterSet | None = None, workbook: bool | None = None
    ) -> PlanRun:
        """A plan file (YAML or JSON) or a filled submission workbook (``workbook``; by default,
        a file named .xlsx); the bundled example when ``path`` is None. Raises InputError naming
        every problem with its place."""
        path = Path(path) if path is not None else default_plan_path()
        params = params or load_parameters()
        laid_out = _LaidOut(params)
        if workbook if workbook is not None else path.suffix.lower() == ".xlsx":
            from stpkit.inputs.submission import read_workbook

            plan = read_workbook(path, params, check=laid_out)
        else:
            plan = load_plan(path, params, check=laid_out)
        assert laid_out.prepared is not None  # the check ran, or the reader raised
        return cls(plan, params, laid_out.prepared, path)

    @classmethod
    def from_plan(cls, plan: Plan, params: ParameterSet | None = None) -> PlanRun:
        """A plan built in code (it must pass the same checks as a plan file)."""
        from stpkit.inputs.plan_file import validate

        params = params or load_parameters()
        laid_out = _LaidOut(params)
        problems = validate(plan, params, laid_out)
        if problems:
            raise InputError([LocatedProblem("(plan)", None, format_loc(p.loc), p.message) for p in problems])
        assert laid_out.prepared is not None
        return cls(plan, params, laid_out.prepared)

    @classmethod
    def illustrative(cls, code: str, params: ParameterSet | None = None, baseline: str | Path | None = None) -> PlanRun:
        """The bundled illustrative plan of footprint ``code`` (e.g. ``E54000036``); with
        ``baseline``, a folder of baseline CSV files (docs/baseline.md), the organisations it
        covers have its figures instead. Raises InputError naming every problem with its place."""
        from stpkit.reference.illustrative import illustrative_plan

        params = params or load_parameters()
        plan = illustrative_plan(code, params)
        if baseline is None:
            return cls(plan, params, prepare(plan, params))
        from stpkit.inputs.baseline import apply_baseline, read_baseline

        (plan,) = apply_baseline([plan], read_baseline(baseline), f"footprint {code}")
        return cls.from_plan(plan, params)

    # Results.

    @cached_property
    def central(self) -> PlanResult:
        """The central case: every uncertain input at its central value."""
        return central_case(self.prepared)

    def risk(
        self,
        runs: int = DEFAULT_RUNS,
        seed: int = DEFAULT_SEED,
        keep: Iterable[int] = (),
        mapper: Mapper | None = None,
        progress: Progress | None = None,
    ) -> RiskSummary:
        """``runs`` runs with the uncertain inputs drawn from ``seed``; the positions of the runs in
        ``keep`` are kept. The same runs and seed give the same summary wherever they run."""
        key = (runs, seed, tuple(sorted(set(keep))))
        check_runs_fit(runs, risk_run_bytes(self.prepared), f"{runs:,} runs of this plan", "runs")
        if key not in self._risks:
            simulation = simulate(self.prepared, runs, seed, mapper=mapper, progress=progress)
            self._risks[key] = summarise(simulation, self.central, key[2])
        return self._risks[key]

    def assessment(self, runs: int = DEFAULT_RUNS, seed: int = DEFAULT_SEED, **risk_options: Any) -> Assessment:
        """Every assurance rule, the three gaps and the rating; rules that need risk runs use
        ``runs`` of them (none when 0, and those rules are listed as not checked)."""
        risk = self.risk(runs, seed, **risk_options) if runs else None
        return assess(self.plan, self.params, runs=0, result=self.central, risk=risk)

    def sensitivity(
        self, samples: int = 512, seed: int = 0, mapper: Mapper | None = None, progress: Progress | None = None
    ) -> Sensitivity:
        """A tornado (each uncertain input at its P10 and P90) and Sobol indices of the
        final-year position with the plan."""
        from stpkit.engine.sensitivity import sobol, sobol_run_bytes, tornado

        runs = self.sensitivity_runs(samples)
        asked = f"{samples:,} samples ({runs:,} runs) of this plan"
        check_runs_fit(runs, sobol_run_bytes(self.prepared), asked, "samples")
        return Sensitivity(
            tornado(self.prepared, mapper=mapper),
            sobol(self.prepared, samples, seed, mapper=mapper, progress=progress),
        )

    def sensitivity_runs(self, samples: int) -> int:
        """How many runs ``sensitivity`` makes for its Sobol indices (for a progress bar)."""
        from stpkit.engine.sensitivity import inputs

        return samples * (len({item.group for item in inputs(self.prepared)}) + 2)

    # What is written out.

    def results_document(self, risk: RiskSummary | None = None) -> dict[str, Any]:
        """The documented ``stpkit-results`` JSON structure."""
        from stpkit.outputs.results import results_document

        return results_document(self.central, risk=risk)

    def result_tables(self, risk: RiskSummary | None = None) -> dict[str, pd.DataFrame]:
        """Every results table by file name (CSV), with the risk tables when given."""
        from stpkit.outputs.results import result_tables, risk_tables

        return result_tables(self.central) | (risk_tables(self.central, risk) if risk is not None else {})

    def sensitivity_document(self, found: Sensitivity) -> dict[str, Any]:
        from stpkit.outputs.results import sensitivity_document

        return sensitivity_document(self.prepared, found.tornado, found.sobol)

    def report_html(self, runs: int = DEFAULT_RUNS, seed: int = DEFAULT_SEED) -> str:
        """The footprint report: one self-contained HTML page."""
        from stpkit.outputs.report.footprint import footprint_report

        return footprint_report(self.assessment(runs, seed))

    def report_parts(self, runs: int = DEFAULT_RUNS, seed: int = DEFAULT_SEED) -> dict[str, str]:
        """The footprint report's sections by key (summary, bridge, risk, ...), as HTML."""
        from stpkit.outputs.report.footprint import report_parts

        return report_parts(self.assessment(runs, seed))

    def assurance_document(self, runs: int = DEFAULT_RUNS, seed: int = DEFAULT_SEED) -> dict[str, Any]:
        """The ``stpkit-assurance`` JSON structure (what `stp check --format json` prints)."""
        from stpkit.outputs.assurance import assurance_document

        return assurance_document(self.assessment(runs, seed))

    def public_html(self, runs: int = DEFAULT_RUNS, seed: int = DEFAULT_SEED) -> str:
        """What the plan means for the public, in plain English: one self-contained HTML page."""
        from stpkit.outputs.report.public import public_summary

        return public_summary(self.plan, self.central, self._chance(runs, seed))

    def _chance(self, runs: int, seed: int) -> float | None:
        """The chance of balance in the final year after ``runs`` risk runs (none without runs)."""
        return float(self.risk(runs, seed).p_balance[-1]) if runs else None

    def public_parts(self, runs: int = DEFAULT_RUNS, seed: int = DEFAULT_SEED) -> dict[str, str]:
        """The public summary's sections by key (about, near_you, when, moves, have_your_say), as HTML."""
        from stpkit.outputs.report.public import public_parts

        return public_parts(self.plan, self.central, self._chance(runs, seed))

    def results_workbook(self) -> bytes:
        """The results as an Excel workbook of tidy tables."""
        from stpkit.outputs.results_workbook import results_workbook

        return results_workbook(self.central)

    def submission_workbook(self) -> bytes:
        """The plan as a filled submission workbook."""
        from stpkit.inputs.submission import plan_workbook

        return plan_workbook(self.plan, self.params)

    def plan_json(self) -> str:
        """The plan as a JSON plan file."""
        fields = json.loads(self.plan.model_dump_json(exclude_defaults=True))
        data = {"schema_version": self.plan.schema_version, **fields}
        return json_text(data, ensure_ascii=False)

    def plan_yaml(self, header: str = "") -> str:
        """The plan as a plan file."""
        from stpkit.inputs.plan_writer import plan_to_yaml

        return plan_to_yaml(self.plan, header)


@dataclass
class NationalRun:
    """All 44 footprints: the given plans where there are some, the illustrative plan elsewhere."""

    params: ParameterSet
    result: NationalResult

    @classmethod
    def run(
        cls,
        plans: Iterable[PlanRun] = (),
        runs: int = DEFAULT_RUNS,
        seed: int = DEFAULT_SEED,
        params: ParameterSet | None = None,
        mapper: Mapper | None = None,
        progress: Callable[[int], None] | None = None,
        baseline: str | Path | None = None,
    ) -> NationalRun:
        """With ``runs``, every footprint's risk runs share the same national draws in each run.
        ``baseline``, a folder of baseline CSV files (docs/baseline.md), replaces the illustrative
        figures of the organisations it covers; InputError names every problem with its place."""
        from stpkit.inputs.baseline import read_baseline
        from stpkit.national.rollup import run_national

        plans = list(plans)
        _check_national_plans(plans)
        longest = max([len(p.prepared.ledger.years) for p in plans] + [len(fy_range(STP_BASE_YEAR, STP_HORIZON))])
        n = footprint_count()
        check_runs_fit(runs, n * totals_run_bytes(longest), f"{runs:,} runs of {n} footprints", "runs")
        supplied = read_baseline(baseline) if baseline is not None else None
        params = params or load_parameters()
        # A plan read with these parameters goes as it was laid out then, so it is laid out once.
        given = [p.prepared if p.params is params else p.plan for p in plans]
        result = run_national(params, given, runs=runs, seed=seed, mapper=mapper, progress=progress, baseline=supplied)
        return cls(params, result)

    @cached_property
    def assessments(self) -> dict[str, Assessment]:
        from stpkit.national.rollup import assess_footprints

        return assess_footprints(self.result, self.params)

    @cached_property
    def ranking(self) -> pd.DataFrame:
        from stpkit.national.rollup import rank

        return rank(self.result, self.assessments)

    def document(self) -> dict[str, Any]:
        from stpkit.national.rollup import national_document

        return national_document(self.result, self.ranking)

    def map_svg(self) -> str:
        """England by footprint, shaded by the position with the plan per head."""
        from stpkit.outputs.report.map import national_map

        table = self.result.table
        return national_map(
            dict(zip(table["code"], table["with_plan_gbp000"], strict=True)),
            dict(zip(table["code"], table["population"], strict=True)),
            self.result.horizon,
            self.result.any_illustrative,
        )

    def report_html(self) -> str:
        """The national report: league table, map, the national bridge and the ratings."""
        from stpkit.national.rollup import national_challenge
        from stpkit.outputs.report.national import national_report

        challenge = national_challenge(self.params, self.result.horizon)
        return national_report(self.result, self.assessments, challenge)


def _check_national_plans(plans: list[PlanRun]) -> None:
    """InputError, in one line per plan, for two plans of one footprint and for a plan whose years
    differ from the national run's: the footprints' positions are added year by year, so every
    plan must cover the same years (those of the illustrative plans, unless every footprint has
    a plan given)."""
    from stpkit.domain.years import STP_BASE_YEAR, STP_HORIZON

    problems: list[LocatedProblem] = []
    first: dict[str, PlanRun] = {}
    for p in plans:
        code = p.plan.footprint.code
        if code in first:
            problems.append(LocatedProblem(
                _named(p), None, "footprint.code",
                f"{code} already has a plan ({_named(first[code])}); give one plan per footprint",
            ))
        else:
            first[code] = p
    everyone_given = len(first) == footprint_count()
    base_year, horizon = STP_BASE_YEAR, STP_HORIZON
    if everyone_given:
        base_year, horizon = plans[0].plan.base_year, plans[0].plan.horizon
    for p in first.values():
        if (p.plan.base_year, p.plan.horizon) != (base_year, horizon):
            field = "base_year" if p.plan.base_year != base_year else "horizon"
            problems.append(LocatedProblem(
                _named(p), _line_of(p, field), field,
                f"the plan covers {p.plan.base_year} to {p.plan.horizon} but the national run adds up "
                f"{base_year} to {horizon}; give a plan for those years, or run it on its own with `stp run`",
            ))
    if problems:
        raise InputError(problems)


def _line_of(run: PlanRun, field: str) -> int | None:
    """The line of a top-level field in a YAML or JSON plan file (None for a workbook or a plan
    given in code)."""
    from stpkit.inputs.yaml_safe import load_document

    source = run.source
    return load_document(source).line_of((field,)) if source and source.suffix.lower() != ".xlsx" else None


def _named(run: PlanRun) -> str:
    return str(run.source) if run.source is not None else f"(plan for {run.plan.footprint.code})"


def empty_submission_workbook(base_year: str | None = None, horizon: str | None = None) -> bytes:
    """An empty submission workbook (by default for 2016/17 to 2020/21); ValueError for years
    that are not financial years in order."""
    from stpkit.inputs.submission import DEFAULT_BASE_YEAR, DEFAULT_HORIZON, empty_workbook

    return empty_workbook(base_year or DEFAULT_BASE_YEAR, horizon or DEFAULT_HORIZON)


def prefilled_submission_workbook(code: str, params: ParameterSet | None = None) -> bytes:
    """A submission workbook prefilled with footprint ``code``'s members and illustrative baseline."""
    from stpkit.inputs.submission import plan_workbook, prefilled_plan

    params = params or load_parameters()
    return plan_workbook(prefilled_plan(code, params), params)


def to_pdf(html: str) -> bytes:
    """A page as PDF (WeasyPrint)."""
    from stpkit.outputs.report.html import to_pdf as render

    return render(html)
