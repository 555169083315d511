"""The 44 STP footprints of 2017/18 with their CCGs, populations and acute trusts.

CCGs and populations are the April 2018 / ONS mid-2018 vintage. Three 2017 footprints in the
North East and Cumbria had merged by then; their CCGs are assigned back to the 2017 footprints
by ``data/ccg_footprint_2017.csv``."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True)
class Ccg:
    code: str  # ODS code, e.g. 00C
    ons_code: str  # E38...
    name: str
    population: int
    region: str


@dataclass(frozen=True)
class AcuteTrust:
    code: str  # ODS code
    name: str


@dataclass(frozen=True)
class Footprint:
    code: str  # E54000005 .. E54000048
    name: str
    ccgs: tuple[Ccg, ...]
    acute_trusts: tuple[AcuteTrust, ...]

    @property
    def population(self) -> int:
        return sum(c.population for c in self.ccgs)

    @property
    def region(self) -> str:
        regions = sorted({c.region for c in self.ccgs})
        return " / ".join(regions)


def _rows(name: str) -> list[dict[str, str]]:
    text = files("stpkit.reference").joinpath("data").joinpath(name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def load_footprints() -> dict[str, Footprint]:
    """All 44 footprints by ONS code, in code order."""
    reassigned = {r["ccg18cdh"]: r["stp17cd"] for r in _rows("ccg_footprint_2017.csv")}
    ccgs: dict[str, list[Ccg]] = {}
    for r in _rows("ccg_stp_population_2018.csv"):
        footprint = reassigned.get(r["ccg18cdh"], r["stp18cd"])
        ccgs.setdefault(footprint, []).append(
            Ccg(
                code=r["ccg18cdh"],
                ons_code=r["ccg18cd"],
                name=r["ccg18nm"],
                population=int(r["population_mid2018"]),
                region=r["nhser18nm"],
            )
        )
    trusts: dict[str, list[AcuteTrust]] = {}
    for r in _rows("trust_stp_lookup_2017_18.csv"):
        trusts.setdefault(r["stp17cd"], []).append(AcuteTrust(r["trust_code"], r["trust_name"]))
    out = {}
    for r in sorted(_rows("stp_footprints_2017.csv"), key=lambda r: r["stp17cd"]):
        code = r["stp17cd"]
        out[code] = Footprint(
            code=code,
            name=r["stp17nm"],
            ccgs=tuple(sorted(ccgs.get(code, []), key=lambda c: c.code)),
            acute_trusts=tuple(sorted(trusts.get(code, []), key=lambda t: t.code)),
        )
    return out


@cache
def footprints_served() -> dict[str, frozenset[str]]:
    """For each acute and ambulance trust in NHS England's 2017/18 lookups (ODS code), the
    footprints it serves. Ambulance trusts serve several; each acute trust is mapped to one."""
    served: dict[str, set[str]] = {}
    for r in _rows("trust_stp_lookup_2017_18.csv"):
        served.setdefault(r["trust_code"], set()).add(r["stp17cd"])
    for r in _rows("ambulance_footprints_2017.csv"):
        served.setdefault(r["trust_code"], set()).add(r["stp17cd"])
    return {code: frozenset(footprints) for code, footprints in served.items()}
