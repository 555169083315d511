"""The national report: all 44 footprints side by side — the league table, the map, the
national bridge and the distribution of ratings."""

from __future__ import annotations

from collections import Counter

from stpkit.assurance.check import Assessment
from stpkit.assurance.core import Severity
from stpkit.domain import RatingCategory
from stpkit.domain.formatting import money_m, per_head
from stpkit.national.rollup import NationalResult
from stpkit.outputs.report.charts import bars, waterfall
from stpkit.outputs.report.html import figure, key_figures, page, paragraph, section, table
from stpkit.outputs.report.map import national_map
from stpkit.outputs.results import ILLUSTRATIVE_NOTE, bridge_steps


def national_bridge(result: NationalResult) -> tuple[float, list[tuple[str, float]], float]:
    """England's bridge in the final year, added up over the footprints: the drivers, the schemes
    by category, the overlap of schemes, stranded cost and capacity removed."""
    start = 0.0
    steps: dict[str, float] = {}
    end = 0.0
    for r in result.results.values():
        final = len(r.years) - 1
        for step in bridge_steps(r.bridge, plan=r.plan):
            value = float(step["values"][final])
            if step["section"] == "start":
                start += value
            elif step["section"] == "total":  # the do-nothing subtotal, then the end
                end += value if step["id"] == "with_plan" else 0.0
            else:
                label = f"Schemes: {step['category'].replace('_', ' ')}" if "category" in step else step["label"]
                steps[label] = steps.get(label, 0.0) + value
    return start, list(steps.items()), end


def league_rows(result: NationalResult, assessments: dict[str, Assessment]) -> list[tuple[str, ...]]:
    table_ = result.table.copy()
    table_["rank"] = table_["with_plan_per_head_gbp"].rank(ascending=False, method="min").astype(int)
    rows = []
    for row in table_.sort_values("rank").itertuples():
        a = assessments.get(row.code)
        chance = f"{100 * row.probability_of_balance:.0f}%" if "probability_of_balance" in table_ else "–"
        rows.append((
            str(row.rank), row.code, row.name, f"{row.population:,}", money_m(row.do_nothing_gbp000),
            money_m(row.with_plan_gbp000), per_head(row.with_plan_per_head_gbp), chance,
            a.rating.category.value.replace("_", " ") if a else "–",
            str(a.count(Severity.ERROR)) if a else "–",
        ))
    return rows


def national_report(result: NationalResult, assessments: dict[str, Assessment], gap_gbp000: float | None) -> str:
    year = result.horizon
    totals = result.totals
    banner = ILLUSTRATIVE_NOTE if result.any_illustrative else None
    ratings = Counter(a.rating.category for a in assessments.values())
    headline = [
        (f"England do nothing, {year}", money_m(totals["do_nothing_gbp000"])),
        (f"England with the plans, {year}", money_m(totals["with_plan_gbp000"])),
    ]
    if "probability_of_balance" in totals:
        headline.append((f"chance England balances, {year}", f"{100 * totals['probability_of_balance']:.0f}%"))
    words = [
        f"The {len(result.table)} footprints cover {totals['population']:,} people. Without their plans the NHS in "
        f"England would end {year} with a combined position of {money_m(totals['do_nothing_gbp000'])}; with them, "
        f"{money_m(totals['with_plan_gbp000'])}.",
    ]
    if gap_gbp000:
        closed = totals["with_plan_gbp000"] - totals["do_nothing_gbp000"]
        words.append(
            f"The national efficiency challenge for {year} was {money_m(gap_gbp000)}; the plans close "
            f"{money_m(closed)} of the footprints' gap ({100 * closed / gap_gbp000:.0f}% of that challenge)."
        )
    if ratings:
        words.append("Ratings on the 2017 scale: " + ", ".join(
            f"{ratings.get(c, 0)} {c.value.replace('_', ' ')}" for c in RatingCategory) + ".")
    start, steps, _ = national_bridge(result)
    parts = [
        section("Summary", key_figures(headline), *(paragraph(w) for w in words)),
        section("League table", table(
            ("Rank", "Code", "Footprint", "Population", "Do nothing", "With the plan", "Per head", "Chance of balance",
             "Rating", "Serious findings"),
            league_rows(result, assessments),
            caption=f"Footprints ranked by their position with the plan per head in {year} (best first); £m",
            numeric=[True, False, False, True, True, True, True, True, False, True],
        ), banner=banner),
        section("Map", "<figure>" + national_map(
            dict(zip(result.table["code"], result.table["with_plan_gbp000"], strict=True)),
            dict(zip(result.table["code"], result.table["population"], strict=True)),
            year, result.any_illustrative,
        ) + "<figcaption>Each footprint's position with its plan per head; the league table above holds the "
            "same figures.</figcaption></figure>"),
        section("The national bridge", figure(waterfall(
            "national-bridge", f"England's bridge to {year}", (f"{result.base_year} position", start), steps,
            f"{year} with the plans"))),
    ]
    if ratings:
        counts = [ratings.get(c, 0) for c in RatingCategory]
        parts.append(section("Ratings", figure(bars(
            "ratings", "Footprints by rating", "How many footprints fall in each of the four 2017 categories.",
            [c.value.replace("_", " ") for c in RatingCategory], counts, "footprints", label_header="Rating"))))
    if result.risk is not None:
        risk = result.risk
        final = -1
        parts.append(section("Risk across England", table(
            ("Measure", "P10", "P50", "P90"),
            [("Percentiles of the summed runs", *(money_m(v) for v in risk.percentiles_of_sum[:, final])),
             ("Footprints' percentiles added up (wrong)", *(money_m(v) for v in risk.sum_of_percentiles[:, final]))],
            caption=f"England with the plans in {year} over {risk.runs:,} runs; national demand and inflation are "
            "shared by every footprint in each run", numeric=[False, True, True, True]),
            paragraph("Adding footprints' percentiles overstates the spread: footprints' own delivery risks partly "
                      "cancel out across England, while national demand and inflation move them all together."),
        ))
    footer = ("Produced by stpkit. Contains public sector information licensed under the Open Government Licence "
              "v3.0. Contains OS data © Crown copyright and database right 2021.")
    return page("England: the 44 Sustainability and Transformation Plans", f"{result.base_year} to {year}", parts,
                banner=banner, footer=footer)
