"""Malformed plans are refused by the real command line with a located, plain-English message.

Each file in tests/malformed/ is tests/fixtures/valid_small.yaml with one realistic mistake (or a
hostile input). For each, `python -m stpkit validate FILE` must exit with status 2, print nothing
on stdout, and print ``FILE:LINE: FIELD: MESSAGE`` lines on stderr, never a traceback. A few
cases are generated here rather than committed (a file over the size limit, a NUL byte inside a
plan, a path that does not exist)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pytest

from runner import Completed, run_stp
from stpkit.inputs.located import InputError
from stpkit.inputs.yaml_safe import MAX_FILE_BYTES, load_document

HERE = Path(__file__).parent
MALFORMED = HERE / "malformed"
VALID = HERE / "fixtures" / "valid_small.yaml"


class Expect(NamedTuple):
    line: int | None  # None: a problem with the whole file, reported without a line
    field: str
    fragment: str  # part of the message
    problems: int = 1  # how many problems stderr lists in all


# fmt: off
EXPECTED: dict[str, Expect] = {
    # the file itself
    "empty.yaml":                   Expect(None, "(file)", "the file is empty"),
    "comments_only.yaml":           Expect(None, "(file)", "the file is empty (or only comments)"),
    "binary_png.yaml":              Expect(3, "(file)", "binary file, not a YAML or JSON plan"),
    "latin1.yaml":                  Expect(7, "(file)", "not UTF-8 text: byte 0xa3 cannot be read; save the file as"),
    "utf16.yaml":                   Expect(None, "(file)", "the file is UTF-16 text; save it as UTF-8"),
    "syntax_error.yaml":            Expect(85, "(syntax)", "flow sequence (started on line 84) expected ',' or ']'"),
    "tab_indent.yaml":              Expect(46, "(syntax)", "indent with spaces, not tabs"),
    "top_level_list.yaml":          Expect(2, "(top level)", "expected a mapping at the top of the file, found a list"),
    "top_level_text.yaml":          Expect(1, "(top level)", "expected a mapping at the top of the file, found a text"),
    "trailing_comma.json":          Expect(131, "(syntax)", "not valid JSON: a comma before a closing bracket"),
    "comment.json":                 Expect(10, "(syntax)", "not valid JSON: JSON allows no comments"),
    "duplicate_key.json":           Expect(11, "horizon", "duplicate key horizon: each key may appear only once"),
    "duplicate_key_top_level.yaml": Expect(11, "horizon", "duplicate key horizon: each key may appear only once"),
    "duplicate_key_nested.yaml":    Expect(89, "schemes[1].phasing_pct.2017/18", "duplicate key 2017/18"),
    # hostile input
    "alias_bomb.yaml":              Expect(2, "(syntax)", "anchors and aliases (& and *) are not allowed in plans"),
    "python_tag.yaml":              Expect(7, "(syntax)", "python/object/apply:os.system are not allowed in plans"),
    "deep_nesting.yaml":            Expect(2, "(syntax)", "nested more than 40 levels deep"),
    # types and shapes
    "text_for_number.yaml":         Expect(24, "organisations[0].baseline.spend_gbp000[1].value_gbp000",
                                           "valid number, unable to parse string as a number (got '£137,083')"),
    "number_as_text.json":          Expect(17, "organisations[0].baseline.allocation_gbp000",
                                           "valid number, unable to parse string as a number (got '807035k')"),
    "list_for_mapping.yaml":        Expect(36, "organisations[1].baseline.activity",
                                           "expected a mapping of names to values (got a list)"),
    "mapping_for_list.yaml":        Expect(10, "organisations", "expected a list (got a mapping)"),
    "footprint_as_text.yaml":       Expect(3, "footprint", "expected a mapping of names to values (got 'E54000036')"),
    "blank_title.yaml":             Expect(6, "title", "expected text (got nothing)"),
    "unknown_kind.yaml":            Expect(34, "organisations[1].kind",
                                           "'mental_health_trust' or 'ambulance_trust' (got 'foundation_trust')"),
    "missing_required_field.yaml":  Expect(76, "schemes[1].evidence", "missing: this field is required"),
    "missing_organisations.yaml":   Expect(10, "organisations", "expected at least 1 item(s), found 0"),
    "unknown_field_typo.yaml":      Expect(75, "schemes[0].descripton", "unknown field: check the spelling"),
    # references between parts of the plan
    "unknown_scheme_owner.yaml":    Expect(61, "schemes[0].owner", "unknown organisation 'RFE': not a member of"),
    "unknown_owner.json":           Expect(118, "schemes[1].owner", "unknown organisation '11X': not a member of"),
    "unknown_spend_provider.yaml":  Expect(26, "organisations[0].baseline.spend_gbp000[2].provider",
                                           "unknown organisation 'RK9': not a member of this plan (use external"),
    "unknown_acts_on_provider.yaml": Expect(84, "schemes[1].acts_on.providers[1]",
                                            "unknown organisation 'RK9': not a member of this plan"),
    "unknown_footprint.yaml":       Expect(4, "footprint.code",
                                           "unknown footprint 'E38000089': expected an ONS STP code from E54000005"),
    "duplicate_org_code.yaml":      Expect(52, "organisations[2].code", "code 'REF' is used more than once", 2),
    "duplicate_scheme_id.yaml":     Expect(76, "schemes[1].id", "scheme id 'REF-CIP-01' is used more than once", 2),
    # years
    "year_with_hyphen.yaml":        Expect(67, "schemes[0].phasing_pct.2018-19",
                                           "expected a financial year like 2016/17, got '2018-19'"),
    "year_bare.yaml":               Expect(8, "base_year", "expected a financial year like 2016/17 (got 2016)"),
    "year_not_consecutive.yaml":    Expect(9, "horizon", "'2020/22' is not a financial year: 2020 is followed by 2021"),
    "horizon_before_base_year.yaml": Expect(9, "horizon", "horizon 2016/17 must be after the base year 2020/21"),
    "horizon_equals_base_year.yaml": Expect(9, "horizon", "horizon 2016/17 must be after the base year 2016/17"),
    "phasing_year_outside_plan.yaml": Expect(69, "schemes[0].phasing_pct.2021/22",
                                             "2021/22 is outside the plan's delivery years (2017/18 to 2020/21)"),
    "phasing_in_base_year.yaml":    Expect(87, "schemes[1].phasing_pct.2016/17",
                                           "2016/17 is outside the plan's delivery years (2017/18 to 2020/21)"),
    "lead_time_reaches_base_year.yaml": Expect(87, "schemes[1].acts_on.lead_time_years",
                                              "cost starts in 2016/17, the base year, a year before the activity "
                                              "first moves (2017/18); the base year is the actual position"),
    "investment_year_outside_plan.yaml": Expect(72, "schemes[0].revenue_investment_gbp000.2021/22",
                                                "2021/22 is outside the plan's delivery years (2017/18 to 2020/21)"),
    "capital_year_outside_plan.yaml": Expect(73, "schemes[0].capital_gbp000.2015/16",
                                             "2015/16 is outside the plan's years (2016/17 to 2020/21)"),
    "beyond_2020_no_assumptions.yaml": Expect(1, "assumptions", "no national values for 2022/23 (they cover 2013/14 "
                                              "to 2020/21); give them under assumptions", 2),
    # assumptions
    "assumption_year_outside_plan.yaml": Expect(56, "assumptions.cost_inflation_pct.pay.2021/22",
                                                "2021/22 is outside the plan's years (2016/17 to 2020/21)"),
    "assumption_year_badly_written.yaml": Expect(55, "assumptions.cost_inflation_pct.pay.2017",
                                                 "expected a financial year like 2016/17, got '2017'"),
    "assumption_year_as_number.yaml": Expect(54, "assumptions.tariff_efficiency_pct.2017",
                                             "expected a name or a financial year like 2016/17 (got 2017)"),
    "assumption_text_value.yaml":   Expect(55, "assumptions.cost_inflation_pct.pay.2017/18",
                                           "expected a number in % per year, got '1%'"),
    "unknown_assumption_parameter.yaml": Expect(53, "assumptions.cost_inflation",
                                                "unknown parameter 'cost_inflation'; see `stp parameters`"),
    "assumption_unknown_member.yaml": Expect(54, "assumptions.cost_inflation_pct.staff",
                                             "unknown cost_type 'staff'; expected one of pay, drugs, other"),
    "assumption_unknown_service_line.yaml": Expect(54, "assumptions.demand_growth_non_demographic_pct.a_and_e",
                                                   "unknown service_line 'a_and_e'; expected one of elective"),
    # money, activity and the organisations' roles
    "negative_activity.yaml":       Expect(38, "organisations[1].baseline.activity.non_elective",
                                           "greater than or equal to 0 (got -58250)"),
    "negative_money.yaml":          Expect(29, "organisations[0].baseline.spend_gbp000[3].value_gbp000",
                                           "greater than or equal to 0 (got -91818)"),
    "negative_investment.yaml":     Expect(71, "schemes[0].revenue_investment_gbp000.2017/18",
                                           "greater than or equal to 0 (got -500)"),
    "commissioner_with_activity.yaml": Expect(16, "organisations[0].baseline.activity",
                                              "activity is for providers; 11N is a ccg"),
    "provider_with_allocation.yaml": Expect(49, "organisations[1].baseline.allocation_gbp000",
                                            "allocation_gbp000 is for commissioners; REF is an acute_trust"),
    "clinical_income_without_service_line.yaml": Expect(43, "organisations[1].baseline.income_gbp000[1].service_line",
                                                        "clinical income from nhs_england needs a service_line"),
    # schemes
    "phasing_not_100.yaml":         Expect(65, "schemes[0].phasing_pct", "phasing adds up to 95%, expected 100%"),
    "scheme_line_without_spend.yaml": Expect(83, "schemes[1].acts_on.service_line",
                                             "11N has no outpatient spend for this scheme to act on"),
    "scheme_line_without_activity.yaml": Expect(64, "schemes[0].acts_on.service_line",
                                                "REF has no ae activity for this scheme to act on"),
    "cost_type_without_expenditure.yaml": Expect(64, "schemes[0].acts_on.cost_type",
                                                 "REF has no drugs expenditure for this scheme to act on"),
    "commissioner_owns_cost_scheme.yaml": Expect(80, "schemes[1].owner",
                                                 "acting on cost_type must be owned by a provider; 11N is a ccg"),
    "acts_on_kind_unknown.yaml":    Expect(64, "schemes[0].acts_on.kind",
                                           "Input should be 'activity', 'unit_cost', 'cost_type', 'income', 'shift', "
                                           "'ae_downgrade', 'workforce' or 'length_of_stay' (got 'unit_costs')"),
    "acts_on_field_of_another_kind.yaml": Expect(65, "schemes[0].acts_on.cost_type",
                                                 "a scheme acting on unit_cost does not take cost_type (only one "
                                                 "acting on cost_type does); it takes service_line"),
    "acts_on_without_its_field.yaml": Expect(63, "schemes[0].acts_on.cost_type",
                                             "missing: a scheme acting on cost_type needs cost_type"),
    "shift_without_destinations.yaml": Expect(82, "schemes[1].acts_on.to",
                                              "missing: a scheme acting on shift needs to (where the activity goes"),
    "size_pct_and_size_gbp000.yaml": Expect(65, "schemes[0].size_gbp000", "give size_pct or size_gbp000, not both"),
    "size_neither.yaml":            Expect(76, "schemes[1]", "give the scheme's size as size_pct or size_gbp000"),
    "size_pct_over_100.yaml":       Expect(85, "schemes[1].size_pct", "less than or equal to 100 (got 350)"),
    "size_gbp000_too_large.yaml":   Expect(64, "schemes[0].size_gbp000", "£11,200,000k is more than the £280,000k"),
    # problems of several groups, all found in one pass (see test_validation_one_pass.py)
    "problems_of_several_groups.yaml": Expect(65, "schemes[0].size_gbp000", "£11,200,000k is more than the £280,000k",
                                              3),
    # governance and indicators
    "signoff_unknown_member.yaml":  Expect(94, "governance.sign_off[1].organisation",
                                           "unknown organisation 'RFE': not a member of this plan"),
    "signoff_status_typo.yaml":     Expect(95, "governance.sign_off[1].status",
                                           "'signed_off', 'pending' or 'declined' (got 'agreed')"),
    "signoff_declined_without_date.yaml": Expect(93, "governance.sign_off[0].date",
                                                 "missing: say when the decision (declined) was taken"),
    "engagement_impossible_date.yaml": Expect(97, "governance.engagement[1].date",
                                              "not a date: day is out of range for month (got '2016-02-30')"),
    "decision_level_unknown.yaml":  Expect(95, "governance.decisions[0].level",
                                           "'footprint' or 'above_footprint' (got 'national')"),
    "indicator_local_without_target.yaml": Expect(92, "indicators[0].target",
                                                  "missing: a local indicator needs its target"),
    "assumption_assurance_parameter.yaml": Expect(57, "assumptions.provider_efficiency_ceiling_pct",
                                                  "is how the centre checks plans (`stp check`); a plan cannot"),
    # generated by this module (see GENERATED)
    "too_big.yaml":                 Expect(None, "(file)", f"plans are at most {MAX_FILE_BYTES:,}"),
    "nul_in_text.yaml":             Expect(20, "(file)", "binary file, not a YAML or JSON plan"),
    "deep_nesting.json":            Expect(1, "(syntax)", "nested more than 40 levels deep"),
    "no_such_file.yaml":            Expect(None, "(file)", "no such file"),
    "a_folder.yaml":                Expect(None, "(file)", "not a file"),
}
# fmt: on


def _too_big(path: Path) -> None:
    text = VALID.read_text("utf-8")
    padding = "# " + "x" * 98 + "\n"
    path.write_text(text + padding * (MAX_FILE_BYTES // len(padding) + 1), "utf-8")


def _nul_in_text(path: Path) -> None:
    lines = VALID.read_text("utf-8").splitlines(keepends=True)
    lines[19] = lines[19].rstrip("\n") + "\x00\n"  # a stray NUL, as from a bad copy
    path.write_text("".join(lines), "utf-8")


GENERATED = {
    "too_big.yaml": _too_big,
    "nul_in_text.yaml": _nul_in_text,
    "deep_nesting.json": lambda path: path.write_text("[" * 100_000 + "]" * 100_000, "utf-8"),
    "no_such_file.yaml": lambda path: None,
    "a_folder.yaml": lambda path: path.mkdir(),
}
CORPUS = sorted(p.name for p in MALFORMED.iterdir())
CASES = CORPUS + sorted(GENERATED)

# Wide lines so that no message is wrapped (see test_problems_are_not_wrapped), UTF-8 for the £ sign.
ENV = {**os.environ, "COLUMNS": "10000", "PYTHONIOENCODING": "utf-8"}


def stp(*args: str | Path) -> Completed:
    return run_stp(*args)


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Completed]]:
    """`stp validate` on every case, once."""
    generated = tmp_path_factory.mktemp("generated")
    paths = {name: MALFORMED / name for name in CORPUS}
    for name, make in GENERATED.items():
        make(generated / name)
        paths[name] = generated / name
    runs = {name: stp("validate", path) for name, path in paths.items()}
    return {name: (paths[name], runs[name]) for name in paths}


def test_the_corpus_is_large_and_every_file_has_an_expectation() -> None:
    assert len(CORPUS) >= 30
    assert set(CORPUS) - set(EXPECTED) == set(), "add these files to EXPECTED"
    assert set(EXPECTED) - set(CASES) == set(), "these expectations have no file"


@pytest.mark.parametrize("name", CASES)
def test_malformed_plan_is_refused_with_a_located_message(name: str, validated) -> None:
    path, result = validated[name]
    expect = EXPECTED[name]
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""

    *problems, summary = result.stderr.splitlines()
    plural = "s" if expect.problems != 1 else ""
    assert summary == f"{expect.problems} problem{plural} found; nothing was written."
    assert len(problems) == expect.problems, result.stderr
    located = re.compile(re.escape(str(path)) + (r": " if expect.line is None else r":([1-9][0-9]*): "))
    for line in problems:
        assert located.match(line), f"not located as expected: {line}"

    where = f"{path}:{expect.line}" if expect.line is not None else str(path)
    prefix = f"{where}: {expect.field}: "
    matching = [line for line in problems if line.startswith(prefix)]
    assert matching, f"no problem starts with {prefix!r}:\n{result.stderr}"
    assert any(expect.fragment in line for line in matching), f"{expect.fragment!r} not in:\n{result.stderr}"


def test_the_valid_fixture_validates_and_runs(tmp_path: Path) -> None:
    """The control for the corpus: without its mistake, the plan is accepted and runs."""
    result = stp("validate", VALID)
    assert result.returncode == 0, result.stderr
    assert "valid plan for E54000036 (2 organisations, 2 schemes" in result.stdout
    result = stp("run", VALID, "--format", "csv", "--output", tmp_path)
    assert result.returncode == 0, result.stderr
    written = {p.name for p in tmp_path.iterdir()}
    assert {"bridge.csv", "positions.csv", "schemes.csv", "beds.csv", "capital.csv"} <= written


def test_alias_bomb_is_refused_quickly() -> None:
    """Refused before anything is expanded. The bound only catches a hang; it is not a benchmark."""
    start = time.perf_counter()
    with pytest.raises(InputError) as caught:
        load_document(MALFORMED / "alias_bomb.yaml")
    assert time.perf_counter() - start < 5
    assert "anchors and aliases" in caught.value.problems[0].message


@pytest.mark.parametrize(
    ("name", "fmt", "exists"),
    [
        ("syntax_error.yaml", "table", True),  # refused while reading
        ("unknown_owner.json", "json", False),  # refused by the consistency checks
        ("size_gbp000_too_large.yaml", "csv", True),  # refused only once the schemes are laid out
    ],
)
def test_run_on_a_malformed_plan_writes_nothing(tmp_path: Path, name: str, fmt: str, exists: bool) -> None:
    output = tmp_path / "out"
    if exists:
        output.mkdir()
    result = stp("run", MALFORMED / name, "--format", fmt, "--output", output)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert "nothing was written" in result.stderr
    if exists:
        assert list(output.iterdir()) == []
    else:
        assert not output.exists()


def test_problems_are_not_wrapped(tmp_path: Path) -> None:
    folder = tmp_path / "a folder with a long name, as plans often have" / "submitted October 2016"
    folder.mkdir(parents=True)
    path = folder / "plan.yaml"
    path.write_bytes((MALFORMED / "unknown_scheme_owner.yaml").read_bytes())
    # A real terminal-less subprocess with no width set: rich must not wrap the message.
    env = {k: v for k, v in ENV.items() if k not in ("COLUMNS", "LINES")}
    result = subprocess.run([sys.executable, "-m", "stpkit", "validate", str(path)], stdin=subprocess.DEVNULL,
                            capture_output=True, encoding="utf-8", env=env, timeout=120, check=False)
    assert result.stderr.splitlines()[0].startswith(f"{path}:61: schemes[0].owner: unknown organisation 'RFE'")
