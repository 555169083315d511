"""Read a plan file (YAML or JSON) into a validated Plan, or say exactly what is wrong."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from stpkit.domain import ACTS_ON_TYPES, ActsOnKind, Plan, Problem, acts_on_fields, check_plan, format_loc
from stpkit.domain.bounds import readable
from stpkit.domain.checks import plan_years
from stpkit.inputs.located import InputError, LocatedProblem, quoted
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
    """Every problem found in one pass: the plan's consistency (references, years, phasing), its
    footprint, the national parameters it overrides, and ``check``'s. Each runs whatever the
    others find; a check is skipped only where it needs a part of the plan that has problems
    (see ``_fit_to_check``), so fixing what is reported never brings new problems to light
    except from those parts."""
    problems = check_plan(plan)
    if plan.footprint.code not in load_footprints():
        problems.append(
            Problem(
                ("footprint", "code"),
                f"unknown footprint {plan.footprint.code!r}: expected an ONS STP code from "
                "E54000005 to E54000048 (see `stp footprints`)",
            )
        )
    years = plan_years(plan)
    if years is None:
        return problems  # overrides are checked against the plan's years, and nothing can be laid out
    problems += check_overrides(plan.assumptions, years, params)
    if check is not None:
        fit = _fit_to_check(plan, problems)
        if fit is not None:
            checked, kept = fit
            problems += [_renumbered(p, kept) for p in check(checked)]
    return problems


def _fit_to_check(plan: Plan, problems: list[Problem]) -> tuple[Plan, list[int]] | None:
    """The plan as far as ``check`` (the engine's layout) can read it despite ``problems``, and
    the place in ``plan`` of each scheme it keeps; None when it can read nothing.

    The layout reads the years, the organisations, the overrides and the schemes; not the
    footprint code, capital available, indicators or governance, whose problems never stop it.
    - A problem with any organisation (or a code used twice) stops it: the ledger is built
      from every organisation's baseline and the schemes are measured against it.
    - A scheme with a problem is left out; the others are laid out and checked.
    - An override with a problem is left out: the layout checks sizes against base-year
      values, which no parameter changes. A year the national values do not cover and the plan
      does not give stops it: every parameter needs a value in every year."""
    bad_schemes: set[int] = set()
    bad_overrides: list[tuple[Any, ...]] = []
    for problem in problems:
        top = problem.loc[:1]
        if top == ("schemes",) and len(problem.loc) > 1 and isinstance(problem.loc[1], int):
            bad_schemes.add(problem.loc[1])
        elif top == ("assumptions",) and len(problem.loc) > 1:
            bad_overrides.append(problem.loc[1:])
        elif top not in (("footprint",), ("capital_available_gbp000",), ("indicators",), ("governance",)):
            return None
    if not bad_schemes and not bad_overrides:
        return plan, list(range(len(plan.schemes)))
    kept = [i for i in range(len(plan.schemes)) if i not in bad_schemes]
    assumptions = copy.deepcopy(plan.assumptions)
    for path in bad_overrides:
        _remove(assumptions, path)
    fit = plan.model_copy(update={"schemes": [plan.schemes[i] for i in kept], "assumptions": assumptions})
    return fit, kept


def _remove(mapping: dict[Any, Any], path: tuple[Any, ...]) -> None:
    """Remove the entry at ``path`` (keys as problems show them: a year written 2017 is the
    key 2017, shown as "2017")."""
    key = next((k for k in mapping if str(k) == str(path[0])), None)
    if key is None:
        return
    if len(path) == 1:
        del mapping[key]
    elif isinstance(mapping[key], dict):
        _remove(mapping[key], path[1:])
    else:
        del mapping[key]


def _renumbered(problem: Problem, kept: list[int]) -> Problem:
    """A problem of the plan ``_fit_to_check`` made, naming its scheme by its place in the plan."""
    loc = problem.loc
    if loc[:1] == ("schemes",) and len(loc) > 1 and isinstance(loc[1], int):
        return Problem(("schemes", kept[loc[1]], *loc[2:]), problem.message)
    return problem


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
    "too_long": "too many: at most {max_length:,} allowed, found {actual_length:,}",
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
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        message = f"{message} (got {readable(value)})"  # not hundreds of digits
    elif isinstance(value, str | int | float | bool):
        shown = quoted(value)
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
