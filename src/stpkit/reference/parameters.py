"""National parameters: dated values by financial year, each with a description, unit and
reference. Loaded from ``data/national_parameters.yaml``; a plan may override any of them."""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from stpkit.domain import (
    CapitalProjectType,
    CostType,
    EvidenceLevel,
    OrgKind,
    Problem,
    RatingCategory,
    RatingComponent,
    ServiceLine,
    Severity,
    StaffGroup,
    fy_range,
)
from stpkit.domain.bounds import (
    BED_DAYS,
    MARKUP_PCT,
    MONEY_GBP000,
    OCCUPANCY_PCT,
    RATE_PCT,
    RATE_SD_PCT,
    SHARE_PCT,
    SLIPPAGE_YEARS,
    UNIT_COST_GBP,
    WARD_BEDS,
    WTE_COST_GBP,
    Range,
    readable,
)
from stpkit.domain.problems import Loc
from stpkit.domain.years import fy_start
from stpkit.reference.ae import AE_REFERENCE_YEAR, type1_admission_rates

#: The members of each dimension a parameter can be given by.
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "service_line": tuple(line.value for line in ServiceLine),
    "cost_type": tuple(c.value for c in CostType),
    "commissioner_kind": tuple(k.value for k in OrgKind if k.is_commissioner),
    "provider_kind": tuple(k.value for k in OrgKind if k.is_provider),
    "staff_group": tuple(g.value for g in StaffGroup),
    "evidence": tuple(e.value for e in EvidenceLevel),
    "capital_project_type": tuple(t.value for t in CapitalProjectType),
    "rating_component": tuple(c.value for c in RatingComponent),
    "rating_category": tuple(c.value for c in RatingCategory if c is not RatingCategory.NEEDS_MOST_IMPROVEMENT),
    "severity": tuple(s.value for s in Severity),
}

PARAMETERS_FILE = "national_parameters.yaml"

#: Model parameters that take one value for the whole plan, read at the base year, and what
#: that one value sets. A plan may give them in later years only to repeat the base-year value:
#: any other value in a later year is refused rather than ignored.
SINGLE_VALUE: dict[str, str] = {
    "delivery_mean_pct": "each scheme's delivery is drawn once for the whole plan",
    "delivery_sd_pct": "each scheme's delivery is drawn once for the whole plan",
    "delivery_correlation_pct": "the delivery of the plan's schemes is drawn once for the whole plan",
    "slippage_mean_years": "each scheme's slippage is drawn once for the whole plan",
    "nonrecurrent_share_mean_pct": "each scheme's non-recurrent share is drawn once for the whole plan",
    "nonrecurrent_share_sd_pct": "each scheme's non-recurrent share is drawn once for the whole plan",
    "cost_variable_share_pct": "a provider's costs are split by behaviour once, in the base-year ledger",
    "cost_semi_fixed_share_pct": "a provider's costs are split by behaviour once, in the base-year ledger",
    "national_unit_cost_gbp": "it prices the base-year activity that schemes move between providers",
    "ae_admission_rate_pct": "it sizes the emergency admissions an A&E scheme moves, once for the plan",
    "pay_share_pct": "it splits the base-year pay bill between staff groups",
}

#: The values a plan may give each parameter it can override (the bundled national values lie
#: within them too); docs/parameters.md lists them.
RANGES: dict[str, Range] = {
    "demand_growth_demographic_pct": RATE_PCT,
    "demand_growth_non_demographic_pct": RATE_PCT,
    "cost_inflation_pct": RATE_PCT,
    "tariff_cost_uplift_pct": RATE_PCT,
    "tariff_efficiency_pct": RATE_PCT,
    "commissioner_efficiency_pct": RATE_PCT,
    "provider_efficiency_do_nothing_pct": RATE_PCT,
    "provider_other_income_growth_pct": RATE_PCT,
    "allocation_growth_pct": RATE_PCT,
    "place_based_allocations_gbp000": MONEY_GBP000,
    "sustainability_transformation_fund_gbp000": MONEY_GBP000,
    "national_efficiency_challenge_gbp000": MONEY_GBP000,
    "sustainability_fund_providers_gbp000": MONEY_GBP000,
    "cost_variable_share_pct": SHARE_PCT,
    "cost_semi_fixed_share_pct": SHARE_PCT,
    "bed_occupancy_target_pct": OCCUPANCY_PCT,
    "bed_occupancy_ceiling_pct": OCCUPANCY_PCT,
    "ward_size_beds": WARD_BEDS,
    "ward_semi_fixed_cost_gbp000": MONEY_GBP000,
    "bed_days_per_unit": BED_DAYS,
    "bed_day_cost_share_pct": SHARE_PCT,
    "emergency_marginal_rate_pct": SHARE_PCT,
    "national_unit_cost_gbp": UNIT_COST_GBP,
    "ae_admission_rate_pct": SHARE_PCT,
    "vacancy_rate_pct": SHARE_PCT,
    "agency_share_of_vacancies_pct": SHARE_PCT,
    "agency_premium_pct": MARKUP_PCT,
    "cost_per_wte_gbp": WTE_COST_GBP,
    "pay_share_pct": SHARE_PCT,
    "delivery_mean_pct": SHARE_PCT,
    "delivery_sd_pct": SHARE_PCT,
    "delivery_correlation_pct": SHARE_PCT,
    "slippage_mean_years": SLIPPAGE_YEARS,
    "nonrecurrent_share_mean_pct": SHARE_PCT,
    "nonrecurrent_share_sd_pct": SHARE_PCT,
    "demand_growth_sd_pct": RATE_SD_PCT,
    "cost_inflation_sd_pct": RATE_SD_PCT,
    "optimism_bias_capital_lower_pct": MARKUP_PCT,
    "optimism_bias_capital_upper_pct": MARKUP_PCT,
}


@dataclass(frozen=True)
class Reference:
    title: str
    publisher: str
    year: int
    url: str

    def cite(self) -> str:
        return f"{self.publisher} ({self.year}), {self.title}. {self.url}"


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    unit: str
    dimension: str | None
    #: ``values[member][year]``; a parameter with no dimension has the single member "".
    values: dict[str, dict[str, float]]
    #: per year: "outturn" (history) or "plan" (the assumption published when plans were made)
    basis: dict[str, str]
    references: tuple[Reference, ...]
    note: str = ""
    #: "model" parameters drive every plan and must cover its years; "national" ones are
    #: published totals used by the national view and may be empty (NaN) in some years;
    #: "assurance" ones are how the centre checks and rates plans, and no plan overrides them.
    used_by: str = "model"

    @property
    def members(self) -> tuple[str, ...]:
        return DIMENSIONS[self.dimension] if self.dimension else ("",)

    def value(self, year: str, member: str = "") -> float:
        return self.values[member][year]


@dataclass(frozen=True)
class ParameterSet:
    as_of: date
    years: tuple[str, ...]
    parameters: dict[str, Parameter] = field(default_factory=dict)
    #: Emergency admissions per type 1 A&E attendance by trust (ODS code), from the bundled A&E
    #: data for the first year it covers; the national rate is used for trusts not in it.
    ae_admission_rates: dict[str, float] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Parameter:
        return self.parameters[name]

    def __iter__(self):
        return iter(self.parameters.values())


class ParameterFileError(ValueError):
    """The bundled parameter file is inconsistent (a packaging bug, not a user error)."""


def _expand(
    name: str, dimension: str | None, raw: dict[str, Any], years: tuple[str, ...]
) -> dict[str, dict[str, float]]:
    members = DIMENSIONS[dimension] if dimension else ("",)
    by_member = {"": raw} if not dimension else raw
    default = by_member.get("default")
    out: dict[str, dict[str, float]] = {}
    unknown = set(by_member) - set(members) - {"default"}
    if unknown:
        raise ParameterFileError(f"{name}: unknown {dimension} {sorted(unknown)}")
    for member in members:
        series = by_member.get(member, default)
        if series is None:
            raise ParameterFileError(f"{name}: no values for {member or 'the parameter'}")
        missing = [y for y in years if y not in series]
        if missing:
            raise ParameterFileError(f"{name}: no value for {member or ''} {missing}")
        out[member] = {y: math.nan if series[y] is None else float(series[y]) for y in years}
    return out


#: Marks a date in the cached parse of the parameter file (JSON has no dates).
_DATE = "__stpkit_date__"


#: The most of a cached parse that is read (the parse of the bundled file is about 70 KB).
MAX_CACHE_BYTES = 10_000_000


def _cache_folder() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "stpkit"


def _encode(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return {_DATE: value.isoformat()}
    raise TypeError(f"{type(value).__name__} cannot be cached")


def _decode(value: dict[str, Any]) -> Any:
    return date.fromisoformat(value[_DATE]) if len(value) == 1 and _DATE in value else value


def _string_keys(value: Any) -> bool:
    """Whether every mapping's keys are text, as JSON keeps them."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and k != _DATE and _string_keys(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_string_keys(v) for v in value)
    return True


def _parsed(text: str) -> dict[str, Any]:
    """The parameter file parsed. YAML is read by a pure-Python parser, which takes longer than
    the rest of a short command, so the parse is kept (as JSON) in the user's cache folder,
    named by a digest of the text: a changed file is parsed afresh. A cache that cannot be
    read or written is passed over."""
    path = _cache_folder() / f"national_parameters-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]}.json"
    try:
        with path.open("rb") as cached:  # read to a bound: the cache folder is the user's, not ours
            raw_cache = cached.read(MAX_CACHE_BYTES + 1)
        if len(raw_cache) <= MAX_CACHE_BYTES:
            return json.loads(raw_cache.decode("utf-8"), object_hook=_decode)
    except (OSError, ValueError):
        pass
    raw = YAML(typ="safe").load(text)
    if _string_keys(raw):
        try:
            encoded = json.dumps(raw, default=_encode)
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False) as f:
                f.write(encoded)
            os.replace(f.name, path)  # whole or not at all, whoever else writes it
        except (OSError, TypeError, ValueError):
            pass
    return raw


@cache
def load_parameters() -> ParameterSet:
    """The bundled national parameters (read once)."""
    text = files("stpkit.reference").joinpath("data").joinpath(PARAMETERS_FILE).read_text("utf-8")
    raw = _parsed(text)
    years = tuple(fy_range(raw["first_year"], raw["last_year"]))
    params = {}
    for name, spec in raw["parameters"].items():
        dimension = spec.get("dimension")
        basis = {y: ("outturn" if fy_start(y) < fy_start(raw["first_plan_year"]) else "plan") for y in years}
        params[name] = Parameter(
            name=name,
            description=" ".join(spec["description"].split()),
            unit=spec["unit"],
            dimension=dimension,
            values=_expand(name, dimension, spec["values"], years),
            basis=basis,
            references=tuple(Reference(**r) for r in spec["references"]),
            note=" ".join(spec.get("note", "").split()),
            used_by=spec.get("used_by", "model"),
        )
        if params[name].used_by == "model" and any(
            math.isnan(v) for series in params[name].values.values() for v in series.values()
        ):
            raise ParameterFileError(f"{name}: a model parameter needs a value in every year")
    return ParameterSet(
        as_of=raw["as_of"], years=years, parameters=params, ae_admission_rates=type1_admission_rates(AE_REFERENCE_YEAR)
    )


def _single_value_problem(
    param: Parameter, member: str, series: dict[Any, Any], year: str, value: float, base: str, loc: Loc
) -> Problem | None:
    """A later-year override of a one-value parameter that does not repeat its base-year value."""
    given = {str(y): v for y, v in series.items()}.get(base)
    number = isinstance(given, int | float) and not isinstance(given, bool)
    in_force = given if number else param.values[member].get(base)
    if in_force is None or math.isclose(float(value), float(in_force), rel_tol=1e-12, abs_tol=1e-12):
        return None
    return Problem(
        loc,
        f"{param.name} takes one value for the whole plan, read at the base year {base} "
        f"({SINGLE_VALUE[param.name]}); {year} may only repeat that value ({float(in_force):g}): "
        f"give {float(value):g} for {base} to change it",
    )


def check_overrides(
    assumptions: dict[str, dict[str, Any]], plan_years: list[str], params: ParameterSet
) -> list[Problem]:
    """Problems with a plan's ``assumptions`` block, and years the plan needs that neither the
    national parameters nor the plan's overrides cover."""
    problems: list[Problem] = []
    for name, given in assumptions.items():
        loc: Loc = ("assumptions", name)
        if name not in params.parameters:
            problems.append(Problem(loc, f"unknown parameter {name!r}; see `stp parameters` for the list"))
            continue
        param = params[name]
        if param.used_by == "assurance":
            problems.append(
                Problem(loc, f"{name} is how the centre checks plans (`stp check`); a plan cannot override it")
            )
            continue
        if not isinstance(given, dict):
            problems.append(Problem(loc, "expected a mapping of year to value"))
            continue
        series_by_member = {"": given} if not param.dimension else given
        for member, series in series_by_member.items():
            mloc = loc if not param.dimension else (*loc, member)
            if param.dimension and member not in param.members:
                problems.append(
                    Problem(mloc, f"unknown {param.dimension} {member!r}; expected one of {', '.join(param.members)}")
                )
                continue
            if not isinstance(series, dict):
                what = f"a mapping of {param.dimension} to years" if param.dimension else "a mapping of year to value"
                problems.append(Problem(mloc, f"expected {what}"))
                continue
            for year, value in series.items():
                yloc = (*mloc, str(year))  # a year written 2017 is a number: show it as a key
                try:
                    fy_start(str(year))
                except ValueError as exc:
                    problems.append(Problem(yloc, str(exc)))
                    continue
                if str(year) not in plan_years:
                    problems.append(
                        Problem(yloc, f"{year} is outside the plan's years ({plan_years[0]} to {plan_years[-1]})")
                    )
                if isinstance(value, bool) or not isinstance(value, int | float):
                    problems.append(Problem(yloc, f"expected a number in {param.unit}, got {value!r}"))
                elif isinstance(value, float) and not math.isfinite(value):  # a huge int is simply out of range
                    problems.append(Problem(yloc, f"expected a finite number in {param.unit}, got {value}"))
                elif value not in (bounds := RANGES[name]):
                    message = f"expected {bounds} ({param.unit}; {bounds.why}), got {readable(value)}"
                    problems.append(Problem(yloc, message))
                elif name in SINGLE_VALUE and str(year) in plan_years and str(year) != plan_years[0]:
                    problem = _single_value_problem(param, member, series, str(year), value, plan_years[0], yloc)
                    if problem is not None:
                        problems.append(problem)
    missing: dict[str, list[str]] = {}
    for param in params:
        if param.used_by != "model":
            continue
        override = assumptions.get(param.name, {})
        for member in param.members:
            series = override.get(member, {}) if param.dimension and isinstance(override, dict) else override
            for year in plan_years:
                if year not in params.years and not (isinstance(series, dict) and year in series):
                    label = f"{param.name}.{member}" if member else param.name
                    missing.setdefault(year, []).append(label)
    for year, labels in missing.items():
        shown = ", ".join(labels[:6]) + (f" and {len(labels) - 6} more" if len(labels) > 6 else "")
        problems.append(
            Problem(
                ("assumptions",),
                f"no national values for {year} (they cover {params.years[0]} to {params.years[-1]}); "
                f"give them under assumptions: {shown}",
            )
        )
    return problems
