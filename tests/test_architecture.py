"""Layers only import downwards (see the README): a lower layer never imports a higher one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import stpkit

PACKAGE = Path(stpkit.__file__).parent
ROOT = PACKAGE.parent.parent
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))
#: Lowest first, as in the import-linter contract. ``examples`` is bundled data.
LAYERS = [
    "examples", "domain", "reference", "inputs", "engine", "assurance", "national", "outputs", "api", "web", "cli",
]


def test_layers_only_import_downwards():
    """The import-linter contracts in pyproject.toml: layers, and what the engine and assurance
    may not import. They follow relative imports and ``from stpkit import x`` as well."""
    done = subprocess.run(
        [LINT_IMPORTS, "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]


def test_engine_does_no_input_or_output():
    forbidden = {"open(", "print(", "read_text(", "write_text(", "Path("}
    offenders = []
    for path in (PACKAGE / "engine").rglob("*.py"):
        text = path.read_text("utf-8")
        offenders += [f"{path.name}: {word}" for word in forbidden if word in text]
    assert offenders == []


def test_assurance_does_no_input_or_output():
    """Rules look at a plan and its results; reading files and printing belong to io and cli."""
    forbidden = {"open(", "print(", "read_text(", "write_text(", "Path(", "sys.stdout", "console"}
    offenders = []
    for path in (PACKAGE / "assurance").rglob("*.py"):
        text = path.read_text("utf-8")
        offenders += [f"{path.name}: {word}" for word in forbidden if word in text]
    assert offenders == []


def test_every_package_file_belongs_to_a_layer():
    stray = [p.name for p in PACKAGE.iterdir() if p.suffix == ".py" and p.stem not in ("__init__", "__main__", "api")]
    stray += [p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name not in LAYERS and not p.name.startswith("_")]
    assert stray == []
