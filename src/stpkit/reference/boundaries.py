"""Boundaries of the footprints for maps.

The bundled boundaries are the April 2021 STPs (ONS, ultra-generalised), not the 2016
footprints: ``boundary_codes_2021_to_2017.csv`` maps each 2021 area onto the 2017 footprints it
covers. Four areas only changed code; Cumbria and North East (2021) covers three 2017
footprints, which share its outline on a map; South Cumbria moved from the West, North and East
Cumbria footprint to Lancashire and South Cumbria, so those outlines are approximate."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

Ring = tuple[tuple[float, float], ...]  # (longitude, latitude) points


@dataclass(frozen=True)
class Area:
    code_2021: str
    name_2021: str
    footprints: tuple[str, ...]  # 2017 footprint codes it covers
    polygons: tuple[tuple[Ring, ...], ...]  # each polygon: outer ring, then holes


def _data(name: str) -> str:
    return files("stpkit.reference").joinpath("data").joinpath(name).read_text("utf-8")


@cache
def footprints_by_area() -> dict[str, tuple[str, ...]]:
    """2021 boundary code -> the 2017 footprint codes it covers."""
    out: dict[str, list[str]] = {}
    for row in csv.DictReader(io.StringIO(_data("boundary_codes_2021_to_2017.csv"))):
        out.setdefault(row["stp21cd"], []).append(row["stp17cd"])
    return {code: tuple(codes) for code, codes in out.items()}


@cache
def load_areas() -> tuple[Area, ...]:
    document = json.loads(_data("stp_boundaries_april_2021_ugc.geojson"))
    mapping = footprints_by_area()
    areas = []
    for feature in document["features"]:
        properties, geometry = feature["properties"], feature["geometry"]
        coordinates = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            coordinates = [coordinates]
        polygons = tuple(tuple(tuple((float(x), float(y)) for x, y in ring) for ring in polygon)
                         for polygon in coordinates)
        code = properties["stp21cd"]
        areas.append(Area(code, properties["stp21nm"], mapping[code], polygons))
    return tuple(areas)
