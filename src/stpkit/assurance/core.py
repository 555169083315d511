"""What an assurance rule is, what it finds, and what it looks at.

A rule is a named, documented check of a plan and its results. When it fires it returns one or
more findings, each carrying the numbers that made it fire and one plain-English sentence naming
the scheme, organisation or year. Rules register themselves with ``@rule``; ``all_rules`` lists
them in id order."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from stpkit.domain import ActsOnActivity, ActsOnKind, ActsOnShift, Plan, Scheme, ServiceLine, Severity
from stpkit.domain.formatting import money, pct  # noqa: F401  (rules word their findings with these)
from stpkit.engine.ledger import LineKind
from stpkit.engine.model import PlanResult
from stpkit.engine.risk import RiskSummary
from stpkit.reference.footprints import load_footprints
from stpkit.reference.parameters import ParameterSet, Reference

#: Kinds of scheme that reduce activity (the rest act on a provider's costs or income).
ACTIVITY_KINDS = frozenset({ActsOnKind.ACTIVITY, ActsOnKind.SHIFT, ActsOnKind.AE_DOWNGRADE})
#: Kinds of scheme that are a provider's own cost improvement.
EFFICIENCY_KINDS = frozenset({ActsOnKind.UNIT_COST, ActsOnKind.COST_TYPE, ActsOnKind.WORKFORCE})
#: Amounts below half a £000 are rounding, not findings.
GBP000_TOLERANCE = 0.5


def moved_line(scheme: Scheme) -> ServiceLine | None:
    """The service line whose activity an activity or shift scheme reduces or moves; None for
    the other kinds (an A&E downgrade moves A&E attendances and the admissions that follow them)."""
    act = scheme.acts_on
    return act.service_line if isinstance(act, ActsOnActivity | ActsOnShift) else None

Numbers = dict[str, float]


@dataclass(frozen=True)
class Finding:
    """One reason for concern: which rule, about what, the numbers and one sentence."""

    rule: str
    severity: Severity
    title: str
    message: str
    numbers: Numbers
    subject: str = "footprint"  # a scheme id, organisation code, site code or capital source
    year: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity  # of its findings, unless a finding is severe
    why: str  # why it matters, in plain English
    references: tuple[Reference, ...]
    reports: tuple[str, ...]  # the names of the numbers a finding can carry
    check: Callable[[Context], list[Finding]] = field(repr=False)
    needs_risk: bool = False  # fires only on risk runs; not checked without them
    severe: Severity | None = None  # of its findings past a second, documented threshold

    @property
    def severities(self) -> tuple[Severity, ...]:
        """The severities its findings can have, the usual one first."""
        return (self.severity,) if self.severe is None else (self.severity, self.severe)

    def finding(
        self,
        message: str,
        numbers: Numbers,
        subject: str = "footprint",
        year: str | None = None,
        severe: bool = False,
    ) -> Finding:
        unknown = sorted(set(numbers) - set(self.reports))
        if unknown:
            raise ValueError(f"{self.id} reports numbers it does not declare: {unknown}")
        clean = {name: float(value) for name, value in numbers.items()}
        if any(not math.isfinite(v) for v in clean.values()):
            raise ValueError(f"{self.id} reports a number that is not finite: {clean}")
        if severe and self.severe is None:
            raise ValueError(f"{self.id} has no severe findings")
        severity = self.severe if severe and self.severe is not None else self.severity
        return Finding(self.id, severity, self.title, message, clean, subject, year)


_RULES: dict[str, Rule] = {}


def rule(
    id: str,
    title: str,
    severity: Severity,
    why: str,
    references: tuple[Reference, ...],
    reports: tuple[str, ...],
    needs_risk: bool = False,
    severe: Severity | None = None,
) -> Callable[[Callable[[Context, Rule], list[Finding]]], Rule]:
    """Register a check: ``check(context, rule)`` returns the rule's findings (empty when the
    plan passes). A rule with ``severe`` gives that severity to the findings it marks severe
    (past a second threshold it documents), ``severity`` to the others."""

    def register(check: Callable[[Context, Rule], list[Finding]]) -> Rule:
        if id in _RULES:
            raise ValueError(f"rule {id} is defined twice")
        made = Rule(
            id=id,
            title=title,
            severity=severity,
            why=" ".join(why.split()),
            references=references,
            reports=reports,
            check=lambda context: check(context, _RULES[id]),
            needs_risk=needs_risk,
            severe=severe,
        )
        _RULES[id] = made
        return made

    return register


def all_rules() -> tuple[Rule, ...]:
    return tuple(_RULES[k] for k in sorted(_RULES))


@dataclass(frozen=True)
class Context:
    """What the rules look at: the plan, its central case, the national parameters and, when
    risk runs were made, their summary. Derived arrays are worked out once, when first used;
    money is £000 with each organisation's share applied, as in the results."""

    plan: Plan
    result: PlanResult
    params: ParameterSet
    risk: RiskSummary | None = None

    @property
    def years(self) -> tuple[str, ...]:
        return self.result.years

    @property
    def final(self) -> int:
        return len(self.years) - 1

    @property
    def horizon(self) -> str:
        return self.years[-1]

    @cached_property
    def footprint_name(self) -> str:
        ref = self.plan.footprint
        return ref.name or load_footprints()[ref.code].name

    @cached_property
    def org_index(self) -> dict[str, int]:
        return {code: o for o, code in enumerate(self.result.ledger.org_codes)}

    def org_label(self, o: int) -> str:
        ledger = self.result.ledger
        return f"{ledger.org_names[o]} ({ledger.org_codes[o]})"

    def national(self, name: str, year: str | None = None, member: str = "") -> float:
        """A national parameter's value in ``year`` (default: the horizon); years beyond the
        national series take its last value, years before it its first."""
        series = self.params[name].values[member]
        year = year or self.horizon
        if year in series:
            return series[year]
        known = sorted(series)
        return series[known[-1]] if year > known[-1] else series[known[0]]

    # ---- money by scheme and organisation (central case, run 0) ------------------------------

    @cached_property
    def investment_by_org(self) -> np.ndarray:
        """``(years, schemes, orgs)`` each scheme's running cost, at its owner."""
        schemes, n_orgs = self.result.schemes, self.result.ledger.n_orgs
        out = np.zeros(schemes.investment_gbp000.shape + (n_orgs,))
        out[:, np.arange(schemes.n), schemes.owner] = schemes.investment_gbp000
        return out

    @cached_property
    def saving_by_scheme_org(self) -> np.ndarray:
        """``(years, schemes, orgs)`` each scheme alone, on paper, before its running cost."""
        return self.result.scheme_effect_by_org[0] + self.investment_by_org

    @cached_property
    def saving_by_scheme(self) -> np.ndarray:
        """``(years, schemes)`` each scheme's saving on paper for the footprint."""
        return self.saving_by_scheme_org.sum(axis=2)

    def _lines_by_org(self, kind: LineKind, values: np.ndarray) -> np.ndarray:
        ledger = self.result.ledger
        mask = (ledger.kind == kind) & ~ledger.is_arrival
        out = np.zeros((values.shape[0], ledger.n_orgs))
        np.add.at(out.T, ledger.org[mask], values[:, mask].T)
        return out

    @cached_property
    def cost_do_nothing_by_org(self) -> np.ndarray:
        """``(years, orgs)`` providers' do-nothing costs."""
        return self._lines_by_org(LineKind.COST, self.result.lines_do_nothing[0])

    @cached_property
    def allocation_by_org(self) -> np.ndarray:
        """``(years, orgs)`` commissioners' allocations."""
        return self._lines_by_org(LineKind.ALLOCATION, self.result.lines_do_nothing[0])

    @cached_property
    def sustainability_fund_by_org(self) -> np.ndarray:
        """``(years, orgs)`` providers' Sustainability and Transformation Fund income."""
        return self._lines_by_org(LineKind.SUSTAINABILITY_FUND, self.result.lines_with_plan[0])

    def providers_reduced(self, s: int) -> set[int]:
        """Providers whose activity scheme ``s`` reduces (or, a length of stay scheme, whose
        bed days per spell)."""
        schemes, ledger = self.result.schemes, self.result.ledger
        out: set[int] = set()
        for k in np.flatnonzero(schemes.scheme_of == s):
            for c in np.flatnonzero(schemes.cells[k] + schemes.stays[k]):
                if ledger.cells[c].provider >= 0:
                    out.add(int(ledger.cells[c].provider))
        return out

    def first_year(self, by_year: dict[str, float]) -> int | None:
        """Index of the first of the plan's years with a value above zero."""
        for t, year in enumerate(self.years):
            if by_year.get(year, 0.0) > 0:
                return t
        return None


# ---- words ----------------------------------------------------------------------------------


def position(gbp000: float) -> str:
    """A surplus or deficit in words."""
    if abs(gbp000) < GBP000_TOLERANCE:
        return "in balance"
    return f"a surplus of {money(gbp000)}" if gbp000 > 0 else f"a deficit of {money(-gbp000)}"


#: Service lines as a reader writes them.
_LINE_LABELS = {"ae": "A&E", "non_elective": "non-elective", "urgent_care": "urgent care"}


def line_label(line: str) -> str:
    """``non_elective`` -> ``non-elective``, ``ae`` -> ``A&E``, ``mental_health`` -> ``mental health``."""
    return _LINE_LABELS.get(line, line.replace("_", " "))


def listed(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
