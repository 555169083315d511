"""The key journeys in a real browser (headless Chromium through Playwright), against a live
server: sign in -> my footprint -> the plan page's tabs -> upload a new revision (a bad one
first) -> revision history -> the comparison of the two revisions; and editing a scheme and an
assumption in the form (a bad value first). Every page has no axe-core violations at WCAG 2.2 AA,
and the same journeys work with JavaScript turned off."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from stpkit.web import transitions, workflow
from stpkit.web.models import Role
from web_support import HOME, SMALL_PLAN, make_user, signed_off, signed_off_plan, small_plan

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
TABS = ["Summary", "Bridge", "Risk", "Schemes", "Beds", "A&E", "Workforce", "Capital", "Findings", "Three gaps"]


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the test's own database calls
    # (made before each page is opened) are not made from inside it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


class Accessibility:
    """Runs axe-core on what a page shows. axe needs JavaScript (its checks wait on timers, which
    never fire where scripts are off), so a page seen without JavaScript is checked as a copy of
    its HTML in a page of the same site whose own scripts are blocked: the same document, laid
    out as it is without them."""

    def __init__(self, browser, base_url: str, javascript: bool):
        self.checker = None
        if not javascript:
            context = browser.new_context(base_url=base_url)
            context.route("**/*.js", lambda route: route.abort())
            self.checker = context.new_page()
            self.checker.goto("/sign-in/")  # the site's origin, so that its styles load

    def check(self, page, disable: tuple[str, ...] | list[str] = ()) -> None:
        from axe_playwright_python.sync_playwright import Axe

        checked = page
        if self.checker is not None:
            self.checker.set_content(page.content())
            checked = self.checker
        options = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"],
                   "rules": {rule: {"enabled": False} for rule in disable}}
        found = Axe().run(checked, options=options)
        assert found.violations_count == 0, f"{page.url}\n{found.generate_report()}"


def _visit(browser, live_server, javascript: bool):
    """A new browser on the site: its context, its page, the script errors and anything the
    Content-Security-Policy blocked (collected as the page goes), and the axe-core check."""
    context = browser.new_context(java_script_enabled=javascript, base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if "Content Security" in message.text else None)
    return context, page, errors, Accessibility(browser, live_server.url, javascript).check


def _sign_in(page, name: str, password: str | None = None) -> None:
    """Sign in on the sign-in page (a test user's password is its name and -Pa55word!)."""
    page.goto("/sign-in/")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password or f"{name}-Pa55word!")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_sign_in_read_the_plan_upload_a_revision(browser, live_server, web_transactional_db, javascript, tmp_path):
    editor = make_user("editor", Role.EDITOR, HOME)
    plan = small_plan(editor)
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL_PLAN.replace("base_year: 2016/17", "base_year: 2016-17"), "utf-8")
    good = tmp_path / "better.yaml"
    good.write_text(SMALL_PLAN.replace("title:", "title: Better", 1), "utf-8")

    context, page, errors, _no_violations = _visit(browser, live_server, javascript)
    page.goto("/")
    assert page.url.endswith("/sign-in/?next=/")
    _no_violations(page)
    page.get_by_label("User name").fill("editor")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("enter a correct username and password").first.is_visible()
    _no_violations(page)
    page.get_by_label("Password").fill("editor-Pa55word!")
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("heading", name="My footprint").is_visible()
    _no_violations(page)
    page.get_by_role("link", name=plan.title).click()

    page.wait_for_url(f"**/plans/{plan.pk}/")
    _no_violations(page)
    for label in TABS:
        tab = page.locator("a.nhsuk-tabs__tab", has_text=re.compile(f"^\\s*{re.escape(label)}\\s*$"))
        panel = page.locator(f"div.nhsuk-tabs__panel#{tab.get_attribute('href').lstrip('#')}")
        if javascript:
            tab.click()
            assert tab.get_attribute("aria-selected") == "true"
        assert panel.is_visible(), label  # without JavaScript every panel shows, one after another
        assert panel.locator("h2").first.is_visible()
    if javascript:
        _no_violations(page)  # the tabs as the script lays them out
    assert page.locator("#bridge figure#bridge svg").count() == 1

    page.get_by_role("link", name="Upload a new revision").click()
    page.wait_for_url(f"**/plans/{plan.pk}/revisions/new/")
    _no_violations(page)
    page.get_by_label("Plan file or submission workbook").set_input_files(str(bad))
    page.get_by_label("What changed in this revision").fill("tidied the schemes")
    page.get_by_role("button", name="Save the new revision").click()
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()  # the refused page has come back
    assert re.search(r"bad\.yaml:\d+: base_year: ", summary.inner_text())
    assert page.get_by_label("What changed in this revision").input_value() == "tidied the schemes"
    _no_violations(page)
    assert plan.revisions.count() == 1

    page.get_by_label("Plan file or submission workbook").set_input_files(str(good))
    page.get_by_role("button", name="Save the new revision").click()
    page.wait_for_url(f"**/plans/{plan.pk}/revisions/?saved=2")
    assert page.get_by_text("Revision 2 saved").is_visible()
    assert page.get_by_role("cell", name="tidied the schemes").is_visible()
    _no_violations(page)
    assert plan.revisions.count() == 2

    page.get_by_role("link", name="Compare revision 2 with revision 1").click()
    page.wait_for_url(f"**/plans/{plan.pk}/compare/?from=1&to=2")
    assert page.get_by_role("heading", name="Revision 2 against revision 1").is_visible()
    title = page.locator("tr", has=page.get_by_role("cell", name="Title", exact=True))
    assert title.locator("td").last.inner_text().startswith("Better")
    _no_violations(page)
    # The form chooses the revisions with a GET, script or no script.
    page.get_by_label("From (the earlier revision)").select_option("2")
    page.get_by_label("To (the later revision)").select_option("2")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(f"**/plans/{plan.pk}/compare/?from=2&to=2")
    assert page.get_by_text("Nothing in the inputs changed").is_visible()
    _no_violations(page)

    page.get_by_role("link", name="Audit trail").click()
    page.wait_for_url(f"**/plans/{plan.pk}/audit/")
    assert page.get_by_role("cell", name="tidied the schemes").is_visible()
    _no_violations(page)

    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
    # Nothing failed but the design system's Frutiger web font, which its CSS loads from
    # assets.nhs.uk: the Content-Security-Policy allows nothing from other sites, and the pages
    # fall back to Arial, as the design system does where the font does not load.
    assert [e for e in errors if "assets.nhs.uk/fonts/" not in e] == []
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_an_administrator_adds_a_user_who_then_signs_in(browser, live_server, web_transactional_db, javascript):
    make_user("admin", Role.ADMINISTRATOR)
    plan = small_plan(make_user("author", Role.EDITOR, HOME))
    context, page, errors, _no_violations = _visit(browser, live_server, javascript)

    _sign_in(page, "admin")
    page.get_by_role("link", name="Users").click()
    page.wait_for_url("**/users/")
    _no_violations(page)
    page.get_by_role("button", name="Add a user").click()
    page.wait_for_url("**/users/new/")
    _no_violations(page)
    page.get_by_label("User name").fill("new-editor")
    page.get_by_label("Email address").fill("new.editor@nhs.net")
    page.get_by_label("Full name").fill("Ann Other")
    page.get_by_label("Footprint editor").check()
    page.get_by_role("button", name="Add the user").click()
    summary = page.locator(".nhsuk-error-summary")
    assert "Choose the footprint of the footprint editor" in summary.inner_text()
    assert page.get_by_label("User name").input_value() == "new-editor"  # what was typed is kept
    _no_violations(page)
    page.get_by_label("Footprint", exact=True).select_option(HOME)
    page.get_by_role("button", name="Add the user").click()
    password = page.locator("#one-time-password").inner_text()
    _no_violations(page)
    page.get_by_role("link", name="new-editor: memberships and account").click()
    assert page.get_by_role("cell", name="Cornwall and the Isles of Scilly", exact=True).is_visible()
    _no_violations(page)
    page.get_by_label("Regional reviewer").check()
    page.get_by_role("button", name="Add the membership").click()  # without its region
    assert "Choose the region of the regional reviewer" in page.locator(".nhsuk-error-summary").inner_text()
    _no_violations(page)
    page.get_by_label("Region", exact=True).select_option("South West")
    page.get_by_role("button", name="Add the membership").click()
    assert page.get_by_text("Membership added").is_visible()
    assert page.get_by_role("cell", name="South West", exact=True).is_visible()
    _no_violations(page)
    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")

    page.get_by_label("User name").fill("new-editor")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("link", name=plan.title).is_visible()
    assert page.get_by_role("link", name="Users").count() == 0  # not an administrator
    assert [e for e in errors if "assets.nhs.uk/fonts/" not in e] == []
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_edit_a_scheme_and_an_assumption_in_the_form(browser, live_server, web_transactional_db, javascript):
    """The plan page -> the editing form -> a value that is not a number (the error summary links
    to its box) -> a good value saved as revision 2."""
    editor = make_user("editor", Role.EDITOR, HOME)
    plan = small_plan(editor)
    context, page, errors, _no_violations = _visit(browser, live_server, javascript)
    _sign_in(page, "editor")
    page.goto(f"/plans/{plan.pk}/")
    page.get_by_role("link", name="Edit schemes and assumptions").click()
    page.wait_for_url(f"**/plans/{plan.pk}/revisions/edit/")
    _no_violations(page)

    cip = page.get_by_role("group", name="Carter productivity programme (REF-CIP-01)")
    cip.get_by_label("Size (%)").fill("six")
    page.get_by_label("What changed in this revision").fill("bigger CIP")
    page.get_by_role("button", name="Save the new revision").click()
    summary = page.locator(".nhsuk-error-summary")
    assert summary.is_visible()
    assert "Size (%): Input should be a valid number" in summary.inner_text()
    assert cip.get_by_label("Size (%)").input_value() == "six"
    _no_violations(page)
    summary.get_by_role("link").first.click()
    if javascript:  # the design system's script moves the focus to the box
        assert page.evaluate("document.activeElement.id") == "schemes-0-size-pct"
    else:
        assert page.url.endswith("#schemes-0-size-pct")
    assert plan.revisions.count() == 1

    cip.get_by_label("Size (%)").fill("6")
    efficiency = page.get_by_role("group", name=re.compile("^Provider cost improvement in the do-nothing"))
    efficiency.get_by_label("2018/19").fill("3.5")
    page.get_by_role("button", name="Save the new revision").click()
    page.wait_for_url(f"**/plans/{plan.pk}/revisions/?saved=2")
    assert page.get_by_role("cell", name="bigger CIP").is_visible()
    document = plan.revisions.get(number=2).document
    assert document["schemes"][0]["size_pct"] == 6.0
    assert document["assumptions"]["provider_efficiency_do_nothing_pct"] == {"2018/19": 3.5}
    assert [e for e in errors if "assets.nhs.uk/fonts/" not in e] == []  # the font is blocked, as it should be
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_the_assurance_cycle_from_submission_to_publication(browser, live_server, web_transactional_db, javascript,
                                                           tmp_path):
    """Every step through the pages, checked by axe-core: the lead submits; a reviewer opens the
    review, challenges a finding (a challenge without its question first), comments, proposes a
    rating and returns the plan; the editor uploads a new revision and answers the challenge; the
    lead submits again; the reviewer agrees; the lead publishes; a visitor reads it, signed out."""
    from stpkit.web.models import ChallengeAnswer, PlanState, Publication, ReviewMark, Transition

    make_user("editor", Role.EDITOR, HOME)
    make_user("lead", Role.LEAD, HOME)
    make_user("reviewer", Role.REGIONAL_REVIEWER, region="South West")
    plan = signed_off_plan(make_user("author", Role.EDITOR, HOME))

    context, page, errors, _no_violations = _visit(browser, live_server, javascript)

    def as_user(name: str) -> None:
        if page.get_by_role("link", name="Sign out").count():
            page.get_by_role("link", name="Sign out").click()
            page.get_by_role("button", name="Sign out").click()
            page.wait_for_url("**/sign-in/")
        _sign_in(page, name)
        page.goto(f"/plans/{plan.pk}/")

    def move(label: str, reason: str = "") -> None:
        form = page.locator("form", has=page.get_by_role("button", name=label))
        if reason:
            form.get_by_label(re.compile("Why")).fill(reason)
        form.get_by_role("button", name=label).click()
        page.wait_for_url(re.compile(rf"/plans/{plan.pk}/\?moved=\d+$"))
        _no_violations(page)

    as_user("lead")
    _no_violations(page)
    move("Submit to NHS England")
    assert page.get_by_text("Submitted", exact=True).is_visible()

    as_user("reviewer")
    move("Open the review")
    page.get_by_role("link", name="Reviews").click()
    page.get_by_role("link", name="Review of revision 1").click()
    page.wait_for_url(re.compile(r"/reviews/\d+/$"))
    _no_violations(page)
    mark = page.locator("form", has=page.get_by_role("button", name="Save the mark on item 1"))
    mark.get_by_label("Challenged").check()
    mark.get_by_role("button", name="Save the mark on item 1").click()
    summary = page.locator(".nhsuk-error-summary")
    assert "Write the question" in summary.inner_text()  # nothing saved without the question
    _no_violations(page)
    assert not ReviewMark.objects.exists()
    mark = page.locator("form", has=page.get_by_role("button", name="Save the mark on item 1"))
    mark.get_by_label("Challenged").check()
    mark.get_by_role("textbox").fill("How will you close the last £44m?")
    mark.get_by_role("button", name="Save the mark on item 1").click()
    page.get_by_text("Mark: Challenged").wait_for()  # each form's page has come back before the next
    page.get_by_label("What the comment is about").select_option(label="REF-CIP-01: Carter productivity programme")
    page.get_by_label("Comment", exact=True).fill("Carter savings look early.")
    page.get_by_role("button", name="Add the comment").click()
    page.get_by_text("Carter savings look early.").wait_for()
    page.get_by_label("Making progress").check()
    page.get_by_label("Why").fill("the gap stays")
    page.get_by_role("button", name="Propose the rating").click()
    page.get_by_text("Proposed by the reviewer: Making progress").wait_for()
    _no_violations(page)
    page.goto(f"/plans/{plan.pk}/")
    move("Return to the footprint", "Answer the challenge on the final year's gap.")

    as_user("editor")
    page.get_by_role("link", name="Upload a new revision").click()
    answer = tmp_path / "answer.yaml"
    answer.write_text(signed_off().replace("(test plan)", "(answers the challenge)"), "utf-8")
    page.get_by_label("Plan file or submission workbook").set_input_files(str(answer))
    page.get_by_label("What changed in this revision").fill("answers the A01 challenge")
    page.get_by_role("button", name="Save the new revision").click()
    page.wait_for_url(f"**/plans/{plan.pk}/revisions/?saved=2")
    page.goto(f"/plans/{plan.pk}/reviews/")
    page.get_by_role("link", name="Review of revision 1").click()
    page.wait_for_url(re.compile(r"/reviews/\d+/$"))
    page.get_by_label("Your answer to the challenge on item 1 (A01)").fill("The new revision phases REF-CIP-01 later.")
    page.get_by_role("button", name="Answer the challenge on item 1").click()
    page.get_by_text("The new revision phases REF-CIP-01 later.").wait_for()
    _no_violations(page)
    assert ChallengeAnswer.objects.get().revision.number == 2

    as_user("lead")
    move("Submit to NHS England")
    as_user("reviewer")
    move("Open the review")
    move("Agree the plan")
    as_user("lead")
    move("Publish the plan")

    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
    page.goto(f"/footprints/{HOME}/plan")
    assert page.get_by_role("heading", name="About this plan").is_visible()
    assert page.get_by_role("link", name="Sign out").count() == 0
    _no_violations(page)
    plan.refresh_from_db()
    assert plan.state == PlanState.PUBLISHED
    assert Publication.objects.get().revision.number == 2  # the revision agreed, not the one returned
    assert list(Transition.objects.filter(plan=plan).values_list("action", flat=True)) == [
        "submit", "open_review", "return", "submit", "open_review", "agree", "publish"]
    assert [e for e in errors if "assets.nhs.uk/fonts/" not in e] == []  # the font the policy blocks, as above
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_running_risk_runs_show_their_progress_and_the_page_reloads_itself(browser, live_server,
                                                                           web_transactional_db, javascript):
    from stpkit.web import results
    from stpkit.web.models import Job
    from stpkit.web.views.plans import PAGE_RUNS, PAGE_SEED

    editor = make_user("editor", Role.EDITOR, HOME)
    plan = small_plan(editor)
    job = Job.objects.create(revision=plan.revisions.get(), parameter_version=results.parameter_version(),
                             runs=PAGE_RUNS, seed=PAGE_SEED, state=Job.State.RUNNING, progress=0.4)
    context, page, errors, _no_violations = _visit(browser, live_server, javascript)
    _sign_in(page, "editor")

    page.goto(f"/plans/{plan.pk}/#risk")
    assert page.get_by_label("Running: 40% of 2,000 runs done.").get_attribute("value") == "40"
    _no_violations(page)
    # The reader asks for the page to reload itself (a meta refresh, no script); the worker gets
    # further and the page shows it without anyone touching it.
    page.get_by_role("link", name="Reload this page every 5 seconds until they are done").click()
    page.wait_for_url(f"**/plans/{plan.pk}/?refresh=on#risk")
    Job.objects.filter(pk=job.pk).update(progress=0.8)
    page.get_by_label("Running: 80% of 2,000 runs done.").wait_for()
    # axe fails every timed meta refresh (WCAG 2.2.1); this one the reader turned on, and the page
    # offers to turn it off, which 2.2.1 allows. Everything else on the page is checked.
    _no_violations(page, disable=["meta-refresh"])
    assert page.get_by_role("link", name="Stop reloading").is_visible()
    assert [e for e in errors if "assets.nhs.uk/fonts/" not in e] == []  # the font: see the journey above
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_the_centres_dashboard(browser, live_server, web_transactional_db, javascript):
    """A national reviewer: my footprint -> the dashboard (with the stored national total and its
    map) -> sort by a column -> filter a region -> make a round (a bad one first) -> the round's
    submissions."""
    import json

    from stpkit.api import NationalRun
    from stpkit.national.rollup import national_challenge
    from stpkit.outputs.json_text import json_text
    from stpkit.web import centre, results
    from stpkit.web.models import NationalResult

    make_user("national", Role.NATIONAL_REVIEWER)
    small_plan(make_user("editor", Role.EDITOR, HOME))
    run = NationalRun.run(runs=0)  # nothing submitted: every footprint illustrative
    key, pairs = centre.national_key([])
    NationalResult.objects.create(
        key=key, revisions=pairs, parameter_version=results.parameter_version(), runs=centre.NATIONAL_RUNS,
        seed=centre.NATIONAL_SEED, document=json.loads(json_text(run.document())),
        challenge_gbp000=national_challenge(run.params, run.result.horizon), map_svg=run.map_svg(), seconds=1)

    context, page, errors, _no_violations = _visit(browser, live_server, javascript)
    _sign_in(page, "national")
    page.get_by_role("link", name="The centre's dashboard").first.click()  # in the header; also on the page

    page.wait_for_url("**/centre/")
    assert page.locator("tbody tr").count() == 44
    assert page.locator("img.national-map").evaluate("image => image.complete && image.naturalWidth > 0")
    _no_violations(page)
    page.get_by_role("link", name="With the plan").click()
    page.wait_for_url("**/centre/?sort=with_plan&order=ascending")
    assert page.locator("th[aria-sort=ascending]").inner_text() == "With the plan"
    page.get_by_label("Region").select_option("South West")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"region=South\+West"))
    assert page.locator("tbody tr").count() == 7  # the South West's footprints
    _no_violations(page)

    page.get_by_role("link", name="Submission rounds").click()
    page.get_by_label("Name").fill("June 2016 submission")
    page.get_by_label("Opens on").fill("2016-06-30")
    page.get_by_label("Due on").fill("2016-06-01")
    page.get_by_role("button", name="Make the round").click()
    assert page.locator(".nhsuk-error-summary").is_visible()
    _no_violations(page)
    page.get_by_label("Opens on").fill("2016-06-01")
    page.get_by_label("Due on").fill("2016-06-30")
    page.get_by_role("button", name="Make the round").click()
    page.wait_for_url(re.compile(r"/centre/\?round=\d+$"))
    assert page.get_by_role("link", name="In the round").is_visible()
    assert page.locator("tbody tr", has_text="Cornwall").locator("td").last.inner_text() == "overdue"
    _no_violations(page)
    assert [e for e in errors if "assets.nhs.uk/fonts/" not in e] == []  # the font the policy blocks, as above
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_a_visitor_reads_a_published_plan(browser, live_server, web_transactional_db, javascript):
    lead = make_user("lead", Role.LEAD, HOME)
    reviewer = make_user("national", Role.NATIONAL_REVIEWER)
    plan = signed_off_plan(lead)
    for user, action in ((lead, transitions.SUBMIT), (reviewer, transitions.OPEN_REVIEW),
                         (reviewer, transitions.AGREE), (lead, transitions.PUBLISH)):
        plan.refresh_from_db()
        workflow.act(user, plan, action, plan.step)

    context, page, errors, _no_violations = _visit(browser, live_server, javascript)
    page.goto("/footprints/")
    assert page.get_by_role("heading", name="South West").is_visible()
    _no_violations(page)
    page.get_by_role("link", name="Cornwall and the Isles of Scilly").click()
    page.wait_for_url(f"**/footprints/{HOME}/plan")
    assert page.get_by_role("heading", name="About this plan").is_visible()
    assert page.get_by_role("link", name="Sign out").count() == 0
    _no_violations(page)
    context.close()
