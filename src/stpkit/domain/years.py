"""NHS financial years (April to March), written the way the NHS writes them: ``2016/17``."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

_FY_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")


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
