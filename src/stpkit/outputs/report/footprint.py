"""The footprint report: what a board or a reviewer reads. Every figure comes from the same
tables as ``stp run --format json`` (``stpkit.outputs.results``), so the two always agree."""

from __future__ import annotations

from html import escape

from stpkit.assurance.check import Assessment
from stpkit.assurance.core import Severity
from stpkit.domain.formatting import money_m
from stpkit.engine.risk import RiskSummary
from stpkit.outputs.report.charts import Figure, bars, fan_chart, gap_chart, waterfall
from stpkit.outputs.report.html import figure, key_figures, page, paragraph, section, table
from stpkit.outputs.results import (
    ILLUSTRATIVE_NOTE,
    beds_table,
    bridge_steps,
    capital_table,
    footprint_name,
    schemes_table,
    type1_table,
    workforce_table,
)

#: Schemes shown one by one in the waterfall; smaller ones are added together.
WATERFALL_SCHEMES = 8
#: Years of an indicator's trajectory in one table; a longer plan's are split over several tables.
GAP_YEARS_PER_TABLE = 6


def _position_words(value: float) -> str:
    return f"a surplus of {money_m(value)}" if value >= 0 else f"a deficit of {money_m(-value)}"


def summary_sentences(a: Assessment) -> list[str]:
    """The executive summary, in plain English."""
    r, plan = a.result, a.plan
    years = r.years
    dn, wp = r.do_nothing[0], r.with_plan[0]
    name = footprint_name(r)
    out = [
        f"In {years[0]} the {len(plan.organisations)} organisations of {name} together had "
        f"{_position_words(dn[0])}. If nothing changed, by {years[-1]} they would have {_position_words(dn[-1])}: "
        "demand and costs grow faster than the money.",
        f"The plan's {len(plan.schemes)} schemes improve the {years[-1]} position by {money_m(wp[-1] - dn[-1])}, "
        f"leaving {_position_words(wp[-1])}"
        + (". The footprint balances as planned." if wp[-1] >= 0 else ". The plan does not close the whole gap."),
    ]
    stranded = -r.stranded[0, -1]
    if stranded > 50:
        out.append(
            f"{money_m(stranded)} of the savings the schemes count in {years[-1]} is cost that stays (staff, wards "
            f"and buildings still paid for when the activity has gone); closing wards and sites releases "
            f"{money_m(r.capacity[0, -1])} of it."
        )
    if a.risk is not None:
        risk = a.risk
        out.append(
            f"Allowing for how schemes usually deliver, slip and fail to recur, and for uncertain demand and "
            f"inflation, the footprint balances in {years[-1]} in {100 * risk.p_balance[-1]:.0f}% of "
            f"{risk.runs:,} runs; the middle run ends with {_position_words(risk.percentiles[1, -1])}."
        )
        if risk.balances_only_on_paper:
            out.append("The plan balances only on paper: it balances as written, but most runs do not.")
    errors, warnings = a.count(Severity.ERROR), a.count(Severity.WARNING)
    out.append(
        f"The assurance checks found {errors} serious finding{'s' if errors != 1 else ''} and {warnings} "
        f"warning{'s' if warnings != 1 else ''}. On the 2017 scale the plan rates as "
        f"'{a.rating.category.value.replace('_', ' ')}' (score {a.rating.score:.0f} out of 100)."
    )
    return out


def _bridge_figure(a: Assessment) -> Figure:
    steps = bridge_steps(a.result.bridge, plan=a.result.plan)
    final = len(a.result.years) - 1
    start = next(s for s in steps if s["section"] == "start")
    do_nothing = [s for s in steps if s["section"] == "do_nothing"]
    schemes = [s for s in steps if s["section"] == "schemes"]
    named = sorted((s for s in schemes if "category" in s), key=lambda s: -abs(s["values"][final]))
    shown, rest = named[:WATERFALL_SCHEMES], named[WATERFALL_SCHEMES:]
    others = [s for s in schemes if "category" not in s]  # interaction, stranded cost, capacity removed
    items = [(s["label"], float(s["values"][final])) for s in do_nothing]
    items += [(s["label"], float(s["values"][final])) for s in shown]
    if rest:
        items.append((f"{len(rest)} other schemes", float(sum(s["values"][final] for s in rest))))
    items += [(s["label"], float(s["values"][final])) for s in others]
    year = a.result.years[-1]
    return waterfall(
        "bridge",
        f"The bridge to {year}: from the base year to the position with the plan",
        (f"{a.result.years[0]} position", float(start["values"][final])),
        items,
        f"{year} with the plan",
    )


def _scheme_rows(a: Assessment, risk: RiskSummary | None) -> list[tuple[str, ...]]:
    schemes = schemes_table(a.result)
    expected = [""] * len(schemes)
    if risk is not None and risk.bridge is not None:
        expected = [money_m(step.total[0, -1]) for step in risk.bridge.legs[0].scheme_steps()]
    return [
        (row.id, row.name, row.category.replace("_", " "), row.owner, row.evidence,
         money_m(row.final_year_effect_gbp000), expected[i], money_m(row.final_year_stranded_gbp000),
         money_m(row.total_capital_gbp000), row.capital_source.replace("_", " "))
        for i, row in enumerate(schemes.itertuples())
    ]


def report_parts(a: Assessment) -> dict[str, str]:
    """Each part of the footprint report as a section under its own heading, by key: summary,
    bridge, risk (with risk runs only), schemes, beds, ae, workforce, capital, findings and gaps
    (a part with nothing to show is left out). The report joins them; the web service's plan
    page shows each in a tab."""
    banner = ILLUSTRATIVE_NOTE if a.plan.illustrative else None
    parts = {"summary": _summary_section(a), "bridge": _money_section(a, banner)}
    if a.risk is not None:
        parts["risk"] = _risk_section(a)
    parts["schemes"] = _schemes_section(a)
    for key, (heading, shown) in _capacity_parts(a).items():
        if shown:
            parts[key] = section(heading, *shown)
    parts["findings"] = _assurance_section(a)
    parts["gaps"] = _gaps_section(a)
    return parts


def _summary_section(a: Assessment) -> str:
    r, risk = a.result, a.risk
    years = r.years
    headline = [
        (f"do-nothing position, {years[-1]}", money_m(r.do_nothing[0, -1])),
        (f"with the plan, {years[-1]}", money_m(r.with_plan[0, -1])),
        ("rating (2017 scale)", a.rating.category.value.replace("_", " ")),
    ]
    if risk is not None:
        headline.insert(2, (f"chance of balance, {years[-1]}", f"{100 * risk.p_balance[-1]:.0f}%"))
    return section(
        "Summary",
        key_figures(headline),
        *(paragraph(s) for s in summary_sentences(a)),
        f'<p class="flag">{escape("Balances only on paper: the plan balances as written but most runs do not.")}</p>'
        if risk is not None and risk.balances_only_on_paper else "",
    )


def _money_section(a: Assessment, banner: str | None) -> str:
    r = a.result
    gap = gap_chart("gap", r.years, r.do_nothing[0], r.with_plan[0])
    return section("Money: the gap and the bridge", figure(gap), figure(_bridge_figure(a)), banner=banner)


def _risk_section(a: Assessment) -> str:
    r, risk = a.result, a.risk
    years = r.years
    fan = fan_chart("risk", years, risk.central, risk.percentiles[0], risk.percentiles[1], risk.percentiles[2],
                    risk.runs)
    return section(
        "Risk: how likely the plan is to hold",
        figure(fan),
        table(("Step", f"{years[-1]}, £m"),
              [(s["label"], money_m(s["values"][-1])) for s in bridge_steps(risk.bridge)] if risk.bridge else [],
              caption="Risk-adjusted bridge: each scheme as it delivers on average", numeric=[False, True]),
    )


def _schemes_section(a: Assessment) -> str:
    years = a.result.years
    return section("Schemes", table(
        ("Id", "Scheme", "Category", "Owner", "Evidence", f"Planned effect {years[-1]}",
         f"Expected effect {years[-1]}", "Cost left stranded", "Capital", "Capital source"),
        _scheme_rows(a, a.risk),
        caption="Effects in £m in the final year; expected effect allows for typical delivery, slippage and recurrence",
        numeric=[False, False, False, False, False, True, True, True, True, False],
    ), wide=True)


def footprint_report(a: Assessment) -> str:
    r, plan = a.result, a.plan
    years = r.years
    banner = ILLUSTRATIVE_NOTE if plan.illustrative else None
    parts = [_summary_section(a), _money_section(a, banner)]
    if a.risk is not None:
        parts.append(_risk_section(a))
    parts.append(_schemes_section(a))
    parts.append(_capacity_section(a))
    parts.append(_assurance_section(a))
    parts.append(_gaps_section(a))
    footer = (
        f"Produced by stpkit from the plan '{escape(plan.title)}'. Money in £m (plan figures are £000); surplus "
        "positive, deficit negative; years are NHS financial years. Contains public sector information licensed "
        "under the Open Government Licence v3.0."
    )
    return page(plan.title, f"{footprint_name(r)} ({plan.footprint.code}) · {years[0]} to {years[-1]}", parts,
                banner=banner, footer=footer)


def _capacity_section(a: Assessment) -> str:
    shown = [part for _, parts in _capacity_parts(a).values() for part in parts]
    return section("Beds, A&E, workforce and capital", *shown)


def _capacity_parts(a: Assessment) -> dict[str, tuple[str, list[str]]]:
    """The tables and charts of beds, A&E, workforce and capital, each under its key with a
    heading of its own (empty when the plan has none)."""
    r = a.result
    years = r.years
    beds_parts: list[str] = []
    ae_parts: list[str] = []
    workforce_parts: list[str] = []
    capital_parts: list[str] = []
    beds = beds_table(r)
    if not beds.empty:
        final = beds[beds["year"] == years[-1]]
        first = beds[beds["year"] == years[0]].set_index("organisation")
        rows = []
        for row in final.itertuples():
            rows.append((row.organisation, row.name, f"{first.loc[row.organisation, 'beds_do_nothing']:,.0f}",
                         f"{row.beds_with_plan:,.0f}", f"{row.beds_needed_with_plan:,.0f}",
                         f"{row.occupancy_with_plan_pct:.0f}%",
                         "above" if row.occupancy_with_plan_pct > row.occupancy_target_pct + 0.5 else "within",
                         f"{row.wards_removed:,.0f}"))
        beds_parts.append(table(("Code", "Organisation", f"Beds {years[0]}", f"Beds {years[-1]}", "Beds needed",
                            "Occupancy", "Against the target", "Wards closed"), rows,
                           caption=f"Beds with the plan in {years[-1]}, against what its own activity needs at the "
                           "target occupancy", numeric=[False, False, True, True, True, True, False, True]))
        beds_parts.append(figure(bars("beds-chart", f"Beds with the plan, {years[-1]}",
                                 "Beds each provider keeps in the final year.",
                                 list(final["name"]), list(final["beds_with_plan"]), "beds", label_header="Provider")))
    departments = type1_table(r)
    if not departments.empty:
        ae_parts.append(table(("Code", "Trust", "Attendances", "Emergency admissions", "Within 4 hours"),
                           [(d.organisation, d.name, f"{d.attendances:,}", f"{d.admissions:,}",
                             f"{d.four_hour_pct:.1f}%") for d in departments.itertuples()],
                           caption=f"Type 1 A&E departments ({departments['year'].iloc[0]}, NHS England data)",
                           numeric=[False, False, True, True, True]))
    workforce = workforce_table(r)
    if not workforce.empty:
        final = workforce[workforce["year"] == years[-1]].groupby("staff_group", sort=False).sum(numeric_only=True)
        workforce_parts.append(table(("Staff group", "Do nothing (WTE)", "With the plan (WTE)", "Vacant", "Agency",
                            "Agency premium"),
                           [(g.replace("_", " "), f"{row.establishment_wte_do_nothing:,.0f}",
                             f"{row.establishment_wte_with_plan:,.0f}", f"{row.vacancies_wte:,.0f}",
                             f"{row.agency_wte:,.0f}", money_m(row.agency_premium_gbp000))
                            for g, row in final.iterrows()],
                           caption=f"Workforce across the footprint's providers in {years[-1]}",
                           numeric=[False, True, True, True, True, True]))
    capital = capital_table(r)
    need = capital.groupby("source", sort=False)[["need_gbp000", "available_gbp000"]].sum()
    need = need[(need["need_gbp000"] > 0) | (need["available_gbp000"] > 0)]
    if not need.empty:
        capital_parts.append(table(("Source", "Needed", "Available"),
                           [(s.replace("_", " "), money_m(row.need_gbp000), money_m(row.available_gbp000))
                            for s, row in need.iterrows()],
                           caption="Capital over the plan by source", numeric=[False, True, True]))
    return {
        "beds": ("Beds", beds_parts),
        "ae": ("A&E", ae_parts),
        "workforce": ("Workforce", workforce_parts),
        "capital": ("Capital", capital_parts),
    }


def _assurance_section(a: Assessment) -> str:
    if not a.findings:
        return section("Assurance findings", paragraph(f"None of the {len(a.checked)} checks found a problem."))
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    rows = []
    for f in sorted(a.findings, key=lambda f: (order[f.severity], f.rule)):
        numbers = "; ".join(f"{k.replace('_', ' ')} {v:,.1f}" if isinstance(v, float) else f"{k.replace('_', ' ')} {v}"
                            for k, v in f.numbers.items())
        rows.append((f.rule, f.severity.value, f.title, f.message, numbers))
    note = paragraph(f"{len(a.checked)} checks were run" + (
        f"; {len(a.not_checked)} need risk runs and were not" if a.not_checked else "") + (
        f"; {len(a.not_applicable)} on sign-off and engagement do not apply to an illustrative plan"
        if a.not_applicable else "") + ".")
    return section("Assurance findings", note,
                   table(("Rule", "Severity", "Check", "Finding", "The numbers"), rows,
                         caption="What the assurance checks found, most serious first"))


def _gaps_section(a: Assessment) -> str:
    g = a.gaps
    years = g.years
    indicators = [("Care and quality", ind) for ind in g.care_quality]
    indicators += [("Health and wellbeing", ind) for ind in g.health_wellbeing]

    def fmt(value: float | None) -> str:
        return "–" if value is None or value != value else f"{value:,.1f}"

    body = [paragraph("The plan is about more than money: each indicator's baseline, the target and the plan's "
                      "trajectory by year, in the indicator's unit.")]
    later = list(range(1, len(years)))
    # A long plan's trajectory is split into tables of a few years each, so that every table fits the page.
    chunks = [later[i:i + GAP_YEARS_PER_TABLE] for i in range(0, len(later), GAP_YEARS_PER_TABLE)] or [[]]
    for n, chunk in enumerate(chunks):
        first, last = n == 0, n == len(chunks) - 1
        headers = ["Gap", "Indicator", "Unit"]
        headers += [f"Baseline {years[0]}", "Target"] if first else []
        headers += [years[t] for t in chunk]
        headers += ["Source"] if last else []
        rows = []
        for kind, ind in indicators:
            row = [kind, ind.name, ind.unit]
            row += [fmt(ind.baseline), fmt(ind.target)] if first else []
            row += [fmt(ind.trajectory[t]) for t in chunk]
            row += [ind.source] if last else []
            rows.append(row)
        span = f", {years[chunk[0]]} to {years[chunk[-1]]}" if chunk and len(chunks) > 1 else ""
        body.append(table(
            headers, rows, caption=f"Care and quality, and health and wellbeing: indicators by year{span}",
            numeric=[False, False, False, *([True, True] if first else []), *([True] * len(chunk)),
                     *([False] if last else [])],
        ))
    return section("The three gaps", *body, wide=True)
