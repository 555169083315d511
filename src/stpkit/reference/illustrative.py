"""An ILLUSTRATIVE baseline and plan for each of the 44 footprints.

The members are real: the footprint's CCGs (with their populations) and every NHS trust placed
in it (``stpkit.reference.trusts``), a shared trust at its share. So are the acute trusts' type 1
A&E attendances; their occupied bed days and beds are estimated from the estates return and
scaled to England's published total; their deficits are England's, shared out by the revenue
loans they drew. The money is apportioned from national totals (``data/national_totals.yaml``),
so every output that shows these plans says they are illustrative (docs/illustrative-baseline.md
says which figure is which). The schemes are a national-average plan whose cost improvement
grows with each trust's deficit, not any footprint's own choices."""

from __future__ import annotations

import math
from functools import cache
from importlib.resources import files

from ruamel.yaml import YAML

from stpkit.domain import (
    ActsOnActivity,
    ActsOnKind,
    ActsOnUnitCost,
    Baseline,
    Capacity,
    CostType,
    EvidenceLevel,
    FootprintRef,
    IncomeLine,
    IncomeSource,
    Organisation,
    OrgKind,
    Plan,
    Scheme,
    SchemeCategory,
    ServiceLine,
    SpendLine,
    fy_label,
    fy_range,
    fy_start,
)
from stpkit.domain.years import STP_BASE_YEAR, STP_HORIZON
from stpkit.reference.ae import AE_REFERENCE_YEAR, type1_attendances
from stpkit.reference.footprints import load_footprints
from stpkit.reference.parameters import ParameterSet
from stpkit.reference.trusts import Trust, footprint_trusts, load_trusts

BASE_YEAR, HORIZON = STP_BASE_YEAR, STP_HORIZON
ACUTE_LINES = (ServiceLine.ELECTIVE, ServiceLine.NON_ELECTIVE, ServiceLine.OUTPATIENT, ServiceLine.AE)
NO_PROVIDER_LINES = (ServiceLine.PRIMARY_CARE, ServiceLine.PRESCRIBING, ServiceLine.CONTINUING_CARE, ServiceLine.OTHER)
#: The acute lines whose activity uses beds.
BEDDED_ACUTE_LINES = (ServiceLine.ELECTIVE, ServiceLine.NON_ELECTIVE, ServiceLine.SPECIALISED)

#: Shown wherever money from an illustrative baseline is shown.
ILLUSTRATIVE_NOTE = (
    "ILLUSTRATIVE: the money in this baseline is apportioned from published national totals (the members, "
    "their A&E attendances, beds and deficits follow real data). It is not the footprint's own accounts."
)


def _data(name: str):
    return files("stpkit.reference").joinpath("data").joinpath(name)


@cache
def national_totals() -> dict:
    return YAML(typ="safe").load(_data("national_totals.yaml").read_text("utf-8"))


def _round(value: float) -> float:
    return float(round(value))


def illustrative_plan(code: str, params: ParameterSet) -> Plan:
    """The illustrative plan for footprint ``code`` (base year 2016/17, horizon 2020/21)."""
    footprints = load_footprints()
    footprint = footprints[code]
    totals = national_totals()
    national_population = sum(f.population for f in footprints.values())
    spend_share = totals["shares"]["ccg_spend_by_service_line"]["values"]
    outside = totals["shares"]["ccg_spend_outside_footprint"]["values"]
    allocation = totals["totals"]["ccg_allocation_gbp000"]["value"]
    surplus = totals["totals"]["ccg_surplus_share"]["value"]
    activity = {k: v["value"] for k, v in totals["activity"]["values"].items()}

    members = footprint_trusts(code)
    routes = _routes(members)
    # National average price per unit on each trust-delivered line.
    price = {
        line: allocation * spend_share[line] / activity[line]
        for line in (*ACUTE_LINES, "community", "mental_health", "ambulance")
    }
    price["specialised"] = totals["totals"]["specialised_allocation_gbp000"]["value"] / activity["specialised"]

    orgs: list[Organisation] = []
    received: dict[str, dict[str, float]] = {}  # provider -> line -> income from member CCGs
    for ccg in footprint.ccgs:
        ccg_allocation = allocation * ccg.population / national_population
        spend_total = ccg_allocation * (1 - surplus)
        lines: list[SpendLine] = []
        for line, share in spend_share.items():
            value = spend_total * share
            if line in NO_PROVIDER_LINES:
                lines.append(SpendLine(service_line=line, value_gbp000=_round(value)))
                continue
            away = outside.get(line, 0.0)
            if away:
                lines.append(
                    SpendLine(
                        service_line=line,
                        external_provider="Providers outside the footprint",
                        value_gbp000=_round(value * away),
                    )
                )
            # A shared trust (ambulance, some mental health trusts) is paid in full by this CCG;
            # the footprint holds only its share of the trust, so the rest leaves the footprint.
            for provider, weight in routes[ServiceLine(line)].items():
                amount = _round(value * (1 - away) * weight)
                lines.append(SpendLine(service_line=line, provider=provider, value_gbp000=amount))
                received.setdefault(provider, {}).setdefault(line, 0.0)
                received[provider][line] += amount
        orgs.append(
            Organisation(
                code=ccg.code,
                name=ccg.name,
                kind=OrgKind.CCG,
                baseline=Baseline(allocation_gbp000=_round(ccg_allocation), spend_gbp000=lines),
            )
        )

    population_share = footprint.population / national_population
    specialised = totals["totals"]["specialised_allocation_gbp000"]["value"] * population_share
    to_acute = totals["shares"]["specialised_to_acute"]["value"]
    specialised_income = {t: specialised * to_acute * w for t, w in routes[ServiceLine.ELECTIVE].items()}
    specialised_income |= {t: specialised * (1 - to_acute) * w for t, w in routes[ServiceLine.MENTAL_HEALTH].items()}

    type1 = type1_attendances(AE_REFERENCE_YEAR)
    for trust, share in members:
        orgs.append(
            _provider(
                trust,
                share,
                received.get(trust.code, {}),
                specialised_income.get(trust.code, 0.0),
                outside,
                price,
                params,
                totals,
                type1.get(trust.code),
            )
        )
    providers = [o for o in orgs if o.kind.is_provider]
    return Plan(
        footprint=FootprintRef(code=code, name=footprint.name),
        title=f"{footprint.name}: illustrative plan {BASE_YEAR} to {HORIZON}",
        narrative=(
            f"An illustrative baseline for {footprint.name} ({footprint.population:,} residents): its real "
            f"{len(footprint.ccgs)} CCGs and {len(providers)} NHS trusts, with the trusts' real 2016/17 type 1 A&E "
            "attendances, beds estimated from the estates return and deficits shared out by the revenue loans "
            "they drew; the money is apportioned from national totals. The schemes are a national-average plan "
            "whose cost improvement grows with each trust's deficit. It is not the footprint's own plan."
        ),
        illustrative=True,
        base_year=BASE_YEAR,
        horizon=HORIZON,
        organisations=orgs,
        schemes=_national_average_schemes(orgs, totals),
    )


def _weights(members: list[tuple[Trust, float]], signal: dict[str, float] | None = None) -> dict[str, float]:
    """Shares of a line's spend among ``members`` by ``signal`` (a trust without one counts as
    the median of those with one; with no signal at all, all count the same), times each
    trust's share of itself in the footprint."""
    signal = signal or {}
    known = sorted(v for t, _ in members if (v := signal.get(t.code)) and v > 0)
    typical = known[len(known) // 2] if known else 1.0
    raw = {t.code: (signal.get(t.code) or typical) * share for t, share in members}
    total = sum(raw.values())
    return {code: value / total for code, value in raw.items()}


def _routes(members: list[tuple[Trust, float]]) -> dict[ServiceLine, dict[str, float]]:
    """Which member trusts each CCG service line is paid to, and in what shares. Admitted care
    and outpatients go to acute trusts by their occupied bed days (estates return); A&E to
    those with a type 1 department by their real attendances; mental health to mental health
    trusts by bed days; community services to community trusts, or where there are none to the
    mental health (then acute) trusts, which ran them there; ambulance to the ambulance trust."""
    by_kind: dict[OrgKind, list[tuple[Trust, float]]] = {}
    for trust, share in members:
        by_kind.setdefault(trust.kind, []).append((trust, share))
    acute, mental = by_kind.get(OrgKind.ACUTE_TRUST, []), by_kind.get(OrgKind.MENTAL_HEALTH_TRUST, [])
    bed_days = {t.code: t.occupied_bed_days_signal or 0.0 for t, _ in members}
    acute_weights = _weights(acute, bed_days)
    type1 = type1_attendances(AE_REFERENCE_YEAR)
    with_ae = [(t, s) for t, s in acute if type1.get(t.code)]
    community = by_kind.get(OrgKind.COMMUNITY_TRUST) or mental or acute
    routes = {line: acute_weights for line in (ServiceLine.ELECTIVE, ServiceLine.NON_ELECTIVE, ServiceLine.OUTPATIENT)}
    routes[ServiceLine.AE] = _weights(with_ae, type1) if with_ae else acute_weights
    routes[ServiceLine.MENTAL_HEALTH] = _weights(mental, bed_days)
    routes[ServiceLine.COMMUNITY] = _weights(community)
    ambulance = by_kind[OrgKind.AMBULANCE_TRUST]
    routes[ServiceLine.AMBULANCE] = {ambulance[0][0].code: 1.0}  # paid in full; see the spend above
    return routes


@cache
def _general_acute_scale() -> float:
    """Occupied general and acute bed days per unit of the estates return's signal: England's
    published occupied bed days over the sum of the acute trusts' signals."""
    totals = national_totals()["beds"]["values"]
    occupied = totals["general_acute_beds_available"]["value"] * totals["general_acute_occupancy"]["value"] * 365
    signal = sum(t.occupied_bed_days_signal or 0.0 for t in load_trusts().values() if t.kind is OrgKind.ACUTE_TRUST)
    return occupied / signal


def _provider(trust, share, from_members, specialised, outside, price, params, totals, type1) -> Organisation:
    """A trust's whole-organisation accounts, consistent with what this footprint pays it (a
    shared trust's payments are grossed up to the whole trust). Money is apportioned; an acute
    trust's admitted activity is set so that its bed days equal its occupied bed days estimated
    from the estates return, its beds follow at England's occupancy, and its type 1 A&E
    attendances are its real ones. Its deficit before sustainability funding is its part of
    England's, shared out by the revenue support loans it drew in the year."""
    income_lines: list[IncomeLine] = []
    activity: dict[ServiceLine, float] = {}
    clinical = 0.0
    for line, member_income in from_members.items():
        away = outside.get(line, 0.0)
        whole = member_income / share
        from_others = whole - member_income + member_income * away / (1 - away)
        if from_others > 0.5:
            income_lines.append(
                IncomeLine(source=IncomeSource.OTHER_COMMISSIONERS, service_line=line, value_gbp000=_round(from_others))
            )
        line_income = member_income + from_others
        activity[ServiceLine(line)] = line_income / price[line]
        clinical += line_income
    if specialised > 0:
        whole = specialised / share
        income_lines.append(
            IncomeLine(
                source=IncomeSource.NHS_ENGLAND, service_line=ServiceLine.SPECIALISED, value_gbp000=_round(whole)
            )
        )
        activity[ServiceLine.SPECIALISED] = whole / price["specialised"]
        clinical += whole
    capacity = None
    if trust.kind is OrgKind.ACUTE_TRUST:
        activity, capacity = _acute_activity_and_beds(trust, activity, params, totals, type1)
    shares = totals["shares"]
    other = clinical * shares["provider_other_income_to_clinical"]["value"]
    education = totals["illustrative_schemes"]["values"]["education_training_share_of_other_income"]["value"]
    income_lines.append(IncomeLine(source=IncomeSource.EDUCATION_TRAINING, value_gbp000=_round(other * education)))
    income_lines.append(IncomeLine(source=IncomeSource.OTHER, value_gbp000=_round(other * (1 - education))))
    income = clinical + other
    cost = income + _deficit(trust, income, totals)
    mix = shares["provider_cost_mix"]["values"]
    national_income = totals["totals"]["provider_income_gbp000"]["value"]
    stf = {year: _round(amount * income / national_income) for year, amount in _provider_fund(params).items()}
    return Organisation(
        code=trust.code,
        name=trust.name,
        kind=trust.kind,
        share_pct=round(100 * share, 4),
        baseline=Baseline(
            activity={line: _round(units) for line, units in activity.items()},
            income_gbp000=income_lines,
            expenditure_gbp000={CostType(k): _round(cost * v) for k, v in mix.items()},
            sustainability_fund_gbp000=stf,
        ),
        capacity=capacity,
    )


def _acute_activity_and_beds(trust, activity, params, totals, type1):
    """Admitted activity scaled so that its bed days are the trust's estimated occupied bed
    days, the beds those need at England's occupancy, and the real type 1 attendances."""
    activity = dict(activity)
    if type1:
        activity[ServiceLine.AE] = type1
    if not trust.occupied_bed_days_signal:
        return activity, None
    per_unit = {line: params["bed_days_per_unit"].value(BASE_YEAR, line.value) for line in BEDDED_ACUTE_LINES}
    modelled = sum(activity.get(line, 0.0) * per_unit[line] for line in BEDDED_ACUTE_LINES)
    occupied = trust.occupied_bed_days_signal * _general_acute_scale()
    if modelled > 0:
        for line in BEDDED_ACUTE_LINES:
            if line in activity:
                activity[line] *= occupied / modelled
    occupancy = totals["beds"]["values"]["general_acute_occupancy"]["value"]
    return activity, Capacity(beds={BASE_YEAR: round(occupied / (365 * occupancy))})


@cache
def _loans_total() -> float:
    return sum(t.revenue_loans_drawn_gbp000 for t in load_trusts().values())


def _deficit(trust: Trust, income: float, totals: dict) -> float:
    """The trust's deficit before sustainability funding (£000, whole trust): England's, shared
    out by the revenue support loans drawn in 2016/17, no more than a share of its income."""
    england = totals["totals"]["provider_deficit_before_stf_gbp000"]["value"]
    cap = totals["shares"]["provider_deficit_cap"]["value"]
    return min(england * trust.revenue_loans_drawn_gbp000 / _loans_total(), cap * income)


def _provider_fund(params: ParameterSet) -> dict[str, float]:
    """The national sustainability fund for providers by year. No amount was set beyond
    2018/19 when plans were written, while the Fund as a whole kept growing; the illustrative
    baseline holds the last amount set rather than assume a cliff no plan of the time assumed."""
    fund = params["sustainability_fund_providers_gbp000"]
    out: dict[str, float] = {}
    for year in fy_range(BASE_YEAR, HORIZON):
        value = fund.value(year)
        out[year] = value if not math.isnan(value) else out.get(fy_label(fy_start(year) - 1), 0.0)
    return out


def _national_average_schemes(orgs: list[Organisation], totals: dict) -> list[Scheme]:
    """Cost improvement in every trust; demand management of emergency admissions and of
    outpatient attendances in every CCG; each at a yearly rate in ``national_totals.yaml``,
    phased evenly over the plan's years, so the full effect is the rate times the years. A
    trust in deficit plans more cost improvement: the national rate plus a share of its deficit
    spread over the years, up to a ceiling, so the plan scales with the footprint's own gap."""
    rates = {name: item["value"] for name, item in totals["illustrative_schemes"]["values"].items()}
    years = fy_range(BASE_YEAR, HORIZON)[1:]
    even = {year: 100.0 / len(years) for year in years}

    paid_by_members: dict[str, float] = {}
    for org in orgs:
        for line in org.baseline.spend_gbp000:
            if line.provider:
                paid_by_members[line.provider] = paid_by_members.get(line.provider, 0.0) + line.value_gbp000

    def cost_improvement(org: Organisation) -> float:
        """The trust's yearly rate. Its whole income is what members pay it and its own income
        lines (which hold the rest of a shared trust's income, from other commissioners)."""
        own = sum(line.value_gbp000 for line in org.baseline.income_gbp000)
        income = own + paid_by_members.get(org.code, 0.0)
        deficit_pct = 100 * max(sum(org.baseline.expenditure_gbp000.values()) - income, 0.0) / income
        extra = rates["cost_improvement_share_of_deficit"] * deficit_pct / len(years)
        return min(rates["provider_cost_improvement_pct_a_year"] + extra, rates["cost_improvement_pct_a_year_max"])

    def scheme(org: Organisation, prefix: str, name: str, category: SchemeCategory, programme: str,
               acts_on: ActsOnUnitCost | ActsOnActivity, rate: str | float, evidence: EvidenceLevel,
               what: str) -> Scheme:
        pct = rates[rate] if isinstance(rate, str) else round(rate, 2)
        return Scheme(
            id=f"{prefix}-{org.code}",
            name=f"{name}, {org.name}",
            category=category,
            programme=programme,
            owner=org.code,
            acts_on=acts_on,
            size_pct=pct * len(years),
            phasing_pct=even,
            evidence=evidence,
            description=f"{pct:g}% {what} a year for {len(years)} years"
            + (", the national planning rate." if pct == rates.get(rate) else ", more than the national rate: the "
               "trust is in deficit."),
        )

    schemes = []
    for org in orgs:
        if org.kind.is_provider:
            schemes.append(scheme(
                org, "CIP", "Cost improvement programme", SchemeCategory.EFFICIENCY, "Cost improvement (Carter)",
                ActsOnUnitCost(kind=ActsOnKind.UNIT_COST), cost_improvement(org), EvidenceLevel.MODERATE, "of cost",
            ))
        elif org.kind is OrgKind.CCG:
            schemes.append(scheme(
                org, "UEC", "Urgent care out of hospital", SchemeCategory.DEMAND_MANAGEMENT,
                "Urgent and emergency care",
                ActsOnActivity(kind=ActsOnKind.ACTIVITY, service_line=ServiceLine.NON_ELECTIVE),
                "emergency_admissions_avoided_pct_a_year", EvidenceLevel.WEAK,
                "fewer emergency admissions than the do-nothing",
            ))
            schemes.append(scheme(
                org, "RC", "Right Care: planned care and referrals", SchemeCategory.DEMAND_MANAGEMENT, "Right Care",
                ActsOnActivity(kind=ActsOnKind.ACTIVITY, service_line=ServiceLine.OUTPATIENT),
                "outpatient_attendances_avoided_pct_a_year", EvidenceLevel.WEAK,
                "fewer outpatient attendances than the do-nothing",
            ))
    return schemes


def all_illustrative_plans(params: ParameterSet) -> list[Plan]:
    return [illustrative_plan(code, params) for code in load_footprints()]
