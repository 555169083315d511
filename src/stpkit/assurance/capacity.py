"""Rules on what the money depends on: capacity removed, beds, care outside hospital, the order
in which changes happen, and the workforce."""

from __future__ import annotations

import math

from stpkit.assurance import sources as src
from stpkit.assurance.core import (
    ACTIVITY_KINDS,
    GBP000_TOLERANCE,
    Context,
    Finding,
    Rule,
    line_label,
    listed,
    money,
    moved_line,
    pct,
    rule,
)
from stpkit.domain import (
    ActsOnActivity,
    ActsOnAeDowngrade,
    ActsOnKind,
    ActsOnLengthOfStay,
    ActsOnShift,
    CostType,
    OrgKind,
    SchemeCategory,
    ServiceLine,
    Severity,
    StaffGroup,
)
from stpkit.engine.workforce import STAFF_GROUPS
from stpkit.reference.ae import AE_REFERENCE_YEAR, type1_departments

#: Beds and occupancy closer than this to a threshold are rounding (the tables show whole beds
#: and whole percentage points).
BED_TOLERANCE = 0.5
OCCUPANCY_TOLERANCE_PCT = 0.5
#: Lines and providers that stand for care outside hospital when activity moves to them.
COMMUNITY_LINES = frozenset({ServiceLine.COMMUNITY, ServiceLine.URGENT_CARE, ServiceLine.MENTAL_HEALTH})
COMMUNITY_PROVIDERS = frozenset({OrgKind.COMMUNITY_TRUST, OrgKind.MENTAL_HEALTH_TRUST})
#: Categories of scheme whose running cost pays for care outside hospital.
OUT_OF_HOSPITAL = frozenset({SchemeCategory.NEW_CARE_MODELS, SchemeCategory.DEMAND_MANAGEMENT})
#: Categories of scheme that expect people to need less hospital care because of what is done
#: outside hospital, and so have something to pay for.
CARE_OUTSIDE_HOSPITAL = frozenset({SchemeCategory.NEW_CARE_MODELS, SchemeCategory.PREVENTION})


def _closes_wards(ctx: Context, o: int) -> bool:
    return bool(ctx.result.beds.wards_removed[0, -1, o] > 0)


def _uses_beds(ctx: Context, line: ServiceLine | None) -> bool:
    if line is None:
        return False
    return bool((ctx.result.assumptions.series("bed_days_per_unit", line.value) > 0).any())


@rule(
    "A05",
    "Activity falls but the capacity behind it stays",
    Severity.WARNING,
    why="""Cutting activity saves only its variable cost at once; the wards, clinics, theatre
    sessions and teams behind it cost the same until they are removed. Monitor found that the
    savings from moving care out of hospital depend on releasing these blocks of semi-fixed and
    fixed cost. A scheme that removes no capacity leaves most of its saving on paper.""",
    references=(src.MONITOR_CLOSER_TO_HOME, src.NUFFIELD_SHIFTING_CARE),
    reports=("stranded_gbp000", "saving_on_paper_gbp000", "stranded_share_pct", "threshold_pct"),
)
def stranded_cost(ctx: Context, me: Rule) -> list[Finding]:
    threshold = ctx.national("stranded_cost_share_max_pct")
    findings = []
    for s, scheme in enumerate(ctx.plan.schemes):
        kind = scheme.acts_on.kind
        if kind not in ACTIVITY_KINDS | {ActsOnKind.LENGTH_OF_STAY} or scheme.capacity_removed_from is not None:
            continue
        stranded = float(ctx.result.stranded_by_scheme[0, -1, s])
        saving = float(ctx.saving_by_scheme[-1, s])
        if stranded <= GBP000_TOLERANCE or saving <= GBP000_TOLERANCE:
            continue
        providers = sorted(ctx.providers_reduced(s))
        # Shorter stays leave the admissions and free the beds of their line.
        line = scheme.acts_on.service_line if isinstance(scheme.acts_on, ActsOnLengthOfStay) else moved_line(scheme)
        if _uses_beds(ctx, line) and any(_closes_wards(ctx, p) for p in providers):
            continue  # the wards its providers close release the semi-fixed cost of bedded activity
        share = 100 * stranded / saving
        if share <= threshold:
            continue
        names = listed([ctx.result.ledger.org_codes[p] for p in providers]) or "its providers"
        if _uses_beds(ctx, line):
            removed = f"{names} {'closes' if len(providers) == 1 else 'close'} no wards"
        else:
            removed = "no clinics, teams or sessions are removed"
        findings.append(
            me.finding(
                f"{scheme.id} ({scheme.name}) saves {money(saving)} on paper in {ctx.horizon}, but {money(stranded)} "
                f"of that ({pct(share, 0)}) is cost that stays: {removed}.",
                {
                    "stranded_gbp000": stranded,
                    "saving_on_paper_gbp000": saving,
                    "stranded_share_pct": share,
                    "threshold_pct": threshold,
                },
                subject=scheme.id,
                year=ctx.horizon,
            )
        )
    return findings


def _bedded_providers(ctx: Context) -> list[int]:
    beds = ctx.result.beds
    return [
        o
        for o, kind in enumerate(ctx.result.ledger.org_kinds)
        if kind.is_provider and beds.bed_days_do_nothing[0, 0, o] > 0
    ]


def _cut_years(ctx: Context, o: int) -> list[int]:
    beds = ctx.result.beds
    return [
        t
        for t in range(1, len(ctx.years))
        if beds.beds_do_nothing[0, t, o] - beds.beds_with_plan[0, t, o] >= BED_TOLERANCE
    ]


@rule(
    "A06",
    "Beds cut while occupancy is above the target",
    Severity.WARNING,
    why="""Hospitals plan beds at about 85% occupancy; above it, patients wait for beds, A&E
    performance falls and operations are cancelled. General and acute occupancy was already
    above 91% in early 2017. A plan that keeps fewer beds than its own activity needs at the
    target is planning to run its hospitals fuller than is safe. Above a ceiling of about 92%,
    A&E performance falls steeply and the beds the plan says it will close are still full, so
    their cost does not go.""",
    references=(src.KINGS_FUND_BEDS, src.NHSE_NEXT_STEPS, src.HSJ_OCCUPANCY_CEILING),
    reports=(
        "occupancy_pct",
        "target_pct",
        "ceiling_pct",
        "beds_with_plan",
        "beds_do_nothing",
        "beds_needed",
        "beds_needed_at_ceiling",
    ),
    severe=Severity.ERROR,
)
def beds_cut_above_target(ctx: Context, me: Rule) -> list[Finding]:
    beds = ctx.result.beds
    findings = []
    for o in _bedded_providers(ctx):
        occupancy = beds.occupancy_with_plan_pct[0, :, o]
        # The plan's target, but never above the centre's ceiling.
        limit = [
            min(float(beds.occupancy_target_pct[t]), ctx.national("bed_occupancy_ceiling_pct", ctx.years[t]))
            for t in range(len(ctx.years))
        ]
        over = [t for t in _cut_years(ctx, o) if occupancy[t] > limit[t] + OCCUPANCY_TOLERANCE_PCT]
        if not over:
            continue
        t = max(over, key=lambda k: occupancy[k])
        year = ctx.years[t]
        rate, target = float(occupancy[t]), float(beds.occupancy_target_pct[t])
        ceiling = ctx.national("bed_occupancy_ceiling_pct", year)
        kept, do_nothing = float(beds.beds_with_plan[0, t, o]), float(beds.beds_do_nothing[0, t, o])
        at_ceiling = float(beds.bed_days_with_plan[0, t, o] / (365.0 * ceiling / 100))
        severe = rate > ceiling + OCCUPANCY_TOLERANCE_PCT
        said = (
            f"{ctx.org_label(o)} keeps {kept:,.0f} beds in {year}, {do_nothing - kept:,.0f} fewer than doing "
            "nothing, "
        )
        if severe:
            said += (
                f"and runs them at {pct(rate)} occupancy, above the {pct(ceiling, 0)} ceiling (target "
                f"{pct(target, 0)}): even at {pct(ceiling, 0)} its activity needs {at_ceiling:,.0f} beds."
            )
        else:
            said += f"and runs them at {pct(rate)} occupancy against a target of {pct(target, 0)}."
        findings.append(
            me.finding(
                said,
                {
                    "occupancy_pct": rate,
                    "target_pct": target,
                    "ceiling_pct": ceiling,
                    "beds_with_plan": kept,
                    "beds_do_nothing": do_nothing,
                    "beds_needed": float(beds.required_with_plan[0, t, o]),
                    "beds_needed_at_ceiling": at_ceiling,
                },
                subject=ctx.result.ledger.org_codes[o],
                year=year,
                severe=severe,
            )
        )
    return findings


def _community_capacity(ctx: Context) -> dict[str, int]:
    """Schemes that provide care outside hospital, with the index of the year it starts: shifts
    of activity to community, urgent care or mental health services (from when the receiving
    service's cost starts), and new care models and demand management that pay for staff."""
    plan = ctx.plan
    out: dict[str, int] = {}
    for scheme in plan.schemes:
        act = scheme.acts_on
        benefit = ctx.first_year(scheme.phasing_pct)
        starts: list[int] = []
        if isinstance(act, ActsOnShift | ActsOnAeDowngrade) and benefit is not None:
            for dest in act.to:
                line = dest.service_line or moved_line(scheme)
                receiver = plan.organisation(dest.provider).kind
                if line in COMMUNITY_LINES or receiver in COMMUNITY_PROVIDERS:
                    starts.append(max(benefit - act.lead_time_years, 0))
        if scheme.category in OUT_OF_HOSPITAL:
            invested = ctx.first_year(scheme.revenue_investment_gbp000)
            if invested is not None:
                starts.append(invested)
        if starts:
            out[scheme.id] = min(starts)
    return out


@rule(
    "A07",
    "Beds cut with no community capacity in place first",
    Severity.ERROR,
    why="""From April 2017 NHS England would support significant bed closures only if the plan
    showed sufficient alternative provision, such as more GP or community services, in place
    alongside or ahead of the closures, with the staff to run it. The King's Fund judged plans
    to cut hospital capacity credible only with robust plans for care in the community.""",
    references=(src.NHSE_NEXT_STEPS, src.KINGS_FUND_CREDIBLE_PLANS),
    reports=("beds_removed", "wards_removed", "community_schemes", "years_late"),
)
def beds_cut_without_community(ctx: Context, me: Rule) -> list[Finding]:
    beds = ctx.result.beds
    community = _community_capacity(ctx)
    start = min(community.values()) if community else None
    findings = []
    for o in _bedded_providers(ctx):
        cuts = _cut_years(ctx, o)
        if not cuts:
            continue
        first = cuts[0]
        if start is not None and start <= first:
            continue
        removed = float(max(beds.beds_do_nothing[0, t, o] - beds.beds_with_plan[0, t, o] for t in cuts))
        if start is None:
            why = "and the plan has no scheme that provides care outside hospital"
        else:
            why = (
                f"but the plan's care outside hospital ({listed(sorted(community))}) starts only in {ctx.years[start]}"
            )
        findings.append(
            me.finding(
                f"{ctx.org_label(o)} keeps up to {removed:,.0f} fewer beds than doing nothing from {ctx.years[first]}, "
                f"{why}.",
                {
                    "beds_removed": removed,
                    "wards_removed": float(beds.wards_removed[0, -1, o]),
                    "community_schemes": len(community),
                    "years_late": 0 if start is None else start - first,
                },
                subject=ctx.result.ledger.org_codes[o],
                year=ctx.years[first],
            )
        )
    return findings


def _four_hour_performance() -> dict[str, float]:
    """Share of type 1 attendances seen within four hours in the A&E reference year (2016/17),
    by provider (ODS code), from NHS England's A&E data."""
    return {code: float(v) for code, v in type1_departments(AE_REFERENCE_YEAR)["four_hour_pct"].items() if v == v}


@rule(
    "A28",
    "A&E patients sent to a department that misses the four-hour standard",
    Severity.WARNING,
    why="""Closing or downgrading an A&E department works only if the departments its patients
    go to can take them. Most type 1 departments were already missing the four-hour standard
    in 2016/17, and crowding in a department rises faster than its attendances: a department
    that cannot see its own patients in time will see the extra ones later still, and the
    change moves the problem rather than solving it.""",
    references=(src.NHSE_AE_STATISTICS, src.NUFFIELD_AE_ATTENDANCES, src.CLOSED_STUDY),
    reports=(
        "four_hour_pct",
        "standard_pct",
        "extra_attendances",
        "own_attendances",
        "extra_share_pct",
        "threshold_pct",
        "schemes",
    ),
    severe=Severity.ERROR,
)
def ae_sent_to_a_department_missing_the_standard(ctx: Context, me: Rule) -> list[Finding]:
    result = ctx.result
    ledger, schemes = result.ledger, result.schemes
    arriving: dict[int, list[int]] = {}  # receiving provider -> its A&E arrivals
    for i, arrival in enumerate(ledger.arrivals):
        if arrival.service_line is ServiceLine.AE:
            arriving.setdefault(arrival.provider, []).append(i)
    if not arriving:
        return []
    performance = _four_hour_performance()
    standard = ctx.national("ae_within_4_hours_standard_pct", AE_REFERENCE_YEAR)
    findings = []
    for p, arrivals in sorted(arriving.items()):
        code = ledger.org_codes[p]
        if code not in performance or performance[code] >= standard:
            continue
        extra = result.arrivals_with_plan[0][:, arrivals].sum(axis=1)
        # What its own type 1 departments see with the plan, before the attendances sent to them.
        own_cells = [
            c for c, cell in enumerate(ledger.cells) if cell.provider == p and cell.service_line is ServiceLine.AE
        ]
        own = result.activity_with_plan[0][:, own_cells].sum(axis=1)
        years = [t for t in range(len(ctx.years)) if extra[t] >= 0.5]
        if not years:
            continue
        share = [100 * extra[t] / own[t] if own[t] > 0 else math.inf for t in range(len(ctx.years))]
        t = max(years, key=lambda k: (round(share[k], 6), k))  # the largest share; the latest of equals
        year = ctx.years[t]
        threshold = ctx.national("ae_receiving_increase_max_pct", year)
        senders = sorted(
            {ctx.plan.schemes[int(schemes.scheme_of[ledger.arrivals[i].component])].id for i in arrivals
             if result.arrivals_with_plan[0, t, i] > 0}
        )
        numbers = {
            "four_hour_pct": performance[code],
            "standard_pct": standard,
            "extra_attendances": float(extra[t]),
            "own_attendances": float(own[t]),
            "threshold_pct": threshold,
            "schemes": len(senders),
        }
        severe = share[t] > threshold
        if math.isfinite(share[t]):
            numbers["extra_share_pct"] = float(share[t])
            more = f"{pct(share[t])} more than the {own[t]:,.0f} it sees itself"
        else:
            more = "and it sees none of its own in the plan"
        limit = f" (above the {pct(threshold, 0)} limit)" if severe else ""
        findings.append(
            me.finding(
                f"{listed(senders)} {'send' if len(senders) > 1 else 'sends'} {extra[t]:,.0f} more A&E attendances "
                f"in {year} to {ctx.org_label(p)}, {more}{limit}, though its type 1 department saw only "
                f"{pct(performance[code])} of patients within four hours in {AE_REFERENCE_YEAR} against the "
                f"{pct(standard, 0)} standard.",
                numbers,
                subject=code,
                year=year,
                severe=severe,
            )
        )
    return findings


@rule(
    "A08",
    "Care moved out of hospital with nothing spent on the care that replaces it",
    Severity.ERROR,
    why="""New care models and prevention avoid hospital care only through something done
    instead: community teams, GP time, social care, stop-smoking services. The Nuffield Trust
    found that schemes to shift care out of hospital rarely save money and need investment
    first. A scheme that expects fewer hospital patients from care outside hospital but spends
    nothing on that care is not a plan for it.""",
    references=(src.NUFFIELD_SHIFTING_CARE, src.KINGS_FUND_CREDIBLE_PLANS),
    reports=("saving_gbp000", "investment_gbp000"),
)
def care_outside_hospital_unfunded(ctx: Context, me: Rule) -> list[Finding]:
    findings = []
    for s, scheme in enumerate(ctx.plan.schemes):
        act = scheme.acts_on
        if scheme.category not in CARE_OUTSIDE_HOSPITAL or not isinstance(act, ActsOnActivity):
            continue
        if sum(scheme.revenue_investment_gbp000.values()) > 0:
            continue
        saving = float(ctx.saving_by_scheme[-1, s])
        findings.append(
            me.finding(
                f"{scheme.id} ({scheme.name}) expects {line_label(act.service_line.value)} activity "
                f"to fall, saving {money(saving)} in {ctx.horizon}, but spends nothing on the "
                f"{scheme.category.value.replace('_', ' ')} that is to replace it.",
                {"saving_gbp000": saving, "investment_gbp000": 0.0},
                subject=scheme.id,
                year=ctx.horizon,
            )
        )
    return findings


@rule(
    "A09",
    "A saving starts before the investment that produces it",
    Severity.WARNING,
    why="""A new service has to be recruited and running before it can keep anyone out of
    hospital: the Health Foundation and King's Fund put double running at the heart of any
    transformation fund. A scheme whose saving is phased before its running cost starts
    counts the benefit of a service that does not yet exist.""",
    references=(src.KINGS_FUND_TRANSFORMATION_FUND, src.NUFFIELD_SHIFTING_CARE),
    reports=("years_early", "saving_in_first_year_gbp000", "investment_gbp000"),
)
def saving_before_investment(ctx: Context, me: Rule) -> list[Finding]:
    findings = []
    for s, scheme in enumerate(ctx.plan.schemes):
        invested = ctx.first_year(scheme.revenue_investment_gbp000)
        benefit = ctx.first_year(scheme.phasing_pct)
        if invested is None or benefit is None or benefit >= invested:
            continue
        findings.append(
            me.finding(
                f"{scheme.id} ({scheme.name}) starts saving in {ctx.years[benefit]} but its running cost starts only "
                f"in {ctx.years[invested]}.",
                {
                    "years_early": invested - benefit,
                    "saving_in_first_year_gbp000": float(ctx.saving_by_scheme[benefit, s]),
                    "investment_gbp000": sum(scheme.revenue_investment_gbp000.values()),
                },
                subject=scheme.id,
                year=ctx.years[benefit],
            )
        )
    return findings


@rule(
    "A18",
    "The workforce does not match the money, the activity or the beds",
    Severity.WARNING,
    why="""Workforce was a key issue in almost every footprint, and the workforce, activity and
    finance plans were often written separately. An establishment that the pay bill cannot pay
    for, or beds that the plan keeps open with a fifth fewer nurses per patient than today, is
    a plan that cannot be staffed as written.""",
    references=(src.HEALTH_FOUNDATION_WORKFORCE, src.CARTER_REVIEW),
    reports=(
        "implied_pay_gbp000",
        "pay_gbp000",
        "difference_pct",
        "nurses_per_occupied_bed_base",
        "nurses_per_occupied_bed_final",
        "change_pct",
        "tolerance_pct",
    ),
)
def workforce_mismatch(ctx: Context, me: Rule) -> list[Finding]:
    result = ctx.result
    assumptions = result.assumptions
    tolerance = ctx.national("workforce_mismatch_tolerance_pct")
    findings = []
    for o, org in enumerate(ctx.plan.organisations):
        if not org.kind.is_provider:
            continue
        given = org.workforce.wte if org.workforce else {}
        pay = org.baseline.expenditure_gbp000.get(CostType.PAY, 0.0)
        if given and pay > 0:
            implied = sum(wte * assumptions.series("cost_per_wte_gbp", g.value)[0] / 1000 for g, wte in given.items())
            expected = pay * sum(assumptions.series("pay_share_pct", g.value)[0] / 100 for g in given)
            difference = 100 * (implied - expected) / expected if expected > 0 else 0.0
            if abs(difference) > tolerance:
                groups = listed([g.value.replace("_", " ") for g in given])
                findings.append(
                    me.finding(
                        f"{ctx.org_label(o)}'s establishment of {sum(given.values()):,.0f} WTE ({groups}) would cost "
                        f"{money(implied)} at national pay rates, {pct(abs(difference), 0)} "
                        f"{'more' if difference > 0 else 'less'} than the {money(expected)} of pay it plans to spend "
                        f"on them in {ctx.years[0]}.",
                        {
                            "implied_pay_gbp000": implied,
                            "pay_gbp000": expected,
                            "difference_pct": difference,
                            "tolerance_pct": tolerance,
                        },
                        subject=org.code,
                        year=ctx.years[0],
                    )
                )
        if org.kind is not OrgKind.ACUTE_TRUST:
            continue
        occupied = result.beds.bed_days_with_plan[0, :, o] / 365.0
        nurses = result.workforce.establishment_with_plan[:, o, STAFF_GROUPS.index(StaffGroup.NURSING)]
        if occupied[0] <= 0 or occupied[-1] <= 0 or nurses[0] <= 0:
            continue
        base, final = float(nurses[0] / occupied[0]), float(nurses[-1] / occupied[-1])
        change = 100 * (final / base - 1)
        if abs(change) <= tolerance:
            continue
        findings.append(
            me.finding(
                f"{ctx.org_label(o)} has {final:.2f} nurses per occupied bed in {ctx.horizon} with the plan against "
                f"{base:.2f} in {ctx.years[0]} ({'+' if change > 0 else ''}{pct(change, 0)}): its pay and its beds "
                "do not move together.",
                {
                    "nurses_per_occupied_bed_base": base,
                    "nurses_per_occupied_bed_final": final,
                    "change_pct": change,
                    "tolerance_pct": tolerance,
                },
                subject=org.code,
                year=ctx.horizon,
            )
        )
    return findings


@rule(
    "A19",
    "A benefit is phased before the change that produces it",
    Severity.WARNING,
    why="""Savings from a new building cannot start before the building is paid for, care that
    moves needs its receiving service recruited first, and a site can be sold only once it has
    closed. HM Treasury's optimism bias guidance warns that works take longer than planned even
    when they are planned in the right order.""",
    references=(src.GREEN_BOOK_OPTIMISM_BIAS, src.NAO_SUSTAINABILITY_TRANSFORMATION),
    reports=("years_early", "capital_gbp000", "lead_time_years", "disposal_gbp000"),
)
def benefit_before_change(ctx: Context, me: Rule) -> list[Finding]:
    findings = []
    for scheme in ctx.plan.schemes:
        benefit = ctx.first_year(scheme.phasing_pct)
        if benefit is None:
            continue
        capital = ctx.first_year(scheme.capital_gbp000)
        if capital is not None and benefit < capital:
            findings.append(
                me.finding(
                    f"{scheme.id} ({scheme.name}) starts saving in {ctx.years[benefit]}, before its capital is spent "
                    f"from {ctx.years[capital]}.",
                    {"years_early": capital - benefit, "capital_gbp000": sum(scheme.capital_gbp000.values())},
                    subject=scheme.id,
                    year=ctx.years[benefit],
                )
            )
        act = scheme.acts_on
        lead = act.lead_time_years if isinstance(act, ActsOnShift | ActsOnAeDowngrade) else 0
        if lead and benefit - lead < 1:
            findings.append(
                me.finding(
                    f"{scheme.id} ({scheme.name}) moves activity from {ctx.years[benefit]}, but its receiving services "
                    f"need {lead} year{'s' if lead > 1 else ''} to be ready, which would mean starting before the plan "
                    f"begins in {ctx.years[1]}.",
                    {"years_early": 1 - (benefit - lead), "lead_time_years": lead},
                    subject=scheme.id,
                    year=ctx.years[benefit],
                )
            )
    for org in ctx.plan.organisations:
        for site in org.capacity.sites if org.capacity else []:
            sold = ctx.first_year(site.disposal_receipt_gbp000)
            if sold is None:
                continue
            total = sum(site.disposal_receipt_gbp000.values())
            if site.closes is None:
                findings.append(
                    me.finding(
                        f"{site.name} ({org.code}) is to be sold for {money(total)} from {ctx.years[sold]}, "
                        "but the plan never closes it.",
                        {"disposal_gbp000": total},
                        subject=site.code,
                        year=ctx.years[sold],
                    )
                )
            elif ctx.years[sold] < site.closes:
                findings.append(
                    me.finding(
                        f"{site.name} ({org.code}) is to be sold for {money(total)} from {ctx.years[sold]}, before it "
                        f"closes in {site.closes}.",
                        {"years_early": ctx.years.index(site.closes) - sold, "disposal_gbp000": total},
                        subject=site.code,
                        year=ctx.years[sold],
                    )
                )
    return findings


@rule(
    "A20",
    "A saving starts before the capacity behind it is removed",
    Severity.INFO,
    why="""A scheme that avoids clinic appointments or A&E attendances saves their semi-fixed
    cost only when the clinics, teams or rotas go. Until then its saving is mostly on paper;
    the plan should say so and the reviewer should see how much cost stays meanwhile.""",
    references=(src.MONITOR_CLOSER_TO_HOME,),
    reports=("years_early", "stranded_before_gbp000"),
)
def saving_before_capacity_removed(ctx: Context, me: Rule) -> list[Finding]:
    findings = []
    for s, scheme in enumerate(ctx.plan.schemes):
        if scheme.capacity_removed_from is None:
            continue
        benefit = ctx.first_year(scheme.phasing_pct)
        removed = ctx.years.index(scheme.capacity_removed_from)
        if benefit is None or benefit >= removed:
            continue
        stranded = float(ctx.result.stranded_by_scheme[0, benefit:removed, s].sum())
        findings.append(
            me.finding(
                f"{scheme.id} ({scheme.name}) starts saving in {ctx.years[benefit]} but removes its capacity only from "
                f"{scheme.capacity_removed_from}; {money(stranded)} of cost stays in the years between.",
                {"years_early": removed - benefit, "stranded_before_gbp000": stranded},
                subject=scheme.id,
                year=ctx.years[benefit],
            )
        )
    return findings
