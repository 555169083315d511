"""The `stp` command end to end, run as a user would run it (a subprocess)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
from ruamel.yaml import YAML

from runner import stp
from stpkit.domain import ActsOnKind, acts_on_fields
from stpkit.examples import example_paths
from stpkit.inputs.plan_writer import plan_to_yaml
from stpkit.reference.illustrative import illustrative_plan
from stpkit.reference.parameters import load_parameters


def test_the_installed_entry_point_runs():
    """The one real subprocess: ``python -m stpkit`` starts and prints its version."""
    result = subprocess.run([sys.executable, "-m", "stpkit", "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("stpkit "), result.stderr


@pytest.fixture(scope="module")
def cornwall(tmp_path_factory) -> Path:
    """The illustrative Cornwall plan written out as a plan file."""
    path = tmp_path_factory.mktemp("plans") / "cornwall.yaml"
    path.write_text(plan_to_yaml(illustrative_plan("E54000036", load_parameters())), "utf-8")
    return path


def test_run_prints_the_gap_and_the_bridge(cornwall):
    text = stp("run", str(cornwall)).stdout
    for expected in (
        "Footprint position, consolidated (£m)",
        "Do nothing",
        "With the plan",
        "Do-nothing position by organisation (£000)",
        "Bridge from the base year",
        "Demand growth",
        "Interaction of schemes",
        "ILLUSTRATIVE",
        "2016/17",
        "2020/21",
        "REF",
        "Royal Cornwall Hospitals NHS Trust",
    ):
        assert expected in text


def test_run_without_a_plan_uses_the_bundled_example():
    text = stp("run").stdout
    assert "North West London" in text and "Bridge from the base year" in text


def test_json_bridge_adds_up_and_matches_the_table(cornwall):
    document = json.loads(stp("run", str(cornwall), "--format", "json").stdout)
    assert (document["format"], document["format_version"]) == ("stpkit-results", 1)
    assert document["plan"]["illustrative"] is True and "ILLUSTRATIVE" in document["plan"]["illustrative_note"]
    assert document["years"] == ["2016/17", "2017/18", "2018/19", "2019/20", "2020/21"]
    consolidated = document["consolidated"]
    # The footprint is the sum of its organisations.
    by_org = np.array([o["do_nothing_gbp000"] for o in document["organisations"]]).sum(axis=0)
    assert np.allclose(by_org, consolidated["do_nothing_gbp000"])
    for half in document["bridge"].values():
        start = np.broadcast_to(np.array(half["start_gbp000"], dtype=float), (5,))
        steps = np.array([s["gbp000"] for s in half["steps"]]).sum(axis=0)
        assert np.allclose(start + steps, half["end_gbp000"], rtol=0, atol=1e-6)
    assert document["bridge"]["to_with_plan"]["end_gbp000"] == consolidated["with_plan_gbp000"]
    # The first projection year of the table shows the same do-nothing figure, in £m.
    table = stp("run", str(cornwall)).stdout
    dn_2017 = consolidated["do_nothing_gbp000"][1] / 1000
    assert f"£{abs(dn_2017):,.1f}m" in table


def test_csv_to_stdout_and_files(cornwall, tmp_path):
    frame = pd.read_csv(io.StringIO(stp("run", str(cornwall), "--format", "csv").stdout))
    assert set(frame["table"]) == {"position", "bridge"}
    footprint = frame[(frame.table == "position") & (frame.organisation == "FOOTPRINT")]
    assert len(footprint) == 15  # do nothing, with plan and stranded cost x five years
    out = tmp_path / "out"
    stp("run", str(cornwall), "--format", "csv", "--output", str(out))
    assert sorted(p.name for p in out.iterdir()) == [
        "accounts.csv", "activity.csv", "backlog_maintenance.csv", "beds.csv", "bridge.csv", "capital.csv",
        "manifest.json", "moves.csv", "organisation_bridge.csv", "positions.csv", "risk_balance.csv", "risk_bridge.csv",
        "risk_percentiles.csv", "schemes.csv", "type1_ae.csv", "workforce.csv"]  # risk runs are made by default
    positions = pd.read_csv(out / "positions.csv")
    assert set(positions["scenario"]) == {"do_nothing", "with_plan", "stranded_cost"}


def test_json_and_table_outputs_to_a_folder(cornwall, tmp_path):
    stp("run", str(cornwall), "--format", "json", "--output", str(tmp_path))
    # A second run into the same folder replaces its manifest, so it asks for --force.
    assert "--force" in stp("run", str(cornwall), "--output", str(tmp_path), check=False).stderr
    stp("run", str(cornwall), "--output", str(tmp_path), "--force")
    assert json.loads((tmp_path / "results.json").read_text())["format"] == "stpkit-results"
    assert "Bridge from the base year" in (tmp_path / "summary.txt").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_national_prints_every_footprint_and_england(tmp_path):
    text = stp("national", "--runs", "0", "--map", str(tmp_path / "map.svg")).stdout
    assert "England" in text and "All 44 footprints" in text
    assert (tmp_path / "map.svg").read_text("utf-8").startswith("<svg")
    from stpkit.reference.footprints import load_footprints

    for code in load_footprints():
        assert code in text


def test_national_json_adds_up():
    document = json.loads(stp("national", "--runs", "0", "--format", "json").stdout)
    rows = document["footprints"]
    assert len(rows) == 44
    total = sum(r["with_plan_gbp000"] for r in rows)
    assert document["england"]["with_plan_gbp000"] == pytest.approx(total)
    assert document["warnings"] == []


def test_schema_is_valid_and_accepts_the_examples():
    schema = json.loads(stp("schema").stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    yaml = YAML(typ="safe")
    for path in example_paths().values():
        data = json.loads(json.dumps(yaml.load(path.read_text("utf-8")), default=str))
        assert list(validator.iter_errors(data)) == [], path.name


def test_schema_shows_which_fields_each_kind_of_scheme_takes():
    """``acts_on`` is one type per kind: the schema tells them apart by ``kind``, each with only
    its own fields, so an editor (or jsonschema) refuses a field the kind does not take."""
    schema = json.loads(stp("schema").stdout)
    acts_on = schema["$defs"]["Scheme"]["properties"]["acts_on"]
    assert acts_on["discriminator"]["propertyName"] == "kind"
    mapping = acts_on["discriminator"]["mapping"]
    assert sorted(mapping) == sorted(k.value for k in ActsOnKind)
    for kind, ref in mapping.items():
        variant = schema["$defs"][ref.rsplit("/", 1)[1]]
        assert list(variant["properties"]) == ["kind", *acts_on_fields(ActsOnKind(kind))]
        assert variant["properties"]["kind"]["const"] == kind and "kind" in variant["required"]
        assert variant["additionalProperties"] is False
    validator = jsonschema.Draft202012Validator(schema)
    yaml = YAML(typ="safe")
    data = json.loads(json.dumps(yaml.load(example_paths()["lincolnshire"].read_text("utf-8")), default=str))
    assert list(validator.iter_errors(data)) == []
    unit_cost = next(s for s in data["schemes"] if s["acts_on"]["kind"] == "unit_cost")
    unit_cost["acts_on"]["cost_type"] = "pay"
    assert list(validator.iter_errors(data)) != []


def test_validate_and_examples(cornwall, tmp_path):
    assert "valid plan for E54000036" in stp("validate", str(cornwall)).stdout
    stp("examples", "--copy", str(tmp_path))
    copied = sorted(p.name for p in tmp_path.iterdir())
    assert copied == sorted(f"{name}.yaml" for name in example_paths())
    for path in tmp_path.iterdir():
        stp("validate", str(path))


# ------------------------------------------------------------------------------------ stp check

FIXTURES = Path(__file__).parent / "fixtures"
WEAK, STRONG = str(FIXTURES / "weak_plan.yaml"), str(FIXTURES / "strong_plan.yaml")


def test_check_lists_findings_the_three_gaps_and_the_rating():
    text = stp("check", WEAK, "--runs", "200").stdout
    for expected in (
        "Assurance: A weak plan for testing assurance",
        "Findings",
        "A01",
        "A15",
        "A27",
        "error",
        "warning",
        "The plan does not balance in the final year",
        "REF-EQUIP (Digital outpatient equipment) needs £5.0m of capital",
        "capital_gbp000: £5,000k",
        "Finance and efficiency gap",
        "Care and quality gap",
        "Health and wellbeing gap: the plan gives no indicators.",
        "Rating: needs most improvement",
        "from 30 rules checked.",
    ):
        assert expected in text, expected


def test_check_warns_by_default_and_strict_fails_on_errors():
    assert stp("check", WEAK, "--runs", "0").returncode == 0
    strict = stp("check", WEAK, "--runs", "0", "--strict", check=False)
    assert strict.returncode == 1
    assert "error-level finding" in strict.stderr
    strong = stp("check", STRONG, "--strict", "--runs", "200")
    assert "Rating: outstanding" in strong.stdout or "Rating: advanced" in strong.stdout


def test_check_json_is_machine_readable_and_reproducible():
    first = stp("check", WEAK, "--format", "json", "--runs", "300", "--seed", "4").stdout
    document = json.loads(first)
    assert (document["format"], document["format_version"]) == ("stpkit-assurance", 1)
    assert document["risk_runs"] == {"runs": 300, "seed": 4}
    assert document["summary"]["rules_not_checked"] == []
    by_rule = {}
    for finding in document["findings"]:
        by_rule.setdefault(finding["rule"], []).append(finding)
    assert by_rule["A11"][0]["numbers"] == {"capital_gbp000": 5000.0}
    assert by_rule["A11"][0]["subject"] == "REF-EQUIP" and by_rule["A11"][0]["severity"] == "error"
    assert document["summary"]["errors"] == sum(f["severity"] == "error" for f in document["findings"])
    assert document["rating"]["category"] == "needs_most_improvement"
    assert [i["id"] for i in document["gaps"]["care_quality"]][:2] == ["ae_within_4_hours_pct", "bed_occupancy_pct"]
    assert stp("check", WEAK, "--format", "json", "--runs", "300", "--seed", "4").stdout == first


def test_check_without_risk_runs_says_what_it_did_not_check():
    text = stp("check", WEAK, "--runs", "0").stdout
    assert "not checked without risk runs: A02" in text
    document = json.loads(stp("check", WEAK, "--format", "json", "--runs", "0").stdout)
    assert document["risk_runs"] is None and document["summary"]["rules_not_checked"] == ["A02"]


def test_check_refuses_a_bad_plan_like_validate():
    bad = Path(__file__).parent / "malformed" / "unknown_scheme_owner.yaml"
    result = stp("check", str(bad), "--strict", check=False)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "schemes[0].owner: unknown organisation 'RFE'" in result.stderr
    assert result.stderr.rstrip().endswith("1 problem found; nothing was written.")


def test_footprints_code_lists_the_members():
    result = stp("footprints", "E54000036")
    # Cornwall: one CCG (Kernow, 568,210 people in mid-2018), one acute trust and the region's ambulance trust.
    assert "NHS Kernow CCG" in result.stdout and "568,210" in result.stdout
    assert "REF" in result.stdout and "RYF" in result.stdout
    assert stp("footprints", "E99999999", check=False).returncode == 2


def test_parameters_print_money_in_full():
    text = stp("parameters").stdout
    # The STF for providers was £1.8bn a year: 1,800,000 £000, never 1.8e+06.
    assert "1,800,000" in text and "e+06" not in text


def test_national_output_writes_files_instead_of_printing(tmp_path):
    result = stp("national", "--runs", "0", "--output", str(tmp_path))
    assert result.stdout == ""
    assert {p.name for p in tmp_path.iterdir()} == {"national.txt", "england_map.svg", "manifest.json"}
    assert "Footprints ranked" in (tmp_path / "national.txt").read_text("utf-8")


def test_help_shows_no_python_types_beside_flags():
    from stpkit.cli.app import app

    for command in sorted(c.name or c.callback.__name__ for c in app.registered_commands):
        shown = stp(command, "--help").stdout
        for python_type in ("<bool>", "<int range>", "<list[", "<int>", "<float>"):
            assert python_type not in shown, (command, python_type)
        assert "<str>" not in shown.split("Options")[-1], command  # options say what they take
