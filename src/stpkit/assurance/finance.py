"""Rules on the money: balance, efficiency, one-off savings, capital, evidence, double counting,
shared bodies, transformation funding and hidden demand assumptions."""

from __future__ import annotations

import math

import numpy as np

from stpkit.assurance import sources as src
from stpkit.assurance.core import (
    EFFICIENCY_KINDS,
    GBP000_TOLERANCE,
    Context,
    Finding,
    Rule,
    line_label,
    listed,
    money,
    moved_line,
    pct,
    position,
    rule,
)
from stpkit.domain import ActsOnKind, CapitalSource, EvidenceLevel, OrgKind, Severity
from stpkit.engine.capital import SOURCES
from stpkit.engine.ledger import COST_TYPES, LineKind
from stpkit.reference.footprints import footprints_served

DEMOGRAPHIC = "demand_growth_demographic_pct"
NON_DEMOGRAPHIC = "demand_growth_non_demographic_pct"


def _worst_above_ceiling(
    ctx: Context, saving: np.ndarray, base: np.ndarray, ceiling_parameter: str
) -> tuple[int, float, float] | None:
    """The plan year in which ``saving`` as a percentage of ``base`` is furthest above its
    ceiling, with that percentage and the ceiling; None if it never is."""
    worst = None
    for t in range(1, len(ctx.years)):
        if base[t] <= 0:
            continue
        rate = 100 * saving[t] / base[t]
        ceiling = ctx.national(ceiling_parameter, ctx.years[t])
        if rate - ceiling > 1e-9 and (worst is None or rate - ceiling > worst[1] - worst[2]):
            worst = (t, rate, ceiling)
    return worst


@rule(
    "A01",
    "The plan does not balance in the final year",
    Severity.ERROR,
    why="""Every footprint was asked to show how it would return to financial balance by 2020/21,
    the footprint's organisations taken together. A plan whose own central case still ends in
    deficit has not closed the finance and efficiency gap: it says how much of the gap is left,
    not how it is closed.""",
    references=(src.NHSE_PLANNING_GUIDANCE, src.KINGS_FUND_CREDIBLE_PLANS),
    reports=("with_plan_gbp000", "do_nothing_gbp000", "closed_by_plan_gbp000", "gap_closed_pct"),
)
def final_year_deficit(ctx: Context, me: Rule) -> list[Finding]:
    with_plan = float(ctx.result.with_plan[0, -1])
    do_nothing = float(ctx.result.do_nothing[0, -1])
    if with_plan >= -GBP000_TOLERANCE:
        return []
    numbers = {
        "with_plan_gbp000": with_plan,
        "do_nothing_gbp000": do_nothing,
        "closed_by_plan_gbp000": with_plan - do_nothing,
    }
    closed = ""
    if do_nothing < 0:
        numbers["gap_closed_pct"] = 100 * (with_plan - do_nothing) / -do_nothing
        closed = f"; the plan closes {pct(numbers['gap_closed_pct'], 0)} of the do-nothing gap"
    return [
        me.finding(
            f"{ctx.footprint_name} ends {ctx.horizon} with {position(with_plan)} with the plan "
            f"(do nothing: {position(do_nothing)}){closed}.",
            numbers,
            year=ctx.horizon,
        )
    ]


@rule(
    "A02",
    "The plan does not balance in the final year at the median of the risk runs",
    Severity.ERROR,
    why="""Trusts have delivered well under all of their planned savings, a large part of them
    one-off, and capital schemes overrun. A plan that balances only if every scheme lands in
    full and on time balances only on paper; the centre needs the position the plan reaches in
    the middle of its likely outcomes (P50), and how likely balance is.""",
    references=(src.NAO_SUSTAINABILITY_TRANSFORMATION, src.NHSI_PROVIDER_PERFORMANCE, src.GREEN_BOOK_OPTIMISM_BIAS),
    reports=("p10_gbp000", "p50_gbp000", "p90_gbp000", "central_gbp000", "probability_of_balance_pct", "runs"),
    needs_risk=True,
)
def median_deficit(ctx: Context, me: Rule) -> list[Finding]:
    risk = ctx.risk
    p10, p50, p90 = (float(v) for v in risk.percentiles[:, -1])
    if p50 >= -GBP000_TOLERANCE:
        return []
    chance = 100 * float(risk.p_balance[-1])
    central = float(risk.central[-1])
    paper = " although the central case balances" if central >= -GBP000_TOLERANCE else ""
    return [
        me.finding(
            f"In the middle of {risk.runs:,} risk runs (P50) {ctx.footprint_name} ends {ctx.horizon} with "
            f"{position(p50)}{paper}; it balances in {pct(chance, 0)} of runs.",
            {
                "p10_gbp000": p10,
                "p50_gbp000": p50,
                "p90_gbp000": p90,
                "central_gbp000": central,
                "probability_of_balance_pct": chance,
                "runs": risk.runs,
            },
            year=ctx.horizon,
        )
    ]


@rule(
    "A03",
    "Provider efficiency above a credible ceiling",
    Severity.WARNING,
    why="""The plans leant hardest on provider cost improvement, yet trusts achieved about 2% a
    year before 2016/17 and 3.2% in 2016/17, a quarter of it one-off. A provider whose schemes
    ask for more than the ceiling in any year is planning savings no trust has sustained, and
    the gap they leave usually reappears as a deficit.""",
    references=(src.NUFFIELD_CRUNCH, src.NHSI_PROVIDER_PERFORMANCE, src.CARTER_REVIEW),
    reports=("efficiency_pct", "ceiling_pct", "saving_in_year_gbp000", "cost_gbp000", "schemes"),
)
def provider_efficiency(ctx: Context, me: Rule) -> list[Finding]:
    findings = []
    plan = ctx.plan
    for o, org in enumerate(plan.organisations):
        if not org.kind.is_provider:
            continue
        own = [s for s, scheme in enumerate(plan.schemes) if scheme.owner == org.code]
        own = [s for s in own if plan.schemes[s].acts_on.kind in EFFICIENCY_KINDS]
        if not own:
            continue
        saving = ctx.saving_by_scheme_org[:, own, o].sum(axis=1)
        in_year = np.diff(saving, prepend=0.0)
        cost = ctx.cost_do_nothing_by_org[:, o]
        found = _worst_above_ceiling(ctx, in_year, cost, "provider_efficiency_ceiling_pct")
        if found is None:
            continue
        worst, rate, ceiling = found
        year = ctx.years[worst]
        findings.append(
            me.finding(
                f"{ctx.org_label(o)} plans to save {money(in_year[worst])} from its own efficiency schemes in "
                f"{year}, {pct(rate)} of its costs, above the {pct(ceiling)} a provider can credibly deliver.",
                {
                    "efficiency_pct": rate,
                    "ceiling_pct": ceiling,
                    "saving_in_year_gbp000": in_year[worst],
                    "cost_gbp000": cost[worst],
                    "schemes": len(own),
                },
                subject=org.code,
                year=year,
            )
        )
    return findings


@rule(
    "A04",
    "Commissioner efficiency above a credible ceiling",
    Severity.WARNING,
    why="""Commissioners were asked for about 1% a year, mostly by moderating demand. Savings
    of this kind have been hard to substantiate: the NAO could confirm only about 58% of the
    savings reported under QIPP. A commissioner whose spend the plan cuts by more than the
    ceiling in a year relies on demand falling further and faster than it has.""",
    references=(src.NAO_EFFICIENCY_SAVINGS, src.NUFFIELD_SHIFTING_CARE),
    reports=("efficiency_pct", "ceiling_pct", "saving_in_year_gbp000", "allocation_gbp000"),
)
def commissioner_efficiency(ctx: Context, me: Rule) -> list[Finding]:
    findings = []
    for o, org in enumerate(ctx.plan.organisations):
        if not org.kind.is_commissioner:
            continue
        saving = ctx.saving_by_scheme_org[:, :, o].sum(axis=1)
        in_year = np.diff(saving, prepend=0.0)
        allocation = ctx.allocation_by_org[:, o]
        found = _worst_above_ceiling(ctx, in_year, allocation, "commissioner_efficiency_ceiling_pct")
        if found is None:
            continue
        worst, rate, ceiling = found
        year = ctx.years[worst]
        findings.append(
            me.finding(
                f"The plan's schemes cut {ctx.org_label(o)}'s spend by {money(in_year[worst])} in {year}, "
                f"{pct(rate)} of its allocation, above the {pct(ceiling)} a commissioner can credibly save.",
                {
                    "efficiency_pct": rate,
                    "ceiling_pct": ceiling,
                    "saving_in_year_gbp000": in_year[worst],
                    "allocation_gbp000": allocation[worst],
                },
                subject=org.code,
                year=year,
            )
        )
    return findings


@rule(
    "A10",
    "Non-recurrent savings close a recurrent gap",
    Severity.WARNING,
    why="""The do-nothing gap recurs every year; a one-off saving (a land sale, a release of
    reserves, a backlog cleared) closes it for one year only. The NAO found trusts and CCGs
    increasingly reliant on one-off measures, leaving the underlying deficit unchanged. The
    position a plan reports should be read without them.""",
    references=(src.NAO_SUSTAINABILITY_TRANSFORMATION, src.NHSI_PROVIDER_PERFORMANCE),
    reports=("nonrecurrent_gbp000", "with_plan_gbp000", "recurrent_position_gbp000", "schemes"),
)
def nonrecurrent_savings(ctx: Context, me: Rule) -> list[Finding]:
    plan = ctx.plan
    one_off = [s for s, scheme in enumerate(plan.schemes) if not scheme.recurrent]
    if not one_off:
        return []
    saving = np.maximum(ctx.saving_by_scheme[:, one_off], 0.0)
    total = saving.sum(axis=1)
    do_nothing = ctx.result.do_nothing[0]
    candidates = [t for t in range(1, len(ctx.years)) if total[t] > GBP000_TOLERANCE and do_nothing[t] < 0]
    if not candidates:
        return []
    t = ctx.final if ctx.final in candidates else max(candidates, key=lambda k: total[k])
    year = ctx.years[t]
    used = [plan.schemes[one_off[j]].id for j in range(len(one_off)) if saving[t, j] > GBP000_TOLERANCE]
    with_plan = float(ctx.result.with_plan[0, t])
    recurrent = with_plan - total[t]
    when = "in the final year, so the plan's end position is not recurrent" if t == ctx.final else "in a deficit year"
    return [
        me.finding(
            f"{listed(used)} {'count' if len(used) > 1 else 'counts'} {money(total[t])} of one-off savings in "
            f"{year}, {when}: without them "
            f"{ctx.footprint_name} has {position(recurrent)} that year, not {position(with_plan)}.",
            {
                "nonrecurrent_gbp000": total[t],
                "with_plan_gbp000": with_plan,
                "recurrent_position_gbp000": recurrent,
                "schemes": len(used),
            },
            subject=", ".join(used),
            year=year,
        )
    ]


@rule(
    "A11",
    "Capital needed with no source identified",
    Severity.ERROR,
    why="""Many plans depended on capital for new buildings, equipment and IT, while the NHS
    capital budget was being raided to support day-to-day spending. A scheme whose capital has
    no identified source cannot start when planned, and its savings with it.""",
    references=(src.NAO_SUSTAINABILITY_TRANSFORMATION, src.KINGS_FUND_CREDIBLE_PLANS),
    reports=("capital_gbp000",),
)
def capital_without_source(ctx: Context, me: Rule) -> list[Finding]:
    findings = []
    for scheme in ctx.plan.schemes:
        total = sum(scheme.capital_gbp000.values())
        if total <= GBP000_TOLERANCE or scheme.capital_source is not CapitalSource.NONE:
            continue
        first = ctx.first_year(scheme.capital_gbp000)
        year = ctx.years[first] if first is not None else None
        findings.append(
            me.finding(
                f"{scheme.id} ({scheme.name}) needs {money(total)} of capital from {year} but names no source for it.",
                {"capital_gbp000": total},
                subject=scheme.id,
                year=year,
            )
        )
    return findings


@rule(
    "A12",
    "Capital needed beyond what is available",
    Severity.WARNING,
    why="""Naming a source is not the same as having the money: national STP capital was bid
    for and mostly not yet awarded, and disposals take years. Where the schemes need more from
    a source than the plan shows as available from it, the shortfall is a risk to their timing
    and their savings.""",
    references=(src.NAO_SUSTAINABILITY_TRANSFORMATION, src.GREEN_BOOK_OPTIMISM_BIAS),
    reports=("need_gbp000", "available_gbp000", "shortfall_gbp000"),
)
def capital_shortfall(ctx: Context, me: Rule) -> list[Finding]:
    capital = ctx.result.capital
    shortfall = capital.shortfall
    findings = []
    for i, source in enumerate(SOURCES):
        if source is CapitalSource.NONE or shortfall[-1, i] <= GBP000_TOLERANCE:
            continue
        need, available = float(capital.need[:, i].sum()), float(capital.available[:, i].sum())
        first = int(np.argmax(shortfall[:, i] > GBP000_TOLERANCE))
        findings.append(
            me.finding(
                f"The schemes need {money(need)} of capital from {source.value.replace('_', ' ')} sources but the "
                f"plan shows {money(available)} available, {money(shortfall[-1, i])} short by {ctx.horizon} "
                f"(short from {ctx.years[first]}).",
                {"need_gbp000": need, "available_gbp000": available, "shortfall_gbp000": float(shortfall[-1, i])},
                subject=source.value,
                year=ctx.years[first],
            )
        )
    return findings


@rule(
    "A13",
    "One weakly evidenced scheme carries a large share of the plan",
    Severity.WARNING,
    why="""Schemes with weak or no evidence (risk stratification, many prevention and
    admission-avoidance schemes) have often delivered nothing measurable: the Better Care
    Fund's planned fall in emergency admissions did not happen. A plan that leans on one of
    them for a large share of its savings fails if that one scheme fails.""",
    references=(src.NAO_INTEGRATION, src.NUFFIELD_SHIFTING_CARE, src.KINGS_FUND_CREDIBLE_PLANS),
    reports=("saving_gbp000", "share_pct", "threshold_pct", "total_savings_gbp000"),
)
def weak_scheme_share(ctx: Context, me: Rule) -> list[Finding]:
    saving = ctx.saving_by_scheme[-1]
    total = float(saving[saving > 0].sum())
    if total <= GBP000_TOLERANCE:
        return []
    threshold = ctx.national("weak_scheme_share_max_pct")
    findings = []
    for s, scheme in enumerate(ctx.plan.schemes):
        if scheme.evidence not in (EvidenceLevel.WEAK, EvidenceLevel.NONE) or saving[s] <= 0:
            continue
        share = 100 * float(saving[s]) / total
        if share <= threshold:
            continue
        findings.append(
            me.finding(
                f"{scheme.id} ({scheme.name}), with {scheme.evidence.value} evidence, carries {money(saving[s])} "
                f"of the plan's {money(total)} of savings in {ctx.horizon} ({pct(share, 0)}, more than "
                f"{pct(threshold, 0)}).",
                {
                    "saving_gbp000": saving[s],
                    "share_pct": share,
                    "threshold_pct": threshold,
                    "total_savings_gbp000": total,
                },
                subject=scheme.id,
                year=ctx.horizon,
            )
        )
    return findings


def _combined(sizes: dict[int, float]) -> tuple[float, float]:
    """Additive and multiplicative combination of reductions given as fractions, in percent."""
    return 100 * sum(sizes.values()), 100 * (1 - math.prod(1 - v for v in sizes.values()))


@rule(
    "A14",
    "Several schemes cut the same line by more than is credible",
    Severity.WARNING,
    why="""When two programmes claim the same saving (a cost improvement programme and a
    medicines scheme on the same drugs bill, a Right Care scheme and a new care model on the
    same admissions), the plan counts it twice. Planned reductions that add up to a large share
    of one organisation's line are the usual sign.""",
    references=(src.NAO_EFFICIENCY_SAVINGS, src.KINGS_FUND_CREDIBLE_PLANS),
    reports=("combined_pct", "combined_multiplicative_pct", "threshold_pct", "schemes"),
)
def double_counting(ctx: Context, me: Rule) -> list[Finding]:
    result, plan = ctx.result, ctx.plan
    schemes, ledger = result.schemes, result.ledger
    threshold = ctx.national("combined_reduction_max_pct")
    groups: dict[tuple[int, str], dict[int, float]] = {}  # (org, what) -> the worst line's schemes

    def offer(key: tuple[int, str], sizes: dict[int, float]) -> None:
        if len(sizes) >= 2 and sum(sizes.values()) > sum(groups.get(key, {}).values()):
            groups[key] = sizes

    by_cell: dict[int, dict[int, float]] = {}
    by_line: dict[int, dict[int, float]] = {}
    for k, component in enumerate(schemes.components):
        if schemes.direction[k] > 0:
            continue
        s, size = int(schemes.scheme_of[k]), float(min(schemes.size[k], 1.0))
        if component.kind is ActsOnKind.ACTIVITY:
            for c in np.flatnonzero(schemes.cells[k]):
                cell = by_cell.setdefault(int(c), {})
                cell[s] = max(cell.get(s, 0.0), size)
        else:
            lines = np.flatnonzero(schemes.paper[k].astype(bool) & (ledger.kind == LineKind.COST))
            for line in lines:
                entry = by_line.setdefault(int(line), {})
                entry[s] = max(entry.get(s, 0.0), size)
    for c, sizes in by_cell.items():
        cell = ledger.cells[c]
        org = cell.provider if cell.provider >= 0 else cell.payer
        offer((org, f"{line_label(cell.service_line.value)} activity"), sizes)
    for line, sizes in by_line.items():
        offer((int(ledger.org[line]), f"{COST_TYPES[ledger.cost_type[line]].value} costs"), sizes)

    findings = []
    for (o, what), sizes in sorted(groups.items()):
        additive, multiplicative = _combined(sizes)
        if additive <= threshold + 1e-9:
            continue
        ids = [plan.schemes[s].id for s in sorted(sizes)]
        findings.append(
            me.finding(
                f"{listed(ids)} together plan to cut {ctx.org_label(o)}'s {what} by {pct(additive)} as written "
                f"({pct(multiplicative)} combined), more than {pct(threshold, 0)}: check that they do not count "
                "the same saving twice.",
                {
                    "combined_pct": additive,
                    "combined_multiplicative_pct": multiplicative,
                    "threshold_pct": threshold,
                    "schemes": len(ids),
                },
                subject=ledger.org_codes[o],
            )
        )
    return findings


#: Kinds of organisation that always serve several footprints.
SPANNING_KINDS = frozenset({OrgKind.AMBULANCE_TRUST, OrgKind.SPECIALISED_COMMISSIONER})


@rule(
    "A15",
    "A body shared with other footprints is counted whole",
    Severity.ERROR,
    why="""Ambulance trusts, specialised commissioning and some trusts serve several footprints.
    Each plan must count only its share of them, or the national total counts the same body
    more than once. An organisation's shares adding up to more than 100% cannot be seen from one
    plan, but a body known to serve other footprints counted here at 100% is the usual cause.""",
    references=(src.NAO_SPECIALISED, src.NAO_SUSTAINABILITY_TRANSFORMATION),
    reports=("share_pct", "footprints_served"),
)
def shared_body_counted_whole(ctx: Context, me: Rule) -> list[Finding]:
    served = footprints_served()
    here = ctx.plan.footprint.code
    findings = []
    for o, org in enumerate(ctx.plan.organisations):
        if org.share_pct < 100 - 1e-6:
            continue
        footprints = served.get(org.code, frozenset())
        elsewhere = sorted(footprints - {here})
        if elsewhere:
            others = f"{len(elsewhere)} other footprint{'s' if len(elsewhere) > 1 else ''} ({', '.join(elsewhere)})"
            why = f"NHS England's 2017/18 lookup places it in {others}"
        elif org.kind in SPANNING_KINDS and len(footprints) != 1:
            why = f"{org.kind.value.replace('_', ' ')}s serve several footprints"
        else:
            continue
        findings.append(
            me.finding(
                f"{ctx.org_label(o)} is counted at 100% in this plan, but {why}: count only this footprint's share.",
                {"share_pct": org.share_pct, "footprints_served": max(len(footprints | {here}), 2)},
                subject=org.code,
            )
        )
    return findings


@rule(
    "A16",
    "Transformation funding used to cover deficits",
    Severity.WARNING,
    why="""The Sustainability and Transformation Fund was meant to move from propping up provider
    deficits to paying for new models of care; the NAO found that it was spent on day-to-day
    pressures instead. A plan that counts the fund as providers' income in years for which no
    national sum had been set is using money meant for transformation to cover deficits.""",
    references=(src.NAO_SUSTAINABILITY_TRANSFORMATION, src.KINGS_FUND_CREDIBLE_PLANS),
    reports=("fund_gbp000", "years", "with_plan_gbp000", "position_without_fund_gbp000"),
)
def transformation_funding_covers_deficit(ctx: Context, me: Rule) -> list[Finding]:
    fund = ctx.sustainability_fund_by_org.sum(axis=1)
    national = ctx.params["sustainability_fund_providers_gbp000"].values[""]
    uncommitted = [
        t
        for t, year in enumerate(ctx.years)
        if t > 0 and fund[t] > GBP000_TOLERANCE and not math.isfinite(national.get(year, math.nan))
    ]
    if not uncommitted:
        return []
    t = uncommitted[-1]
    with_plan = float(ctx.result.with_plan[0, t])
    shown = listed([ctx.years[k] for k in uncommitted])
    return [
        me.finding(
            f"Providers count {money(fund[t])} of Sustainability and Transformation Fund income in {ctx.years[t]} "
            f"(and the fund in {shown}), years for which no national sum for deficits was set; without it "
            f"{ctx.footprint_name} has {position(with_plan - fund[t])} in {ctx.years[t]}.",
            {
                "fund_gbp000": fund[t],
                "years": len(uncommitted),
                "with_plan_gbp000": with_plan,
                "position_without_fund_gbp000": with_plan - fund[t],
            },
            year=ctx.years[uncommitted[0]],
        )
    ]


@rule(
    "A17",
    "Demand grows more slowly than the population, with no scheme to explain it",
    Severity.WARNING,
    why="""For many plans, containing demand at the level of demographic growth was itself a key
    assumption. Writing lower growth into the assumptions rather than as a scheme hides a
    saving from the bridge: nothing says how it is delivered, and no risk is attached to it.""",
    references=(src.NAO_SPECIALISED, src.NUFFIELD_SHIFTING_CARE),
    reports=("plan_growth_pct", "demographic_growth_pct"),
)
def demand_below_demography(ctx: Context, me: Rule) -> list[Finding]:
    assumptions = ctx.result.assumptions
    national = ctx.params[DEMOGRAPHIC]
    explained = set()
    for scheme in ctx.plan.schemes:
        line = moved_line(scheme)
        if line is not None:
            explained.add(line.value)
        if scheme.acts_on.kind is ActsOnKind.AE_DOWNGRADE:
            explained |= {"ae", "non_elective"}
    overridden = {
        (member, year) for name, member, year in assumptions.overridden if name in (DEMOGRAPHIC, NON_DEMOGRAPHIC)
    }
    worst: dict[str, tuple[float, float, str]] = {}
    for line, year in sorted(overridden):
        if line in explained or year not in national.values[line]:
            continue
        t = ctx.years.index(year)
        plan_growth = float(assumptions.series(DEMOGRAPHIC, line)[t] + assumptions.series(NON_DEMOGRAPHIC, line)[t])
        demographic = national.values[line][year]
        shortfall = demographic - plan_growth
        if shortfall > 1e-9 and shortfall > worst.get(line, (0.0, 0.0, ""))[0]:
            worst[line] = (shortfall, plan_growth, year)
    findings = []
    for line in sorted(worst):
        _, plan_growth, year = worst[line]
        demographic = national.values[line][year]
        findings.append(
            me.finding(
                f"The plan assumes {line_label(line)} activity grows {pct(plan_growth)} in {year}, less than "
                f"the {pct(demographic)} from population change alone, and no scheme acts on it.",
                {"plan_growth_pct": plan_growth, "demographic_growth_pct": demographic},
                subject=line,
                year=year,
            )
        )
    return findings


@rule(
    "A29",
    "A provider is planned to miss its control total",
    Severity.WARNING,
    why="""From 2016/17 each trust agreed a control total with NHS Improvement, and its share of the
    Sustainability and Transformation Fund was paid only if it met it. A plan in which a provider
    misses its control total loses that provider's STF, which makes the gap wider than the plan
    shows wherever it counts the fund as paid; the centre asked which organisations would miss.""",
    references=(src.STRENGTHENING_FINANCIAL_PERFORMANCE, src.NAO_SUSTAINABILITY_TRANSFORMATION),
    reports=("control_total_gbp000", "position_gbp000", "fund_withheld_gbp000", "years_missed"),
)
def control_total_missed(ctx: Context, me: Rule) -> list[Finding]:
    """One finding per provider that misses its control total with the plan (central case), for
    the first year it does; money at the footprint's share of the trust."""
    _, withheld = ctx.result.fund_withheld_by_org()
    findings = []
    for org in ctx.plan.organisations:
        if not org.baseline.control_total_gbp000:
            continue
        o = ctx.org_index[org.code]
        share = ctx.result.ledger.org_share[o]
        missed = [t for t in range(1, len(ctx.years)) if withheld[0, t, o] < -GBP000_TOLERANCE]
        if not missed:
            continue
        t = missed[0]
        control = org.baseline.control_total_gbp000[ctx.years[t]] * share
        lost = -float(withheld[0, t, o])
        before = float(ctx.result.with_plan_by_org[0, t, o]) + lost
        also = f" (and in {listed([ctx.years[k] for k in missed[1:]])})" if len(missed) > 1 else ""
        findings.append(
            me.finding(
                f"{org.name} reaches {position(before)} in {ctx.years[t]} with the plan, short of its control "
                f"total of {position(control)}{also}, so its {money(lost)} of Sustainability and Transformation "
                "Fund income is not paid.",
                {"control_total_gbp000": control, "position_gbp000": before, "fund_withheld_gbp000": lost,
                 "years_missed": len(missed)},
                subject=org.code,
                year=ctx.years[t],
            )
        )
    return findings
