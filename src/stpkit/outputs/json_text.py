"""JSON as stpkit writes it: strict JSON, which has no NaN or infinity. Python would write them
as the bare words NaN and Infinity, which other programs refuse to read; a number that is not
finite is a bug, and fails loudly here rather than in whoever reads the file."""

from __future__ import annotations

import json
from typing import Any


def json_text(data: Any, ensure_ascii: bool = True) -> str:
    """``data`` as indented JSON text ending in a newline; ValueError for NaN or infinity."""
    return json.dumps(data, indent=2, ensure_ascii=ensure_ascii, allow_nan=False) + "\n"
