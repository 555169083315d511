"""The 44 footprints and their member organisations from the bundled reference data."""

from django.db import migrations

from stpkit.web.reference_data import seed


def forwards(apps, schema_editor):
    seed(apps.get_model("web", "Footprint"), apps.get_model("web", "Organisation"))


class Migration(migrations.Migration):
    dependencies = [("web", "0002_append_only_triggers")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
