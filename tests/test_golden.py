"""Every number the four examples, the 44 illustrative plans and the national roll-up produce
stays what it was (to 1e-6 £000) unless a change is deliberate: restructuring the code must
not move a result. See ``tests/golden/build.py`` for what is compared and how to rebuild it."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Any

import pytest

_spec = importlib.util.spec_from_file_location("golden_build", Path(__file__).parent / "golden" / "build.py")
golden_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden_build)

TOLERANCE = 1e-6


def differences(old: Any, new: Any, where: str = "") -> list[str]:
    """Every place where two JSON documents differ: a missing or extra key, a list of another
    length, a number further apart than the tolerance, any other value not equal."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = [f"{where}.{k}: missing" for k in old.keys() - new.keys()]
        out += [f"{where}.{k}: new key" for k in new.keys() - old.keys()]
        for k in old.keys() & new.keys():
            out += differences(old[k], new[k], f"{where}.{k}")
        return out
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{where}: {len(old)} items, now {len(new)}"]
        return [d for i, (a, b) in enumerate(zip(old, new, strict=True)) for d in differences(a, b, f"{where}[{i}]")]
    numbers = (int, float)
    if isinstance(old, numbers) and isinstance(new, numbers) and not isinstance(old, bool):
        if math.isclose(old, new, rel_tol=0, abs_tol=TOLERANCE):
            return []
        return [f"{where}: {old!r}, now {new!r}"]
    return [] if old == new else [f"{where}: {old!r}, now {new!r}"]


@pytest.fixture(scope="module")
def documents() -> dict[str, Any]:
    return golden_build.documents()


def test_the_comparison_can_fail():
    # A change of 2e-6 £000 is caught; 5e-7 is rounding.
    assert differences({"a": [1.0, 2.0]}, {"a": [1.0, 2.000002]}) == [".a[1]: 2.0, now 2.000002"]
    assert differences({"a": [1.0]}, {"a": [1.0000005]}) == []
    assert differences({"a": 1}, {"b": 1}) == [".a: missing", ".b: new key"]


def test_results_are_unchanged(documents):
    golden = golden_build.load_golden()
    assert sorted(documents) == sorted(golden)
    found = [d for name in golden for d in differences(golden[name], documents[name], name)]
    assert found == [], f"{len(found)} differences, first: {found[:20]}"
