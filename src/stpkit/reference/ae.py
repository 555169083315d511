"""Monthly A&E attendances, breaches of four hours and emergency admissions by provider
(NHS England A&E Attendances and Emergency Admissions, April 2016 to March 2019).

The file is read once, with the standard library; the tables that need pandas build their
frames from that reading when first asked for, so that reading the parameters (which need only
the admission rates) does not import pandas."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

from stpkit.domain import fy_label

#: The A&E year stpkit reads for baselines and admission rates: 2016/17, the first whole
#: financial year in the bundled data and the STPs' base year.
AE_REFERENCE_YEAR = "2016/17"

if TYPE_CHECKING:
    import pandas as pd

COUNTS = ("attendances", "breaches", "admissions")


@dataclass(frozen=True)
class _Columns:
    period: list[str]
    org_code: list[str]
    type: list[str]
    attendances: list[int]
    breaches: list[int]
    admissions: list[int]
    year: list[str]  # financial year of the period


@cache
def _columns() -> _Columns:
    text = files("stpkit.reference").joinpath("data").joinpath("ae_attendances_2016_2019.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    labels: dict[str, str] = {}

    def year(period: str) -> str:  # periods are ISO dates, YYYY-MM-DD
        month = period[:7]
        if month not in labels:
            labels[month] = fy_label(int(period[:4]) - (int(period[5:7]) < 4))
        return labels[month]

    return _Columns(
        period=[r["period"] for r in rows],
        org_code=[r["org_code"] for r in rows],
        type=[r["type"] for r in rows],
        attendances=[int(r["attendances"]) for r in rows],
        breaches=[int(r["breaches"]) for r in rows],
        admissions=[int(r["admissions"]) for r in rows],
        year=[year(r["period"]) for r in rows],
    )


@cache
def load_ae() -> pd.DataFrame:
    """One row per month, provider and department type, with ``year`` as a financial year."""
    import pandas as pd

    c = _columns()
    return pd.DataFrame(
        {
            "period": c.period,
            "org_code": c.org_code,
            "type": c.type,
            **{name: pd.Series(getattr(c, name), dtype="int64") for name in COUNTS},
            "year": c.year,
        }
    )


def annual_by_provider(year: str) -> pd.DataFrame:
    """Attendances, breaches and admissions in ``year`` by provider and department type."""
    frame = load_ae()
    return (
        frame[frame["year"] == year]
        .groupby(["org_code", "type"])[["attendances", "breaches", "admissions"]]
        .sum()
        .reset_index()
    )


@cache
def attendances_by_provider(year: str) -> dict[str, float]:
    """All-type attendances in ``year`` by provider; a provider with no return that year
    takes its earliest later year (a trust formed by merger reports under its new code)."""
    c = _columns()
    totals: dict[tuple[str, str], int] = {}
    for org, fy, value in zip(c.org_code, c.year, c.attendances, strict=True):
        totals[org, fy] = totals.get((org, fy), 0) + value
    out: dict[str, float] = {}
    for (org, fy), value in sorted(totals.items()):
        if fy == year or (org not in out and fy > year):
            out[org] = float(value) if fy == year else out.get(org, float(value))
    return out


@cache
def type1_departments(year: str) -> pd.DataFrame:
    """Type 1 (major) A&E departments by provider in ``year``: attendances, emergency
    admissions via A&E, the admission rate and the share seen within four hours."""
    frame = annual_by_provider(year)
    type1 = frame[frame["type"] == "1"].drop(columns="type").set_index("org_code")
    type1["admission_rate"] = type1["admissions"] / type1["attendances"]
    type1["four_hour_pct"] = 100 * (1 - type1["breaches"] / type1["attendances"])
    return type1


@cache
def type1_attendances(year: str) -> dict[str, float]:
    """Type 1 (major A&E) attendances in ``year`` by provider."""
    return {org: float(n) for org, n in type1_departments(year)["attendances"].items() if n > 0}


def type1_admission_rates(year: str) -> dict[str, float]:
    """Emergency admissions per type 1 attendance by provider in ``year`` (providers whose
    departments saw no one are left out)."""
    c = _columns()
    attendances: dict[str, int] = {}
    admissions: dict[str, int] = {}
    for org, kind, fy, seen, admitted in zip(c.org_code, c.type, c.year, c.attendances, c.admissions, strict=True):
        if kind == "1" and fy == year:
            attendances[org] = attendances.get(org, 0) + seen
            admissions[org] = admissions.get(org, 0) + admitted
    return {org: admissions[org] / attendances[org] for org in sorted(attendances) if attendances[org]}
