"""The bridge: how a plan gets from one position to another, one named step at a time.

Every bridge stpkit shows is one of these: the central case's (base year to do nothing, do
nothing to the position with the plan) and the risk-adjusted one (central do nothing to the
average of the runs). Each step is a change to the position shaped ``(runs, years, orgs)``,
£000, surplus positive. The steps come from the model's stages; an interaction step holds what
the steps measured one at a time do not explain, and it is measured, never assumed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Step ids and labels shared by every bridge (the scheme steps use the scheme's own).
INTERACTION_OF_DRIVERS = ("interaction", "Interaction of drivers")
INTERACTION_OF_SCHEMES = ("interaction", "Interaction of schemes")
STRANDED_COST = ("stranded_cost", "Stranded cost: semi-fixed and fixed cost of avoided activity that stays")
CAPACITY_REMOVED = ("capacity_removed", "Capacity removed: wards and sites closed")
FUND_WITHHELD = ("fund_withheld", "Sustainability and Transformation Fund withheld: control totals missed")
FUND_REGAINED = ("fund_regained", "Sustainability and Transformation Fund: control totals met or missed with the plan")
NATIONAL_UNCERTAINTY = ("national_uncertainty", "National demand and inflation uncertainty")
SCHEMES_COMBINED = ("schemes_combined", "Schemes combined, and timing")


@dataclass(frozen=True)
class Step:
    """One step of a bridge: its change to each organisation's position."""

    id: str
    label: str
    by_org: np.ndarray  # (runs, years, orgs)
    scheme: int | None = None  # the scheme's index in the plan, for a scheme's own step

    @property
    def total(self) -> np.ndarray:
        """``(runs, years)``: the change to the footprint's consolidated position."""
        return self.by_org.sum(axis=-1)


@dataclass(frozen=True)
class Leg:
    """From a start position, through steps, to an end position worked out on its own."""

    id: str  # the end position: "do_nothing", "with_plan", "average_with_plan"
    label: str
    start_by_org: np.ndarray  # (runs, years, orgs)
    steps: tuple[Step, ...]
    end_by_org: np.ndarray  # (runs, years, orgs)

    @property
    def start(self) -> np.ndarray:
        return self.start_by_org.sum(axis=-1)

    @property
    def end(self) -> np.ndarray:
        return self.end_by_org.sum(axis=-1)

    def unexplained_by_org(self) -> np.ndarray:
        """What the steps leave between the start and the end: nil to rounding when every stage
        is right (a test checks it; the interaction steps are measured against a position the
        later stages do not use, so they cannot hide a wrong stage)."""
        return self.end_by_org - self.start_by_org - sum((s.by_org for s in self.steps), np.zeros_like(self.end_by_org))

    def step(self, id_: str) -> Step:
        return next(s for s in self.steps if s.id == id_)

    def scheme_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.scheme is not None)


@dataclass(frozen=True)
class Bridge:
    """A start position and one or more legs, each starting where the one before ends."""

    start_id: str
    start_label: str
    legs: tuple[Leg, ...]

    @property
    def start_by_org(self) -> np.ndarray:
        return self.legs[0].start_by_org

    def leg(self, id_: str) -> Leg:
        return next(leg for leg in self.legs if leg.id == id_)


def interaction(id_label: tuple[str, str], start: np.ndarray, steps: list[Step], reached: np.ndarray) -> Step:
    """The step that measures what ``steps``, each worked out alone, miss of the change from
    ``start`` to ``reached`` (a position worked out with all of them at once)."""
    alone = sum((s.by_org for s in steps), np.zeros_like(reached))
    return Step(*id_label, reached - start - alone)
