"""Every NHS trust of every type in 2016/17: the footprint (or footprints, with shares) it
belongs to, and the real public signals about it.

Membership, in order of preference:

1. acute trusts: NHS England's 2017/18 acute trust to STP lookup (``trust_stp_lookup_2017_18.csv``);
2. ambulance trusts: the regional trust of each footprint, shared by population
   (``ambulance_footprints_2017.csv``);
3. stpkit's own assignments (``trust_footprint_assignments_2017.csv``), each with its reason:
   trusts in no lookup (merged or renamed since), trusts whose 2021 area covers several 2017
   footprints, and trusts split between footprints;
4. every other trust: the 2021 STP area of its headquarters (``trust_stp21_lookup_2022.csv``),
   mapped back to the 2017 footprint (``boundary_codes_2021_to_2017.csv``).

The signals come from the estates return ERIC 2016/17 (falling back to 2015/16 where a trust
left a figure blank): the trust's type, its backlog maintenance by risk, and a signal of its
occupied bed days; and from the Department of Health's revenue support loans drawn in 2016/17.

The bed-day signal is the inpatient main meals the trust's wards requested in the year: patients
in bed are the ones fed. ERIC's other route, food service cost divided by the cost of feeding one
inpatient for a day, was tried first and is used only where a trust gave no meal count (scaled by
the median number of meals per costed day): the costs are accounted so differently between trusts
(catering contracts, PFI) that it put Royal Cornwall at a third of its beds and University Hospitals
Birmingham at twice its own, where meals put both within a fifth of their published beds. Either
way the signal only shares out England's published occupied bed days: it is an estimate."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from stpkit.domain import OrgKind

#: ERIC's organisation types (the part before " - ") as stpkit's kinds of provider. Care trusts
#: in 2016/17 ran mental health and community services; stpkit counts them as mental health,
#: except where its assignments say otherwise.
ERIC_KINDS = {
    "ACUTE": OrgKind.ACUTE_TRUST,
    "MENTAL HEALTH AND LEARNING DISABILITY": OrgKind.MENTAL_HEALTH_TRUST,
    "CARE TRUST": OrgKind.MENTAL_HEALTH_TRUST,
    "COMMUNITY": OrgKind.COMMUNITY_TRUST,
    "AMBULANCE": OrgKind.AMBULANCE_TRUST,
}
#: A cost of feeding one inpatient for a day outside these bounds (£) is a data entry error in
#: ERIC (the 2016/17 median for acute trusts is about £20; two trusts entered totals): such a
#: trust's bed days are not estimated from food.
PLAUSIBLE_MEAL_DAY_GBP = (3.0, 100.0)
#: Fewer inpatient main meals than this in a year is a data entry error in ERIC, not a count: in
#: 2016/17 two acute trusts of several hundred beds (Barking, Havering and Redbridge; Wrightington,
#: Wigan and Leigh) and three mental health trusts entered between 22 and 185, while the smallest
#: real counts are a community trust's 3,900 and Moorfields' 26,718. Such a trust's signal comes
#: from its food cost instead, as for a trust that gave no count.
FEWEST_PLAUSIBLE_MEALS = 1_000
BACKLOG_RISKS = ("high", "significant", "moderate", "low")


@dataclass(frozen=True)
class Membership:
    footprint: str  # 2017 ONS STP code
    share: float  # of the trust counted in this footprint, 0 to 1
    basis: str  # how the trust was placed, in words


@dataclass(frozen=True)
class Trust:
    code: str  # ODS code
    name: str
    kind: OrgKind
    eric_type: str  # e.g. "ACUTE - LARGE"
    region: str  # NHS England commissioning region in ERIC
    memberships: tuple[Membership, ...]
    occupied_bed_days_signal: float | None  # ERIC inpatient main meals requested: shares out bed days
    backlog_gbp000: dict[str, float]  # cost to eradicate backlog maintenance, by risk
    revenue_loans_drawn_gbp000: float  # Department of Health revenue loans drawn in 2016/17

    def share_in(self, footprint: str) -> float:
        return sum(m.share for m in self.memberships if m.footprint == footprint)


def _rows(name: str) -> list[dict[str, str]]:
    text = files("stpkit.reference").joinpath("data").joinpath(name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _number(text: str) -> float | None:
    """A figure as ERIC publishes it: blank, "Not Applicable" or a number with separators."""
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _costed_days(row: dict[str, str]) -> float | None:
    """Inpatient food service cost over the cost of feeding one inpatient for a day."""
    food, meal_day = _number(row["inpatient_food_cost_gbp"]), _number(row["cost_per_inpatient_day_gbp"])
    low, high = PLAUSIBLE_MEAL_DAY_GBP
    if not food or not meal_day or not low <= meal_day <= high:
        return None
    return food / meal_day


def _plausible_meals(count: float | None) -> float:
    """A meal count, or 0 where there is none or it is too small to be one."""
    return count if count is not None and count >= FEWEST_PLAUSIBLE_MEALS else 0.0


def _bed_day_signals(rows: list[dict[str, str]]) -> dict[str, float]:
    """Each trust's bed-day signal in main meals: meals requested, or where a trust gave none its
    costed days times the median meals per costed day of the acute trusts that gave both."""
    meals = {r["org_code"]: _plausible_meals(_number(r["inpatient_main_meals"])) for r in rows}
    costed = {r["org_code"]: _costed_days(r) for r in rows}
    ratios = sorted(meals[c] / d for c, d in costed.items() if d and meals[c] > 0)
    per_costed_day = ratios[len(ratios) // 2] if ratios else 1.0
    return {
        code: meals[code] if meals[code] > 0 else (costed[code] or 0.0) * per_costed_day
        for code in meals
        if meals[code] > 0 or costed[code]
    }


def _title(name: str) -> str:
    """ERIC writes names in capitals; "NHS" and the like stay in capitals."""
    keep = {"NHS", "UK", "II"}
    small = {"and", "of", "the", "for", "in", "on"}
    words = []
    for i, word in enumerate(name.split()):
        if word in keep:
            words.append(word)
        elif i and word.lower() in small:
            words.append(word.lower())
        else:
            words.append(word.capitalize())
    return " ".join(words)


@cache
def load_trusts() -> dict[str, Trust]:
    """Every trust in ERIC 2016/17, by ODS code."""
    eric = {r["org_code"]: r for r in _rows("eric_trusts_2016_17.csv")}
    earlier = {r["org_code"]: r for r in _rows("eric_trusts_2015_16.csv")}
    loans: dict[str, float] = {}
    for row in _rows("dhsc_loans_to_trusts_2016_2018.csv"):
        if row["year"] == "2016/17" and row["loan_type"] == "revenue":
            loans[row["org_code"]] = loans.get(row["org_code"], 0.0) + (_number(row["drawn_in_year_gbp000"]) or 0.0)
    places, names, kinds = _memberships(set(eric))
    signals = _bed_day_signals(list(eric.values()))
    earlier_signals = _bed_day_signals(list(earlier.values()))
    out = {}
    for code, row in sorted(eric.items()):
        kind = kinds.get(code) or ERIC_KINDS[row["org_type"].split(" - ")[0]]
        bed_days = signals.get(code, earlier_signals.get(code))
        backlog = {}
        for risk in BACKLOG_RISKS:
            value = _number(row[f"backlog_{risk}_gbp"])
            if value is None and code in earlier:
                value = _number(earlier[code][f"backlog_{risk}_gbp"])
            backlog[risk] = (value or 0.0) / 1000
        out[code] = Trust(
            code=code,
            name=names.get(code) or _title(row["org_name"]),
            kind=kind,
            eric_type=row["org_type"],
            region=row["region"],
            memberships=places.get(code, ()),
            occupied_bed_days_signal=bed_days,
            backlog_gbp000=backlog,
            revenue_loans_drawn_gbp000=loans.get(code, 0.0),
        )
    return out


def _memberships(
    codes: set[str],
) -> tuple[dict[str, tuple[Membership, ...]], dict[str, str], dict[str, OrgKind]]:
    """Where each trust belongs, the names the lookups give (better written than ERIC's), and
    the kinds stpkit's assignments correct (a care trust that ran community services only)."""
    from stpkit.reference.footprints import load_footprints

    footprints = load_footprints()
    places: dict[str, list[Membership]] = {}
    names: dict[str, str] = {}
    for row in _rows("trust_stp_lookup_2017_18.csv"):
        places.setdefault(row["trust_code"], []).append(Membership(row["stp17cd"], 1.0, "acute trust lookup 2017/18"))
        names[row["trust_code"]] = row["trust_name"]
    ambulance_population: dict[str, int] = {}
    ambulance = _rows("ambulance_footprints_2017.csv")
    for row in ambulance:
        ambulance_population[row["trust_code"]] = (
            ambulance_population.get(row["trust_code"], 0) + footprints[row["stp17cd"]].population
        )
    for row in ambulance:
        share = footprints[row["stp17cd"]].population / ambulance_population[row["trust_code"]]
        places.setdefault(row["trust_code"], []).append(
            Membership(row["stp17cd"], share, "regional ambulance trust, shared by population")
        )
        names[row["trust_code"]] = row["trust_name"]
    assigned: dict[str, list[Membership]] = {}
    kinds: dict[str, OrgKind] = {}
    for row in _rows("trust_footprint_assignments_2017.csv"):
        if row["kind"]:
            kinds[row["trust_code"]] = OrgKind(row["kind"])
        assigned.setdefault(row["trust_code"], []).append(
            Membership(row["stp17cd"], float(row["share_pct"]) / 100, f"stpkit's assignment: {row['reason']}")
        )
    to_2017 = {}
    for row in _rows("boundary_codes_2021_to_2017.csv"):
        to_2017.setdefault(row["stp21cd"], []).append(row["stp17cd"])
    for row in _rows("trust_stp21_lookup_2022.csv"):
        code = row["trust22_code"]
        if code in places or code in assigned or code not in codes:
            continue
        (footprint,) = to_2017[row["stp21cd"]]  # areas covering several footprints are assigned above
        places[code] = [Membership(footprint, 1.0, "headquarters in the 2021 STP area")]
    places.update(assigned)
    return {code: tuple(m) for code, m in places.items()}, names, kinds


def footprint_trusts(footprint: str) -> list[tuple[Trust, float]]:
    """The trusts of a footprint with the share of each counted in it, acute trusts first."""
    order = {OrgKind.ACUTE_TRUST: 0, OrgKind.MENTAL_HEALTH_TRUST: 1, OrgKind.COMMUNITY_TRUST: 2}
    members = [(t, t.share_in(footprint)) for t in load_trusts().values() if t.share_in(footprint) > 0]
    return sorted(members, key=lambda m: (order.get(m[0].kind, 3), m[0].code))
