"""Reports checked as a person would: the HTML rendered in headless Chromium, the PDF's text
extracted, and the figures compared with `stp run --format json`."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from stpkit.assurance import assess
from stpkit.engine.model import run_plan
from stpkit.examples import example_paths
from stpkit.outputs.report.charts import money_m
from stpkit.outputs.report.footprint import footprint_report
from stpkit.outputs.report.public import public_summary
from stpkit.outputs.results import ILLUSTRATIVE_NOTE
from stpkit.reference.footprints import load_footprints
from stpkit.reference.illustrative import illustrative_plan
from stpkit.reference.parameters import load_parameters

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NWL = str(example_paths()["north_west_london"])


def stp(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "stpkit", *args], capture_output=True, text=True, timeout=600,
                            cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reports")
    stp("report", NWL, "--runs", "500", "--output", str(folder))
    stp("public", NWL, "--runs", "500", "--output", str(folder))
    return folder


@pytest.fixture(scope="module")
def results() -> dict:
    return json.loads(stp("run", NWL, "--runs", "500", "--format", "json").stdout)


def _pdf_text(path: Path) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


class _Figures(HTMLParser):
    """Collects, for every <figure>, the tags it contains."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[set[str]] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "figure":
            self.figures.append(set())
            self.depth += 1
        elif self.depth:
            self.figures[-1].add(tag)

    def handle_endtag(self, tag):
        if tag == "figure":
            self.depth -= 1


def test_the_report_figures_agree_with_the_json_results(written: Path, results: dict):
    html = (written / "E54000027_report.html").read_text("utf-8")
    consolidated = results["consolidated"]
    for do_nothing, with_plan in zip(consolidated["do_nothing_gbp000"], consolidated["with_plan_gbp000"], strict=True):
        assert money_m(do_nothing) in html
        assert money_m(with_plan) in html
    risk = results["risk"]
    assert f"{100 * risk['probability_of_balance'][-1]:.0f}%" in html
    assert money_m(risk["with_plan"]["p50_gbp000"][-1]) in html
    for scheme in results["schemes"]:
        assert money_m(scheme["final_year_effect_gbp000"]) in html


def test_every_chart_has_a_caption_alternative_text_and_a_data_table(written: Path):
    parser = _Figures()
    parser.feed((written / "E54000027_report.html").read_text("utf-8"))
    assert len(parser.figures) >= 3  # the gap, the bridge, the risk fan
    for tags in parser.figures:
        assert {"svg", "title", "desc", "figcaption", "table"} <= tags


def test_the_report_is_self_contained_and_illustrative_where_it_should_be(written: Path):
    html = (written / "E54000027_report.html").read_text("utf-8")
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert html.count(escape(ILLUSTRATIVE_NOTE)) >= 2  # at the top and over the money


def test_the_pdf_holds_the_same_figures(written: Path, results: dict):
    text = _pdf_text(written / "E54000027_report.pdf")
    assert "North West London" in text
    assert money_m(results["consolidated"]["with_plan_gbp000"][-1]) in text
    assert money_m(results["consolidated"]["do_nothing_gbp000"][-1]) in text
    assert "ILLUSTRATIVE" in text


def test_the_public_summary_says_what_changes_where(written: Path, results: dict):
    html = (written / "E54000027_public.html").read_text("utf-8")
    assert "What the North West London plan means for you" in html
    assert "Ealing" in html and "A&amp;E department" in html  # the downgrade, by place
    assert "How to have your say" in html
    assert f"{100 * results['risk']['probability_of_balance'][-1]:.0f}% chance" in html
    text = _pdf_text(written / "E54000027_public.pdf")
    assert "What changes near you" in text


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium (Debian package chromium) is not installed")
@pytest.mark.parametrize("name", ["E54000027_report.html", "E54000027_public.html"])
def test_chromium_renders_the_page_with_its_key_figures(written: Path, results: dict, name: str, tmp_path: Path):
    page = written / name
    profile = tmp_path / "profile"
    common = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}"]
    dom = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr
    assert money_m(results["consolidated"]["with_plan_gbp000"][-1]) in dom.stdout or "report" not in name
    assert "North West London" in dom.stdout
    shot = tmp_path / "page.png"
    subprocess.run([*common, f"--screenshot={shot}", "--window-size=1000,1400", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    from PIL import Image

    pixels = Image.open(shot).convert("L")
    low, high = pixels.getextrema()
    assert high - low > 100  # not blank: dark text on a light page
    assert sum(1 for count in pixels.histogram() if count) > 20  # text, lines and fills, not one colour


def test_reports_work_for_all_44_illustrative_footprints():
    params = load_parameters()
    for code in load_footprints():
        plan = illustrative_plan(code, params)
        result = run_plan(plan, params)
        html = footprint_report(assess(plan, params, runs=0, result=result))
        assert money_m(result.with_plan[0, -1]) in html and escape(ILLUSTRATIVE_NOTE) in html
        assert "What changes near you" in public_summary(plan, result)
