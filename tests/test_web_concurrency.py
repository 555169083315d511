"""Two people save the same draft at the same moment, each on a connection of their own: one
save goes through, the other is refused, and nothing is lost or overwritten."""

from __future__ import annotations

import threading

from django.db import connection

from stpkit.web.models import Revision, Role
from stpkit.web.revisions import StaleVersion, new_revision, read_upload
from web_support import HOME, SMALL_PLAN, make_user, small_plan


def test_of_two_concurrent_saves_one_is_refused(web_transactional_db):
    editor = make_user("editor", Role.EDITOR, HOME)
    lead = make_user("lead", Role.LEAD, HOME)
    plan = small_plan(editor)
    # Read before the race so that both saves reach the database together.
    edits = {
        editor: read_upload(SMALL_PLAN.replace("(test plan)", "(editor's)")),
        lead: read_upload(SMALL_PLAN.replace("(test plan)", "(lead's)")),
    }
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def save(user):
        try:
            start.wait()
            outcomes[user.username] = new_revision(user, plan, edits[user], base_version=1, message=user.username)
        except StaleVersion as exc:
            outcomes[user.username] = exc
        finally:
            connection.close()  # each thread had a connection of its own

    threads = [threading.Thread(target=save, args=(user,)) for user in edits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    saved = [name for name, outcome in outcomes.items() if isinstance(outcome, Revision)]
    refused = [name for name, outcome in outcomes.items() if isinstance(outcome, StaleVersion)]
    assert (len(saved), len(refused)) == (1, 1), outcomes
    assert outcomes[refused[0]].current_version == 2
    revisions = list(Revision.objects.filter(plan=plan).values_list("number", "message"))
    assert revisions == [(1, "first"), (2, saved[0])]
    plan.refresh_from_db()
    assert plan.version == 2
    assert plan.title.endswith(f"({saved[0]}'s)")
