"""Every page stpkit publishes (the footprint reports, the public pages, the national report)
prints whole and reads in order.

Printed: each table fits an A4 page in the PDF. A table too wide for the page is cut off at its
edge: the text is still in the PDF (pypdf's own extract_text finds it) but nobody can read it.
``visible_text`` keeps only the text drawn inside the pages, so a column past the edge is
missing from it. Read: one self-contained file (no scripts, nothing fetched), headings in order,
every table with a caption and column headers."""

from __future__ import annotations

import re
from html.parser import HTMLParser
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


class _Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.references: list[str] = []
        self.tags: list[str] = []
        self.lang = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "html":
            self.lang = attrs.get("lang") or ""
        self.references += [v for k, v in attrs.items() if k in ("src", "href", "data") and v]


@pytest.mark.parametrize(("kind", "name"), PAGES)
def test_every_page_is_self_contained_with_headings_in_order_and_tables_headed(kind: str, name: str,
                                                                                 national_html: str):
    html = _page(kind, name, national_html)
    page_ = _Structure()
    page_.feed(html)
    assert "script" not in page_.tags and not page_.references, page_.references  # nothing runs, nothing fetched
    assert "url(" not in html and not re.search(r"https?://(?!www\.w3\.org/2000/svg)", html)
    assert page_.lang == "en-GB"
    assert page_.headings[0] == 1 and page_.headings.count(1) == 1
    skips = [(a, b) for a, b in zip(page_.headings, page_.headings[1:], strict=False) if b > a + 1]
    assert not skips, f"a heading level skipped: {skips}"
    for table in html_tables(html):
        assert table.caption, f"a table without a caption: {table.headers}"
        assert table.headers and all(table.headers), f"a table without a header for every column: {table.caption}"
        assert set(table.header_scopes) == {"col"}
        assert all(len(row) == len(table.headers) for row in table.rows), table.caption
