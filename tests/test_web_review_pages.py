"""The review page, through Django's test client: a reviewer marks, challenges, comments and
proposes a rating with forms that work without JavaScript; a bad form saves nothing and says why
on the page; the footprint answers each challenge once the plan is back with a new revision."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from stpkit.web import transitions
from stpkit.web.models import ChallengeAnswer, Mark, RatingProposal, ReviewComment, ReviewMark, Role
from web_support import HOME, make_user, move, signed_off, signed_off_plan


@pytest.fixture
def people(web_db):
    return {
        "editor": make_user("editor", Role.EDITOR, HOME),
        "lead": make_user("lead", Role.LEAD, HOME),
        "reviewer": make_user("reviewer", Role.REGIONAL_REVIEWER, region="South West"),
    }


@pytest.fixture
def opened(people):
    """A plan submitted by its lead and in review: its checklist is stp check's findings on
    tests/fixtures/valid_small.yaml (A01, A05, A11, A13, A25, A26)."""
    plan = signed_off_plan(people["editor"])
    move(plan, people["lead"], transitions.SUBMIT)
    review = move(plan, people["reviewer"], transitions.OPEN_REVIEW).review
    return plan, review



def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _item(review, rule):
    return review.items.get(rule=rule)


def _urls(plan, review):
    base = f"/plans/{plan.pk}/reviews/{review.pk}/"
    return {"page": base, "comment": base + "comments/", "rating": base + "ratings/",
            "mark": lambda item: f"{base}items/{item.pk}/mark/",
            "answer": lambda mark: f"{base}challenges/{mark.pk}/answer/"}


def _open_challenges_on_my_footprint(client) -> str:
    """The last cell of the plan's row on "my footprint": its open challenges."""
    row = re.search(r"<tbody.*?</tr>", client.get("/").content.decode(), re.S).group(0)
    return re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[-1].strip()


def test_a_reviewer_marks_challenges_comments_and_rates(opened, people):
    plan, review = opened
    urls, client = _urls(plan, review), _client(people["reviewer"])
    a01, a11, a13 = _item(review, "A01"), _item(review, "A11"), _item(review, "A13")
    page = client.get(urls["page"]).content.decode()
    # The finding's numbers as a reader says them: A01's with_plan_gbp000 -65,441.8 (£000) is
    # -£65.4m, its closed_by_plan_gbp000 14,518.7 is £14.5m and gap_closed_pct 18.157 is 18.2%.
    assert "With plan" in page and "-£65.4m" in page and "£14.5m" in page and "18.2%" in page
    assert "Save the mark on item 1" in page and "Add the comment" in page and "Propose the rating" in page

    response = client.post(urls["mark"](a11), {"mark": Mark.ACCEPTED})
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{a11.pk}")
    client.post(urls["mark"](a11), {"mark": Mark.NOT_APPLICABLE})
    client.post(urls["mark"](a01), {"mark": Mark.CHALLENGED, "question": "How will you close the last £65m?"})
    response = client.post(urls["comment"], {"about": "scheme:REF-CIP-01", "text": "Carter savings look early."})
    assert response.status_code == 302 and response["Location"].endswith("#comments")
    client.post(urls["rating"], {"category": "advanced", "reason": "first look"})
    response = client.post(urls["rating"], {"category": "making_progress", "reason": "the gap stays"})
    assert response.status_code == 302 and response["Location"].endswith("#rating")

    assert [(m.item.rule, m.mark) for m in ReviewMark.objects.order_by("pk")] == [
        ("A11", Mark.ACCEPTED), ("A11", Mark.NOT_APPLICABLE), ("A01", Mark.CHALLENGED)]
    comment = ReviewComment.objects.get()
    assert (comment.anchor, comment.anchor_code, comment.author) == ("scheme", "REF-CIP-01", people["reviewer"])
    assert [p.category for p in RatingProposal.objects.order_by("pk")] == ["advanced", "making_progress"]

    page = client.get(urls["page"]).content.decode()
    item_a11 = page[page.index(f'id="item-{a11.pk}"'):page.index(f'id="item-{a13.pk}"')]
    # The standing mark first, the one it superseded kept below it.
    standing, superseded = item_a11.index("Mark: Not applicable"), item_a11.index("Superseded marks")
    assert standing < superseded < item_a11.index("Accepted (reviewer")
    assert "How will you close the last £65m?" in page
    comments = page[page.index('id="comments"'):page.index('id="rating"')]
    assert "REF-CIP-01: Carter productivity programme" in comments and "Carter savings look early." in comments
    rating = page[page.index('id="rating"'):]
    # stpkit's own rating of this plan (score 13.65 out of 100) beside the reviewer's.
    assert "worked out for revision 1: <strong>Needs most improvement</strong> (score 14 out of 100)" in rating
    assert "Proposed by the reviewer: <strong>Making progress</strong>" in rating
    assert "Earlier proposals" in rating and "Advanced (reviewer" in rating


def test_a_challenge_without_a_question_is_refused_and_nothing_is_saved(opened, people):
    plan, review = opened
    a01 = _item(review, "A01")
    response = _client(people["reviewer"]).post(_urls(plan, review)["mark"](a01),
                                                {"mark": Mark.CHALLENGED, "question": "  "})
    assert response.status_code == 422
    page = response.content.decode()
    assert "nhsuk-error-summary" in page and f'href="#question-{a01.pk}"' in page
    assert "Write the question the footprint must answer about A01" in page
    assert not ReviewMark.objects.exists()


def test_an_editor_cannot_mark(opened, people):
    plan, review = opened
    client = _client(people["editor"])
    assert "Save the mark" not in client.get(_urls(plan, review)["page"]).content.decode()
    response = client.post(_urls(plan, review)["mark"](_item(review, "A01")), {"mark": Mark.ACCEPTED})
    assert response.status_code == 403
    assert "only a reviewer of this plan" in response.content.decode().lower()
    assert not ReviewMark.objects.exists()


def _challenged_and_returned(plan, review, people):
    client = _client(people["reviewer"])
    client.post(_urls(plan, review)["mark"](_item(review, "A01")), {"mark": Mark.CHALLENGED, "question": "How?"})
    move(plan, people["reviewer"], transitions.RETURN, "answer the challenge")
    return ReviewMark.objects.get()


def test_answering_before_a_new_revision_is_refused(opened, people):
    plan, review = opened
    challenge = _challenged_and_returned(plan, review, people)
    client = _client(people["editor"])
    page = client.get(_urls(plan, review)["page"]).content.decode()
    assert "save a new revision first</a>" in page and f'href="/plans/{plan.pk}/revisions/new/"' in page
    assert "Answer the challenge" not in page
    response = client.post(_urls(plan, review)["answer"](challenge), {"text": "by the new scheme"})
    assert response.status_code == 422
    assert "revision 1 was the one reviewed" in response.content.decode()
    assert not ChallengeAnswer.objects.exists()


def test_the_footprint_answers_after_a_return_with_a_new_revision(opened, people):
    plan, review = opened
    challenge = _challenged_and_returned(plan, review, people)
    client = _client(people["editor"])
    assert _open_challenges_on_my_footprint(client) == "1"
    reviews = client.get(f"/plans/{plan.pk}/reviews/").content.decode()
    assert f'href="/plans/{plan.pk}/reviews/{review.pk}/"' in reviews and "returned" in reviews
    response = client.post(f"/plans/{plan.pk}/revisions/new/", {
        "plan_file": _upload(signed_off()), "message": "answers A01", "base_version": 1})
    assert response.status_code == 302
    assert "Answer the challenge on item 1" in client.get(_urls(plan, review)["page"]).content.decode()

    response = client.post(_urls(plan, review)["answer"](challenge), {"text": "By the new scheme in 2019/20."})
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{challenge.item_id}")
    answer = ChallengeAnswer.objects.get()
    assert (answer.revision.number, answer.author) == (2, people["editor"])
    page = client.get(_urls(plan, review)["page"]).content.decode()
    assert "Answered by editor" in page and "with revision 2: “By the new scheme in 2019/20.”" in page
    assert "No challenge of this review is waiting for an answer" in page
    assert _open_challenges_on_my_footprint(client) == "0"


def _upload(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("plan.yaml", text.encode("utf-8"), content_type="application/yaml")
