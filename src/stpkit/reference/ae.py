"""Monthly A&E attendances, breaches of four hours and emergency admissions by provider
(NHS England A&E Attendances and Emergency Admissions, April 2016 to March 2019)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import pandas as pd

from stpkit.domain import fy_label

#: The A&E year stpkit reads for baselines and admission rates: 2016/17, the first whole
#: financial year in the bundled data and the STPs' base year.
AE_REFERENCE_YEAR = "2016/17"


@cache
def load_ae() -> pd.DataFrame:
    """One row per month, provider and department type, with ``year`` as a financial year."""
    with files("stpkit.reference").joinpath("data").joinpath("ae_attendances_2016_2019.csv").open("r") as f:
        frame = pd.read_csv(f, dtype={"org_code": str, "type": str})
    period = pd.to_datetime(frame["period"])
    start = period.dt.year - (period.dt.month < 4).astype(int)
    frame["year"] = [fy_label(int(y)) for y in start]
    return frame


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
    frame = load_ae()
    totals = frame.groupby(["org_code", "year"])["attendances"].sum()
    out: dict[str, float] = {}
    for (org, fy), value in totals.items():
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
    """Emergency admissions per type 1 attendance by provider in ``year``."""
    return {org: float(rate) for org, rate in type1_departments(year)["admission_rate"].items() if rate == rate}
