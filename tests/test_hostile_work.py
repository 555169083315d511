"""Bounded work for any input: every file stpkit reads is read to at most its limit (whatever
size the file system reports), plans and workbooks are refused at documented limits before
the work they would cause, and risk runs are capped by the memory they would need."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from tests.runner import run_stp

from stpkit.inputs import baseline, yaml_safe
from stpkit.inputs.located import InputError, read_limited

FIXTURES = Path(__file__).parent / "fixtures"
HOSTILE = Path(__file__).parent / "hostile" / "work"


def one_line_error(result) -> str:
    """The single problem line of a refused command (exit 2, no traceback)."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[1:] == ["1 problem found; nothing was written."], lines
    return lines[0]


# ------------------------------------------------------------------ files of no reported size


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")
def test_a_file_that_reports_no_size_is_still_read_only_to_the_limit():
    # /proc/self/maps reports a size of 0 but holds a line per mapping: well over 200 bytes.
    assert Path("/proc/self/maps").stat().st_size == 0
    with pytest.raises(InputError) as caught:
        read_limited(Path("/proc/self/maps"), 200, "plans")
    assert str(caught.value) == "/proc/self/maps: (file): file is more than 200 bytes; plans are at most 200"


def _fifo_with(tmp_path: Path, content: bytes) -> Path:
    fifo = tmp_path / "plan.yaml"
    os.mkfifo(fifo)

    def feed():
        try:
            with open(fifo, "wb") as out:
                out.write(content)
        except BrokenPipeError:
            pass  # the reader stopped at its limit, as it should

    threading.Thread(target=feed, daemon=True).start()
    return fifo


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_plan_can_come_through_a_pipe(tmp_path):
    # `stp validate <(generate-plan)`: the shell hands over a pipe, not a regular file.
    fifo = _fifo_with(tmp_path, (FIXTURES / "valid_small.yaml").read_bytes())
    result = run_stp("validate", fifo)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_an_endless_pipe_is_refused_at_the_plan_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(yaml_safe, "MAX_FILE_BYTES", 1000)
    fifo = _fifo_with(tmp_path, b"# comment\n" * 10_000)  # 100,000 bytes, far past the limit
    line = one_line_error(run_stp("validate", fifo))
    assert line == f"{fifo}: (file): file is more than 1,000 bytes; plans are at most 1,000"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_of_endless_zeros_is_refused_at_the_baseline_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(baseline, "MAX_FILE_BYTES", 1000)
    folder = tmp_path / "baseline"
    folder.mkdir()
    (folder / "zeros.csv").symlink_to("/dev/zero")
    line = one_line_error(run_stp("national", "--runs", "0", "--baseline", folder))
    assert line == f"{folder / 'zeros.csv'}: (file): file is more than 1,000 bytes; baseline files are at most 1,000"


# ------------------------------------------------------------------ plans with many schemes


def _plan_with_schemes(n: int):
    """valid_small's plan with its cost improvement scheme repeated ``n`` times, each tiny."""
    from stpkit.inputs.plan_file import load_plan

    plan = load_plan(FIXTURES / "valid_small.yaml")
    scheme = plan.schemes[0]
    schemes = [scheme.model_copy(update={"id": f"S{i:05d}", "size_pct": 0.001}) for i in range(n)]
    return plan.model_copy(update={"schemes": schemes})


def _central_peak_bytes(n: int) -> int:
    import tracemalloc

    from stpkit.api import PlanRun

    run = PlanRun.from_plan(_plan_with_schemes(n))
    tracemalloc.start()
    try:
        run.central  # noqa: B018 - worked out when first asked for
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_central_case_needs_memory_in_proportion_to_the_schemes():
    # Four times the schemes may take four times the memory, and a little over for what does
    # not grow; a (components x schemes) array would take sixteen times.
    small, large = _central_peak_bytes(120), _central_peak_bytes(480)
    assert large < 4.5 * small, (small, large)


def _many_schemes_yaml(n: int) -> str:
    """valid_small's text with ``n`` small schemes in place of its own; scheme i starts on
    line ``first + 8 * i``."""
    text = (FIXTURES / "valid_small.yaml").read_text("utf-8")
    head = text[: text.index("schemes:")]
    scheme = (
        "  - id: S{i}\n    name: Scheme {i}\n    category: efficiency\n    owner: REF\n"
        "    acts_on: {{kind: unit_cost}}\n    size_pct: 0.001\n    phasing_pct: {{2017/18: 100}}\n"
        "    evidence: weak\n"
    )
    return head + "schemes:\n" + "".join(scheme.format(i=i) for i in range(n))


def test_a_plan_with_more_schemes_than_the_limit_is_refused_at_the_first_one_too_many(tmp_path):
    from stpkit.domain.plan import MAX_SCHEMES

    text = _many_schemes_yaml(20_000)  # 2.3 MB: within the file limit
    path = tmp_path / "many.yaml"
    path.write_text(text, encoding="utf-8")
    first = text[: text.index("schemes:")].count("\n") + 2  # the line of the first scheme
    line = one_line_error(run_stp("validate", path))
    assert line == (
        f"{path}:{first + 8 * MAX_SCHEMES}: schemes: too many: a plan has at most {MAX_SCHEMES:,} schemes"
    )


def test_a_plan_at_the_scheme_limit_is_read():
    from stpkit.domain.plan import MAX_SCHEMES
    from stpkit.inputs.plan_file import parse_plan
    from stpkit.inputs.yaml_safe import Document

    data = Document(Path("plan.yaml"), None, None)
    from ruamel.yaml import YAML

    data.data = YAML(typ="safe").load(_many_schemes_yaml(MAX_SCHEMES))
    assert len(parse_plan(data).schemes) == MAX_SCHEMES


def test_a_plan_built_in_code_with_too_many_organisations_is_refused_naming_the_limit():
    # The plan model holds the limit too, for plans that do not come from a file.
    from stpkit.domain import Plan
    from stpkit.domain.plan import MAX_ORGANISATIONS
    from stpkit.inputs.plan_file import pydantic_problems

    plan = _plan_with_schemes(1).model_dump(mode="json")
    plan["organisations"] = [dict(plan["organisations"][0], code=f"C{i}") for i in range(MAX_ORGANISATIONS + 1)]
    with pytest.raises(Exception) as caught:
        Plan.model_validate(plan)
    found = {p.field: p.message for p in pydantic_problems(caught.value)}
    too_many = f"too many: at most {MAX_ORGANISATIONS:,} allowed, found {MAX_ORGANISATIONS + 1:,}"
    assert found == {"organisations": too_many}


# ------------------------------------------------------------------ workbooks

SCHEMES_SHEET = "xl/worksheets/sheet13.xml"  # the template's thirteenth sheet is Schemes


@pytest.fixture(scope="module")
def template_bytes(tmp_path_factory) -> bytes:
    """valid_small's plan as a filled submission workbook."""
    path = tmp_path_factory.mktemp("book") / "plan.xlsx"
    result = run_stp("template", "--plan", FIXTURES / "valid_small.yaml", "--output", path)
    assert result.returncode == 0, result.stderr
    return path.read_bytes()


def rezipped(source: bytes, path: Path, change: dict[str, bytes]) -> Path:
    """The workbook ``source`` with the members in ``change`` replaced or added, written to ``path``."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename not in change:
                new.writestr(info, old.read(info.filename))
        for name, data in change.items():
            new.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return path


def _sheet_with(source: bytes, extra: str) -> bytes:
    """The Schemes sheet's XML with ``extra`` rows at the end of its data."""
    import io
    import zipfile

    xml = zipfile.ZipFile(io.BytesIO(source)).read(SCHEMES_SHEET).decode()
    return xml.replace("</sheetData>", extra + "</sheetData>").encode()


def test_the_template_still_imports(template_bytes, tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(template_bytes)
    result = run_stp("import", path)
    assert result.returncode == 0, result.stderr


def test_a_cell_far_beyond_the_template_is_refused_naming_it(template_bytes, tmp_path):
    from stpkit.inputs.submission.read import MAX_COLUMNS, MAX_ROWS

    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    path = rezipped(template_bytes, tmp_path / "far.xlsx", {SCHEMES_SHEET: _sheet_with(template_bytes, far)})
    line = one_line_error(run_stp("import", path))
    assert line == (
        f"{path}: Schemes!XFD1048576: (cell): beyond what a submission workbook uses: at most {MAX_ROWS:,} rows "
        f"and {MAX_COLUMNS} columns (to column CV); clear it or move it nearer"
    )


def test_a_sheet_that_claims_a_huge_range_is_refused_before_reading_its_cells(template_bytes, tmp_path):
    import io
    import zipfile

    xml = zipfile.ZipFile(io.BytesIO(template_bytes)).read(SCHEMES_SHEET).decode()
    start = xml.index("<dimension")
    xml = xml[:start] + '<dimension ref="A1:XFD1048576"/>' + xml[xml.index(">", start) + 1 :]
    path = rezipped(template_bytes, tmp_path / "dimension.xlsx", {SCHEMES_SHEET: xml.encode()})
    line = one_line_error(run_stp("import", path))
    assert line.startswith(f"{path}: Schemes!XFD1048576: (cell): beyond what a submission workbook uses")


def test_a_zip_bomb_is_refused_before_it_is_unzipped(template_bytes, tmp_path):
    from stpkit.inputs.submission.read import MAX_PART_BYTES

    # A sheet padded with spaces to one byte over the limit: about 30 KB on disk.
    padded = _sheet_with(template_bytes, "").replace(b"<sheetData>", b"<sheetData>" + b" " * MAX_PART_BYTES)
    path = rezipped(template_bytes, tmp_path / "bomb.xlsx", {SCHEMES_SHEET: padded})
    assert path.stat().st_size < 200_000
    line = one_line_error(run_stp("import", path))
    size = len(padded)
    assert line == (
        f"{path}: (workbook): part {SCHEMES_SHEET} unzips to {size:,} bytes; a part of a workbook is at most "
        f"{MAX_PART_BYTES:,}"
    )


def test_a_workbook_whose_parts_together_unzip_too_far_is_refused(template_bytes, tmp_path, monkeypatch):
    from stpkit.inputs.submission import read

    total = sum(i.file_size for i in __import__("zipfile").ZipFile(__import__("io").BytesIO(template_bytes)).infolist())
    monkeypatch.setattr(read, "MAX_UNZIPPED_BYTES", total - 1)
    path = tmp_path / "plan.xlsx"
    path.write_bytes(template_bytes)
    line = one_line_error(run_stp("import", path))
    assert line == (
        f"{path}: (workbook): unzips to more than {total - 1:,} bytes; a workbook is at most {total - 1:,} unzipped"
    )


def test_too_many_shared_strings_are_refused(template_bytes, tmp_path):
    from stpkit.inputs.submission.read import MAX_SHARED_STRINGS

    n = MAX_SHARED_STRINGS + 1
    strings = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + "<si><t>x</t></si>" * n + "</sst>"
    ).encode()
    path = rezipped(template_bytes, tmp_path / "strings.xlsx", {"xl/sharedStrings.xml": strings})
    line = one_line_error(run_stp("import", path))
    assert line == (
        f"{path}: (workbook): more than {MAX_SHARED_STRINGS:,} different texts (shared strings); "
        "a submission workbook needs far fewer"
    )


# ------------------------------------------------------------------ risk runs and samples


def test_more_runs_than_memory_allows_are_refused_before_any_is_made():
    from stpkit.engine.risk import MAX_RUNS_BYTES

    # valid_small: 2 organisations over 5 years (2016/17 to 2020/21). Each run keeps six
    # positions by organisation and year and two totals by year, (6 x 5 x 2 + 2 x 5) = 70
    # values, three times over while percentiles are worked out: 210 values, 1,680 bytes.
    per_run = 1_680
    most = MAX_RUNS_BYTES // per_run
    line = one_line_error(run_stp("run", FIXTURES / "valid_small.yaml", "--runs", str(most + 1)))
    need = (most + 1) * per_run / 1e9
    assert line == (
        f"--runs: {most + 1:,} runs of this plan would need about {need:,.1f} GB ({per_run:,} bytes a run); "
        f"at most {most:,} runs fit in the {MAX_RUNS_BYTES / 1e9:g} GB allowed"
    )


def test_the_runs_that_fit_are_not_refused(monkeypatch):
    from stpkit.api import PlanRun
    from stpkit.engine import risk

    run = PlanRun.load(FIXTURES / "valid_small.yaml")
    monkeypatch.setattr(risk, "MAX_RUNS_BYTES", 100 * 1_680)
    assert run.risk(100, 0).runs == 100
    with pytest.raises(risk.TooManyRuns):
        run.risk(101, 0)


def test_more_sensitivity_samples_than_memory_allows_are_refused():
    line = one_line_error(run_stp("sensitivity", FIXTURES / "valid_small.yaml", "--samples", str(2**30)))
    assert line.startswith(f"--samples: {2**30:,} samples (")
    assert " runs) of this plan would need about " in line
    assert "GB allowed" in line


def test_more_national_runs_than_memory_allows_are_refused_before_any_footprint_is_run():
    from stpkit.engine.risk import MAX_RUNS_BYTES

    # 44 footprints, each keeping eight totals for each of 5 years (2016/17 to 2020/21) three
    # times over: 44 x 8 x 5 x 3 x 8 bytes = 42,240 bytes a run.
    per_run = 42_240
    most = MAX_RUNS_BYTES // per_run
    line = one_line_error(run_stp("national", "--runs", str(most + 1)))
    assert line.startswith(f"--runs: {most + 1:,} runs of 44 footprints would need about ")
    assert line.endswith(f"({per_run:,} bytes a run); at most {most:,} runs fit in the 1 GB allowed")


# ------------------------------------------------------------------ the hostile corpus

LIMIT_CELL = "beyond what a submission workbook uses: at most 10,000 rows and 100 columns (to column CV)"
#: Each file of tests/hostile/work: where it is refused and what is said (README.md says why).
CORPUS = {
    "alias_bomb.yaml": ":2: (syntax): anchors and aliases (& and *) are not allowed in plans",
    "schemes_by_anchor.yaml": ":58: (syntax): anchors and aliases (& and *) are not allowed in plans",
    "deeply_nested.yaml": ":1: (syntax): nested more than 40 levels deep",
    "deeply_nested.json": ":1: (syntax): nested more than 40 levels deep",
    "too_many_schemes.yaml": ":558: schemes: too many: a plan has at most 500 schemes",
    "too_many_schemes.json": ":1: schemes: too many: a plan has at most 500 schemes",
    "too_many_organisations.yaml": ":103: organisations: too many: a plan has at most 100 organisations",
    "too_many_indicators.yaml": ":57: indicators: too many: a plan has at most 500 indicators",
    "too_many_destinations.yaml": ":65: schemes[0].acts_on.to: too many: at most 20 allowed, found 21",
    # The value is cut to its first 57 characters and "...".
    "baseline_unclosed_quote.csv": ":2: value: not a number: "
    "'500\\nREF,2016/17,beds,500\\nREF,2016/17,beds,500\\nREF,2016/17...' "
    "(a quoted cell runs from this line to line 1502: is a closing quote missing?)",
    "far_cell.xlsx": f": Schemes!XFD1048576: (cell): {LIMIT_CELL}; clear it or move it nearer",
    "huge_dimension.xlsx": f": Schemes!XFD1048576: (cell): {LIMIT_CELL}; clear it or move it nearer",
    "far_empty_row.xlsx": f": Schemes!A500000: (cell): {LIMIT_CELL}; clear it or move it nearer",
    "cells_without_references.xlsx": f": Schemes!CW1: (cell): {LIMIT_CELL}; clear it or move it nearer",
    "rows_without_references.xlsx": f": Schemes!A10001: (cell): {LIMIT_CELL}; clear it or move it nearer",
    "zip_bomb.xlsx": ": (workbook): part xl/worksheets/sheet1.xml unzips to 26,000,142 bytes; a part of a workbook "
    "is at most 25,000,000",
    "lying_sizes.xlsx": ": (workbook): part xl/workbook.xml unzips to 4,294,967,280 bytes; a part of a workbook is at "
    "most 25,000,000",
    "shared_strings.xlsx": ": (workbook): more than 100,000 different texts (shared strings); a submission workbook "
    "needs far fewer",
}


def test_the_corpus_is_listed_small_and_checked_here():
    files = sorted(p.name for p in HOSTILE.iterdir() if p.name != "README.md")
    assert files == sorted(CORPUS)
    assert len(files) >= 15
    assert all((HOSTILE / name).stat().st_size < 50_000 for name in files)
    readme = (HOSTILE / "README.md").read_text("utf-8")
    assert all(f"`{name}`" in readme for name in files)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_hostile_file_is_refused_with_one_clear_line(name, tmp_path):
    source = HOSTILE / name
    if name.endswith(".xlsx"):
        result, shown = run_stp("import", source), str(source)
    elif name.endswith(".csv"):
        folder = tmp_path / "baseline"
        folder.mkdir()
        (folder / name).write_bytes(source.read_bytes())
        result, shown = run_stp("national", "--runs", "0", "--baseline", folder), str(folder / name)
    else:
        result, shown = run_stp("validate", source), str(source)
    assert one_line_error(result) == shown + CORPUS[name]


def test_an_endless_parameter_cache_is_passed_over(tmp_path, monkeypatch):
    # The parsed national parameters are cached in the user's cache folder, a file stpkit reads
    # too: one that never ends (here /dev/zero) is read only to a bound, then parsed afresh.
    from importlib.resources import files

    from stpkit.reference import parameters

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    text = files("stpkit.reference").joinpath("data").joinpath(parameters.PARAMETERS_FILE).read_text("utf-8")
    real = parameters._parsed(text)  # writes the cache
    (cached,) = (tmp_path / "stpkit").glob("national_parameters-*.json")
    cached.unlink()
    cached.symlink_to("/dev/zero")
    monkeypatch.setattr(parameters, "MAX_CACHE_BYTES", 1_000)
    assert parameters._parsed(text) == real
