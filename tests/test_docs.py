"""Every schema field, national parameter, command and results key is documented."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from stpkit.cli import app
from stpkit.domain import plan as plan_module
from stpkit.reference.parameters import load_parameters

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _read(name: str) -> str:
    return (DOCS / name).read_text("utf-8")


def _models() -> list[type[BaseModel]]:
    return [
        obj
        for obj in vars(plan_module).values()
        if isinstance(obj, type)
        and issubclass(obj, BaseModel)
        and obj.__module__ == plan_module.__name__
        and not obj.__name__.startswith("_")
    ]


def test_every_plan_field_is_documented():
    text = _read("plan-format.md")
    missing = [
        f"{model.__name__}.{name}" for model in _models() for name in model.model_fields if f"`{name}`" not in text
    ]
    assert missing == []


def test_every_national_parameter_is_documented():
    text = _read("parameters.md")
    missing = [p.name for p in load_parameters() if f"`{p.name}`" not in text]
    assert missing == []


def test_every_parameter_has_a_reference_and_description():
    for param in load_parameters():
        assert param.description and param.unit
        assert param.references, param.name
        for ref in param.references:
            assert ref.title and ref.publisher and ref.url.startswith("http") and 1990 < ref.year < 2030


def test_every_command_is_documented():
    commands = [c.name or c.callback.__name__ for c in app.registered_commands]
    cli_doc, readme = _read("cli.md"), (ROOT / "README.md").read_text("utf-8")
    assert [c for c in commands if f"`stp {c}" not in cli_doc] == []
    assert [c for c in commands if f"`stp {c}" not in readme] == []


def test_every_results_key_is_documented(tmp_path):
    from stpkit.engine.model import run_plan
    from stpkit.outputs.results import results_document
    from stpkit.reference.illustrative import illustrative_plan

    params = load_parameters()
    document = results_document(run_plan(illustrative_plan("E54000036", params), params))
    text = _read("results-json.md")
    keys = set(document) | set(document["plan"]) | set(document["consolidated"]) | set(document["organisations"][0])
    keys |= set(document["bridge"]["to_with_plan"]) | set(document["schemes"][0])
    assert sorted(k for k in keys if f"`{k}`" not in text) == []


def test_the_readme_python_example_runs():
    """The README's five lines of Python work as written, from the top of the repository."""
    text = (ROOT / "README.md").read_text("utf-8")
    block = text.split("```python\n", 1)[1].split("```", 1)[0]
    printed: list[str] = []
    code = block.replace("src/stpkit/examples/", str(ROOT / "src/stpkit/examples") + "/")
    exec(compile(code, "README.md", "exec"), {"print": lambda *a: printed.append(" ".join(map(str, a)))})
    # Lincolnshire's final-year position with the plan is a deficit, its chance of balance a share,
    # and its rating one of the four 2017 categories.
    assert float(printed[0]) < 0
    assert 0.0 <= float(printed[1]) <= 1.0
    assert printed[2] in {"outstanding", "advanced", "making_progress", "needs_most_improvement"}


def test_every_command_defaults_to_the_assurance_runs_and_seed():
    import importlib

    from stpkit.assurance import DEFAULT_RUNS, DEFAULT_SEED

    cli = importlib.import_module("stpkit.cli.app")  # the module; ``stpkit.cli.app`` is also its Typer app

    assert (cli.DEFAULT_RUNS, cli.DEFAULT_SEED) == (DEFAULT_RUNS, DEFAULT_SEED)
    for command in ("run", "check", "report", "public", "national"):
        options = {p.name: p for p in cli.typer.main.get_command(cli.app).commands[command].params}
        assert (options["runs"].default, options["seed"].default) == (DEFAULT_RUNS, DEFAULT_SEED), command


def test_every_parameter_read_once_is_listed_as_such():
    from stpkit.reference.parameters import SINGLE_VALUE

    text = _read("parameters.md").split("### Parameters read once", 1)[1].split("Read in the year", 1)[0]
    assert [name for name in SINGLE_VALUE if f"`{name}`" not in text] == []


def test_every_parameter_range_is_documented():
    """Each parameter a plan can override has a range, listed in parameters.md as it is checked."""
    from stpkit.reference.parameters import RANGES

    overridable = sorted(p.name for p in load_parameters() if p.used_by != "assurance")
    assert sorted(RANGES) == overridable
    ranges = _read("parameters.md").split("### Ranges", 1)[1].split("\n\n")[2]  # the table
    documented = {}
    for row in ranges.splitlines()[2:]:
        shown, _, names = row.strip("|").split("|")
        documented |= {name.strip(" `"): shown.strip() for name in names.split(",")}
    assert documented == {name: str(bounds) for name, bounds in RANGES.items()}


def test_the_plan_bounds_are_documented():
    from stpkit.domain import bounds

    maxima = (bounds.MAX_GBP000, -bounds.MAX_GBP000, bounds.MAX_ACTIVITY, bounds.MAX_BEDS, bounds.MAX_WTE)

    table = _read("plan-format.md").split("## Numbers and their bounds", 1)[1].split("\n## ", 1)[0]
    for bound in (*maxima, bounds.MAX_PEOPLE, bounds.MAX_UNITS_PER_UNIT):
        assert bounds.readable(bound) in table, bound
