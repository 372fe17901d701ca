"""Bytes in, a write-once file named by their SHA-256 out; `verify` says whether a file still is one.

The evidence folder is content-addressed: `keep` writes `<folder>/<2 hex>/<sha256>.warc.gz` to a
temporary file in the same folder, fsyncs it, makes it read-only and renames it into place. An
existing file is never rewritten; one that is not the write-once copy of the same bytes raises
StorageError and is left untouched.

`verify` says why a stored file is no longer write-once evidence, if it is not: missing, not a
regular file (a symbolic link, even to an identical copy), leading outside the evidence folder,
writable again, or with other bytes than its SHA-256 says.

A process killed mid-way leaves files no capture row names (`orphans`): a temporary file
(killed while writing), or a WARC without its row (killed between the file and the row).
Either is an orphan only once older than `ORPHAN_GRACE`: a younger one may belong to a check
still running. `clean` deletes stale temporary files (incomplete or never renamed: no row can
name them) and moves unrecorded WARCs to `<folder>/quarantine/`, where they stay, read-only,
as evidence someone may still want; nothing is adopted, since a row needs the text that was
checked, which the killed process never recorded.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from compliance.errors import StorageError

ORPHAN_GRACE = 3600.0  # seconds: a check writes its WARC and its row well within this
QUARANTINE = "quarantine"
_SHARD = re.compile(r"[0-9a-f]{2}")
_WARC_NAME = re.compile(r"[0-9a-f]{64}\.warc\.gz")
_TEMPORARY_NAME = re.compile(r"\..*\.tmp")


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of `data`, in lower-case hex."""
    return hashlib.sha256(data).hexdigest()


def keep(data: bytes, folder: Path) -> tuple[str, str]:
    """Write `data` once as `<2 hex>/<sha256>.warc.gz` under `folder`; returns (sha256, path)."""
    digest = sha256_hex(data)
    relative = f"{digest[:2]}/{digest}.warc.gz"
    path = Path(folder) / relative
    if path.exists() or path.is_symlink():
        problem = verify(folder, relative, digest)
        if problem is None:
            return digest, relative
        raise StorageError(
            f"evidence file {path} exists but is not the write-once copy of these bytes ({problem}); "
            "left untouched"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, data)
    except OSError as exc:
        raise StorageError(f"cannot write evidence file {path}: {exc.strerror or exc}") from None
    return digest, relative


def _write_atomically(path: Path, data: bytes) -> None:
    """Temporary file in the same folder, fsync, read-only, rename, fsync the folder."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o444)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def verify(folder: Path, path: str, sha256: str) -> str | None:
    """None when the stored file is still write-once evidence with this SHA-256, else why not."""
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        return f"invalid path {path!r}: must be relative to the evidence folder"
    full = Path(folder) / relative
    try:
        # The file checked is the file hashed, never what a link points to (O_NOFOLLOW), and
        # opening a FIFO planted there does not wait for a writer (O_NONBLOCK).
        descriptor = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return f"missing: {path}"
    except OSError as exc:
        if full.is_symlink():
            return f"not a regular file: {path} is a symbolic link"
        return f"unreadable: {path}: {exc.strerror or exc}"
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return f"not a regular file: {path}"
        problems = _not_write_once(full, Path(folder), info, path)
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            actual = _stream_sha(stream)
    except OSError as exc:
        return f"unreadable: {path}: {exc.strerror or exc}"
    finally:
        os.close(descriptor)
    if actual != sha256.lower():
        problems.append(f"changed: expected {sha256.lower()}, got {actual}")
    return "; ".join(problems) or None


def _not_write_once(full: Path, folder: Path, info: os.stat_result, path: str) -> list[str]:
    """Why a regular evidence file is not write-once: outside the folder, writable."""
    problems = []
    resolved, root = full.resolve(), folder.resolve()
    if root not in resolved.parents:
        problems.append(f"outside the evidence folder: {path} leads to {resolved}")
    if info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        problems.append(f"writable: {path} has mode {stat.S_IMODE(info.st_mode):04o}, not read-only")
    return problems


def _stream_sha(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


# --- orphans: files no capture row names ----------------------------------------------------------


class OrphanKind(StrEnum):
    TEMPORARY = "temporary"  # a write interrupted before its rename
    UNRECORDED = "unrecorded"  # a WARC whose captures row was never written


@dataclass(frozen=True)
class Orphan:
    """A file of the evidence folder that no capture row names, older than the grace period."""

    path: str  # relative to the evidence folder, as a captures row would name it
    kind: OrphanKind
    age: float  # seconds since it was last written


def orphans(
    folder: Path, recorded: Collection[str], *, grace: float = ORPHAN_GRACE, now: float | None = None
) -> list[Orphan]:
    """Stale temporary files and unrecorded WARCs under `folder`, by path; `recorded`: rows' paths."""
    root, now = Path(folder), time.time() if now is None else now
    if not root.is_dir():
        return []
    found = []
    for shard in sorted(p for p in root.iterdir() if _SHARD.fullmatch(p.name) and p.is_dir()):
        for entry in sorted(shard.iterdir()):
            relative = f"{shard.name}/{entry.name}"
            if _TEMPORARY_NAME.fullmatch(entry.name):
                kind = OrphanKind.TEMPORARY
            elif _WARC_NAME.fullmatch(entry.name) and relative not in recorded:
                kind = OrphanKind.UNRECORDED
            else:
                continue
            try:
                age = now - entry.lstat().st_mtime
            except FileNotFoundError:  # renamed or removed meanwhile by a running check
                continue
            if age >= grace:
                found.append(Orphan(relative, kind, age))
    return found


def clean(
    folder: Path, recorded: Collection[str], *, grace: float = ORPHAN_GRACE, now: float | None = None
) -> list[tuple[Orphan, str]]:
    """Delete stale temporary files, move unrecorded WARCs to the quarantine; each orphan and
    where it went ("" when deleted)."""
    done = []
    for orphan in orphans(folder, recorded, grace=grace, now=now):
        source = Path(folder) / orphan.path
        try:
            if orphan.kind is OrphanKind.TEMPORARY:
                source.unlink()
                done.append((orphan, ""))
            else:
                done.append((orphan, _quarantine(Path(folder), source)))
        except OSError as exc:
            raise StorageError(f"cannot clean {source}: {exc.strerror or exc}") from None
    return done


def _quarantine(folder: Path, source: Path) -> str:
    """Move `source` into `<folder>/quarantine/` (under a new name if taken); its new path."""
    target_folder = folder / QUARANTINE
    target_folder.mkdir(exist_ok=True)
    target, n = target_folder / source.name, 0
    while target.exists() or target.is_symlink():
        n += 1
        target = target_folder / f"{source.name}.{n}"
    os.rename(source, target)
    return f"{QUARANTINE}/{target.name}"
