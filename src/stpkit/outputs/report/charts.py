"""Charts as inline SVG: no scripts, no external files, readable by screen readers.

Every chart comes as a ``Figure``: the SVG (with a title and a description), a caption, the
alternative text and the data behind it as a table, so that nothing is only in the picture."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from stpkit.domain.formatting import money_m

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 20, 60
#: Colours that stay distinct for the common kinds of colour blindness (Okabe and Ito).
BLUE, ORANGE, GREEN, RED, GREY, SKY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#777777", "#56B4E9"


@dataclass(frozen=True)
class Figure:
    key: str  # unique in the page, for ids
    title: str
    caption: str
    alt: str
    svg: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _clip(text: str, width: int) -> str:
    """Shortened to fit beside a bar; the full text is in the data table."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        high = low + 1.0
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 0.5:
        ticks.append(round(value, 10))
        value += step
    return ticks


class _Frame:
    """Maps values to the plot area and draws axes with £m labels."""

    def __init__(self, labels: Sequence[str], low: float, high: float):
        self.labels = labels
        self.ticks = _nice_ticks(min(low, 0.0), max(high, 0.0))
        self.low, self.high = self.ticks[0], self.ticks[-1]
        self.band = (WIDTH - LEFT - RIGHT) / max(1, len(labels))

    def x(self, i: float) -> float:
        return LEFT + self.band * (i + 0.5)

    def y(self, value: float) -> float:
        return TOP + (self.high - value) / (self.high - self.low) * (HEIGHT - TOP - BOTTOM)

    def axes(self) -> str:
        parts = []
        for tick in self.ticks:
            y = self.y(tick)
            parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dddddd"/>')
            parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
                         f"{escape(money_m(tick))}</text>")
        zero = self.y(0.0)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{zero:.1f}" y2="{zero:.1f}" stroke="#333333"/>')
        for i, label in enumerate(self.labels):
            parts.append(_label(self.x(i), HEIGHT - BOTTOM + 14, label))
        return "".join(parts)


def _label(x: float, y: float, text: str, width: int = 14) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines = [*lines, line][:3]
    spans = "".join(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 12}">{escape(t)}</tspan>' for i, t in enumerate(lines))
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="10">{spans}</text>'


def _svg(key: str, title: str, alt: str, body: str, legend: Sequence[tuple[str, str, str]] = ()) -> str:
    items = []
    for i, (colour, label, dash) in enumerate(legend):
        x = LEFT + i * 170
        items.append(
            f'<line x1="{x}" x2="{x + 24}" y1="{HEIGHT - 12}" y2="{HEIGHT - 12}" stroke="{colour}" stroke-width="3"'
            f'{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>'
            f'<text x="{x + 30}" y="{HEIGHT - 8}" font-size="11">{escape(label)}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-labelledby="{key}-t {key}-d" font-family="sans-serif">'
        f'<title id="{key}-t">{escape(title)}</title><desc id="{key}-d">{escape(alt)}</desc>'
        f"{body}{''.join(items)}</svg>"
    )


def gap_chart(key: str, years: Sequence[str], do_nothing: Sequence[float], with_plan: Sequence[float]) -> Figure:
    """The footprint's position by year, without and with the plan (£000 in, £m shown)."""
    frame = _Frame(years, min(*do_nothing, *with_plan), max(*do_nothing, *with_plan))

    def line(values: Sequence[float], colour: str, dash: str = "") -> str:
        points = " ".join(f"{frame.x(i):.1f},{frame.y(v):.1f}" for i, v in enumerate(values))
        marks = "".join(f'<circle cx="{frame.x(i):.1f}" cy="{frame.y(v):.1f}" r="3.5" fill="{colour}"/>'
                        for i, v in enumerate(values))
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        return f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"{dashed}/>{marks}'

    final = len(years) - 1
    alt = (
        f"Line chart of the footprint's position from {years[0]} to {years[-1]}. Without the plan it goes from "
        f"{money_m(do_nothing[0])} to {money_m(do_nothing[final])}; with the plan it reaches "
        f"{money_m(with_plan[final])}."
    )
    body = frame.axes() + line(do_nothing, RED, "6 4") + line(with_plan, BLUE)
    return Figure(
        key,
        "The gap: the footprint's position by year",
        "Consolidated surplus (+) or deficit (−) of the footprint, £m, doing nothing (dashed) and with the plan.",
        alt,
        _svg(key, "The gap by year", alt, body, [(RED, "do nothing", "6 4"), (BLUE, "with the plan", "")]),
        ("Year", "Do nothing", "With the plan", "Closed by the plan"),
        tuple(
            (y, money_m(d), money_m(w), money_m(w - d)) for y, d, w in zip(years, do_nothing, with_plan, strict=True)
        ),
    )


def waterfall(key: str, title: str, start: tuple[str, float], steps: Sequence[tuple[str, float]],
              end_label: str) -> Figure:
    """A bridge drawn across the page, one row per step so that every label can be read: the
    start bar, one floating bar per step, and the end bar (£000 in, £m shown)."""
    levels = [start[1]]
    for _, value in steps:
        levels.append(levels[-1] + value)
    labels = [start[0], *(s[0] for s in steps), end_label]
    ticks = _nice_ticks(min(*levels, 0.0), max(*levels, 0.0))
    low, high = ticks[0], ticks[-1]
    label_width, row = 250, 22
    height = TOP + row * len(labels) + 40

    def x(value: float) -> float:
        return label_width + (value - low) / (high - low) * (WIDTH - label_width - RIGHT - 50)

    parts = []
    for tick in ticks:
        parts.append(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{TOP}" y2="{height - 35}" stroke="#dddddd"/>'
                     f'<text x="{x(tick):.1f}" y="{height - 22}" text-anchor="middle" font-size="10">'
                     f"{escape(money_m(tick))}</text>")
    parts.append(f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{TOP}" y2="{height - 35}" stroke="#333333"/>')

    def bar(i: int, a: float, b: float, colour: str, text: str) -> None:
        y = TOP + row * i
        left, right = x(min(a, b)), x(max(a, b))
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" font-size="11">'
            f"{escape(_clip(labels[i], 40))}</text>"
            f'<rect x="{left:.1f}" y="{y + 4}" width="{max(1.0, right - left):.1f}" height="{row - 8}" '
            f'fill="{colour}"/><text x="{right + 4:.1f}" y="{y + 15}" font-size="10">{escape(text)}</text>'
        )

    bar(0, 0.0, levels[0], GREY, money_m(levels[0]))
    for i, (_, value) in enumerate(steps, start=1):
        bar(i, levels[i - 1], levels[i], GREEN if value >= 0 else RED, ("+" if value >= 0 else "") + money_m(value))
    bar(len(labels) - 1, 0.0, levels[-1], BLUE, money_m(levels[-1]))
    best = max(steps, key=lambda s: s[1])[0] if steps else "none"
    worst = min(steps, key=lambda s: s[1])[0] if steps else "none"
    alt = (
        f"Waterfall chart from {start[0]} ({money_m(start[1])}) to {end_label} ({money_m(levels[-1])}) in "
        f"{len(steps)} steps. Largest improvement: {best}; largest worsening: {worst}."
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-labelledby="{key}-t {key}-d" font-family="sans-serif">'
        f'<title id="{key}-t">{escape(title)}</title><desc id="{key}-d">{escape(alt)}</desc>{"".join(parts)}</svg>'
    )
    rows = [(start[0], money_m(start[1]))] + [(label, money_m(v)) for label, v in steps]
    rows.append((end_label, money_m(levels[-1])))
    return Figure(key, title, "Green bars improve the position, red bars worsen it; grey is the start and blue the "
                  "end. £m.", alt, svg, ("Step", "£m"), tuple(rows))


def fan_chart(key: str, years: Sequence[str], central: Sequence[float], p10: Sequence[float], p50: Sequence[float],
              p90: Sequence[float], runs: int) -> Figure:
    """The spread of the position with the plan over many runs."""
    frame = _Frame(years, min(*p10, *central), max(*p90, *central))
    band = [f"{frame.x(i):.1f},{frame.y(v):.1f}" for i, v in enumerate(p90)]
    band += [f"{frame.x(i):.1f},{frame.y(v):.1f}" for i, v in reversed(list(enumerate(p10)))]
    median = " ".join(f"{frame.x(i):.1f},{frame.y(v):.1f}" for i, v in enumerate(p50))
    plan = " ".join(f"{frame.x(i):.1f},{frame.y(v):.1f}" for i, v in enumerate(central))
    body = (
        frame.axes()
        + f'<polygon points="{" ".join(band)}" fill="{SKY}" fill-opacity="0.45" stroke="none"/>'
        + f'<polyline points="{median}" fill="none" stroke="{BLUE}" stroke-width="2.5"/>'
        + f'<polyline points="{plan}" fill="none" stroke="{ORANGE}" stroke-width="2.5" stroke-dasharray="6 4"/>'
    )
    final = len(years) - 1
    alt = (
        f"Fan chart over {runs:,} runs. In {years[-1]} the plan as written reaches {money_m(central[final])}; "
        f"half the runs end below {money_m(p50[final])}, and eight in ten end between {money_m(p10[final])} "
        f"and {money_m(p90[final])}."
    )
    legend = [(SKY, "P10 to P90 of runs", ""), (BLUE, "median run (P50)", ""), (ORANGE, "plan as written", "6 4")]
    return Figure(
        key,
        "How likely the plan is to hold",
        f"The shaded band holds eight in ten of {runs:,} runs with delivery, timing, recurrence, demand and "
        "inflation drawn; the solid line is the median run, the dashed line the plan as written. £m.",
        alt,
        _svg(key, "Risk fan chart", alt, body, legend),
        ("Year", "Plan as written", "P10", "P50", "P90"),
        tuple((y, money_m(c), money_m(a), money_m(b), money_m(d))
              for y, c, a, b, d in zip(years, central, p10, p50, p90, strict=True)),
    )


def bars(key: str, title: str, caption: str, labels: Sequence[str], values: Sequence[float], unit: str,
         fmt=lambda v: f"{v:,.0f}", label_header: str = "Item") -> Figure:
    """Horizontal bars, for counts such as beds or staff; ``label_header`` heads the labels'
    column of the data table."""
    top = max([abs(v) for v in values] + [1.0])
    height = 24 * len(labels) + 30
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 10 + 24 * i
        length = (WIDTH - 260) * abs(value) / top
        colour = BLUE if value >= 0 else RED
        body.append(
            f'<text x="200" y="{y + 14}" text-anchor="end" font-size="11">{escape(_clip(label, 34))}</text>'
            f'<rect x="206" y="{y + 3}" width="{length:.1f}" height="16" fill="{colour}"/>'
            f'<text x="{210 + length:.1f}" y="{y + 15}" font-size="11">{escape(fmt(value))} {escape(unit)}</text>'
        )
    alt = f"{title}: " + "; ".join(f"{label} {fmt(v)} {unit}" for label, v in zip(labels, values, strict=True)) + "."
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-labelledby="{key}-t {key}-d" font-family="sans-serif">'
        f'<title id="{key}-t">{escape(title)}</title><desc id="{key}-d">{escape(alt)}</desc>{"".join(body)}</svg>'
    )
    rows = tuple((lab, fmt(v)) for lab, v in zip(labels, values, strict=True))
    return Figure(key, title, caption, alt, svg, (label_header, unit), rows)
