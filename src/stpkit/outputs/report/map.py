"""A map of England by footprint, as a self-contained SVG (no scripts, no external files).

Each area is filled by the class of its value; the legend gives every class in words as well as
colour, each area carries a tooltip with its name and value, and the whole map has a title and
a description for screen readers. Areas are drawn from the bundled April 2021 boundaries (see
``reference.boundaries``): a 2021 area that covers several 2017 footprints shows their value
taken together."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from stpkit.reference.boundaries import load_areas

WIDTH = 560
MARGIN = 10
LEGEND_WIDTH = 250
#: England sits around 53°N; scaling longitude by its cosine keeps shapes true.
MID_LATITUDE = 53.0


@dataclass(frozen=True)
class MapClass:
    label: str  # in words, e.g. "deficit over £100 a head"
    colour: str  # fill, e.g. "#b2182b"
    pattern: str = ""  # text mark drawn in the legend too, so the class is not carried by colour alone


def england_map(
    value_of: Callable[[tuple[str, ...]], float | None],
    classify: Callable[[float], int],
    classes: Sequence[MapClass],
    *,
    title: str,
    description: str,
    format_value: Callable[[float], str],
    notes: Sequence[str] = (),
) -> str:
    """``value_of`` gives the value of a 2021 area from the 2017 footprint codes it covers (None:
    no data); ``classify`` maps a value to an index into ``classes``."""
    areas = load_areas()
    scale_x = math.cos(math.radians(MID_LATITUDE))
    points = [(x * scale_x, -y) for a in areas for polygon in a.polygons for ring in polygon for x, y in ring]
    min_x, max_x = min(p[0] for p in points), max(p[0] for p in points)
    min_y, max_y = min(p[1] for p in points), max(p[1] for p in points)
    factor = (WIDTH - 2 * MARGIN) / (max_x - min_x)
    height = int((max_y - min_y) * factor + 2 * MARGIN)

    def project(x: float, y: float) -> str:
        return f"{(x * scale_x - min_x) * factor + MARGIN:.1f},{(-y - min_y) * factor + MARGIN:.1f}"

    shapes = []
    for area in areas:
        value = value_of(area.footprints)
        fill = "#d9d9d9" if value is None else classes[classify(value)].colour
        shown = "no data" if value is None else format_value(value)
        covers = f" (covers 2017 footprints {', '.join(area.footprints)})" if len(area.footprints) > 1 else ""
        path = " ".join(
            "M" + " L".join(project(x, y) for x, y in ring) + " Z" for polygon in area.polygons for ring in polygon
        )
        shapes.append(
            f'<path d="{path}" fill="{fill}" fill-rule="evenodd" stroke="#ffffff" stroke-width="0.6">'
            f"<title>{escape(area.name_2021)}{escape(covers)}: {escape(shown)}</title></path>"
        )

    legend = []
    y = 18
    for line in _wrap(title, 30):
        legend.append(f'<text x="{WIDTH + 10}" y="{y + 12}" font-size="13" font-weight="bold">{escape(line)}</text>')
        y += 17
    y += 8
    for entry in (*classes, MapClass("no data", "#d9d9d9")):
        legend.append(
            f'<rect x="{WIDTH + 10}" y="{y}" width="18" height="14" fill="{entry.colour}" stroke="#333333" '
            f'stroke-width="0.5"/><text x="{WIDTH + 34}" y="{y + 11}" font-size="12">'
            f"{escape(entry.pattern + ' ' if entry.pattern else '')}{escape(entry.label)}</text>"
        )
        y += 20
    for note in notes:
        y += 8
        for line in _wrap(note, 38):
            legend.append(f'<text x="{WIDTH + 10}" y="{y + 11}" font-size="10" fill="#444444">{escape(line)}</text>')
            y += 13
    total_height = max(height, y + 20)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH + LEGEND_WIDTH}" height="{total_height}" '
        f'viewBox="0 0 {WIDTH + LEGEND_WIDTH} {total_height}" role="img" aria-labelledby="map-title map-desc" '
        f'font-family="sans-serif">'
        f'<title id="map-title">{escape(title)}</title><desc id="map-desc">{escape(description)}</desc>'
        f'<rect width="100%" height="100%" fill="#ffffff"/>'
        f"<g>{''.join(shapes)}</g><g>{''.join(legend)}</g></svg>\n"
    )


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


#: Classes of the with-plan position per head in the final year (£ a head; deficit negative).
PER_HEAD_CLASSES = (
    MapClass("balances or better", "#4393c3", "≥0"),
    MapClass("deficit up to £50 a head", "#fddbc7", "−"),
    MapClass("deficit £50 to £100 a head", "#f4a582", "−−"),
    MapClass("deficit £100 to £150 a head", "#d6604d", "−−−"),
    MapClass("deficit over £150 a head", "#b2182b", "−−−−"),
)


def per_head_class(value: float) -> int:
    if value >= 0:
        return 0
    return min(4, 1 + int(-value // 50))


def national_map(
    positions_gbp000: dict[str, float], populations: dict[str, int], year: str, illustrative: bool
) -> str:
    """England by footprint, filled by the footprint's position with the plan per head in
    ``year`` (areas covering several footprints take them together)."""

    def value_of(codes: tuple[str, ...]) -> float | None:
        known = [c for c in codes if c in positions_gbp000]
        if not known:
            return None
        return 1000 * sum(positions_gbp000[c] for c in known) / sum(populations[c] for c in known)

    notes = [
        "Outlines are the April 2021 STP areas; Cumbria and North East covers three 2017 footprints "
        "and shows them together.",
        "Contains OS data © Crown copyright and database right 2021.",
    ]
    if illustrative:
        notes.insert(0, "Illustrative: money apportioned from national totals, not footprints' accounts.")
    return england_map(
        value_of,
        per_head_class,
        PER_HEAD_CLASSES,
        title=f"Position with the plan per head, {year}",
        description=f"Map of England by STP footprint showing each footprint's consolidated position with "
        f"its plan in {year}, in pounds per head of population, in five classes from balance or better "
        f"to a deficit over £150 a head.",
        format_value=lambda v: f"£{v:,.0f} a head" if v >= 0 else f"−£{-v:,.0f} a head",
        notes=notes,
    )
