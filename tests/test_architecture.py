"""Layers only import downwards (see the README): a lower layer never imports a higher one."""

from __future__ import annotations

import ast
from pathlib import Path

import stpkit

PACKAGE = Path(stpkit.__file__).parent
#: Lowest first. ``examples`` is bundled data, importable from anywhere.
LAYERS = ["examples", "domain", "reference", "engine", "assurance", "national", "io", "report", "cli"]


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "stpkit" or len(parts) < 2:
        return None
    return parts[1]


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
    return out


def test_layers_only_import_downwards():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        own = relative.parts[0].removesuffix(".py")
        if own not in LAYERS:
            continue
        for module in _imports(path):
            target = _layer(module)
            if target in LAYERS and LAYERS.index(target) > LAYERS.index(own):
                wrong.append(f"{relative} imports {module}")
    assert wrong == []


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
    stray = [p.name for p in PACKAGE.iterdir() if p.suffix == ".py" and p.stem not in ("__init__", "__main__", "cli")]
    stray += [p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name not in LAYERS and not p.name.startswith("_")]
    assert stray == []
