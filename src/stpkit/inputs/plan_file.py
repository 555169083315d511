"""Read a plan file (YAML or JSON) into a validated Plan, or say exactly what is wrong."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from stpkit.domain import ACTS_ON_TYPES, ActsOnKind, Plan, Problem, acts_on_fields, check_plan, format_loc, fy_range
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
        loc, kind = _without_kind(loc)
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = (*loc, "kind")  # the kind itself is wrong or missing: point at it
        problems.append(Problem(loc, _message(err, loc, kind)))
    # Unions can repeat the same complaint: keep the first of each.
    seen, unique = set(), []
    for p in problems:
        if (p.loc, p.message) not in seen:
            seen.add((p.loc, p.message))
            unique.append(p)
    return unique


def _without_kind(loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[ActsOnKind, int] | None]:
    """``loc`` without the kind pydantic puts after ``acts_on`` (its types are told apart by
    ``kind``), and that kind with the position of the fields it holds."""
    for i, part in enumerate(loc[:-2]):
        if part == "acts_on" and loc[i + 1] in _KINDS:
            return (*loc[: i + 1], *loc[i + 2 :]), (ActsOnKind(loc[i + 1]), i + 1)
    return loc, None


_KINDS = {k.value for k in ActsOnKind}


#: Pydantic's wording where it names Python types or classes rather than what a plan holds.
_PLAIN = {
    "dict_type": "expected a mapping of names to values",
    "model_type": "expected a mapping of names to values",
    "model_attributes_type": "expected a mapping of names to values",
    "list_type": "expected a list",
    "string_type": "expected text",
    "too_short": "expected at least {min_length} item(s), found {actual_length}",
}
#: An enumeration's member as Python shows it, ``<ServiceLine.AE: 'ae'>``: shown as its value.
_ENUM_REPR = re.compile(r"<\w+\.\w+: ('[^']*')>")


def _message(err: dict[str, Any], loc: tuple[Any, ...] = (), kind: tuple[ActsOnKind, int] | None = None) -> str:
    kind_message = _kind_message(err, loc, kind)
    if kind_message is not None:
        return kind_message
    kind_name, value = err["type"], err.get("input")
    if kind_name == "missing":
        return "missing: this field is required"
    if kind_name == "extra_forbidden":
        return "unknown field: check the spelling against `stp schema`"
    message = _PLAIN[kind_name].format(**err.get("ctx", {})) if kind_name in _PLAIN else err["msg"]
    message = _ENUM_REPR.sub(r"\1", message)
    if kind_name == "string_type" and "[key]" in err["loc"]:
        message = "expected a name or a financial year like 2016/17"
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if isinstance(value, str | int | float | bool):
        shown = repr(value) if not isinstance(value, str) or len(value) < 60 else repr(value[:57] + "...")
        if not (isinstance(value, str) and shown in message):  # our own validators may already quote it
            message = f"{message} (got {shown})"
    elif isinstance(value, dict | list) and kind_name.endswith("_type"):
        message = f"{message} (got a {'mapping' if isinstance(value, dict) else 'list'})"
    elif value is None:
        message = f"{message} (got nothing)"
    return message


def _kind_message(err: dict[str, Any], loc: tuple[Any, ...], kind: tuple[ActsOnKind, int] | None) -> str | None:
    """What is wrong with a scheme's ``acts_on`` in terms of its kind: the kind itself, a field
    the kind needs, or one it does not take (saying which it does)."""
    if err["type"] == "union_tag_not_found" or (err["type"] == "missing" and loc[-1:] == ("acts_on",)):
        return f"missing: say what the scheme acts on: {_listed([k.value for k in ActsOnKind], 'or')}"
    if err["type"] == "union_tag_invalid":  # worded as for any other list of values
        expected = _listed([repr(k.value) for k in ActsOnKind], "or")
        return f"Input should be {expected} (got {err.get('ctx', {}).get('tag')!r})"
    if kind is None:
        return None
    act, at = kind
    where = loc[at:]
    if len(where) == 1 and err["type"] == "missing":
        hint = " (where the activity goes: provider and share_pct)" if where[0] == "to" else ""
        return f"missing: a scheme acting on {act.value} needs {where[0]}{hint}"
    if where == ("to",) and err["type"] == "too_short":
        return "missing: say where the activity goes (provider and share_pct)"
    if where[:1] == ("to",) and where[-1:] == ("service_line",) and err["type"] == "literal_error":
        return f"A&E patients go to ae (another type 1 department) or urgent_care (got {err.get('input')!r})"
    if err["type"] != "extra_forbidden":
        return None
    if len(where) == 1:
        name = where[0]
        takes = _listed(acts_on_fields(act), "and")
        others = [k.value for k in ActsOnKind if name in acts_on_fields(k)]
        if others:
            return (
                f"a scheme acting on {act.value} does not take {name} (only one acting on {_listed(others, 'or')} "
                f"does); it takes {takes}"
            )
        return f"unknown field: check the spelling against `stp schema`; a scheme acting on {act.value} takes {takes}"
    if len(where) == 3 and where[0] == "to":
        fields = list(get_args(ACTS_ON_TYPES[act].model_fields["to"].annotation)[0].model_fields)
        return (
            f"unknown field: check the spelling against `stp schema`; a destination (to) of a scheme acting on "
            f"{act.value} takes {_listed(fields, 'and')}"
        )
    return None


def _listed(names: list[str], last: str) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {last} {names[-1]}"


__all__ = ["InputError", "load_plan", "format_loc"]
