"""Triggers that refuse UPDATE and DELETE on revisions, stored results and the audit log, written
for each database vendor (``stpkit.web.append_only``)."""

from django.db import migrations

from stpkit.web.append_only import create_sql, drop_sql

#: The tables this migration made append-only (later migrations add their own).
TABLES = ("web_revision", "web_storedresult", "web_auditevent")


def _run(statements):
    def run(apps, schema_editor):
        for statement in statements(schema_editor.connection.vendor, TABLES):
            schema_editor.execute(statement, params=None)  # no placeholders: % is literal

    return run


class Migration(migrations.Migration):
    dependencies = [("web", "0001_initial")]

    operations = [migrations.RunPython(_run(create_sql), _run(drop_sql))]
