"""Text from plans is data, never markup or control: names and free text reach the terminal
without escape sequences or Rich markup, CSV text cells cannot run as spreadsheet formulas,
workbooks open with text Excel cannot hold replaced (and say so), and the HTML pages escape it.
The plans are the hostile corpus in tests/hostile/text/."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from runner import run_stp, stp
from stpkit.api import PlanRun
from stpkit.domain.formatting import plain

CORPUS = Path(__file__).parent / "hostile" / "text"
PLANS = sorted(p for p in CORPUS.glob("*.yaml") if p.name != "problem_escape.yaml")
FIXTURE = Path(__file__).parent / "fixtures" / "valid_small.yaml"

#: What must never reach a terminal from a plan: C0 controls but the line break, DEL, C1 controls,
#: and the bidi embedding, override and isolate controls.
TERMINAL_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: What Rich draws for the emoji codes in the corpus (:100:, :warning:, :thumbs_up:, :smile:).
EMOJI = ("\U0001f4af", "\u26a0", "\U0001f44d", "\U0001f604")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _terminal_safe(text: str) -> None:
    bad = TERMINAL_UNSAFE.search(text)
    assert bad is None, f"control character {bad.group()!r} in {text[max(0, bad.start() - 40):bad.end() + 40]!r}"
    assert not any(e in text for e in EMOJI), "an emoji code in plan text was drawn as an emoji"


def _plan_texts(path: Path) -> list[str]:
    plan = PlanRun.load(path).plan
    return [plan.title, *(o.name for o in plan.organisations), *(s.name for s in plan.schemes)]


def _line_feeds(text: str) -> str:
    """Line breaks as a workbook's XML reads them back: carriage returns become line feeds."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _csv_text_cells_safe(text: str) -> int:
    """Asserts no text cell starts a formula; returns how many negative numbers it held (as numbers)."""
    negatives = 0
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if _is_number(cell):
                negatives += cell.startswith("-")
            else:
                assert not cell.startswith(FORMULA_START), f"formula-leading text cell {cell!r}"
    return negatives


# ------------------------------------------------------------------------------- the one function


def test_plain_removes_control_and_escape_sequences_and_keeps_the_words():
    assert plain("\x1b[31mred\x1b[0m text") == "red text"
    assert plain("\x1b]0;pwned\x07Plan") == "Plan"  # the title it would set is gone too
    assert plain("\x1b]2;owned\x1b\\Plan") == "Plan"
    assert plain("\x1b]8;;https://evil.invalid/\x1b\\click\x1b]8;;\x1b\\") == "click"
    assert plain("\x1b[2J\x1b[HTop") == "Top"
    assert plain("Evil\x08\x08\x08\x08Good\x07\x7f") == "EvilGood"
    assert plain("\x9b31mC1\x9b0m \x9d0;t\x07x") == "C1 x"
    assert plain("Royal \u202eecnerolf\u202c \u2066a\u2069") == "Royal ecnerolf a"
    assert plain("one\ntwo\r\nthree\tfour") == "one two three four"
    assert plain("£12.3m – Kernow [b] :100: <p>") == "£12.3m – Kernow [b] :100: <p>"  # not markup's job


# ---------------------------------------------------------------------------------- the terminal


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_terminal_shows_plan_text_as_written_without_control(path: Path):
    shown = stp("run", path, "--runs", "0").stdout
    _terminal_safe(shown)
    for text in _plan_texts(path):
        assert plain(text)[:30] in shown, f"{plain(text)[:30]!r} not shown as written"
    checked = stp("check", path, "--runs", "0").stdout
    _terminal_safe(checked)
    assert plain(PlanRun.load(path).plan.title)[:30] in checked


def test_markup_and_emoji_codes_in_names_are_shown_literally():
    shown = stp("run", CORPUS / "rich_markup.yaml", "--runs", "0").stdout
    assert "[bold red]Cornwall[/bold red] [link=https://example.invalid]plan[/link]" in shown
    assert "[reverse]Royal Cornwall[/reverse] [/]" in shown
    shown = stp("run", CORPUS / "emoji_codes.yaml", "--runs", "0").stdout
    assert "Cornwall :100: plan :warning:" in shown
    assert "REF  │ Royal Cornwall :thumbs_up:" in shown or "Royal Cornwall :thumbs_up:" in shown


def test_markup_in_codes_is_shown_literally_everywhere():
    shown = stp("run", CORPUS / "markup_codes.yaml", "--runs", "0").stdout
    _terminal_safe(shown)
    assert "[b]REF:100:" in shown


def test_problem_messages_show_escapes_as_text(tmp_path):
    result = run_stp("validate", CORPUS / "problem_escape.yaml")
    assert result.returncode == 2
    _terminal_safe(result.stderr)
    assert "schemes[0].owner: unknown organisation" in result.stderr
    assert "[red]REF[/red] :100:" in result.stderr


def test_problem_on_line_100_of_a_bracketed_file_keeps_its_prefix(tmp_path):
    lines = FIXTURE.read_text("utf-8").splitlines()
    # Push the first scheme's size to line 100 with comment lines, and make it wrong.
    size_line = next(i for i, line in enumerate(lines) if line.strip() == "size_pct: 4")
    lines[size_line] = lines[size_line].replace("size_pct: 4", "size_pct: lots")
    lines[2:2] = ["# padding"] * (99 - size_line)
    path = tmp_path / "[red]x[/red].yaml"  # a folder "[red]x[" holding "red].yaml": "/" cannot be in a name
    path.parent.mkdir()
    path.write_text("\n".join(lines) + "\n", "utf-8")
    assert path.read_text("utf-8").splitlines()[99].strip() == "size_pct: lots"
    result = run_stp("validate", path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{path}:100: schemes[0].size_pct: "), result.stderr


def test_written_paths_with_brackets_are_shown_as_given(tmp_path):
    folder = tmp_path / "[bold]out[/bold]"
    result = stp("run", FIXTURE, "--runs", "0", "--format", "json", "--output", folder)
    assert f"wrote {folder / 'results.json'}" in result.stderr


# ------------------------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_csv_text_cells_cannot_run_as_formulas(path: Path, tmp_path):
    printed = stp("run", path, "--runs", "0", "--format", "csv").stdout
    # The bridge of every plan here has deficits: those stay numbers, not text.
    assert _csv_text_cells_safe(printed) > 0
    stp("run", path, "--runs", "0", "--format", "csv", "--output", tmp_path)
    for table in tmp_path.glob("*.csv"):
        _csv_text_cells_safe(table.read_text("utf-8"))


def test_formula_leading_names_are_kept_readable_in_csv(tmp_path):
    stp("run", CORPUS / "formula_leading.yaml", "--runs", "0", "--format", "csv", "--output", tmp_path)
    rows = list(csv.DictReader((tmp_path / "schemes.csv").open(encoding="utf-8", newline="")))
    assert rows[0]["name"] == "'+1+cmd|' /C calc'!A0"
    rows = list(csv.DictReader((tmp_path / "positions.csv").open(encoding="utf-8", newline="")))
    assert "'=HYPERLINK(\"https://evil.invalid\",\"click\")" in {r["name"] for r in rows}


def test_csv_text_helper_leaves_numbers_and_plain_text_alone():
    import pandas as pd

    from stpkit.outputs.results import to_csv

    frame = pd.DataFrame(
        {
            "name": ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "Kernow", "-"],
            "value_gbp000": [-5, 1, -2.5, 0, 3, 4, 5, 6],
        }
    )
    rows = list(csv.reader(io.StringIO(to_csv(frame))))
    # A carriage return is a formula trigger, and is kept as a (quoted) line break.
    assert [r[0] for r in rows[1:]] == ["'=1+1", "'+1", "'-2+3", "'@SUM(A1)", "'\tx", "'\nx", "Kernow", "'-"]
    assert [r[1] for r in rows[1:]] == ["-5.0", "1.0", "-2.5", "0.0", "3.0", "4.0", "5.0", "6.0"]


# ------------------------------------------------------------------------------------- workbooks


def _cells(book):
    for ws in book.worksheets:
        for row in ws.iter_rows():
            yield from row


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_results_workbook_opens_with_text_kept_as_text(path: Path, tmp_path):
    out = tmp_path / "results.xlsx"
    stp("export", path, "--output", out)
    book = load_workbook(out)
    formulas = [c.coordinate for c in _cells(book) if c.data_type == "f"]
    assert formulas == [], f"text written as formulas at {formulas}"
    names = {c.value for c in _cells(book) if isinstance(c.value, str)}
    for text in _plan_texts(path):
        if not ILLEGAL_CHARACTERS_RE.search(text):
            assert _line_feeds(text) in names, f"{text!r} not kept exactly"


def test_results_workbook_replaces_what_excel_cannot_hold_and_says_so(tmp_path):
    out = tmp_path / "results.xlsx"
    stp("export", CORPUS / "excel_illegal.yaml", "--output", out)
    book = load_workbook(out)
    changed = [c for c in _cells(book) if isinstance(c.value, str) and "Royal\ufffdCornwall" in c.value]
    assert changed, "the organisation name with NUL should be kept with the NUL replaced"
    assert all(c.comment is not None and "replaced" in c.comment.text for c in changed)
    readme = [r for r in book["README"].iter_rows(values_only=True) if r[0] == "text changed"]
    assert readme and "U+FFFD" in readme[0][1]


def test_excel_text_helper_shortens_text_over_the_cell_limit():
    from openpyxl import Workbook

    from stpkit.inputs.submission import put_text

    cell = Workbook().active["A1"]
    assert put_text(cell, "=x" + "a" * 40_000) is True
    assert len(cell.value) == 32_767 and cell.data_type == "s" and cell.value.startswith("=xaaa")
    assert "shortened" in cell.comment.text
    assert put_text(cell, "fine") is False and cell.value == "fine"


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_submission_workbook_holds_the_text_and_reads_back(path: Path, tmp_path):
    out = tmp_path / "submission.xlsx"
    stp("template", "--plan", path, "--output", out)
    load_workbook(out)  # opens
    texts = _plan_texts(path)
    if any(ILLEGAL_CHARACTERS_RE.search(t) for t in texts):
        return  # changed on purpose, with a note: it cannot read back the same
    back = stp("import", out, "--output", tmp_path / "back.yaml")
    assert back.returncode == 0
    assert _plan_texts(tmp_path / "back.yaml") == [_line_feeds(t) for t in texts]


def test_submission_workbook_replaces_illegal_text_with_a_note(tmp_path):
    out = tmp_path / "submission.xlsx"
    stp("template", "--plan", CORPUS / "excel_illegal.yaml", "--output", out)
    book = load_workbook(out)
    changed = [c for c in _cells(book) if isinstance(c.value, str) and "Royal\ufffdCornwall" in c.value]
    assert changed and all(c.comment is not None and "replaced" in c.comment.text for c in changed)


# ------------------------------------------------------------------------------------------ HTML


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_html_pages_escape_plan_text(path: Path):
    loaded = PlanRun.load(path)
    for page in (loaded.report_html(0, 0), loaded.public_html(0, 0)):
        lowered = page.lower()
        assert "<script" not in lowered
        assert "<img" not in lowered and "<svg onload" not in lowered and "<style>body" not in lowered


def test_html_report_shows_script_names_as_text():
    loaded = PlanRun.load(CORPUS / "html_script.yaml")
    page = loaded.report_html(0, 0)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Royal Cornwall" in page
    page = PlanRun.load(CORPUS / "html_attribute.yaml").report_html(0, 0)
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page


def test_corpus_is_listed_and_small():
    readme = (CORPUS / "README.md").read_text("utf-8")
    files = sorted(CORPUS.glob("*.yaml"))
    assert len(files) >= 15
    for path in files:
        assert f"`{path.stem}`" in readme, f"{path.name} is not in the README"
        assert path.stat().st_size < 50_000


def test_terminal_copy_of_the_run_is_plain_too(tmp_path):
    stp("run", CORPUS / "mixed.yaml", "--runs", "0", "--output", tmp_path)
    _terminal_safe((tmp_path / "summary.txt").read_text("utf-8"))


def test_copy_of_the_corpus_plan_with_brackets_in_its_name_exports(tmp_path):
    path = tmp_path / "[red]x[/red].yaml"
    path.parent.mkdir()
    shutil.copy(CORPUS / "mixed.yaml", path)
    result = stp("export", path, "--output", tmp_path / "out.xlsx")
    assert f"wrote {tmp_path / 'out.xlsx'}" in result.stderr
