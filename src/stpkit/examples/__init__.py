"""Example plans written as a footprint team would write them."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def example_paths() -> dict[str, Path]:
    """Bundled example plans by name (file stem), in name order."""
    folder = files("stpkit.examples")
    return {
        Path(p.name).stem: Path(str(p))
        for p in sorted(folder.iterdir(), key=lambda p: p.name)
        if p.name.endswith(".yaml")
    }


DEFAULT_EXAMPLE = "north_west_london"
