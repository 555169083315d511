"""The key journeys in a real browser (headless Chromium through Playwright), against a live
server: sign in -> my footprint -> the plan page's tabs -> upload a new revision (a bad one
first) -> revision history -> the comparison of the two revisions. Every page has no axe-core
violations at WCAG 2.2 AA, and the same journey works with JavaScript turned off."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from stpkit.web import transitions, workflow
from stpkit.web.models import Role
from stpkit.web.revisions import create_plan
from web_support import HOME, SMALL_PLAN, make_user, signed_off, small_plan

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

    def check(self, page) -> None:
        from axe_playwright_python.sync_playwright import Axe

        checked = page
        if self.checker is not None:
            self.checker.set_content(page.content())
            checked = self.checker
        options = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
        found = Axe().run(checked, options=options)
        assert found.violations_count == 0, f"{page.url}\n{found.generate_report()}"


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_sign_in_read_the_plan_upload_a_revision(browser, live_server, web_transactional_db, javascript, tmp_path):
    editor = make_user("editor", Role.EDITOR, HOME)
    plan = small_plan(editor)
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL_PLAN.replace("base_year: 2016/17", "base_year: 2016-17"), "utf-8")
    good = tmp_path / "better.yaml"
    good.write_text(SMALL_PLAN.replace("title:", "title: Better", 1), "utf-8")

    context = browser.new_context(java_script_enabled=javascript, base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []  # script errors, and anything the Content-Security-Policy blocked
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if "Content Security" in message.text else None)

    _no_violations = Accessibility(browser, live_server.url, javascript).check
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
    _no_violations(page)
    page.get_by_label("Plan file or submission workbook").set_input_files(str(bad))
    page.get_by_label("What changed in this revision").fill("tidied the schemes")
    page.get_by_role("button", name="Save the new revision").click()
    summary = page.locator(".nhsuk-error-summary")
    assert summary.is_visible()
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
def test_a_visitor_reads_a_published_plan(browser, live_server, web_transactional_db, javascript):
    lead = make_user("lead", Role.LEAD, HOME)
    reviewer = make_user("national", Role.NATIONAL_REVIEWER)
    plan = create_plan(lead, signed_off(), "signed off", name="plan.yaml").plan
    for user, action in ((lead, transitions.SUBMIT), (reviewer, transitions.OPEN_REVIEW),
                         (reviewer, transitions.AGREE), (lead, transitions.PUBLISH)):
        plan.refresh_from_db()
        workflow.act(user, plan, action, plan.step)

    context = browser.new_context(java_script_enabled=javascript, base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    _no_violations = Accessibility(browser, live_server.url, javascript).check
    page.goto("/footprints/")
    assert page.get_by_role("heading", name="South West").is_visible()
    _no_violations(page)
    page.get_by_role("link", name="Cornwall and the Isles of Scilly").click()
    page.wait_for_url(f"**/footprints/{HOME}/plan")
    assert page.get_by_role("heading", name="About this plan").is_visible()
    assert page.get_by_role("link", name="Sign out").count() == 0
    _no_violations(page)
    context.close()
