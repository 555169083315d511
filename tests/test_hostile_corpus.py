"""Every plan and workbook in the hostile corpus (tests/hostile/*/ and tests/malformed/) through
every command that reads one, in this process: whatever the file holds, a command either works
or refuses in plain words (exit 2 with the file named), never a traceback, never NaN in JSON,
and a refused command writes nothing.

Each class's own tests (test_hostile_bounds, _files, _text, _work and test_malformed) say what
the message must be; this one holds the line across commands, so that a file one command
refuses cannot crash another."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner import run_stp

HERE = Path(__file__).parent
CORPUS = sorted(
    p
    for folder in [*sorted((HERE / "hostile").iterdir()), HERE / "malformed"]
    if folder.is_dir()
    for p in folder.iterdir()
    if p.suffix in {".yaml", ".json", ".xlsx"} and p.is_file() and not p.name.startswith("users_")
)
#: What each command is asked to do with the file, and where it may write.
COMMANDS = {
    "run": lambda f, out: ("run", f, "--runs", "20", "--format", "json"),
    "check": lambda f, out: ("check", f, "--runs", "20", "--format", "json"),
    "report": lambda f, out: ("report", f, "--runs", "20", "--no-pdf", "--output", out),
    "public": lambda f, out: ("public", f, "--runs", "20", "--no-pdf", "--output", out),
    "export": lambda f, out: ("export", f, "--output", out / "results.xlsx"),
    "import": lambda f, out: ("import", f, "--output", out / "plan.yaml"),
    "national": lambda f, out: ("national", "--plan", f, "--runs", "0", "--format", "json", "--map", out / "m.svg"),
}


def _no_nan(text: str) -> None:
    def refuse(token: str) -> None:
        raise AssertionError(f"{token} in the JSON output")

    json.loads(text, parse_constant=refuse)


def test_the_corpus_is_large_enough():
    # The issue asks for at least 60 hostile files across plans and workbooks.
    assert len(CORPUS) >= 60
    assert sum(p.suffix == ".xlsx" for p in CORPUS) >= 5


@pytest.fixture(scope="module")
def accepted() -> dict[Path, bool]:
    """Whether `stp validate` accepts each file (it must refuse cleanly when it does not)."""
    verdicts = {}
    for path in CORPUS:
        result = run_stp("validate", path)
        assert "Traceback" not in result.stderr + result.stdout, path
        assert result.returncode in (0, 2), (path, result.stderr)
        verdicts[path] = result.returncode == 0
    return verdicts


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_works_or_refuses_in_words(command: str, accepted, tmp_path: Path) -> None:
    for i, path in enumerate(CORPUS):
        if command == "national" and not accepted[path]:
            continue  # refused by the same reader as `run`; national runs 44 footprints, so only valid files
        if command == "import" and path.suffix != ".xlsx":
            continue  # import reads workbooks
        out = tmp_path / f"{i}"
        result = run_stp(*COMMANDS[command](path, out))
        said = result.stderr + result.stdout
        assert "Traceback" not in said, (command, path.name, said[-2000:])
        if accepted[path] and command == "national" and result.returncode == 2:
            assert "national run" in result.stderr, (path.name, result.stderr)  # a plan of other years
        elif accepted[path]:
            assert result.returncode in (0, 1), (command, path.name, result.stderr[-2000:])
            if "--format" in COMMANDS[command](path, out) and result.stdout:
                _no_nan(result.stdout)
        else:
            assert result.returncode == 2, (command, path.name, result.stderr[-2000:])
            assert str(path) in result.stderr or path.name in result.stderr, (command, path.name, result.stderr)
            assert not out.exists() or not any(out.iterdir()), (command, path.name)  # nothing written
