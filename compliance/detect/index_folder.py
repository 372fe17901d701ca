"""The passage index's folder: its manifest, its lock, and nothing the manifest does not name.

    <index>/manifest.json       params, segment names, dead file, last fingerprint id, live count
    <index>/<segment>/*.npy     one folder per immutable segment (written by index.py)
    <index>/dead-<name>.npy     fingerprint ids removed since (the one the manifest names)
    <index>/lock                flock: shared while a process reads the manifest and maps what it
                                names, exclusive while one writes segments and the manifest

Readers see the old index or the new, never half of one: segments and dead files are written under
new names, then the manifest is replaced atomically, all under the exclusive lock. So whatever the
manifest does not name, seen while holding that lock, is left over, never a segment another live
process is still writing: by a process killed between a segment and its manifest, by a merge
(its old segments), or by writers of an older version racing each other. `remove_leftovers`
deletes it, but only what looks like ours (a segment folder holding only our .npy files, a dead
or temporary file of ours), never anything else kept in that folder. The kernel releases an
`flock` when its process dies: a kill never leaves the index locked.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np

from compliance.errors import StorageError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
LOCK = "lock"
LEGACY_DEAD = "dead.npy"  # before manifests named their dead file
# What segments hold (`segments.Segment.arrays`), and held before (keys.npy, fps.npy, and each
# channel's keys.npy): a leftover either way. Spelled out here: segments.py imports this module.
SEGMENT_FILES = frozenset(
    {"keys.npy", "fps.npy", "owners.npy", "sizes.npy"}
    | {
        f"{c}_{a}{tmp}.npy"
        for c in ("minima", "bags")
        for a in ("keys", "suffixes", "starts", "rows", "stops")
        for tmp in ("", ".tmp")
    }
)
_SEGMENT_NAME = re.compile(r"[0-9a-f]{12}")
_OUR_FILES = re.compile(r"dead-[0-9a-f]{12}\.npy|dead\.npy|dead\.tmp\.npy|manifest\.json\.tmp")

Manifest = dict[str, Any]


def new_name() -> str:
    """A fresh name for a segment or a dead file: never one a manifest already names."""
    return uuid.uuid4().hex[:12]


class IndexFolder:
    """One index folder on disk, shared by every process that opens it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def reading(self) -> Iterator[Manifest | None]:
        """The manifest, under a shared lock held while the caller maps what it names."""
        if not (self.path / MANIFEST).exists():
            yield None
            return
        with self._lock(fcntl.LOCK_SH) as held:
            if not held:
                log.warning("passage index at %s cannot be locked; reading it unlocked", self.path)
            yield self.read_manifest()

    @contextmanager
    def writing(self) -> Iterator[Manifest | None]:
        """The manifest as it is now, under the exclusive lock held while the caller writes."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot write the passage index in {self.path}: {exc}") from exc
        with self._lock(fcntl.LOCK_EX) as held:
            if not held:
                raise StorageError(f"cannot lock the passage index in {self.path}")
            yield self.read_manifest()

    def tidy(self) -> None:
        """Remove leftovers now if no other process is reading or writing the index; else leave them."""
        if not (self.path / MANIFEST).exists():
            return
        with self._lock(fcntl.LOCK_EX | fcntl.LOCK_NB) as held:
            if held:
                manifest = self.read_manifest()
                if manifest is not None:
                    self.remove_leftovers(manifest)

    @contextmanager
    def _lock(self, mode: int) -> Iterator[bool]:
        """Hold `flock(mode)` on the lock file; yields False when it cannot be had (busy, read-only)."""
        handle: IO[bytes] | None = None
        try:
            handle = open(self.path / LOCK, "ab")  # noqa: SIM115 - closed below, after the unlock
            fcntl.flock(handle, mode)
        except OSError:
            if handle is not None:
                handle.close()
            handle = None
        try:
            yield handle is not None
        finally:
            if handle is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()

    def read_manifest(self) -> Manifest | None:
        """The manifest, or None when missing or unreadable (the index is then rebuilt)."""
        try:
            manifest = json.loads((self.path / MANIFEST).read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("passage index manifest in %s is unreadable (%s)", self.path, exc)
            return None
        return manifest if isinstance(manifest, dict) else None

    def load_dead(self, manifest: Manifest) -> np.ndarray:
        """The fingerprint ids the manifest's dead file holds (none if it names none)."""
        name = _dead_name(manifest)
        if not name or not (self.path / name).exists():
            return np.zeros(0, dtype=np.int64)
        return np.load(self.path / name)

    def write(self, fields: Manifest, dead: np.ndarray) -> Manifest:
        """Write `dead` under a new name, then the manifest naming it (atomically); the manifest."""
        manifest = {**fields, "dead": f"dead-{new_name()}.npy" if len(dead) else None}
        try:
            if manifest["dead"]:
                np.save(self.path / manifest["dead"], dead)
            tmp = self.path / f"{MANIFEST}.tmp"
            tmp.write_text(json.dumps(manifest))
            os.replace(tmp, self.path / MANIFEST)
        except OSError as exc:
            raise StorageError(f"cannot write the passage index in {self.path}: {exc}") from exc
        return manifest

    def remove_leftovers(self, manifest: Manifest) -> list[str]:
        """Delete what `manifest` does not name and is ours; only while holding the exclusive lock."""
        named = {*manifest.get("segments", ()), _dead_name(manifest) or ""}
        removed = []
        for entry in sorted(self.path.iterdir()):
            if entry.name in named or not _ours(entry):
                continue
            try:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            except OSError as exc:
                log.warning("cannot remove %s from the passage index: %s", entry, exc)
                continue
            removed.append(entry.name)
        if removed:
            log.info("removed from the passage index in %s: %s", self.path, ", ".join(removed))
        return removed


def _dead_name(manifest: Manifest) -> str | None:
    """The dead file a manifest names; older manifests all used dead.npy."""
    return manifest.get("dead", LEGACY_DEAD)


def _ours(entry: Path) -> bool:
    """A segment folder of ours (only our .npy files, or none yet), or a dead or temporary file."""
    if entry.is_symlink():
        return False
    if entry.is_dir():
        return (
            bool(_SEGMENT_NAME.fullmatch(entry.name)) and {p.name for p in entry.iterdir()} <= SEGMENT_FILES
        )
    return bool(_OUR_FILES.fullmatch(entry.name))
