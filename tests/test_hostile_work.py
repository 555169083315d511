"""Bounded work for any input: every file stpkit reads is read to at most its limit (whatever
size the file system reports), plans and workbooks are refused at documented limits before
the work they would cause, and risk runs are capped by the memory they would need."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from stpkit.inputs import baseline, yaml_safe
from stpkit.inputs.located import InputError, read_limited
from tests.runner import run_stp

FIXTURES = Path(__file__).parent / "fixtures"
HOSTILE = Path(__file__).parent / "hostile" / "work"


def one_line_error(result) -> str:
    """The single problem line of a refused command (exit 2, no traceback)."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[1:] == ["1 problem found; nothing was written."], lines
    return lines[0]


# ------------------------------------------------------------------ files of no reported size


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")
def test_a_file_that_reports_no_size_is_still_read_only_to_the_limit():
    # /proc/self/maps reports a size of 0 but holds a line per mapping: well over 200 bytes.
    assert Path("/proc/self/maps").stat().st_size == 0
    with pytest.raises(InputError) as caught:
        read_limited(Path("/proc/self/maps"), 200, "plans")
    assert str(caught.value) == "/proc/self/maps: (file): file is more than 200 bytes; plans are at most 200"


def _fifo_with(tmp_path: Path, content: bytes) -> Path:
    fifo = tmp_path / "plan.yaml"
    os.mkfifo(fifo)

    def feed():
        try:
            with open(fifo, "wb") as out:
                out.write(content)
        except BrokenPipeError:
            pass  # the reader stopped at its limit, as it should

    threading.Thread(target=feed, daemon=True).start()
    return fifo


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_plan_can_come_through_a_pipe(tmp_path):
    # `stp validate <(generate-plan)`: the shell hands over a pipe, not a regular file.
    fifo = _fifo_with(tmp_path, (FIXTURES / "valid_small.yaml").read_bytes())
    result = run_stp("validate", fifo)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_an_endless_pipe_is_refused_at_the_plan_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(yaml_safe, "MAX_FILE_BYTES", 1000)
    fifo = _fifo_with(tmp_path, b"# comment\n" * 10_000)  # 100,000 bytes, far past the limit
    line = one_line_error(run_stp("validate", fifo))
    assert line == f"{fifo}: (file): file is more than 1,000 bytes; plans are at most 1,000"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_of_endless_zeros_is_refused_at_the_baseline_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(baseline, "MAX_FILE_BYTES", 1000)
    folder = tmp_path / "baseline"
    folder.mkdir()
    (folder / "zeros.csv").symlink_to("/dev/zero")
    line = one_line_error(run_stp("national", "--runs", "0", "--baseline", folder))
    assert line == f"{folder / 'zeros.csv'}: (file): file is more than 1,000 bytes; baseline files are at most 1,000"
