"""Errors a person can act on: each names the file, the line (or sheet and cell) and the field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LocatedProblem:
    file: str
    line: int | None  # 1-based; None when the problem is about the whole file
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"


class InputError(Exception):
    """One or more problems with an input file; nothing has been written."""

    def __init__(self, problems: list[LocatedProblem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

    @classmethod
    def single(cls, file: str | Path, message: str, line: int | None = None, field: str = "(file)") -> InputError:
        return cls([LocatedProblem(str(file), line, field, message)])


def quoted(value: object, most: int = 60) -> str:
    """``value`` as a message quotes it: text longer than ``most`` characters is cut short, so
    that one line stays one line whatever a file holds."""
    if isinstance(value, str) and len(value) >= most:
        return repr(value[: most - 3] + "...")
    return repr(value)


def read_limited(path: Path, max_bytes: int, what: str) -> bytes:
    """The bytes of an input file, or an InputError if it is missing, a folder, or larger than
    ``max_bytes`` (``what`` names the kind of file, plural, for the message).

    At most ``max_bytes + 1`` bytes are read whatever size the file system reports: a file in
    /proc reports 0, a pipe (``stp validate <(make-plan)``) or a device reports nothing useful,
    and a file can grow between the look and the read."""
    if not path.exists():
        raise InputError.single(path, "no such file")
    if path.is_dir():
        raise InputError.single(path, "not a file")
    size = path.stat().st_size
    if size > max_bytes:  # said before reading anything
        raise InputError.single(path, f"file is {size:,} bytes; {what} are at most {max_bytes:,}")
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError.single(path, f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise InputError.single(path, f"file is more than {max_bytes:,} bytes; {what} are at most {max_bytes:,}")
    return raw
