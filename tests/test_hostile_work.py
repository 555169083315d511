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
