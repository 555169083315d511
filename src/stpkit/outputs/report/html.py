"""The page around every report: one self-contained HTML file (styles inline, charts as inline
SVG, no scripts), laid out for the screen and for print, and turned into PDF by WeasyPrint."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from stpkit.outputs.report.charts import Figure

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #1d1d1b; max-width: 60rem; margin: 1.5rem auto;
       padding: 0 1rem; line-height: 1.45; font-size: 15px; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; color: #005eb8; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 2px solid #005eb8; padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin-top: 1.2rem; }
.subtitle { color: #425563; margin-top: 0; }
.banner { background: #fff3cd; border: 2px solid #b58105; padding: 0.6rem 0.9rem; margin: 1rem 0; font-weight: bold; }
.flag { background: #fde0dc; border-left: 6px solid #d5281b; padding: 0.5rem 0.9rem; margin: 0.8rem 0; }
.key-figures { display: flex; flex-wrap: wrap; gap: 0.8rem; margin: 1rem 0; }
.key-figures div { border: 1px solid #aeb7bd; padding: 0.5rem 0.8rem; min-width: 11rem; }
.key-figures strong { display: block; font-size: 1.35rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.85em; }
caption { text-align: left; font-weight: bold; padding: 0.2rem 0; }
th, td { border: 1px solid #aeb7bd; padding: 0.25rem 0.5rem; vertical-align: top; overflow-wrap: break-word; }
th { background: #e8edee; text-align: left; }
td.num { text-align: right; white-space: nowrap; }
figure { margin: 1rem 0 1.5rem; page-break-inside: avoid; }
figcaption { font-size: 0.85rem; color: #425563; margin: 0.3rem 0; }
svg { max-width: 100%; height: auto; }
.severity-error { color: #d5281b; font-weight: bold; }
.severity-warning { color: #8a5a00; font-weight: bold; }
.muted { color: #5e6b73; font-size: 0.85rem; }
@page { size: A4 portrait; margin: 16mm 14mm; @bottom-right { content: "Page " counter(page) " of " counter(pages);
        font-size: 9pt; color: #5e6b73; } }
@page wide { size: A4 landscape; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h2 { page-break-after: avoid; }
  table { font-size: 8pt; }
  th, td { padding: 1.5pt 3pt; }
  tr { page-break-inside: avoid; }
  section.wide { page: wide; }
  section.wide table { font-size: 7.5pt; }
}
"""


def page(title: str, subtitle: str, sections: Iterable[str], banner: str | None = None,
         footer: str = "") -> str:
    banner_html = f'<p class="banner" role="note">{escape(banner)}</p>' if banner else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, '
        f'initial-scale=1"><title>{escape(title)}</title><style>{STYLE}</style></head><body>'
        f"<header><h1>{escape(title)}</h1><p class=\"subtitle\">{escape(subtitle)}</p>{banner_html}</header>"
        f"<main>{''.join(sections)}</main>"
        f'<footer class="muted"><p>{footer}</p></footer></body></html>\n'
    )


def section(heading: str, *parts: str, banner: str | None = None, wide: bool = False) -> str:
    """A part of the page under its own heading. A ``wide`` section (a table of many columns)
    is printed on a landscape page in smaller type, so that every column fits."""
    banner_html = f'<p class="banner" role="note">{escape(banner)}</p>' if banner else ""
    opening = '<section class="wide">' if wide else "<section>"
    return f"{opening}<h2>{escape(heading)}</h2>{banner_html}{''.join(parts)}</section>"


def paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], caption: str = "",
          numeric: Sequence[bool] | None = None) -> str:
    """A plain table; cells are escaped; columns marked numeric are right-aligned."""
    head = "".join(f'<th scope="col">{escape(str(h))}</th>' for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            right = numeric[i] if numeric is not None and i < len(numeric) else False
            cells.append(f'<td class="num">{escape(str(cell))}</td>' if right else f"<td>{escape(str(cell))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    caption_html = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table>{caption_html}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def figure(fig: Figure) -> str:
    """The chart, its caption, and the data behind it as a table."""
    data = table(fig.headers, fig.rows, caption=f"Data for: {fig.title}",
                 numeric=[False] + [True] * (len(fig.headers) - 1))
    return (
        f'<figure id="{fig.key}" aria-label="{escape(fig.title)}"><h3>{escape(fig.title)}</h3>{fig.svg}'
        f"<figcaption>{escape(fig.caption)} <span class=\"muted\">Description: {escape(fig.alt)}</span>"
        f"</figcaption>{data}</figure>"
    )


def key_figures(items: Sequence[tuple[str, str]]) -> str:
    return '<div class="key-figures">' + "".join(
        f"<div><strong>{escape(value)}</strong>{escape(label)}</div>" for label, value in items
    ) + "</div>"


def to_pdf(html: str) -> bytes:
    """The same page as PDF."""
    from weasyprint import HTML  # a heavy import, only for PDF

    return HTML(string=html).write_pdf()
