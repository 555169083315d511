"""The map of England: every 2017 footprint is drawn, values are classed as documented, and the
SVG is a well-formed, self-describing image."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from stpkit.outputs.report.map import PER_HEAD_CLASSES, national_map, per_head_class
from stpkit.reference.boundaries import footprints_by_area, load_areas
from stpkit.reference.footprints import load_footprints

SVG = "{http://www.w3.org/2000/svg}"


def test_every_2017_footprint_is_in_exactly_one_2021_area():
    covered = [code for codes in footprints_by_area().values() for code in codes]
    assert sorted(covered) == sorted(load_footprints())
    assert {a.code_2021 for a in load_areas()} == set(footprints_by_area())
    assert len(load_areas()) == 42


def test_per_head_classes():
    assert [per_head_class(v) for v in (0.0, 12.0, -0.01, -49.9, -50.0, -99.0, -100.0, -149.0, -150.0, -900.0)] == [
        0, 0, 1, 1, 2, 2, 3, 3, 4, 4,
    ]


def _fills(svg: str) -> dict[str, tuple[str, str]]:
    root = ET.fromstring(svg)
    return {path.find(f"{SVG}title").text.split(":")[0].split(" (covers")[0]: (path.get("fill"),
            path.find(f"{SVG}title").text) for path in root.iter(f"{SVG}path")}


def test_areas_are_filled_by_their_value_per_head():
    """Cornwall: +£1,136k over 568,210 people is +£2 a head, so it balances. The three
    Cumbria and North East footprints are taken together: (-30,000 - 20,000 - 10,000) £000 over
    (1,000,000 + 1,000,000 + 200,000) people is -£27.27 a head, the 'up to £50' class."""
    footprints = load_footprints()
    populations = {code: f.population for code, f in footprints.items()}
    populations |= {"E54000045": 1_000_000, "E54000046": 1_000_000, "E54000047": 200_000}
    positions = {code: -200.0 * populations[code] / 1000 for code in footprints}  # -£200 a head
    positions["E54000036"] = 1136.0
    positions |= {"E54000045": -30_000.0, "E54000046": -20_000.0, "E54000047": -10_000.0}
    fills = _fills(national_map(positions, populations, "2020/21", illustrative=False))
    assert fills["Cornwall and the Isles of Scilly Health and Social Care Partnership"][0] == PER_HEAD_CLASSES[0].colour
    colour, tooltip = fills["Cumbria and North East"]
    assert colour == PER_HEAD_CLASSES[1].colour
    assert "−£27 a head" in tooltip and "E54000045, E54000046, E54000047" in tooltip
    assert fills["Devon"][0] == PER_HEAD_CLASSES[4].colour


def test_the_map_describes_itself():
    footprints = load_footprints()
    svg = national_map({c: 0.0 for c in footprints}, {c: f.population for c, f in footprints.items()}, "2020/21", True)
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "Position with the plan per head, 2020/21"
    assert "pounds per head" in root.find(f"{SVG}desc").text
    assert root.get("role") == "img"
    assert len(list(root.iter(f"{SVG}path"))) == 42
    text = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Illustrative" in text and "Crown copyright" in text
    for entry in PER_HEAD_CLASSES:
        assert entry.label in text  # every class in words, not by colour alone


def test_stp_national_writes_the_map(tmp_path: Path):
    command = [sys.executable, "-m", "stpkit", "national", "--runs", "0", "--format", "csv", "--output", "out"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "england_map.svg").exists()
    ET.parse(tmp_path / "out" / "england_map.svg")
