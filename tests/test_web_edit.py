"""The form that edits a plan's schemes and key assumptions: a change saved is exactly the change
typed and moves the results; a bad value names its field and saves nothing; a save over someone
else's is refused keeping what was typed; only editors of the footprint reach it."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from stpkit.web import results
from stpkit.web.models import Revision, Role
from stpkit.web.revisions import new_revision, read_upload
from web_support import HOME, NEIGHBOUR, SMALL_PLAN, make_user, small_plan

# The small plan (tests/fixtures/valid_small.yaml): scheme 0 is REF-CIP-01, 4% off the unit cost
# of the acute trust REF, scheme 1 the CCG's admission avoidance; its years run 2016/17 to 2020/21.
CIP_SIZE = "schemes[0].size_pct"
DO_NOTHING_EFFICIENCY = "assumptions.provider_efficiency_do_nothing_pct.2018/19"


@pytest.fixture
def editor(web_db):
    return make_user("editor", Role.EDITOR, HOME)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(plan) -> str:
    return f"/plans/{plan.pk}/revisions/edit/"


def _form(page: str) -> dict[str, str]:
    """The form's fields with the values the page shows: what a browser would send back."""
    fields = {name: value for name, value in re.findall(r'<input[^>]* name="([^"]+)"[^>]* value="([^"]*)"', page)}
    for name, options in re.findall(r'<select[^>]* name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        fields[name] = re.search(r'<option value="([^"]*)" selected>', options).group(1)
    fields.pop("csrfmiddlewaretoken", None)
    return fields


def test_the_form_shows_the_latest_revisions_schemes_and_assumptions(editor):
    plan = small_plan(editor)
    response = _client(editor).get(_url(plan))
    assert response.status_code == 200
    page = response.content.decode()
    fields = _form(page)
    assert fields[CIP_SIZE] == "4" and fields["schemes[0].phasing_pct.2017/18"] == "25"
    assert fields["schemes[0].capital_gbp000.2017/18"] == "1200"
    assert fields["schemes[0].owner"] == "REF" and fields["schemes[0].evidence"] == "moderate"
    assert fields["schemes[1].phasing_pct.2019/20"] == ""  # not phased that year
    assert fields[DO_NOTHING_EFFICIENCY] == "0"  # the national value, as the plan overrides none
    assert fields["base_version"] == "1"
    # Each box has a label with its unit, or a year within a fieldset that has one.
    assert '<label class="nhsuk-label" for="schemes-0-size-pct">Size (%)</label>' in page
    assert '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Capital (£000)</legend>' in page
    # The plan page links to it for an editor.
    assert f'href="{_url(plan)}"' in _client(editor).get(f"/plans/{plan.pk}/").content.decode()


def test_a_scheme_and_an_assumption_changed_make_a_revision_with_just_those_changes(editor):
    plan = small_plan(editor)
    client = _client(editor)
    fields = _form(client.get(_url(plan)).content.decode())
    fields |= {CIP_SIZE: "6", DO_NOTHING_EFFICIENCY: "3.5", "message": "bigger CIP, efficiency in 2018/19"}
    response = client.post(_url(plan), fields)
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.pk}/revisions/?saved=2"
    before, after = (plan.revisions.get(number=n) for n in (1, 2))
    assert after.message == "bigger CIP, efficiency in 2018/19" and after.author == editor
    expected = dict(before.document)
    expected["schemes"] = [dict(before.document["schemes"][0], size_pct=6.0), before.document["schemes"][1]]
    expected["assumptions"] = dict(before.document["assumptions"],
                                   provider_efficiency_do_nothing_pct={"2018/19": 3.5})
    assert after.document == expected

    old, new = (results.central(r).results for r in (before, after))
    ref_before = next(o for o in old["organisations"] if o["code"] == "REF")
    # Cost improvement of 3.5% in 2018/19 in the do-nothing takes 3.5% off REF's do-nothing cost
    # that year (about £304m: 0.035 x 303,987 = 10,639.5); schemes do not touch the do-nothing.
    year = old["years"].index("2018/19")
    rise = new["consolidated"]["do_nothing_gbp000"][year] - old["consolidated"]["do_nothing_gbp000"][year]
    assert rise == pytest.approx(0.035 * ref_before["expenditure_gbp000"]["do_nothing"][year], rel=1e-9)
    assert rise == pytest.approx(10_639.5, abs=0.1)
    assert new["consolidated"]["do_nothing_gbp000"][0] == old["consolidated"]["do_nothing_gbp000"][0]
    # With the plan, the bigger CIP (6% of REF's cost, not 4%) adds about 2% of £280m at base-year
    # prices (5,600) in the final year, on top of what the efficiency does there.
    efficiency_alone = new["consolidated"]["do_nothing_gbp000"][-1] - old["consolidated"]["do_nothing_gbp000"][-1]
    with_plan_rise = new["consolidated"]["with_plan_gbp000"][-1] - old["consolidated"]["with_plan_gbp000"][-1]
    assert with_plan_rise > 5_600 + 0.9 * efficiency_alone


@pytest.mark.parametrize(
    ("field", "typed", "says"),
    [
        (CIP_SIZE, "-3", "Carter productivity programme (REF-CIP-01): Size (%): Input should be greater than 0"),
        (CIP_SIZE, "four", "Size (%): Input should be a valid number"),
        ("schemes[1].delivery_pct", "150", "Expected delivery (%): Input should be less than 100"),
        ("schemes[0].phasing_pct.2017/18", "35", "(REF-CIP-01): Phasing (%): phasing adds up to 110%"),
        (DO_NOTHING_EFFICIENCY, "-50",
         "Provider cost improvement in the do-nothing (% of cost per year): 2018/19: expected -20 to 20"),
    ],
)
def test_a_bad_value_is_named_at_its_field_and_nothing_is_saved(editor, field, typed, says):
    plan = small_plan(editor)
    client = _client(editor)
    fields = _form(client.get(_url(plan)).content.decode()) | {field: typed, "message": "my try"}
    response = client.post(_url(plan), fields)
    assert response.status_code == 422
    page = response.content.decode()
    assert "nothing was saved" in page
    summary = re.search(r'<ul class="nhsuk-list nhsuk-error-summary__list">(.*?)</ul>', page, re.S).group(1)
    assert says in summary
    # The summary links to the box, whose group is marked and which keeps what was typed.
    box = re.sub(r"[^A-Za-z0-9]+", "-", field).strip("-")
    if "phasing" not in says:
        assert f'href="#{box}"' in summary
        assert f'id="{box}-error"' in page and f'aria-describedby="{box}-hint {box}-error"' in page \
            or f'aria-describedby="{box}-error"' in page
    assert _form(page)[field] == typed and "my try" in page
    assert plan.revisions.count() == 1


def test_a_phasing_that_does_not_add_up_is_shown_on_the_phasing(editor):
    plan = small_plan(editor)
    client = _client(editor)
    fields = _form(client.get(_url(plan)).content.decode()) | {"schemes[0].phasing_pct.2017/18": "35"}
    page = client.post(_url(plan), fields).content.decode()
    assert 'href="#schemes-0-phasing-pct-2017-18"' in page  # the first box of the years
    assert '<span class="nhsuk-error-message" id="schemes-0-phasing-pct-error">' in page


def test_saving_nothing_changed_is_refused(editor):
    plan = small_plan(editor)
    client = _client(editor)
    response = client.post(_url(plan), _form(client.get(_url(plan)).content.decode()))
    assert response.status_code == 422 and "nothing was changed" in response.content.decode()
    assert plan.revisions.count() == 1


def test_two_editors_from_the_same_revision_the_second_is_refused_and_keeps_their_input(editor):
    plan = small_plan(editor)
    colleague = make_user("colleague", Role.EDITOR, HOME)
    mine, theirs = _client(editor), _client(colleague)
    my_form = _form(mine.get(_url(plan)).content.decode())
    their_form = _form(theirs.get(_url(plan)).content.decode())
    # The colleague saves first: the admission avoidance scheme now weak -> moderate evidence,
    # and the CIP's size 5.
    their_form |= {"schemes[1].evidence": "moderate", CIP_SIZE: "5", "message": "theirs"}
    assert theirs.post(_url(plan), their_form).status_code == 302
    # I typed a CIP of 7 and the do-nothing efficiency, from revision 1 too.
    my_form |= {CIP_SIZE: "7", DO_NOTHING_EFFICIENCY: "1.5", "message": "mine"}
    response = mine.post(_url(plan), my_form)
    assert response.status_code == 409
    page = response.content.decode()
    assert "revision 2 by colleague" in page and "theirs" in page
    assert plan.revisions.count() == 2  # nothing of mine saved, nothing of theirs lost
    shown = _form(page)
    assert shown[CIP_SIZE] == "7" and shown[DO_NOTHING_EFFICIENCY] == "1.5" and "mine" in page
    assert shown["schemes[1].evidence"] == "moderate"  # their change shows where I changed nothing
    assert "Changed meanwhile to 5; your value is kept" in page  # the field we both changed
    assert shown["base_version"] == "2" and shown["started_from"] == "1"
    # Saving again puts my two changes, and only them, onto revision 2.
    response = mine.post(_url(plan), shown | {"message": "mine"})
    assert response.status_code == 302
    second, third = plan.revisions.get(number=2).document, plan.revisions.get(number=3).document
    assert third["schemes"][0]["size_pct"] == 7.0 and third["schemes"][1]["evidence"] == "moderate"
    assert third["assumptions"]["provider_efficiency_do_nothing_pct"] == {"2018/19": 1.5}
    assert dict(third, schemes=second["schemes"], assumptions=second["assumptions"]) == second


def test_a_save_that_loses_the_race_after_the_check_is_refused_too(editor, monkeypatch):
    """Someone saves between the form's look at the version and the save itself: the
    compare-and-swap in ``new_revision`` refuses it."""
    plan = small_plan(editor)
    client = _client(editor)
    fields = _form(client.get(_url(plan)).content.decode()) | {CIP_SIZE: "7"}
    from stpkit.web.views import plans as views

    def racing(*args, **kwargs):
        new_revision(make_user("colleague", Role.EDITOR, HOME), plan, SMALL_PLAN, base_version=1, message="theirs")
        return read_upload(*args, **kwargs)

    monkeypatch.setattr(views, "read_upload", racing)
    response = client.post(_url(plan), fields)
    assert response.status_code == 409 and "revision 2 by colleague" in response.content.decode()
    assert _form(response.content.decode())[CIP_SIZE] == "7"
    assert Revision.objects.filter(plan=plan).count() == 2


@pytest.mark.parametrize(("role", "footprint", "region"), [
    (Role.REGIONAL_REVIEWER, None, "South West"),  # reads the plan, may not change it
    (Role.EDITOR, NEIGHBOUR, ""),  # another footprint's editor
])
def test_only_the_footprints_editors_may_edit(editor, role, footprint, region):
    plan = small_plan(editor)
    client = _client(make_user("someone", role, footprint, region))
    form = _form(_client(editor).get(_url(plan)).content.decode()) | {CIP_SIZE: "7"}
    denied = 403 if role == Role.REGIONAL_REVIEWER else 404
    assert client.get(_url(plan)).status_code == denied
    assert client.post(_url(plan), form).status_code == denied
    assert plan.revisions.count() == 1
    if role == Role.REGIONAL_REVIEWER:
        assert _url(plan) not in client.get(f"/plans/{plan.pk}/").content.decode()



def test_a_change_to_a_scheme_removed_meanwhile_is_said_to_be_lost(editor):
    plan = small_plan(editor)
    client = _client(editor)
    fields = _form(client.get(_url(plan)).content.decode()) | {"schemes[1].size_pct": "5"}
    without_the_second_scheme = SMALL_PLAN[: SMALL_PLAN.index("  - id: 11N-NEL-01")]
    new_revision(make_user("colleague", Role.EDITOR, HOME), plan, without_the_second_scheme, base_version=1)
    response = client.post(_url(plan), fields)
    assert response.status_code == 409
    assert "Your changes to scheme 11N-NEL-01 cannot be kept: it is no longer in the plan" in response.content.decode()
    assert plan.revisions.count() == 2
