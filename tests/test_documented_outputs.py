"""What the outputs promise: the submission workbook's year columns are labelled with their own
year, and every key that docs/results-json.md documents is in the results document."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from stpkit.api import PlanRun, empty_submission_workbook, prefilled_submission_workbook
from stpkit.domain import fy_range

ROOT = Path(__file__).resolve().parents[1]
YEAR = re.compile(r"\d{4}/\d{2}")
ROW_LABEL, ROW_KEY = 4, 5  # the label and the plan field of each column (docs/excel.md)


# ---- the submission workbook's year columns ----------------------------------------------------


def _year_columns(book: openpyxl.Workbook) -> list[tuple[str, str, str, str, str]]:
    """(sheet, column, key prefix, the key's year, the label over it) for every column of a data
    sheet whose key (row 5) is a block repeated by year, e.g. ``beds.2017/18``."""
    found = []
    for ws in book.worksheets:
        if ws.title in ("Cover", "Lists"):
            continue
        for cell in ws[ROW_KEY]:
            match = re.fullmatch(r"([a-z_]+)\.(\d{4}/\d{2})", str(cell.value or ""))
            if match:
                label = str(ws.cell(ROW_LABEL, cell.column).value or "")
                found.append((ws.title, cell.column_letter, match.group(1), match.group(2), label))
    return found


@pytest.mark.parametrize(
    ("make", "base", "horizon"),
    [
        (lambda: empty_submission_workbook(), "2016/17", "2020/21"),
        (lambda: empty_submission_workbook("2015/16", "2018/19"), "2015/16", "2018/19"),
        (lambda: prefilled_submission_workbook("E54000036"), "2016/17", "2020/21"),
    ],
    ids=["empty", "empty-2015-16-to-2018-19", "prefilled-cornwall"],
)
def test_each_year_label_sits_over_its_own_years_column(make, base, horizon):
    """Every column keyed by a year is labelled with that year and no other, so a finance team
    typing 2018/19 figures under the 2018/19 heading puts them in the 2018/19 field. Each
    block runs over the plan's years (all of them, or those after the base year) in order."""
    book = openpyxl.load_workbook(io.BytesIO(make()))
    columns = _year_columns(book)
    assert columns, "no year columns found"
    wrong = [
        f"{sheet}!{letter}{ROW_LABEL}: {label!r} over {prefix}.{year}"
        for sheet, letter, prefix, year, label in columns
        if YEAR.findall(label) != [year]
    ]
    assert wrong == []
    years = fy_range(base, horizon)
    by_block: dict[tuple[str, str], list[str]] = {}
    for sheet, _, prefix, year, _ in columns:
        by_block.setdefault((sheet, prefix), []).append(year)
    assert {block: found in (years, years[1:]) for block, found in by_block.items()} == dict.fromkeys(by_block, True)
    # The base-year allocation column is labelled with the base year too.
    allocations = book["Allocations"]
    (column,) = [c.column for c in allocations[ROW_KEY] if c.value == "allocation_gbp000"]
    assert YEAR.findall(str(allocations.cell(ROW_LABEL, column).value)) == [base]


# ---- every documented results key is in the JSON -------------------------------------------------


def _documented_rows() -> list[tuple[str, list[str], list[str]]]:
    """From the tables of docs/results-json.md: (where the key is, its keys, the words in code
    quotes in its meaning). The second table documents the ``risk`` object."""
    rows, parent = [], ""
    for line in (ROOT / "docs" / "results-json.md").read_text("utf-8").splitlines():
        if line.startswith("The `risk` object"):
            parent = "risk"
        match = re.match(r"^\|\s*(`[^|]*`)\s*\|\s*(.*?)\s*\|\s*$", line)
        if match:
            rows.append((parent, re.findall(r"`([^`]+)`", match.group(1)), re.findall(r"`([^`]+)`", match.group(2))))
    return rows


def _nodes(document: Any, path: str) -> list[Any]:
    """Every value at ``path``: dot-separated keys, ``*`` for every value of an object and a
    trailing ``[]`` for every element of a list. Raises KeyError naming what is missing."""
    nodes = [document]
    for part in [p for p in path.split(".") if p]:
        key, each = (part[:-2], True) if part.endswith("[]") else (part, False)
        found = []
        for node in nodes:
            if key == "*":
                found.extend(node.values())
            elif not isinstance(node, dict) or key not in node:
                raise KeyError(f"{path}: no {key!r}")
            else:
                found.append(node[key])
        nodes = [item for node in found for item in node] if each else found
    return nodes


def _words(node: Any) -> set[str]:
    """Every key and every string value anywhere inside ``node``."""
    if isinstance(node, dict):
        return set(node) | {w for v in node.values() for w in _words(v)}
    if isinstance(node, list):
        return {w for v in node for w in _words(v)}
    return {node} if isinstance(node, str) else set()


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    """What ``stp run --runs 200 --seed 1 --keep-run 1 --format json`` prints for the bundled
    example (North West London), read back as JSON."""
    run = PlanRun.load()
    return json.loads(json.dumps(run.results_document(run.risk(runs=200, seed=1, keep=(1,)))))


def test_the_documented_tables_are_read():
    rows = _documented_rows()
    keys = {".".join(filter(None, (parent, key))) for parent, keys, _ in rows for key in keys}
    assert {"format", "consolidated", "bridge.*.steps[]", "beds", "risk", "risk.capital_need", "risk.kept_runs"} <= keys
    assert len(rows) >= 30


def test_every_documented_key_is_in_the_results(results):
    """Each key in the first column must be there (a path such as ``bridge.*.steps[]`` in every
    place it names), and each name quoted in its meaning must be a key or a value somewhere in
    what the key holds (a field, or a value such as a step id) or, failing that, in the object
    that holds the key (a sibling it refers to). Lists must not be empty: the example has every
    kind of row."""
    missing = []
    for parent, keys, meaning in _documented_rows():
        for key in keys:
            path = ".".join(filter(None, (parent, key)))
            try:
                nodes = _nodes(results, path)
            except KeyError as error:
                missing.append(error.args[0])
                continue
            missing += [f"{path}: empty" for node in nodes if isinstance(node, list) and not node]
            inside = _words(nodes)
            around = {k for holder in (_nodes(results, parent) if parent else [results]) for k in holder}
            for word in meaning:
                if YEAR.search(word) or not re.fullmatch(r'[a-z][a-z0-9_]*|"[^"]*"|\d+', word):
                    continue  # an option (--runs) or a phrase, not a name
                if not word[0].isalpha():  # a JSON value: "stpkit-results", 1
                    missing += [f"{path}: {node!r} is not {word}" for node in nodes if node != json.loads(word)]
                elif word not in inside and word not in around:
                    missing.append(f"{path}: no {word!r}")
    assert missing == []
