"""The printed reports keep every column: each table of each page fits an A4 page in the PDF.

A table too wide for the page is cut off at its edge when printed: the text is still in the PDF
(pypdf's own extract_text finds it) but nobody can read it. ``visible_text`` keeps only the text
drawn inside the pages, so a column past the edge is missing from it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pdf_text import html_tables, visible_text
from stpkit.api import NationalRun, PlanRun, to_pdf
from stpkit.assurance.gaps import IndicatorResult
from stpkit.domain import Better, IndicatorGap
from stpkit.domain.years import fy_range
from stpkit.examples import example_paths
from stpkit.outputs.report.footprint import _gaps_section
from stpkit.outputs.report.html import page

EXAMPLES = example_paths()
#: Risk runs for the report that shows the risk section (its tables and the expected effects).
RISK_RUNS = {"north_west_london": 200}


@pytest.fixture(scope="module")
def national_html() -> str:
    return NationalRun.run(runs=0).report_html()


def _page(kind: str, name: str, national_html: str) -> str:
    if kind == "national":
        return national_html
    run = PlanRun.load(EXAMPLES[name])
    if kind == "report":
        return run.report_html(runs=RISK_RUNS.get(name, 0), seed=1)
    return run.public_html(runs=0)


PAGES = [
    *(pytest.param("report", name, id=f"report-{name}") for name in EXAMPLES),
    *(pytest.param("public", name, id=f"public-{name}") for name in EXAMPLES),
    pytest.param("national", "", id="national"),
]


@pytest.mark.parametrize(("kind", "name"), PAGES)
def test_every_column_of_every_table_is_printed(kind: str, name: str, national_html: str):
    html = _page(kind, name, national_html)
    text = visible_text(to_pdf(html))
    tables = html_tables(html)
    assert tables
    lost = []
    for table in tables:
        headers = [h for h in table.headers if h]
        # A header row is drawn cell by cell, left to right: every header, in order, on the page.
        shown = next((i for i in range(len(headers)) if " ".join(headers[: i + 1]) not in text), len(headers))
        if shown < len(headers):
            lost.append((table.caption, headers[shown:]))
        if table.caption not in text:
            lost.append((table.caption, "caption"))
    assert not lost, f"cut off in the PDF: {lost}"


def test_a_long_plans_indicators_are_split_into_tables_that_fit():
    # A plan may run 15 years after its base year: 2016/17 and 15 more, to 2031/32. Its
    # trajectory is printed 6 years a table (GAP_YEARS_PER_TABLE): 2017/18-2022/23, 2023/24-2028/29
    # and 2029/30-2031/32, three tables, each with every column on the page.
    years = tuple(fy_range("2016/17", "2031/32"))
    indicator = IndicatorResult(
        id="adult_smoking", name="Adults who smoke", gap=IndicatorGap.HEALTH_WELLBEING, unit="% of adults",
        better=Better.LOWER, baseline=15.5, target=12.0, trajectory=tuple(15.5 - 0.2 * t for t in range(16)),
        source="Public Health England, Local Tobacco Control Profiles, 2016", trajectory_source="the plan",
    )
    gaps = SimpleNamespace(years=years, care_quality=(), health_wellbeing=(indicator,))
    html = page("A long plan", "", [_gaps_section(SimpleNamespace(gaps=gaps))])
    tables = html_tables(html)
    assert [t.headers[3:] for t in tables] == [
        ["Baseline 2016/17", "Target", *years[1:7]], list(years[7:13]), [*years[13:16], "Source"],
    ]
    text = visible_text(to_pdf(html))
    for table in tables:
        assert " ".join(table.headers) in text
    assert "12.5" in text  # 2031/32: 15.5 - 0.2 x 15
