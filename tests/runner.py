"""`stp` run in this process, as a user would run it: the same entry point (``stpkit.cli.main``),
its standard output, standard error and exit status. In-process runs skip the interpreter's
start-up for every call; ``test_cli.py`` keeps one real subprocess to check the entry point."""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from stpkit.cli import main


@dataclass(frozen=True)
class Completed:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def run_stp(*args: str | Path) -> Completed:
    """Run ``stp ARGS``; never raises for a failing command (the status says how it went)."""
    argv = tuple(str(a) for a in args)
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err), mock.patch.object(sys, "argv", ["stp", *argv]):
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Completed(argv, code, out.getvalue(), err.getvalue())


def stp(*args: str | Path, check: bool = True) -> Completed:
    """``run_stp`` that, with ``check``, insists on success; a traceback is never acceptable."""
    result = run_stp(*args)
    if check:
        assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result
