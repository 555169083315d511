"""Read a plan file (YAML or JSON) into a validated Plan, or say exactly what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from stpkit.domain import Plan, Problem, check_plan, format_loc, fy_range
from stpkit.inputs.located import InputError, LocatedProblem
from stpkit.inputs.yaml_safe import Document, load_document
from stpkit.reference.footprints import load_footprints
from stpkit.reference.parameters import ParameterSet, check_overrides, load_parameters

#: A further check of a plan that has passed ``validate``, from a layer above (the engine
#: finds problems only visible once the plan is laid out as a ledger).
PlanCheck = Callable[[Plan], list[Problem]]


def load_plan(path: str | Path, params: ParameterSet | None = None, check: PlanCheck | None = None) -> Plan:
    """The plan in ``path``, checked by ``validate`` and then ``check``; raises InputError
    listing every problem found, each with its file, line and field."""
    path = Path(path)
    document = load_document(path)
    plan = parse_plan(document)
    problems = validate(plan, params or load_parameters(), check)
    if problems:
        raise InputError([locate(document, p) for p in problems])
    return plan


def parse_plan(document: Document) -> Plan:
    try:
        return Plan.model_validate(document.data)
    except ValidationError as exc:
        raise InputError([locate(document, p) for p in pydantic_problems(exc)]) from None


def validate(plan: Plan, params: ParameterSet, check: PlanCheck | None = None) -> list[Problem]:
    """Problems beyond the types: references, years, national parameters; then ``check``'s."""
    problems = check_plan(plan)
    if plan.footprint.code not in load_footprints():
        problems.append(
            Problem(
                ("footprint", "code"),
                f"unknown footprint {plan.footprint.code!r}: expected an ONS STP code from "
                "E54000005 to E54000048 (see `stp footprints`)",
            )
        )
    if problems:
        return problems
    problems = check_overrides(plan.assumptions, fy_range(plan.base_year, plan.horizon), params)
    if problems:
        return problems
    return check(plan) if check is not None else []


def locate(document: Document, problem: Problem) -> LocatedProblem:
    return LocatedProblem(str(document.path), document.line_of(problem.loc), problem.field, problem.message)


def pydantic_problems(exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        # A key's path ends in the key then "[key]": show the key as a name, not an index.
        loc = tuple(str(p) if err["loc"][i + 1 : i + 2] == ("[key]",) else p for i, p in enumerate(err["loc"]))
        loc = tuple(p for p in loc if p != "[key]")
        # Unions report one error per branch; the tag name in the path helps nobody.
        loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith(("function-", "nullable["))))
        problems.append(Problem(loc, _message(err)))
    # Unions can repeat the same complaint: keep the first of each.
    seen, unique = set(), []
    for p in problems:
        if (p.loc, p.message) not in seen:
            seen.add((p.loc, p.message))
            unique.append(p)
    return unique


#: Pydantic's wording where it names Python types or classes rather than what a plan holds.
_PLAIN = {
    "dict_type": "expected a mapping of names to values",
    "model_type": "expected a mapping of names to values",
    "list_type": "expected a list",
    "string_type": "expected text",
    "too_short": "expected at least {min_length} item(s), found {actual_length}",
}


def _message(err: dict[str, Any]) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "missing":
        return "missing: this field is required"
    if kind == "extra_forbidden":
        return "unknown field: check the spelling against `stp schema`"
    message = _PLAIN[kind].format(**err.get("ctx", {})) if kind in _PLAIN else err["msg"]
    if kind == "string_type" and "[key]" in err["loc"]:
        message = "expected a name or a financial year like 2016/17"
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if isinstance(value, str | int | float | bool) and kind not in ("literal_error",):
        shown = repr(value) if not isinstance(value, str) or len(value) < 60 else repr(value[:57] + "...")
        if not (isinstance(value, str) and shown in message):  # our own validators may already quote it
            message = f"{message} (got {shown})"
    elif isinstance(value, dict | list) and kind.endswith("_type"):
        message = f"{message} (got a {'mapping' if isinstance(value, dict) else 'list'})"
    elif value is None:
        message = f"{message} (got nothing)"
    return message


__all__ = ["InputError", "load_plan", "format_loc"]
