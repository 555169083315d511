"""Editing a plan in a form: the fields of its schemes a finance lead changes and a handful of
its key assumptions. The form only carries values; the plan it makes is checked as an upload is
(``revisions.read_upload``) and each problem the checks name is shown at its field.

Every field is named by its path in the plan document as the checks name it
(``schemes[2].size_pct``, ``assumptions.tariff_efficiency_pct.2018/19``), so a problem finds its
field by name. A change is kept by the scheme's id, not its place in the list, so that it can be
put onto a later revision of the plan whose schemes have moved."""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from typing import Any

from stpkit.domain import fy_label, fy_range, fy_start
from stpkit.domain.enums import EvidenceLevel
from stpkit.inputs.located import LocatedProblem
from stpkit.reference.parameters import ParameterSet

#: The plan-wide assumptions the form offers (national parameters a plan may override, with no
#: breakdown by service line or kind of organisation): (parameter, label).
KEY_ASSUMPTIONS = (
    ("tariff_cost_uplift_pct", "Tariff cost uplift"),
    ("tariff_efficiency_pct", "Tariff efficiency requirement"),
    ("provider_efficiency_do_nothing_pct", "Provider cost improvement in the do-nothing"),
    ("provider_other_income_growth_pct", "Growth in providers' other income"),
)
EVIDENCE_CHOICES = tuple((level.value, level.value) for level in EvidenceLevel)
RECURRENT_CHOICES = (("yes", "yes: it carries into later years"), ("no", "no: it counts only in its year"))

Key = tuple[str, ...]  # a field's path with the scheme's id in place of its index


@dataclass(frozen=True)
class Field:
    name: str  # the path as the checks name it, and the form field's name
    key: Key
    label: str
    choices: tuple[tuple[str, str], ...] = ()  # a select's (value, text); none for a number
    hint: str = ""

    @property
    def id(self) -> str:
        return html_id(self.name)


@dataclass(frozen=True)
class Group:
    """A fieldset: a year-by-year series (its fields are labelled by year)."""

    name: str
    legend: str
    fields: tuple[Field, ...]
    hint: str = ""

    @property
    def id(self) -> str:
        return html_id(self.name)


@dataclass(frozen=True)
class SchemeForm:
    name: str  # schemes[i]
    legend: str
    fields: tuple[Field, ...]
    groups: tuple[Group, ...]

    @property
    def id(self) -> str:
        return html_id(self.name)


@dataclass(frozen=True)
class Layout:
    schemes: tuple[SchemeForm, ...]
    assumptions: tuple[Group, ...]
    fields: dict[str, Field] = field(default_factory=dict)  # by name, every field of the form
    groups: dict[str, Group | SchemeForm] = field(default_factory=dict)  # by name


def html_id(name: str) -> str:
    """A form field's id: its name with only letters, digits and hyphens."""
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")


def plan_years(document: dict[str, Any]) -> list[str]:
    """The years a plan changes: after its base year, to its horizon."""
    return fy_range(fy_label(fy_start(document["base_year"]) + 1), document["horizon"])


def layout(document: dict[str, Any], params: ParameterSet) -> Layout:
    """The form's fields for a plan document."""
    years = plan_years(document)
    owners = tuple((org["code"], f"{org['name']} ({org['code']})") for org in document["organisations"])

    def series(prefix: str, key: Key, legend: str, hint: str = "") -> Group:
        fields = tuple(Field(f"{prefix}.{year}", (*key, year), year) for year in years)
        return Group(prefix, legend, fields, hint)

    schemes = []
    for i, scheme in enumerate(document.get("schemes", [])):
        name, key = f"schemes[{i}]", ("schemes", scheme["id"])
        fields = (
            Field(f"{name}.owner", (*key, "owner"), "Owner", owners, "The member organisation that delivers it"),
            Field(f"{name}.size_pct", (*key, "size_pct"), "Size (%)",
                  hint="Full effect as a share of what it acts on; give this or the size in £000"),
            Field(f"{name}.size_gbp000", (*key, "size_gbp000"), "Size (£000)",
                  hint=f"Full effect at {document['base_year']} prices"),
            Field(f"{name}.recurrent", (*key, "recurrent"), "Recurrent", RECURRENT_CHOICES),
            Field(f"{name}.evidence", (*key, "evidence"), "Evidence", EVIDENCE_CHOICES,
                  "How well the saving is evidenced; it sets the national delivery rate in risk runs"),
            Field(f"{name}.delivery_pct", (*key, "delivery_pct"), "Expected delivery (%)",
                  hint="Share of the planned effect the footprint expects to deliver; blank for the national "
                  "rate for its evidence"),
        )
        groups = (
            series(f"{name}.phasing_pct", (*key, "phasing_pct"), "Phasing (%)",
                   "Share of the full effect first delivered in each year; adds up to 100"),
            series(f"{name}.revenue_investment_gbp000", (*key, "revenue_investment_gbp000"),
                   "Revenue investment (£000)", "Running cost of the scheme in each year, borne by the owner"),
            series(f"{name}.capital_gbp000", (*key, "capital_gbp000"), "Capital (£000)"),
        )
        schemes.append(SchemeForm(name, f"{scheme['name']} ({scheme['id']})", fields, groups))
    assumptions = []
    for parameter, label in KEY_ASSUMPTIONS:
        national = ", ".join(f"{year} {_text(params[parameter].value(year))}" for year in years)
        assumptions.append(series(f"assumptions.{parameter}", ("assumptions", parameter),
                                  f"{label} ({params[parameter].unit})",
                                  f"{params[parameter].description} Blank for the national value: {national}."))
    made = Layout(tuple(schemes), tuple(assumptions))
    for scheme in made.schemes:
        made.groups[scheme.name] = scheme
        made.fields.update((f.name, f) for f in scheme.fields)
        for group in scheme.groups:
            made.groups[group.name] = group
            made.fields.update((f.name, f) for f in group.fields)
    for group in made.assumptions:
        made.groups[group.name] = group
        made.fields.update((f.name, f) for f in group.fields)
    return made


def _scheme(document: dict[str, Any], scheme_id: str) -> dict[str, Any] | None:
    return next((s for s in document.get("schemes", []) if s["id"] == scheme_id), None)


def value_at(document: dict[str, Any], key: Key, params: ParameterSet) -> Any:
    """The value a field shows: the scheme's, or the plan's assumption (else the national one)."""
    if key[0] == "assumptions":
        parameter, year = key[1], key[2]
        given = (document.get("assumptions") or {}).get(parameter) or {}
        return given[year] if year in given else params[parameter].value(year)
    scheme = _scheme(document, key[1])
    value: Any = scheme
    for part in key[2:]:
        value = value.get(part) if isinstance(value, dict) else None
    if key[2] == "recurrent" and value is None and scheme is not None:
        return True  # the plan's default
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def text_at(document: dict[str, Any], key: Key, params: ParameterSet) -> str:
    """A field's value as the form shows it."""
    return _text(value_at(document, key, params))


def values(document: dict[str, Any], form: Layout, params: ParameterSet) -> dict[str, str]:
    """Every field's value as the form shows it."""
    return {name: text_at(document, f.key, params) for name, f in form.fields.items()}


def _number(text: str) -> Any:
    """A typed number as the plan holds it; text that is not a number is kept as typed, for the
    plan's checks to name ("a valid number")."""
    plain = text.replace(",", "").strip()
    try:
        number = float(plain)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _same(typed: str, shown: str) -> bool:
    left, right = _number(typed), _number(shown)
    return left == right if not isinstance(left, str) and not isinstance(right, str) else typed == shown


def changes(typed: dict[str, str], form: Layout, started: dict[str, Any], params: ParameterSet) -> dict[Key, str]:
    """The fields whose typed value differs from the revision the edit started from."""
    found = {}
    for name, f in form.fields.items():
        text = typed.get(name, "").strip()
        if not _same(text, text_at(started, f.key, params)):
            found[f.key] = text
    return found


def apply(document: dict[str, Any], changed: dict[Key, str], form: Layout) -> tuple[dict[str, Any], list[str]]:
    """``document`` with the changes made, and the schemes changed that it no longer has."""
    result = copy.deepcopy(document)
    choices = {f.key: f.choices for f in form.fields.values()}
    missing = []
    for key, text in changed.items():
        if key[0] == "assumptions":
            target, path = result.setdefault("assumptions", {}).setdefault(key[1], {}), key[2:]
        else:
            target = _scheme(result, key[1])
            if target is None:
                missing.append(key[1])
                continue
            path = key[2:]
        for part in path[:-1]:
            target = target.setdefault(part, {})
        if text == "":
            target.pop(path[-1], None)  # blank: not set (for an assumption, the national value)
        elif key[-1] == "recurrent":
            target[path[-1]] = text != "no"
        else:
            target[path[-1]] = text if choices.get(key) else _number(text)
    # An assumption with no year left is not overridden at all.
    result["assumptions"] = {name: given for name, given in (result.get("assumptions") or {}).items() if given}
    return result, sorted(set(missing))


@dataclass(frozen=True)
class Placed:
    """A problem of the plan the form made, at the field (or set of fields) it is about."""

    target: str  # the id the error summary links to
    where: str  # the name of the field or fieldset whose error message it is; "" for the form
    text: str  # for the error summary: what it is about, and the problem
    message: str  # by the field: the problem alone


def place(problems: list[LocatedProblem], form: Layout) -> list[Placed]:
    """Each problem at the field it names, else at the nearest fieldset holding it (a scheme's
    phasing that does not add up, a scheme whose owner does not deliver what it acts on)."""
    placed = []
    for problem in problems:
        path = problem.field
        while path and path not in form.fields and path not in form.groups:
            path = re.sub(r"(\.[^.\[]+|\[\d+\])$", "", path) if re.search(r"(\.[^.\[]+|\[\d+\])$", path) else ""
        if path in form.fields:
            f = form.fields[path]
            group = next((g for g in form.groups.values() if isinstance(g, Group) and f in g.fields), None)
            title = f"{group.legend}: {f.label}" if group else f.label
            owner = next((s.legend for s in form.schemes if path.startswith(s.name + ".")), "")
            label = f"{owner}: {title}" if owner else title
            placed.append(Placed(f.id, path, f"{label}: {problem.message}", problem.message))
        elif path:
            holder = form.groups[path]
            first = holder.fields[0].id if holder.fields else holder.id
            owner = next((s.legend for s in form.schemes if path.startswith(s.name + ".")), "")
            label = f"{owner}: {holder.legend}" if owner else holder.legend
            placed.append(Placed(first, path, f"{label}: {problem.message}", problem.message))
        else:
            text = f"{problem.field}: {problem.message}" if problem.field else problem.message
            placed.append(Placed("edit-form", "", text, text))
    return placed


def errors_by_field(placed: list[Placed]) -> dict[str, str]:
    """The error message beside each field or fieldset with problems."""
    found: dict[str, list[str]] = {}
    for problem in placed:
        found.setdefault(problem.where, []).append(problem.message)
    return {where: "; ".join(messages) for where, messages in found.items()}
