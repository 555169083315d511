"""Write output files so that a user's file is never destroyed and a failure leaves nothing
half-written.

Every write is staged in a hidden folder ``.stp-staging-PID-XXXX`` on the same file system and
renamed into place only when every file is complete. A new output folder is staged whole beside
where it goes and renamed into place in one step. In a folder that already exists the files are
renamed in one by one, with the old manifest removed first and the new one written last, so a
folder whose manifest is missing or does not match its files (``manifest_mismatches``) shows that
a write was cut short: a folder never holds a mix of two runs unnoticed.

A process killed between writes cannot clean up after itself; its staging folder is removed by
the next write into the same place (one whose process is no longer running).

Nothing is replaced without ``force``; an input of the command is never replaced, even with it;
and only regular files are written: an output path that is a folder, a special file (a fifo, a
device such as /dev/null or /dev/stdout, a socket) or a symbolic link is refused, never replaced
(a link could be replaced only by cutting it, or followed only to write somewhere else)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

_STAGING_PREFIX = ".stp-staging-"
_STAGING = re.compile(rf"^{re.escape(_STAGING_PREFIX)}(\d+)-")


class OutputRefused(Exception):
    """An output that will not be written (nothing has been written); the message is one line
    naming the path and what to do."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)  # same inode: hard links and other spellings of one file
    except OSError:
        return a.resolve() == b.resolve()


def check_target(path: Path, *, force: bool = False, inputs: Iterable[Path] = ()) -> None:
    """Raise OutputRefused unless ``path`` may be written: absent, or (with ``force``) an existing
    regular file that is not one of the command's ``inputs``."""
    for source in inputs:
        if _same_file(path, Path(source)):
            raise OutputRefused(path, "is an input of this command; write the output to another name")
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        pointed = "to nothing (a dangling link)" if not path.exists() else f"to {path.resolve()}"
        raise OutputRefused(path, f"is a symbolic link {pointed}; stp writes only regular files, give another name")
    if stat.S_ISDIR(mode):
        raise OutputRefused(path, "is a folder; a file is expected here, give a file name")
    if not stat.S_ISREG(mode):
        raise OutputRefused(
            path, "is a special file (a fifo, device or socket); stp writes only regular files, give a file name"
        )
    if not force:
        raise OutputRefused(path, "exists; add --force to replace it, or choose another name")


def _check_folder(folder: Path) -> None:
    if folder.is_symlink() and not folder.exists():
        raise OutputRefused(folder, "is a symbolic link to nothing (a dangling link); give a folder")
    if folder.exists() and not folder.is_dir():
        raise OutputRefused(folder, "is not a folder; give a folder to write into")


def sweep_staging(folder: Path) -> None:
    """Remove the staging folders in ``folder`` left by stp processes that were killed mid-write."""
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            found = _STAGING.match(entry.name)
            if found and entry.is_dir() and not entry.is_symlink() and not _running(int(found.group(1))):
                shutil.rmtree(entry, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # gone, or a number no process can have
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_staged(path: Path, data: bytes, mode: int) -> None:
    with open(path, "xb") as out:
        out.write(data)
    os.chmod(path, mode)


def manifest_document(files: Mapping[str, bytes], about: Mapping[str, Any]) -> dict[str, Any]:
    """What a manifest says: where the files came from (``about``) and each file's sha256."""
    return {**about, "files": {name: {"sha256": _sha256(data), "bytes": len(data)} for name, data in files.items()}}


def manifest_mismatches(folder: Path, manifest_name: str = "manifest.json") -> list[str]:
    """The files a folder's manifest lists whose content differs from it or that are missing
    (``[manifest_name]`` when the manifest itself is missing or unreadable): empty when the folder
    holds exactly what one write put there."""
    try:
        listed = json.loads((folder / manifest_name).read_text("utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return [manifest_name]
    wrong = []
    for name, entry in listed.items():
        try:
            if _sha256((folder / name).read_bytes()) != entry["sha256"]:
                wrong.append(name)
        except OSError:
            wrong.append(name)
    return wrong


def write_files(
    folder: Path,
    contents: Mapping[str, str | bytes],
    *,
    force: bool = False,
    inputs: Iterable[Path] = (),
    manifest: Mapping[str, Any] | None = None,
    manifest_name: str = "manifest.json",
) -> list[Path]:
    """Write every ``name -> content`` into ``folder`` (created if needed), all or nothing; with
    ``manifest`` (what the files came from), also ``manifest_name`` listing each file's sha256.
    OutputRefused, before anything is written, for a target that may not be replaced (see
    ``check_target``). Files get the usual permissions (readable by others unless the umask says
    otherwise), not the private ones of a temporary file."""
    data = {name: c.encode("utf-8") if isinstance(c, str) else c for name, c in contents.items()}
    if manifest is not None:
        data[manifest_name] = (json.dumps(manifest_document(data, manifest), indent=2) + "\n").encode("utf-8")
    inputs = [Path(p) for p in inputs]
    _check_folder(folder)
    for name in data:
        check_target(folder / name, force=force, inputs=inputs)
    new_folder = not folder.exists()
    stage_in = folder.parent if new_folder else folder
    stage_in.mkdir(parents=True, exist_ok=True)
    sweep_staging(stage_in)
    staging = Path(tempfile.mkdtemp(dir=stage_in, prefix=f"{_STAGING_PREFIX}{os.getpid()}-"))
    try:
        mode = 0o666 & ~_umask()
        for name, content in data.items():  # the manifest last, after the files it describes
            _write_staged(staging / name, content, mode)
        if new_folder:
            os.chmod(staging, 0o777 & ~_umask())
            os.rename(staging, folder)
        else:
            if manifest is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(folder / manifest_name)
            for name in data:
                os.replace(staging / name, folder / name)
            os.rmdir(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [folder / name for name in data]


def write_file(path: Path, content: str | bytes, *, force: bool = False, inputs: Iterable[Path] = ()) -> Path:
    """Write one file, all or nothing (see ``write_files``)."""
    check_target(path, force=force, inputs=inputs)
    return write_files(path.parent, {path.name: content}, force=force, inputs=inputs)[0]


def file_sha256(path: Path) -> str:
    """The sha256 of a file's content, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
