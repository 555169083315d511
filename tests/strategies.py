"""Hypothesis strategies that build valid plans of a few organisations and schemes.

``plans()`` draws one to three CCGs and one to three acute trusts, their baseline, and up to
``max_schemes`` schemes of the kinds in ``kinds``: activity, shift (to one to three member
providers, whole-number shares adding up to 100, optional units per unit and lead time),
unit cost, cost type, income, workforce and length of stay. Options narrow what is drawn, so that a property
can be stated on the plans it holds for:

- ``shares``: organisations may belong to the footprint in part (``share_pct`` below 100);
- ``external``: CCGs may buy trust services from providers outside the footprint;
- ``capacity``: trusts may give base-year beds and sites (and a workforce establishment);
- ``capacity_changes``: the plan may close beds (later-year beds below the base year's) and
  sites, with income from repurposed buildings, and schemes may give ``capacity_removed_from``;
- ``kinds``: the scheme kinds drawn, from ``SCHEME_KINDS``;
- ``min_schemes``: at least this many are drawn (one whose owner has nothing for it to act on
  is dropped, so a plan can still have fewer);
- ``lead_into_base_year``: a shift's lead time may bring the receiving service's cost into the
  base year (validation refuses such plans; the engine must still leave the base year alone).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from stpkit.domain import PROVIDER_LINES, ServiceLine
from stpkit.domain.bounds import (
    MAX_ACTIVITY,
    MAX_BEDS,
    MAX_GBP000,
    MAX_INDICATOR,
    MAX_UNITS_PER_UNIT,
    MAX_WTE,
)

YEARS = ["2016/17", "2017/18", "2018/19", "2019/20"]
TRUST_LINES = sorted(line.value for line in PROVIDER_LINES)
OTHER_LINES = ["prescribing", "primary_care", "continuing_care", "other"]
STAFF_GROUPS = ["nursing", "medical", "other_clinical", "support"]
SCHEME_KINDS = ("activity", "shift", "unit_cost", "cost_type", "income", "workforce", "length_of_stay")
money = st.integers(min_value=1, max_value=500_000).map(float)


@st.composite
def plans(
    draw,
    max_schemes: int = 4,
    shares: bool = True,
    *,
    min_schemes: int = 0,
    kinds: tuple[str, ...] = SCHEME_KINDS,
    external: bool = True,
    capacity: bool = True,
    capacity_changes: bool = True,
    lead_into_base_year: bool = False,
) -> dict[str, Any]:
    n_ccg = draw(st.integers(1, 3))
    n_trust = draw(st.integers(1, 3))
    ccgs = [f"C{i}" for i in range(n_ccg)]
    trusts = [f"T{i}" for i in range(n_trust)]
    share = st.sampled_from([100.0, 100.0, 50.0, 25.0]) if shares else st.just(100.0)
    paid: dict[str, set[str]] = {t: set() for t in trusts}
    bought: dict[str, dict[str, set[str]]] = {c: {} for c in ccgs}  # CCG -> line -> member providers
    orgs = []
    for code in ccgs:
        spend = []
        for _ in range(draw(st.integers(1, 5))):
            line = draw(st.sampled_from(TRUST_LINES + OTHER_LINES))
            if line in OTHER_LINES:
                spend.append({"service_line": line, "value_gbp000": draw(money)})
            elif not external or draw(st.booleans()):
                trust = draw(st.sampled_from(trusts))
                paid[trust].add(line)
                bought[code].setdefault(line, set()).add(trust)
                spend.append({"service_line": line, "provider": trust, "value_gbp000": draw(money)})
            else:
                bought[code].setdefault(line, set())
                spend.append({"service_line": line, "external_provider": "Elsewhere", "value_gbp000": draw(money)})
        orgs.append(
            {
                "code": code,
                "name": code,
                "kind": "ccg",
                "share_pct": draw(share),
                "baseline": {"allocation_gbp000": draw(money), "spend_gbp000": spend},
            }
        )
    for code in trusts:
        income = [{"source": "education_training", "value_gbp000": draw(money)}]
        if draw(st.booleans()):
            line = draw(st.sampled_from(TRUST_LINES))
            paid[code].add(line)
            income.append({"source": "other_commissioners", "service_line": line, "value_gbp000": draw(money)})
        activity = {line: float(draw(st.integers(1, 100_000))) for line in sorted(paid[code])}
        org = {
            "code": code,
            "name": code,
            "kind": "acute_trust",
            "share_pct": draw(share),
            "baseline": {
                "activity": activity,
                "income_gbp000": income,
                "expenditure_gbp000": {"pay": draw(money), "drugs": draw(money), "other": draw(money)},
                "sustainability_fund_gbp000": {y: draw(money) for y in YEARS[1:3]},
            },
        }
        if capacity and draw(st.booleans()):
            org["capacity"] = draw(_capacity(capacity_changes))
        if capacity and draw(st.booleans()):
            org["workforce"] = draw(_workforce())
        orgs.append(org)
    schemes = []
    for i in range(draw(st.integers(min_schemes, max(min_schemes, max_schemes)))):
        scheme = draw(_scheme(ccgs, trusts, paid, bought, orgs, kinds, capacity_changes, lead_into_base_year))
        if scheme is not None:
            scheme["id"] = f"S{i}"
            schemes.append(scheme)
    return {
        "footprint": {"code": "E54000036"},
        "title": "Generated",
        "base_year": YEARS[0],
        "horizon": YEARS[-1],
        "organisations": orgs,
        "schemes": schemes,
    }


@st.composite
def _capacity(draw, changes: bool) -> dict[str, Any]:
    """Base-year beds, and (with ``changes``) fewer beds in later years and sites that close."""
    base = draw(st.integers(0, 2_000))
    beds = {YEARS[0]: base}
    if changes:
        for year in draw(st.lists(st.sampled_from(YEARS[1:]), max_size=2, unique=True)):
            beds[year] = draw(st.integers(0, max(base - 1, 0)))
    sites = []
    left = base
    for k in range(draw(st.integers(0, 2))):
        site_beds = draw(st.integers(0, left))
        left -= site_beds
        site: dict[str, Any] = {
            "code": f"S{k}",
            "name": f"Site {k}",
            "kind": draw(st.sampled_from(["acute_hospital", "community_hospital", "other"])),
            "beds": site_beds,
        }
        if changes and draw(st.booleans()):
            site["closes"] = draw(st.sampled_from(YEARS[1:]))
            if draw(st.booleans()):
                site["repurposing_income_gbp000"] = {draw(st.sampled_from(YEARS[1:])): draw(money)}
        if draw(st.booleans()):
            site["fixed_cost_share_pct"] = float(draw(st.integers(0, 50)))
        sites.append(site)
    return {"beds": beds, "sites": sites}


@st.composite
def _workforce(draw) -> dict[str, Any]:
    groups = draw(st.lists(st.sampled_from(STAFF_GROUPS), min_size=1, max_size=4, unique=True))
    return {
        "wte": {g: float(draw(st.integers(0, 5_000))) for g in groups},
        "vacancy_pct": {g: float(draw(st.integers(0, 20))) for g in groups},
        "agency_share_pct": {g: float(draw(st.integers(0, 100))) for g in groups},
    }


@st.composite
def _destinations(draw, trusts: list[str]) -> list[dict[str, Any]]:
    """One to three member providers whose whole-number shares add up to 100."""
    n = draw(st.integers(1, 3))
    cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=n - 1, max_size=n - 1, unique=True)))
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    out = []
    for pct in shares:
        dest: dict[str, Any] = {"provider": draw(st.sampled_from(trusts)), "share_pct": float(pct)}
        if draw(st.booleans()):
            dest["service_line"] = draw(st.sampled_from(TRUST_LINES))
        if draw(st.booleans()):
            dest["units_per_unit"] = draw(st.sampled_from([0.5, 2.0, 5.0]))
        out.append(dest)
    return out


@st.composite
def _scheme(
    draw, ccgs, trusts, paid, bought, orgs, kinds, capacity_changes, lead_into_base_year
) -> dict[str, Any] | None:
    kind = draw(st.sampled_from(kinds))
    phasing = draw(st.sampled_from([{"2017/18": 100}, {"2017/18": 50, "2018/19": 50}, {"2018/19": 25, "2019/20": 75}]))
    scheme = {
        "name": "Scheme",
        "category": "efficiency",
        "evidence": "moderate",
        "size_pct": draw(st.floats(0.5, 100)),
        "phasing_pct": phasing,
        "recurrent": draw(st.booleans()),
        "revenue_investment_gbp000": draw(st.sampled_from([{}, {"2018/19": 100.0}])),
    }
    if kind in ("activity", "shift"):
        owner = draw(st.sampled_from(ccgs + trusts))
        if owner in ccgs:
            # A commissioner can shift only what trusts deliver; it can cut any spend.
            org = next(o for o in orgs if o["code"] == owner)
            spend = {s["service_line"] for s in org["baseline"]["spend_gbp000"]}
            lines = sorted(bought[owner]) if kind == "shift" else sorted(spend)
        else:
            lines = sorted(paid[owner])
        if not lines:
            return None
        line = draw(st.sampled_from(lines))
        scheme["acts_on"] = {"kind": kind, "service_line": line}
        members = sorted(bought[owner].get(line, ())) if owner in ccgs else []
        if members and draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from(members), min_size=1, unique=True))
            scheme["acts_on"]["providers"] = sorted(chosen)
        if kind == "shift":
            scheme["acts_on"]["to"] = draw(_destinations(trusts))
            # The receiving service may start before the activity moves, but not in the base year.
            first = min(YEARS.index(year) for year, pct in phasing.items() if pct > 0)
            most = 2 if lead_into_base_year else first - 1
            if draw(st.booleans()):
                scheme["acts_on"]["lead_time_years"] = draw(st.integers(0, most))
        if capacity_changes and draw(st.booleans()):
            scheme["capacity_removed_from"] = draw(st.sampled_from(YEARS[1:]))
    elif kind == "income":
        owner = draw(st.sampled_from(trusts))
        scheme["acts_on"] = {"kind": "income", "income_source": "education_training"}
        scheme["size_pct"] = min(scheme["size_pct"], 50)
    elif kind == "length_of_stay":
        owner = draw(st.sampled_from(trusts))
        lines = sorted(set(paid[owner]) & {"elective", "non_elective"})
        if not lines:
            return None
        scheme["acts_on"] = {"kind": kind, "service_line": draw(st.sampled_from(lines))}
    elif kind == "workforce":
        owner = draw(st.sampled_from(trusts))
        scheme["acts_on"] = {"kind": "workforce", "staff_group": draw(st.sampled_from(STAFF_GROUPS))}
    else:
        owner = draw(st.sampled_from(trusts))
        scheme["acts_on"] = (
            {"kind": "unit_cost"}
            if kind == "unit_cost"
            else {"kind": "cost_type", "cost_type": draw(st.sampled_from(["pay", "drugs", "other"]))}
        )
    scheme["owner"] = owner
    return scheme


assert ServiceLine  # the strategies use the vocabulary's values


#: The edges of each bounded field ``edge_plans`` moves numbers to, by field name (a number
#: under a mapping of years takes its mapping's name), from the bounds every plan is held to.
EDGES: dict[str, tuple[float, ...]] = {
    "value_gbp000": (0.0, MAX_GBP000),
    "allocation_gbp000": (0.0, MAX_GBP000),
    "expenditure_gbp000": (0.0, MAX_GBP000),
    "sustainability_fund_gbp000": (0.0, MAX_GBP000),
    "revenue_investment_gbp000": (0.0, MAX_GBP000),
    "repurposing_income_gbp000": (0.0, MAX_GBP000),
    "activity": (MAX_ACTIVITY,),  # a line paid for needs some activity: its floor is the draw's
    "beds": (0, MAX_BEDS),
    "wte": (0.0, MAX_WTE),
    "vacancy_pct": (0.0, 100.0),
    "agency_share_pct": (0.0, 100.0),
    "fixed_cost_share_pct": (0.0, 100.0),
    "share_pct": (1e-9, 100.0),
    "size_pct": (1e-9, 100.0),
    "units_per_unit": (1e-9, MAX_UNITS_PER_UNIT),
}


def _to_edges(draw, value: Any, name: str = "") -> Any:
    """``value`` with each number moved, or not, to an edge of its field's bounds."""
    if isinstance(value, dict):
        return {k: _to_edges(draw, v, k if k in EDGES else name) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_edges(draw, v, name) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool) and name in EDGES:
        return draw(st.sampled_from((value, *EDGES[name])))
    return value


@st.composite
def edge_plans(draw, max_schemes: int = 3) -> dict[str, Any]:
    """A plan from ``plans`` with numbers at the edges of their bounds, and national parameters
    overridden at the edges of their ranges in every year. Not every such plan is valid (a
    footprint's shares of a site's fixed cost may pass 100%): tests keep those ``validate`` accepts."""
    from stpkit.reference.parameters import RANGES, load_parameters

    data = _to_edges(draw, draw(plans(max_schemes=max_schemes)))
    money_edge = st.sampled_from([0.0, MAX_GBP000])
    for org in data["organisations"]:
        if org["kind"] == "acute_trust" and draw(st.booleans()):
            org["baseline"]["control_total_gbp000"] = {YEARS[1]: draw(st.sampled_from([-MAX_GBP000, MAX_GBP000]))}
    for scheme in data["schemes"]:
        if draw(st.booleans()):
            scheme["capital_gbp000"] = {YEARS[1]: draw(money_edge)}
            scheme["capital_source"] = "transformation_fund"
    if draw(st.booleans()):
        data["capital_available_gbp000"] = {"transformation_fund": {YEARS[1]: draw(money_edge)}}
    if draw(st.booleans()):
        edge = st.sampled_from([-MAX_INDICATOR, 0.0, MAX_INDICATOR])
        data["indicators"] = [
            {"id": "ae_within_4_hours_pct", "target": draw(st.sampled_from([0.0, 100.0]))},
            {
                "id": "local",
                "name": "Local",
                "gap": "health_wellbeing",
                "unit": "count",
                "better": draw(st.sampled_from(["higher", "lower"])),
                "baseline": draw(edge),
                "target": draw(edge),
                "trajectory": {YEARS[1]: draw(edge)},
            },
        ]
    params = load_parameters()
    model = sorted(name for name in RANGES if params[name].used_by == "model")
    overridden = draw(st.lists(st.sampled_from(model), max_size=8, unique=True))
    assumptions: dict[str, Any] = {}
    for name in overridden:
        bounds = RANGES[name]
        value = float(draw(st.sampled_from([bounds.low, bounds.high])))
        series = dict.fromkeys(YEARS, value)
        param = params[name]
        assumptions[name] = {m: dict(series) for m in param.members} if param.dimension else series
    data["assumptions"] = assumptions
    return data
