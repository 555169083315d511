"""Write output files so that a failure leaves nothing half-written: each file is written to a
temporary name in the same folder and renamed into place only when all are complete."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_files(folder: Path, contents: dict[str, str | bytes]) -> list[Path]:
    """Write every ``name -> content`` into ``folder`` (created if needed), all or nothing.
    Files get the usual permissions (readable by others unless the umask says otherwise), not
    the private ones of a temporary file."""
    folder.mkdir(parents=True, exist_ok=True)
    mode = 0o666 & ~_umask()
    staged: list[tuple[str, Path]] = []
    try:
        for name, content in contents.items():
            handle, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
            staged.append((tmp, folder / name))
            data = content.encode("utf-8") if isinstance(content, str) else content
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(tmp, mode)
        for tmp, final in staged:
            os.replace(tmp, final)
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise
    return [final for _, final in staged]


def write_file(path: Path, content: str | bytes) -> Path:
    return write_files(path.parent, {path.name: content})[0]
