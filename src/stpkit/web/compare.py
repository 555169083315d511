"""Compare two revisions of a plan: what changed in the inputs (field by field, organisation by
organisation, scheme by scheme) and what that did to the results (the bridge, the position by
year, the chance of balance, the findings and the rating).

The work is in two pure functions over stored documents, ``plan_changes`` (two plan documents as
a revision keeps them) and ``result_changes`` (two stored results and assessment documents);
``compare_revisions`` reads the stored results and works out only a central case not yet stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stpkit.web import results
from stpkit.web.models import Revision, StoredResult

#: The parts of a plan compared item by item rather than as plan-level fields.
_ITEMISED = ("organisations", "schemes", "assumptions")


@dataclass(frozen=True)
class FieldChange:
    """One field whose value differs; ``None`` on a side where the field is absent."""

    field: str  # a dotted path, e.g. "baseline.allocation_gbp000" or "phasing_pct.2017/18"
    before: Any
    after: Any


@dataclass(frozen=True)
class ItemChange:
    """An organisation (by code) or scheme (by id) present in both revisions with fields changed."""

    key: str
    name: str
    changes: list[FieldChange]


@dataclass(frozen=True)
class Item:
    key: str
    name: str


@dataclass(frozen=True)
class ItemsChanged:
    added: list[Item] = field(default_factory=list)
    removed: list[Item] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)


@dataclass(frozen=True)
class PlanChanges:
    fields: list[FieldChange]  # plan-level fields (title, horizon, governance.*, ...)
    assumptions: list[FieldChange]  # overrides of national parameters, e.g. "tariff_efficiency_pct.2017/18"
    organisations: ItemsChanged
    schemes: ItemsChanged

    @property
    def any(self) -> bool:
        return bool(
            self.fields
            or self.assumptions
            or any(i.added or i.removed or i.changed for i in (self.organisations, self.schemes))
        )


@dataclass(frozen=True)
class BridgeStep:
    """One step of a bridge by year (£000); a step in only one revision is ``None`` on the other."""

    bridge: str  # "to_do_nothing" or "to_with_plan"
    id: str
    label: str
    before: list[float] | None
    after: list[float] | None
    difference: list[float]  # after - before, a missing side counted as 0


@dataclass(frozen=True)
class YearPosition:
    """The consolidated position in one year (£000, surplus positive)."""

    year: str
    do_nothing_before: float
    do_nothing_after: float
    do_nothing_difference: float
    with_plan_before: float
    with_plan_after: float
    with_plan_difference: float


@dataclass(frozen=True)
class ChanceOfBalance:
    """The chance of balance by year (0 to 1) from stored risk runs of both revisions."""

    runs: int
    seed: int
    before: list[float | None]
    after: list[float | None]
    difference: list[float | None]


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: str
    severity: str
    title: str
    message: str


@dataclass(frozen=True)
class Rating:
    category: str
    score: float | None


@dataclass(frozen=True)
class ResultChanges:
    years: list[str]
    bridge: list[BridgeStep]
    position: list[YearPosition]
    findings_added: list[Finding]
    findings_removed: list[Finding]
    rating_before: Rating
    rating_after: Rating
    chance_of_balance: ChanceOfBalance | None = None


@dataclass(frozen=True)
class Comparison:
    plan_id: int
    from_revision: int
    to_revision: int
    inputs: PlanChanges
    results: ResultChanges


# -- the inputs --------------------------------------------------------------------------------


def _leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    """``value`` as {dotted path: leaf}: dicts are walked key by key, lists of dicts item by
    item (by their ``id``, ``code`` or ``organisation`` when that names each one once, else by
    position); other lists are one leaf (a list of years or codes reads better whole)."""
    if isinstance(value, dict) and (value or not prefix):
        found: dict[str, Any] = {}
        for key, item in value.items():
            found |= _leaves(item, f"{prefix}.{key}" if prefix else str(key))
        return found
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        names = [_key(item) for item in value]
        if None in names or len(set(names)) < len(names):
            names = [str(position) for position in range(len(value))]
        found = {}
        for name, item in zip(names, value, strict=True):
            found |= _leaves(item, f"{prefix}[{name}]")
        return found
    return {prefix: value}


def _key(item: dict) -> str | None:
    return item.get("id") or item.get("code") or item.get("organisation")


def _field_changes(before: Any, after: Any, leave_out: tuple[str, ...] = ()) -> list[FieldChange]:
    old = {k: v for k, v in _leaves(before).items() if k.split(".")[0].split("[")[0] not in leave_out}
    new = {k: v for k, v in _leaves(after).items() if k.split(".")[0].split("[")[0] not in leave_out}
    return [
        FieldChange(path, old.get(path), new.get(path))
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path) or (path in old) != (path in new)
    ]


def _items_changed(before: list[dict], after: list[dict]) -> ItemsChanged:
    old = {_key(item): item for item in before}
    new = {_key(item): item for item in after}
    changed = []
    for key in old.keys() & new.keys():
        changes = _field_changes(old[key], new[key])
        if changes:
            changed.append(ItemChange(key, new[key].get("name", ""), changes))
    order = [*new, *(k for k in old if k not in new)]  # the newer revision's order, then the removed
    return ItemsChanged(
        added=[Item(k, new[k].get("name", "")) for k in order if k not in old],
        removed=[Item(k, old[k].get("name", "")) for k in order if k not in new],
        changed=sorted(changed, key=lambda c: order.index(c.key)),
    )


def plan_changes(before: dict[str, Any], after: dict[str, Any]) -> PlanChanges:
    """What differs between two plan documents (as a revision keeps them)."""
    return PlanChanges(
        fields=_field_changes(before, after, leave_out=_ITEMISED),
        assumptions=_field_changes(before.get("assumptions") or {}, after.get("assumptions") or {}),
        organisations=_items_changed(before.get("organisations", []), after.get("organisations", [])),
        schemes=_items_changed(before.get("schemes", []), after.get("schemes", [])),
    )


class YearsDiffer(ValueError):
    """The two revisions' results cover different years, so they cannot be compared year by year."""


# -- the results -------------------------------------------------------------------------------


def _minus(after: list[float] | None, before: list[float] | None, years: int) -> list[float]:
    return [(after[i] if after else 0.0) - (before[i] if before else 0.0) for i in range(years)]


def _bridge(before: dict, after: dict, years: int) -> list[BridgeStep]:
    steps = []
    for name in ("to_do_nothing", "to_with_plan"):
        old = {s["id"]: s for s in before["bridge"][name]["steps"]}
        new = {s["id"]: s for s in after["bridge"][name]["steps"]}
        for step_id in [*new, *(k for k in old if k not in new)]:
            was, now = old.get(step_id), new.get(step_id)
            was_values, now_values = was and was["gbp000"], now and now["gbp000"]
            steps.append(
                BridgeStep(
                    name, step_id, (now or was)["label"], was_values, now_values, _minus(now_values, was_values, years)
                )
            )
    return steps


def _position(before: dict, after: dict) -> list[YearPosition]:
    old, new = before["consolidated"], after["consolidated"]
    return [
        YearPosition(
            year,
            old["do_nothing_gbp000"][i],
            new["do_nothing_gbp000"][i],
            new["do_nothing_gbp000"][i] - old["do_nothing_gbp000"][i],
            old["with_plan_gbp000"][i],
            new["with_plan_gbp000"][i],
            new["with_plan_gbp000"][i] - old["with_plan_gbp000"][i],
        )
        for i, year in enumerate(after["years"])
    ]


def _findings(assessment: dict) -> dict[tuple[str, str], Finding]:
    return {
        (f["rule"], f["subject"]): Finding(f["rule"], f["subject"], f["severity"], f["title"], f["message"])
        for f in assessment["findings"]
    }


def _rating(assessment: dict) -> Rating:
    return Rating(assessment["rating"]["category"], assessment["rating"].get("score"))


def _chance(before: dict | None, after: dict | None) -> ChanceOfBalance | None:
    """From two stored results documents with risk runs (their ``risk`` sections)."""
    if not before or not after or not before.get("risk") or not after.get("risk"):
        return None
    old, new = before["risk"]["probability_of_balance"], after["risk"]["probability_of_balance"]
    difference = [None if a is None or b is None else b - a for a, b in zip(old, new, strict=True)]
    return ChanceOfBalance(after["risk"]["runs"], after["risk"]["seed"], old, new, difference)


def result_changes(
    before: dict[str, Any],
    after: dict[str, Any],
    assessment_before: dict[str, Any],
    assessment_after: dict[str, Any],
    risk_before: dict[str, Any] | None = None,
    risk_after: dict[str, Any] | None = None,
) -> ResultChanges:
    """What differs between two revisions' stored results: central cases ``before`` and
    ``after`` (stpkit-results documents), their assessments (stpkit-assurance), and optionally
    results with risk runs under the same runs and seed for the chance of balance. The two must
    cover the same years."""
    if before["years"] != after["years"]:
        raise YearsDiffer(
            f"the revisions cover different years ({before['years'][0]} to {before['years'][-1]}, and "
            f"{after['years'][0]} to {after['years'][-1]}): they cannot be compared year by year"
        )
    old_findings, new_findings = _findings(assessment_before), _findings(assessment_after)
    return ResultChanges(
        years=after["years"],
        bridge=_bridge(before, after, len(after["years"])),
        position=_position(before, after),
        findings_added=[f for key, f in new_findings.items() if key not in old_findings],
        findings_removed=[f for key, f in old_findings.items() if key not in new_findings],
        rating_before=_rating(assessment_before),
        rating_after=_rating(assessment_after),
        chance_of_balance=_chance(risk_before, risk_after),
    )


def _risk_pair(old: Revision, new: Revision) -> tuple[StoredResult, StoredResult] | tuple[None, None]:
    """Stored results with risk runs for both revisions under the same parameters, runs and seed
    (the most runs when there are several); none are queued for this."""
    version = results.parameter_version()
    keys = {
        (r.runs, r.seed): r for r in StoredResult.objects.filter(revision=old, parameter_version=version, runs__gt=0)
    }
    for found in StoredResult.objects.filter(revision=new, parameter_version=version, runs__gt=0).order_by(
        "-runs", "seed"
    ):
        if (found.runs, found.seed) in keys:
            return keys[(found.runs, found.seed)], found
    return None, None


def compare_revisions(old: Revision, new: Revision) -> Comparison:
    """The comparison of two revisions of one plan, from their stored results (a central case
    not stored yet is worked out and stored, as any page asking for it would)."""
    if old.plan_id != new.plan_id:
        raise ValueError("only revisions of one plan are compared")
    old_central, new_central = results.central(old), results.central(new)
    risk_old, risk_new = _risk_pair(old, new)
    return Comparison(
        plan_id=new.plan_id,
        from_revision=old.number,
        to_revision=new.number,
        inputs=plan_changes(old.document, new.document),
        results=result_changes(
            old_central.results,
            new_central.results,
            old_central.assessment,
            new_central.assessment,
            risk_old.results if risk_old else None,
            risk_new.results if risk_new else None,
        ),
    )
