""""What this plan means for you" read as a resident would read it: organisations and care named
in words with their numbers and units, dates written out, only the changes the plan itself
makes, the decisions taken and still to come told apart, and a way to have a say — every
statement made from the plan and its results, none from the modellers' notes."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from conftest import make_plan
from pdf_text import html_tables, normalise
from stpkit.api import PlanRun
from stpkit.domain import DecisionLevel, DecisionStatus, ServiceLine
from stpkit.domain.formatting import money_m
from stpkit.domain.plan import Decision, Governance
from stpkit.examples import example_paths
from stpkit.outputs.report.public import LINE_UNITS
from stpkit.outputs.results import activity_table, beds_table, moves_table
from strategies import SCHEME_KINDS, plans

EXAMPLES = example_paths()
FIXTURES = Path(__file__).parent / "fixtures"


class _Text(HTMLParser):
    """The words of a page, and the words under each <h2>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.sections: dict[str, list[str]] = {}
        self.heading: list[str] | None = None
        self.current: str | None = None
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "title"):
            self.skip += 1
        elif tag == "h2":
            self.heading = []

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title"):
            self.skip -= 1
        elif tag == "h2" and self.heading is not None:
            self.current = normalise("".join(self.heading))
            self.sections[self.current] = []
            self.heading = None
        self.parts.append(" ")

    def handle_data(self, data):
        if self.skip:
            return
        self.parts.append(data)
        if self.heading is not None:
            self.heading.append(data)
        elif self.current is not None:
            self.sections[self.current].append(data)


def words(html: str) -> tuple[str, dict[str, str]]:
    parser = _Text()
    parser.feed(html)
    return normalise("".join(parser.parts)), {k: normalise(" ".join(v)) for k, v in parser.sections.items()}


def table(html: str, caption: str):
    found = [t for t in html_tables(html) if t.caption.startswith(caption)]
    assert len(found) == 1, f"no single table captioned {caption!r}: {[t.caption for t in html_tables(html)]}"
    return found[0]


@pytest.fixture(scope="module")
def nwl() -> PlanRun:
    return PlanRun.load(EXAMPLES["north_west_london"])


@pytest.fixture(scope="module")
def cornwall() -> PlanRun:
    return PlanRun.load(EXAMPLES["cornwall_and_isles_of_scilly"])


@pytest.fixture(scope="module")
def nwl_html(nwl: PlanRun) -> str:
    return nwl.public_html(runs=0)


@pytest.fixture(scope="module")
def cornwall_html(cornwall: PlanRun) -> str:
    return cornwall.public_html(runs=0)


@pytest.mark.parametrize("name", ["north_west_london", "cornwall_and_isles_of_scilly"])
def test_no_codes_no_raw_service_lines_and_no_modelling_notes(name: str, request):
    run: PlanRun = request.getfixturevalue("nwl" if name == "north_west_london" else "cornwall")
    text, _ = words(request.getfixturevalue("nwl_html" if name == "north_west_london" else "cornwall_html"))
    plan = run.plan
    codes = [o.code for o in plan.organisations] + [s.id for s in plan.schemes]
    codes += [site.code for o in plan.organisations if o.capacity for site in o.capacity.sites]
    codes += [d.id for d in plan.governance.decisions]
    shown = [c for c in codes if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)]
    assert not shown, f"codes shown to residents: {shown}"
    # Service lines in words, never as the plan writes them (non_elective, ae, "non elective").
    raw = [line.value for line in ServiceLine if "_" in line.value] + ["non elective"]
    assert not [r for r in raw if r in text] and not re.search(r"\bae\b", text)
    # The modellers' notes are written for analysts: no scheme description, no narrative.
    for scheme in plan.schemes:
        assert normalise(scheme.description)[:60] not in text, scheme.id
    assert normalise(plan.narrative)[:60] not in text
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), "a date written year-month-day"


def test_care_that_moves_is_named_in_words_with_its_units(nwl: PlanRun, nwl_html: str):
    moves = moves_table(nwl.central)
    final = moves[(moves["year"] == "2020/21") & (moves["to"] == "RQM") & (moves["to_service_line"] == "ae")]
    # Ealing's share of London North West's A&E attendances is 40%, of 263,080 in 2020/21 (its
    # 241,148 of 2016/17 grown with demand): 105,232; a fifth go to Chelsea and Westminster.
    assert final["units"].sum() == pytest.approx(0.40 * 263_080 * 0.20, rel=1e-4)
    rows = table(nwl_html, "Care that moves").rows
    ealing = "Ealing Hospital – London North West Healthcare NHS Trust"
    assert [ealing, "Chelsea And Westminster Hospital NHS Foundation Trust", "21,046 A&E attendances"] in rows
    assert [ealing, "Northwick Park Hospital – London North West Healthcare NHS Trust",
            "21,046 A&E attendances"] in rows  # the trust's other major A&E department, 105,232 x 20%
    assert [ealing, "London North West Healthcare NHS Trust",
            "36,831 urgent care centre visits, instead of A&E attendances"] in rows  # 105,232 x 35%
    assert any(r[2].endswith("emergency admissions") for r in rows)


def test_ealings_urgent_care_patients_go_to_an_urgent_care_centre_not_an_ae(nwl_html: str):
    _, sections = words(nwl_html)
    near = sections["What changes near you"]
    assert "The major A&E department at Ealing Hospital closes" in near
    # Each destination is one clause ending in its share: 35% go to the urgent care centre.
    clauses = dict(
        (share, clause) for clause, share in re.findall(r"([^:;]*?) \((\d+)%, [\d,]+ a year\)", near)
    )
    assert set(clauses) == {"35", "20", "15", "10"}
    assert "urgent care centre run by London North West Healthcare NHS Trust" in clauses["35"]
    assert "A&E" not in clauses["35"]
    assert "an A&E department run by The Hillingdon Hospitals NHS Foundation Trust" in clauses["15"]
    assert "the A&E department at Northwick Park Hospital" in near  # the trust's own other type 1 department
    assert "full A&E will go to London North West" not in near


def test_decisions_taken_and_still_to_be_taken_are_told_apart(nwl_html: str, cornwall_html: str):
    taken, still = table(nwl_html, "Decisions already taken"), table(nwl_html, "Decisions still to be taken")
    assert [r[:2] for r in taken.rows] == [
        ["12 October 2016", "London North West Healthcare's savings programme for 2017/18 and 2018/19"],
        ["8 December 2016", "A shared pathology service and one staff bank for the footprint"],
    ]
    assert [r[:2] for r in still.rows] == [
        ["23 March 2017", "A shared budget for older people in Hillingdon"],
        ["14 September 2017", "Ealing Hospital's A&E becomes an urgent care centre, after consultation"],
    ]
    assert still.rows[1][2] == "The eight CCGs' joint committee"
    taken, still = table(cornwall_html, "Decisions already taken"), table(cornwall_html, "Decisions still to be taken")
    assert [r[0] for r in taken.rows] == ["13 October 2016", "1 December 2016"]
    assert [r[:2] for r in still.rows] == [
        ["15 March 2018", "Community hospital inpatient beds on fewer sites, after consultation"]]


def test_beds_are_the_plans_own_change_not_growth_that_would_happen_anyway(nwl: PlanRun, nwl_html: str,
                                                                          cornwall: PlanRun, cornwall_html: str):
    text, _ = words(nwl_html)
    beds = beds_table(nwl.central).set_index(["organisation", "year"])
    without, with_plan = beds.loc[("R1K", "2020/21"), ["beds_do_nothing", "beds_with_plan"]]
    # London North West: 1,478 beds in 2016/17 would grow with demand to 1,658 by 2020/21; the
    # plan sets 1,489 (Ealing's emergency wards close): 169 fewer than without it, six wards.
    assert (round(without), round(with_plan)) == (1658, 1489)
    assert "169 fewer beds in 2020/21 than there would be without the plan (1,489 with it, 1,658 without). " \
           "6 wards close." in text
    assert "11 more beds" not in text and "1,478 now" not in text  # growth shown as the plan's change
    # Mental health and community services' beds grow with demand alone: the plan changes nothing.
    assert "Mental health services, North West London (illustrative)" not in words(nwl_html)[1]["What changes near you"]
    text, sections = words(cornwall_html)
    # Community services: 121 beds in 2020/21 without the plan, 93 with it (the two community
    # hospitals' 28 beds close); Royal Cornwall's grow with demand alone (1,270 to 1,425).
    assert "28 fewer beds in 2020/21 than there would be without the plan (93 with it, 121 without). " \
           "1 ward closes." in text
    assert "155 more beds" not in text and "1,425" not in text


def test_community_hospitals_and_care_by_place(cornwall: PlanRun, cornwall_html: str):
    text, sections = words(cornwall_html)
    near = sections["What changes near you"]
    assert "Edward Hain Community Hospital, St Ives, a community hospital with 14 beds, closes from 2019/20. " \
           "The site is to be sold" in near
    assert "St Barnabas Hospital, Saltash, a community hospital with 14 beds, closes from 2019/20. " \
           "The site is to be put to other use" in near
    # Outpatient appointments at Royal Cornwall: 1,019,745 without the plan in 2020/21, 947,955
    # with the outpatient redesign: 71,790 fewer, 7% of them.
    activity = activity_table(cornwall.central)
    row = activity[(activity["organisation"] == "REF") & (activity["service_line"] == "outpatient")
                   & (activity["year"] == "2020/21")].iloc[0]
    assert (round(row.do_nothing), round(row.with_plan)) == (1_019_745, 947_955)
    assert "71,790 fewer outpatient appointments (7% fewer)" in near
    assert "a 4% reduction in prescribing" in near  # medicines optimisation, by the CCG


def test_money_is_said_from_the_numbers(nwl: PlanRun, nwl_html: str):
    _, sections = words(nwl_html)
    about = sections["About this plan"]
    dn, wp = nwl.central.do_nothing[0, -1], nwl.central.with_plan[0, -1]
    assert (f"would together spend {money_m(-dn)} more than their income in 2020/21. The plan's changes would "
            f"improve that by {money_m(wp - dn)}, leaving a gap of {money_m(-wp)}.") in about
    assert "15 organisations in North West London" in about  # 8 CCGs, 4 acute, MH, community, ambulance


def test_how_to_have_your_say_gives_the_plans_route(nwl_html: str, cornwall_html: str):
    say = words(nwl_html)[1]["How to have your say"]
    assert ("Consultation on Ealing Hospital's A&E and emergency wards, a formal public consultation from "
            "6 February 2017 to 5 May 2017: Eight boroughs, with public meetings in Ealing, Southall, Acton "
            "and Hanwell") in say
    assert "Healthwatch in the eight boroughs" in say
    assert "North West London Joint Health Overview and Scrutiny Committee" in say
    assert "your GP practice's patient group" not in say  # a fixed claim, not from the plan
    say = words(cornwall_html)[1]["How to have your say"]
    assert "from 2 October 2017 to 22 December 2017" in say


def test_a_plan_without_a_route_says_so_and_whom_to_contact(cornwall: PlanRun):
    plan = cornwall.plan.model_copy(update={"governance": Governance()})
    say = words(PlanRun.from_plan(plan).public_html(runs=0))[1]["How to have your say"]
    assert "The plan does not say how people can respond to it" in say
    assert "The organisation that plans and pays for care here is NHS Kernow CCG" in say
    assert "The plan does not list the decisions it depends on." in say


def test_decisions_are_told_by_their_status_and_dates_against_the_plans_years(cornwall: PlanRun):
    plan = cornwall.plan
    decisions = [
        # Planned, and due before 1 April 2016 when the plan's first year (2016/17) began.
        Decision(id="D1", title="Close the minor injury unit", level=DecisionLevel.PLACE,
                 taken_by="NHS Kernow governing body", date=date(2016, 2, 1)),
        Decision(id="D2", title="A new hospice contract", level=DecisionLevel.ORGANISATION,
                 organisations=["11N"]),  # planned, no date, no body named
        Decision(id="D3", title="The pathology network", level=DecisionLevel.ORGANISATION,
                 status=DecisionStatus.TAKEN, date=date(2016, 11, 3), organisations=["REF"]),
    ]
    changed = plan.model_copy(update={"governance": plan.governance.model_copy(update={"decisions": decisions})})
    html = PlanRun.from_plan(changed).public_html(runs=0)
    assert table(html, "Decisions already taken").rows == [
        ["3 November 2016", "The pathology network", "The board of Royal Cornwall Hospitals NHS Trust"]]
    assert table(html, "Decisions still to be taken").rows == [
        ["1 February 2016, before the plan began (not recorded as taken)", "Close the minor injury unit",
         "NHS Kernow governing body"],
        ["no date set", "A new hospice contract", "The board of NHS Kernow CCG"],
    ]


def test_every_service_line_has_words():
    assert set(LINE_UNITS) == set(ServiceLine)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans(kinds=SCHEME_KINDS))
def test_any_plans_page_names_places_and_care_in_words(data):
    run = PlanRun.from_plan(make_plan(data))
    text, sections = words(run.public_html(runs=0))
    plan = run.plan
    for name in sorted({o.name for o in plan.organisations} | {s.name for s in plan.schemes}, key=len, reverse=True):
        text = text.replace(name, "")  # generated names may be their codes
    codes = [o.code for o in plan.organisations] + [s.id for s in plan.schemes]
    assert not [c for c in codes if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)]
    assert not [line.value for line in ServiceLine if "_" in line.value and line.value in text]
    assert "How to have your say" in sections and "What changes near you" in sections


def _main(html: str) -> str:
    return re.search(r"<main>(.*)</main>", html, re.S).group(1)


@pytest.mark.parametrize("name", ["north_west_london", "cornwall_and_isles_of_scilly"])
def test_the_page_is_its_parts_joined(name: str, request):
    """The web service shows a publication's parts inside its own pages: they must be the page's
    sections exactly, each one section under its own heading, in the page's order."""
    run: PlanRun = request.getfixturevalue("nwl" if name == "north_west_london" else "cornwall")
    html = request.getfixturevalue("nwl_html" if name == "north_west_london" else "cornwall_html")
    parts = run.public_parts(runs=0)
    assert _main(html) == "".join(parts.values())
    # Both plans change services, by year; only North West London moves care between places.
    moves = ["moves"] if name == "north_west_london" else []
    assert list(parts) == ["about", "near_you", "when", *moves, "have_your_say"]
    assert [list(words(part)[1]) for part in parts.values()] == [
        [heading] for heading in ["About this plan", "What changes near you", "When",
                                  *(["Where care moves"] if moves else []), "How to have your say"]]
    assert all(part.startswith("<section><h2>") and part.endswith("</section>") for part in parts.values())


def test_a_plan_that_changes_nothing_has_no_when_or_moves_part():
    run = PlanRun.load(FIXTURES / "valid_small.yaml")
    parts = PlanRun.from_plan(run.plan.model_copy(update={"schemes": []})).public_parts(runs=0)
    assert list(parts) == ["about", "near_you", "have_your_say"]
    assert "does not change any local services" in parts["near_you"]
