"""How stpkit writes money and shares for people: one set of formatters for the terminal, the
reports, the assurance findings and the workbooks. Money is held in £ thousands (£000), the unit
of NHS finance; summaries show £m or £bn."""

from __future__ import annotations

import re

#: Excel number format for £000: whole thousands with separators, as NHS finance templates show them.
EXCEL_GBP000 = "#,##0"


def gbp000(value: float) -> str:
    """£000 as a table shows them: ``-12,345``; anything that rounds to nothing is ``0``."""
    return f"{value + 0.0:,.0f}" if abs(value) >= 0.5 else "0"


def money_m(value: float) -> str:
    """£000 as £m to one place: ``-12,345`` -> ``-£12.3m``; a deficit under £0.05m shows as ``£0.0m``."""
    sign = "-" if value < -50 else ""
    return f"{sign}£{abs(value) / 1000:,.1f}m"


def money(value: float) -> str:
    """£000 as a reader would say it: ``£850k``, ``£12.3m``, ``£1.20bn``."""
    size = abs(value)
    if size >= 1_000_000:
        text = f"£{size / 1_000_000:,.2f}bn"
    elif size >= 1_000:
        text = f"£{size / 1_000:,.1f}m"
    else:
        text = f"£{size:,.0f}k"
    return f"-{text}" if value < 0 and text != "£0k" else text


def per_head(gbp: float) -> str:
    """Pounds (not thousands) per resident, with a true minus sign: ``−£55``."""
    return f"£{gbp:,.0f}" if gbp >= 0 else f"−£{-gbp:,.0f}"


def pct(value: float, places: int = 1) -> str:
    """A percentage already in per cent: ``12.345`` -> ``12.3%``."""
    return f"{value:.{places}f}%"


def plain_number(value: float) -> str:
    """A parameter's value as a reader writes it: ``2,139,000`` not ``2.139e+06``, ``1.5`` not
    ``1.500``; a missing value (NaN) is an en dash."""
    if value != value:
        return "–"
    return f"{value:,.0f}" if abs(value) >= 10_000 else f"{value:,.6g}"


def share_pct(fraction: float) -> str:
    """A fraction as a whole percentage: ``0.427`` -> ``43%``."""
    return f"{100 * fraction:.0f}%"


#: Terminal control from text: ESC or 8-bit CSI/OSC sequences whole (an OSC runs to BEL or ST,
#: so a window title or a hidden link target goes with it), then any other C0 or C1 control,
#: DEL, and the bidi embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069)
#: that can show a name backwards. Marks that only join or order characters (ZWJ, LRM, RLM)
#: stay: scripts and emoji need them and they cannot reorder what follows.
_CONTROL = re.compile(
    r"(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC ... BEL or ST
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI parameters, intermediates, final byte
    r"|\x1b[ -/]*[0-~]?"  # other ESC sequences
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)
_BREAKS = re.compile(r"\r\n|[\t\n\r\u2028\u2029]")


def plain(text: str) -> str:
    """Text from a plan as the terminal should show it: every line break and tab a space, and no
    control or escape sequence, so that a name can colour, retitle, clear or rewrite nothing.
    Rich markup is not this function's job: renderers show the result as ``rich.text.Text``."""
    return _CONTROL.sub("", _BREAKS.sub(" ", str(text)))
