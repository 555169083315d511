"""Shared builders for small plans whose results can be worked out by hand."""

from __future__ import annotations

import copy
import os
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from stpkit.domain import Plan
from stpkit.reference.parameters import ParameterSet, load_parameters

BASE, NEXT = "2016/17", "2017/18"


def pytest_configure(config: pytest.Config) -> None:
    """Django for the web tests (pytest-django sets it up after this): a data folder and secret
    key of this run's own, never the user's. The test database is a file there, so that threads
    share it as they do in use; on PostgreSQL (DATABASE_URL set) a database named for this process."""
    data = tempfile.mkdtemp(prefix="stpkit-test-data-")
    config.add_cleanup(lambda: shutil.rmtree(data, ignore_errors=True))
    os.environ["STPKIT_DATA"] = data
    os.environ["STPKIT_SECRET_KEY"] = f"test-only-{secrets.token_hex(16)}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stpkit.web.settings")
    from django.conf import settings

    database = settings.DATABASES["default"]
    sqlite = database["ENGINE"].endswith("sqlite3")
    name = str(Path(data) / "test.sqlite3") if sqlite else f"stpkit_test_{os.getpid()}"
    database.setdefault("TEST", {})["NAME"] = name


@pytest.fixture(autouse=True)
def _in_a_folder_of_its_own(tmp_path, monkeypatch):
    """Every test runs in its own empty folder, so that a command writing to the current folder
    (the national map by default) neither litters the checkout nor finds another test's file."""
    monkeypatch.chdir(tmp_path)


def simple_assumptions() -> dict[str, Any]:
    """Round-number rates for 2017/18 so that results can be worked out by hand.
    Non-elective activity grows 5% (2% demographic + 3% other); prescribing is flat;
    pay inflation 2%, drugs 5%, other 1%; the tariff uplift and efficiency cancel (2% - 2%);
    CCG allocations grow 3%; nothing else moves. Emergency activity is paid in full and every
    acute cost is variable, so that these numbers test the projection alone (the marginal rate
    and cost behaviour have tests of their own)."""
    flat = {NEXT: 0.0}
    both = {BASE: 100.0, NEXT: 100.0}
    return {
        "emergency_marginal_rate_pct": both,
        "cost_variable_share_pct": {"acute_trust": both},
        "cost_semi_fixed_share_pct": {"acute_trust": {BASE: 0.0, NEXT: 0.0}},
        "demand_growth_demographic_pct": {"non_elective": {NEXT: 2.0}, "prescribing": flat},
        "demand_growth_non_demographic_pct": {"non_elective": {NEXT: 3.0}, "prescribing": flat},
        "cost_inflation_pct": {"pay": {NEXT: 2.0}, "drugs": {NEXT: 5.0}, "other": {NEXT: 1.0}},
        "tariff_cost_uplift_pct": {NEXT: 2.0},
        "tariff_efficiency_pct": {NEXT: 2.0},
        "provider_efficiency_do_nothing_pct": flat,
        "provider_other_income_growth_pct": flat,
        "allocation_growth_pct": {"ccg": {NEXT: 3.0}},
    }


def two_org_data() -> dict[str, Any]:
    """A CCG and an acute trust over two years.

    CCG C1: allocation 100,000; spends 80,000 with trust T1 on non-elective care and 20,000 on
    prescribing. Trust T1: 40,000 non-elective spells, 10,000 of education and training income;
    costs pay 60,000, drugs 10,000, other 30,000 (total 100,000 against income 90,000)."""
    return {
        "footprint": {"code": "E54000036"},
        "title": "Two organisations",
        "base_year": BASE,
        "horizon": NEXT,
        "organisations": [
            {
                "code": "C1",
                "name": "Example CCG",
                "kind": "ccg",
                "baseline": {
                    "allocation_gbp000": 100_000,
                    "spend_gbp000": [
                        {"service_line": "non_elective", "provider": "T1", "value_gbp000": 80_000},
                        {"service_line": "prescribing", "value_gbp000": 20_000},
                    ],
                },
            },
            {
                "code": "T1",
                "name": "Example Trust",
                "kind": "acute_trust",
                "baseline": {
                    "activity": {"non_elective": 40_000},
                    "income_gbp000": [{"source": "education_training", "value_gbp000": 10_000}],
                    "expenditure_gbp000": {"pay": 60_000, "drugs": 10_000, "other": 30_000},
                },
            },
        ],
        "assumptions": simple_assumptions(),
        "schemes": [],
    }


def demand_scheme(**changes: Any) -> dict[str, Any]:
    scheme = {
        "id": "DM",
        "name": "Fewer emergency admissions",
        "category": "demand_management",
        "owner": "C1",
        "acts_on": {"kind": "activity", "service_line": "non_elective"},
        "size_pct": 10,
        "phasing_pct": {NEXT: 100},
        "evidence": "weak",
    }
    scheme.update(changes)
    return scheme


def pay_scheme(**changes: Any) -> dict[str, Any]:
    scheme = {
        "id": "CIP",
        "name": "Agency staff",
        "category": "efficiency",
        "owner": "T1",
        "acts_on": {"kind": "cost_type", "cost_type": "pay"},
        "size_pct": 5,
        "phasing_pct": {NEXT: 100},
        "evidence": "moderate",
    }
    scheme.update(changes)
    return scheme


def make_plan(data: dict[str, Any]) -> Plan:
    return Plan.model_validate(copy.deepcopy(data))


@pytest.fixture(scope="session")
def params() -> ParameterSet:
    return load_parameters()


@pytest.fixture
def web_db(db):
    """The web service's database (test_web_*.py), with its reference data and triggers."""
    from web_support import ready

    ready()


@pytest.fixture
def web_transactional_db(transactional_db):
    """Committed transactions (for several connections at once). The database is emptied after
    the test, which the append-only triggers rightly refuse, so they are dropped first, as only
    the owner of a database can."""
    from django.db import connection

    from stpkit.web.append_only import drop_triggers
    from web_support import ready

    ready()
    yield
    drop_triggers(connection)
