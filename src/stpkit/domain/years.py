"""NHS financial years (April to March), written the way the NHS writes them: ``2016/17``; and
the calendar dates a plan records (sign-offs, meetings, decisions), written ``2016-10-21``."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

_FY_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")

#: The planning period of the STPs: the 2016/17 plan year to 2020/21, the end of the Five Year
#: Forward View (NHS England, "Delivering the Forward View: NHS planning guidance 2016/17 to
#: 2020/21", December 2015). New plans and templates start from these unless told otherwise.
STP_BASE_YEAR = "2016/17"
STP_HORIZON = "2020/21"


def fy_start(label: str) -> int:
    """Calendar year in which a financial year starts: ``"2016/17"`` -> 2016."""
    match = _FY_PATTERN.match(label)
    if not match:
        raise ValueError(f"expected a financial year like 2016/17, got {label!r}")
    start, end = int(match.group(1)), int(match.group(2))
    if (start + 1) % 100 != end:
        raise ValueError(f"{label!r} is not a financial year: {start} is followed by {start + 1}")
    return start


def fy_label(start: int) -> str:
    """The label of the financial year starting in April of ``start``: 2016 -> ``"2016/17"``."""
    return f"{start}/{(start + 1) % 100:02d}"


def fy_range(first: str, last: str) -> list[str]:
    """Every financial year from ``first`` to ``last`` inclusive."""
    return [fy_label(y) for y in range(fy_start(first), fy_start(last) + 1)]


def fy_first_day(label: str) -> date:
    """1 April of the financial year: ``"2019/20"`` -> 2019-04-01."""
    return date(fy_start(label), 4, 1)


def _check(label: str) -> str:
    fy_start(label)
    return label


def _coerce(value: object) -> object:
    # YAML reads 2016/17 as a string, but a bare 2016 arrives as an int: say what is expected.
    if value is None or value == "":
        raise ValueError("expected a financial year like 2016/17 (got nothing)")
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"expected a financial year like {int(value)}/{(int(value) + 1) % 100:02d}")
    return value


FinancialYear = Annotated[str, BeforeValidator(_coerce), AfterValidator(_check)]


_DATE_EXAMPLE = "a date like 2016-10-21 (year-month-day)"


def _coerce_date(value: object) -> object:
    """Dates are written year-month-day. A number is refused rather than read as seconds since
    1970, and an impossible date says what is wrong with it."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None or value == "":
        raise ValueError(f"expected {_DATE_EXAMPLE}")
    if isinstance(value, str):
        text = value.strip()
        if not _DATE_PATTERN.match(text):
            raise ValueError(f"expected {_DATE_EXAMPLE}")
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(f"not a date: {exc}") from None
    raise ValueError(f"expected {_DATE_EXAMPLE}")


_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")

PlanDate = Annotated[date, BeforeValidator(_coerce_date)]
"""A calendar date in a plan (a meeting, a decision, a sign-off), written ``2016-10-21``."""
