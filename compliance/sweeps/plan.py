"""Files in, a stored sweep out: each file vetted, identified and cut into parts.

    paths ─► vet (a readable WARC or WET file) ─► WarcFile (path, size, SHA-256 of its first MiB)
          ─► the unfinished sweep over exactly these files ─► resumed
          ─► else one pass over each file (a truncated one is refused) ─► parts of `part_records`
             checkable records each ─► a new sweep, all its parts pending

Nothing is stored for a sweep whose files cannot all be read: one bad file is an InputError
naming it, before any part exists.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from compliance.capture.warc_records import ranges, vet
from compliance.errors import InputError, NotFoundError
from compliance.records import Sweep, WarcFile
from compliance.store import Store

HEAD_BYTES = 1 << 20  # a file is known by its path, its size and the SHA-256 of this many first bytes
PART_RECORDS = 500  # checkable records per part: a few seconds to a minute of one process


def identify(path: str | Path) -> WarcFile:
    """A readable WARC or WET file, known by its absolute path, size and first bytes (InputError if not)."""
    file = Path(path).expanduser().absolute()
    gzipped = vet(file)
    with file.open("rb") as stream:
        head = hashlib.sha256(stream.read(HEAD_BYTES)).hexdigest()
    return WarcFile(str(file), file.stat().st_size, head, gzipped)


def plan_sweep(
    store: Store, paths: Sequence[str | Path], part_records: int = PART_RECORDS
) -> tuple[Sweep, bool]:
    """The unfinished sweep over these files, else a new one cut into parts; (sweep, resumed)."""
    if part_records < 1:
        raise InputError(f"records per part must be at least 1, got {part_records}")
    files = list({file.path: file for file in map(identify, paths)}.values())
    found = store.unfinished_sweep(files)
    if found is not None:
        return found, True
    plan = [
        (file, [(r.start, r.end, r.records) for r in ranges(Path(file.path), part_records)]) for file in files
    ]
    return store.create_sweep(part_records, plan), False


def resumed_sweep(store: Store, sweep_id: int) -> Sweep:
    """The stored sweep `sweep_id`, its files checked unchanged; NotFoundError, InputError if not."""
    sweep = store.get_sweep(sweep_id)
    if sweep is None:
        raise NotFoundError(f"no sweep {sweep_id}")
    for file in sweep.files:
        unchanged(file)
    return sweep


def unchanged(file: WarcFile) -> None:
    """InputError when the file is gone or is no longer the one the sweep planned."""
    now = identify(file.path)
    if (now.size, now.head_sha256) != (file.size, file.head_sha256):
        raise InputError(f"{file.path}: the file changed since the sweep was planned (size or first bytes)")
