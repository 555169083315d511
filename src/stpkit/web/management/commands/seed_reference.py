"""``python -m django seed_reference``: add any footprints and organisations the bundled
reference data has and the database lacks (migrating does this once)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from stpkit.web.models import Footprint, Organisation
from stpkit.web.reference_data import seed


class Command(BaseCommand):
    help = "Add the bundled footprints and organisations missing from the database."

    def handle(self, *args, **options):
        self.stdout.write(f"{seed(Footprint, Organisation)} rows added")
