"""Bytes in, a write-once file named by their SHA-256 out; `verify` says whether a file still matches.

The evidence folder is content-addressed: `keep` writes `<folder>/<2 hex>/<sha256>.warc.gz` to a
temporary file in the same folder, fsyncs it, makes it read-only and renames it into place. An
existing file is never rewritten; one whose bytes no longer match its name raises StorageError and
is left untouched. `verify` recomputes the hash of a stored file and says why it fails, if it does.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path, PurePosixPath

from compliance.errors import StorageError


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of `data`, in lower-case hex."""
    return hashlib.sha256(data).hexdigest()


def keep(data: bytes, folder: Path) -> tuple[str, str]:
    """Write `data` once as `<2 hex>/<sha256>.warc.gz` under `folder`; returns (sha256, path)."""
    digest = sha256_hex(data)
    relative = f"{digest[:2]}/{digest}.warc.gz"
    path = Path(folder) / relative
    if path.exists():
        if _file_sha(path) == digest:
            return digest, relative
        raise StorageError(f"evidence file {path} exists but does not match its name; left untouched")
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


def _file_sha(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def verify(folder: Path, path: str, sha256: str) -> str | None:
    """None when the stored file still has this SHA-256, else why not, on one line."""
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        return f"invalid path {path!r}: must be relative to the evidence folder"
    full = Path(folder) / relative
    if not full.is_file():
        return f"missing: {path}"
    try:
        actual = _file_sha(full)
    except OSError as exc:
        return f"unreadable: {path}: {exc.strerror or exc}"
    if actual != sha256.lower():
        return f"changed: expected {sha256.lower()}, got {actual}"
    return None
