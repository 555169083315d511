"""The web service's tests again on PostgreSQL (test_web_*.py run on SQLite in every run): a
database of this run's own on 127.0.0.1:5432, made and dropped by pytest-django."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from test_web_settings import SQLITE_ONLY

TESTS = Path(__file__).parent
HOST, PORT = "127.0.0.1", 5432


def _reachable_url() -> tuple[str | None, str]:
    """A DATABASE_URL for a superuser that needs no password (postgres, or root), or why not."""
    import psycopg

    reasons = []
    for user in ("postgres", "root"):
        try:
            with psycopg.connect(host=HOST, port=PORT, user=user, dbname="postgres", connect_timeout=5):
                return f"postgres://{user}@{HOST}:{PORT}/postgres", ""
        except psycopg.OperationalError as exc:
            reasons.append(f"{user}: {str(exc).strip().splitlines()[-1]}")
    return None, "; ".join(reasons)


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="this run is the PostgreSQL run")
def test_web_service_on_postgresql():
    url, why = _reachable_url()
    if url is None:
        pytest.skip(f"PostgreSQL is not reachable on {HOST}:{PORT} ({why}); .ci/run starts it")
    files = sorted(str(p) for p in TESTS.glob("test_web_*.py") if p.name != Path(__file__).name)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider", *files],
        cwd=TESTS.parent,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=2400,  # the whole web suite, one test at a time
        check=False,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert " passed" in done.stdout, done.stdout[-2000:]
    skipped = re.findall(r"^SKIPPED \[\d+\] (.*)$", done.stdout, re.MULTILINE)
    assert all(reason.endswith(SQLITE_ONLY) for reason in skipped), skipped
