"""The range of every number a plan may hold, in one place: the plan's fields, the national
parameters it overrides and the cells of the submission workbook all take their bounds from
here, and docs/plan-format.md lists them.

The ceilings are far above anything real (all NHS spending is about £120bn, £120,000,000k) yet
low enough that five years of growth on them stays a finite, exact-enough float: a mistyped
exponent (1e308, 10^23 beds) is refused where it was written, instead of surfacing as infinity
or NaN in the results. True and false are never numbers, though Python counts them as 1 and 0."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

#: £000: a trillion pounds, some eight times the NHS budget.
MAX_GBP000 = 1e9
#: Units of activity (spells, attendances, contacts) an organisation has in a year: about twenty
#: times England's 120 million outpatient attendances.
MAX_ACTIVITY = 1e9
#: Beds: England has about 130,000 in all.
MAX_BEDS = 200_000
#: Whole-time equivalent staff: the NHS employs about 1.2 million people.
MAX_WTE = 2_000_000.0
#: People taking part in an engagement event: England's population.
MAX_PEOPLE = 60_000_000
#: Units of activity at a receiving service per unit that leaves (contacts per admission).
MAX_UNITS_PER_UNIT = 1_000.0
#: An indicator value, in whatever unit the plan gives it (e.g. per 100,000 people).
MAX_INDICATOR = 1e9


def _plain_number(value: Any) -> Any:
    # YAML `yes`/`true` arrives as a bool, which int and float would take as 1 or 0.
    if isinstance(value, bool):
        raise ValueError("expected a number, not true or false")
    # Said before the range, which NaN and infinity would otherwise be reported against.
    if isinstance(value, float | str) and _not_finite(value):
        raise ValueError("expected a finite number, not NaN or infinity")
    return value


def _not_finite(value: float | str) -> bool:
    try:
        return not math.isfinite(float(value))
    except ValueError:
        return False  # text that is no number at all: the number type says so


_NUMBER = BeforeValidator(_plain_number)


def bounded(low: float | None, high: float | None, *, above: bool = False, below: bool = False) -> Any:
    """A float field from ``low`` to ``high`` (exclusive where ``above``/``below``), finite, never true/false."""
    limits = {"gt" if above else "ge": low, "lt" if below else "le": high}
    return Annotated[float, _NUMBER, Field(allow_inf_nan=False, **{k: v for k, v in limits.items() if v is not None})]


def bounded_int(low: int, high: int) -> Any:
    """A whole-number field from ``low`` to ``high``, never true/false."""
    return Annotated[int, _NUMBER, Field(ge=low, le=high)]


Gbp000 = bounded(-MAX_GBP000, MAX_GBP000)
NonNegativeGbp000 = bounded(0, MAX_GBP000)
PositiveGbp000 = bounded(0, MAX_GBP000, above=True)
Percent = bounded(0, 100)
PositivePercent = bounded(0, 100, above=True)
#: Strictly between 0 and 100.
OpenPercent = bounded(0, 100, above=True, below=True)
Activity = bounded(0, MAX_ACTIVITY)
Beds = bounded_int(0, MAX_BEDS)
Wte = bounded(0, MAX_WTE)
People = bounded_int(0, MAX_PEOPLE)
UnitsPerUnit = bounded(0, MAX_UNITS_PER_UNIT, above=True)
Fraction = bounded(0, 1)
IndicatorValue = bounded(-MAX_INDICATOR, MAX_INDICATOR)


@dataclass(frozen=True)
class Range:
    """The values a national parameter (or a plan's override of it) may take, inclusive."""

    low: float
    high: float
    why: str

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high

    def __str__(self) -> str:
        return f"{readable(self.low)} to {readable(self.high)}"


def readable(value: float) -> str:
    """A bound or a value as a person reads it: 1,000,000,000, not 1e+09; a whole number too
    long to read (or to be a float) by its number of digits."""
    if isinstance(value, int) and abs(value) >= 10**15:
        return f"a {len(str(abs(value)))}-digit number"
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:g}"


#: A rate of growth, inflation or efficiency, % a year: beyond ±20% a year no NHS plan is
#: credible, and a typo (150 for 1.50) would multiply every cost by 100 in five years.
RATE_PCT = Range(-20, 20, "a rate a year")
#: The spread of such a rate, percentage points a year.
RATE_SD_PCT = Range(0, 20, "the spread of a rate a year")
SHARE_PCT = Range(0, 100, "a share")
#: An occupancy: beds needed are bed days over occupancy, so it must stay well away from zero.
OCCUPANCY_PCT = Range(1, 100, "an occupancy")
#: A mark-up on cost (agency premium, capital optimism bias): at most ten times the cost.
MARKUP_PCT = Range(0, 1_000, "a mark-up on cost")
WARD_BEDS = Range(1, 200, "beds in a ward")
#: Bed days per unit of activity: a stay of at most a year on average.
BED_DAYS = Range(0, 365, "bed days per unit")
#: £ per unit of activity or per WTE a year; a WTE's cost divides the pay bill, so it is above zero.
UNIT_COST_GBP = Range(0, 10_000_000, "£ a unit")
WTE_COST_GBP = Range(1_000, 10_000_000, "£ a WTE a year")
MONEY_GBP000 = Range(0, MAX_GBP000, "£000")
SLIPPAGE_YEARS = Range(0, 10, "years of slippage")
