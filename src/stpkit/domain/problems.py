"""A problem found in a plan, located by its path inside the plan (io turns paths into lines)."""

from __future__ import annotations

from dataclasses import dataclass

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    loc: Loc
    message: str

    @property
    def field(self) -> str:
        return format_loc(self.loc)


def format_loc(loc: Loc) -> str:
    """``("schemes", 2, "size_pct")`` -> ``schemes[2].size_pct``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"
