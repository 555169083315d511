"""Revisions: saved only when valid, never over another save, and never changed or deleted,
neither through the models nor by SQL sent straight to the database."""

from __future__ import annotations

import json

import pytest
import yaml
from django.db import DatabaseError, connection, transaction

from stpkit.inputs.located import InputError
from stpkit.web.models import AppendOnlyError, AuditEvent, Plan, Revision, Role, StoredResult
from stpkit.web.revisions import StaleVersion, content_sha256, create_plan, new_revision
from web_support import HOME, SMALL_PLAN, make_user, small_plan


@pytest.fixture
def editor(web_db):
    return make_user("editor", Role.EDITOR, HOME)


@pytest.fixture
def plan(editor):
    return small_plan(editor)


def test_a_valid_upload_becomes_the_next_revision(editor, plan):
    edited = SMALL_PLAN.replace("(test plan)", "(second draft)")
    revision = new_revision(editor, plan, edited, base_version=1, message="second draft", name="mine.yaml")
    plan.refresh_from_db()
    assert (revision.number, plan.version) == (2, 2)
    assert plan.title.endswith("(second draft)")
    assert revision.document["title"] == plan.title
    assert revision.sha256 == content_sha256(revision.document)
    assert [e.action for e in AuditEvent.objects.filter(actor=editor)] == [
        "plan_created",
        "revision_created",
        "revision_created",
    ]


def test_the_content_hash_is_of_the_canonical_document():
    assert content_sha256({"b": 1, "a": [1, 2]}) == content_sha256(json.loads('{"a": [1, 2], "b": 1}'))
    # sha256 of the bytes {"a":1}, worked out with `printf '{"a":1}' | sha256sum`
    assert content_sha256({"a": 1}) == "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"


def test_the_same_plan_as_yaml_with_1_and_as_json_with_1_0_has_one_hash(editor, plan):
    # The assumptions keep numbers as written (an int stays an int), so the two documents differ.
    as_yaml = SMALL_PLAN.replace("2017/18: 1.0", "2017/18: 1", 1)
    as_json = json.dumps(yaml.safe_load(SMALL_PLAN))  # the YAML's 1.0 stays 1.0 in JSON
    assert '"2017/18": 1.0' in as_json
    from_yaml = new_revision(editor, plan, as_yaml, base_version=1, name="plan.yaml")
    from_json = new_revision(editor, plan, as_json, base_version=2, name="plan.json")
    pay = [r.document["assumptions"]["cost_inflation_pct"]["pay"]["2017/18"] for r in (from_yaml, from_json)]
    assert [type(value) for value in pay] == [int, float]  # stored as each upload had it
    assert from_yaml.sha256 == from_json.sha256
    changed = new_revision(editor, plan, SMALL_PLAN.replace("2017/18: 1.0", "2017/18: 1.5", 1), base_version=3)
    assert changed.sha256 != from_yaml.sha256
    # Whole-number floats become ints at any depth, and other numbers stay as they are.
    assert content_sha256({"a": [{"b": 2.0}], "c": 0.5}) == content_sha256({"a": [{"b": 2}], "c": 0.5})


def test_a_bad_upload_saves_nothing_and_says_where(editor, plan):
    bad = SMALL_PLAN.replace("horizon: 2020/21", "horizon: 2020/2021")
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if text.startswith("horizon:"))
    before = (Revision.objects.count(), AuditEvent.objects.count())
    with pytest.raises(InputError) as raised:
        new_revision(editor, plan, bad, base_version=1, name="upload.yaml")
    assert (Revision.objects.count(), AuditEvent.objects.count()) == before
    plan.refresh_from_db()
    assert plan.version == 1
    (problem,) = raised.value.problems
    assert (problem.file, problem.line, problem.field) == ("upload.yaml", line, "horizon")
    assert str(problem).startswith(f"upload.yaml:{line}: horizon: ")


def test_a_file_that_is_not_a_plan_saves_nothing(editor, plan):
    for content, name in ((b"\x00\x01binary", "plan.yaml"), ("{not json", "plan.json"), (b"PK\x03\x04junk", "p.xlsx")):
        with pytest.raises(InputError) as raised:
            new_revision(editor, plan, content, base_version=1, name=name)
        assert all(p.file == name for p in raised.value.problems), raised.value
    assert Revision.objects.filter(plan=plan).count() == 1


def test_a_plan_for_another_footprint_is_refused(editor, plan):
    other = SMALL_PLAN.replace("code: E54000036", "code: E54000037")
    with pytest.raises(InputError) as raised:
        new_revision(editor, plan, other, base_version=1)
    assert raised.value.problems[0].field == "footprint.code"
    assert Revision.objects.filter(plan=plan).count() == 1


def test_a_submission_workbook_is_read_like_a_plan_file(editor, plan):
    from stpkit.api import PlanRun

    workbook = PlanRun.load(_written(SMALL_PLAN)).submission_workbook()
    revision = new_revision(editor, plan, workbook, base_version=1, name="submission.xlsx")
    assert revision.number == 2
    assert revision.document["title"] == Revision.objects.get(plan=plan, number=1).document["title"]


def _written(text: str):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "plan.yaml"
    path.write_text(text, "utf-8")
    return path


def test_a_save_from_an_old_version_is_refused(editor, plan):
    new_revision(editor, plan, SMALL_PLAN, base_version=1, message="theirs")
    with pytest.raises(StaleVersion) as raised:
        new_revision(editor, plan, SMALL_PLAN.replace("(test plan)", "(mine)"), base_version=1, message="mine")
    assert (raised.value.base_version, raised.value.current_version) == (1, 2)
    assert list(Revision.objects.filter(plan=plan).values_list("message", flat=True)) == ["first", "theirs"]


def _stored_result(revision):
    return StoredResult.objects.create(
        revision=revision, parameter_version="p", runs=0, seed=0, results={}, assessment={}, seconds=0.0
    )


@pytest.mark.parametrize("model", ["revision", "audit", "result"])
def test_append_only_rows_refuse_the_orm(plan, model):
    revision = plan.revisions.get()
    row = {"revision": revision, "audit": AuditEvent.objects.first(), "result": _stored_result(revision)}[model]
    row.created = row.when = None
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        type(row).objects.filter(pk=row.pk).update(id=row.pk)
    with pytest.raises(AppendOnlyError):
        type(row).objects.all().delete()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE web_revision SET message = 'rewritten'",
        "DELETE FROM web_revision",
        "UPDATE web_auditevent SET action = 'rewritten'",
        "DELETE FROM web_auditevent",
        "UPDATE web_storedresult SET runs = 1",
        "DELETE FROM web_storedresult",
    ],
)
def test_the_database_refuses_changes_sent_straight_to_it(plan, statement):
    _stored_result(plan.revisions.get())
    table = statement.split()[2 if statement.startswith("DELETE") else 1]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        (before,) = cursor.fetchone()
    with pytest.raises(DatabaseError, match="never changed or deleted"), transaction.atomic(), connection.cursor() as c:
        c.execute(statement)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        assert cursor.fetchone() == (before,)
    assert before > 0
    assert Revision.objects.get(plan=plan).message == "first"


def test_plans_with_revisions_cannot_be_deleted(plan):
    with pytest.raises(Exception, match="protected|never"):
        Plan.objects.filter(pk=plan.pk).delete()


def test_a_new_plan_takes_its_footprint_from_the_document(editor):
    revision = create_plan(editor, SMALL_PLAN, name="valid_small.yaml")
    assert (revision.plan.footprint_id, revision.number, revision.plan.version) == (HOME, 1, 1)
