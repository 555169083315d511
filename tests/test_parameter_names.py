"""Every national parameter the code reads by name is one the parameters file defines, so a
misspelt name fails here, at once, rather than in whichever run first reaches that line."""

from __future__ import annotations

import re
from pathlib import Path

import stpkit
from stpkit.reference.parameters import load_parameters

PACKAGE = Path(stpkit.__file__).parent
#: The ways the code reads a parameter by name: ``assumptions.series("x")``, ``.fraction("x")``,
#: ``ctx.national("x")``, ``params["x"]`` (a name must end like a parameter, e.g. ``_pct``).
READS = re.compile(
    r"""(?:\.series|\.fraction|\.national|params|parameters)\s*[\(\[]\s*"([a-z][a-z0-9_]*)"(?=\s*[,\)\]])"""
)


def names_read(text: str) -> set[str]:
    return set(READS.findall(text))


def test_the_pattern_finds_reads_and_only_reads():
    text = 'a.series("ward_size_beds")[0]; ctx.national("finding_penalty_pct", member=s); params["x_pct"]; f("y")'
    assert names_read(text) == {"ward_size_beds", "finding_penalty_pct", "x_pct"}


def test_every_parameter_read_by_name_exists():
    defined = {p.name for p in load_parameters()}
    read = {(name, path.relative_to(PACKAGE).as_posix())
            for path in PACKAGE.rglob("*.py") for name in names_read(path.read_text("utf-8"))}
    assert len({name for name, _ in read}) >= 40  # the engine and assurance read about 45 by name
    assert sorted((name, where) for name, where in read if name not in defined) == []
