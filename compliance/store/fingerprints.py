"""Fingerprint repository: the queries on `fingerprints` and its row ↔ value translation.

In: an open Session, and `records.EncodedFingerprint` values (bytes, as `detect.fingerprint.encode`
makes them). Out: `records.StoredFingerprint[EncodedFingerprint]`, the fingerprint ids and the
state the passage index catches up with. A fingerprint is never updated: a re-ingested article
gets a new row, with a new id, and the old one's removal is logged in `fingerprint_removals`, so an
index follows by id alone: (highest fingerprint id, highest removal id) is two primary-key look-ups
whatever the archive's size (a count of the fingerprints cost 115 ms at 1M).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from compliance.errors import StorageError
from compliance.records import EncodedFingerprint, StoredFingerprint
from compliance.store.shared import chunks
from compliance.store.tables import FINGERPRINT_REMOVALS, FINGERPRINTS, FingerprintRemovalRow, FingerprintRow

PARAMS = ("num_perm", "seed", "shingle_size", "window", "normalization")  # the parameter columns
BAG_PARAMS = ("bag_words", "bag_min_letters")  # the bag keys' parameter columns (detect.bags)

Stored = StoredFingerprint[EncodedFingerprint]


def values(encoded: EncodedFingerprint, what: str) -> dict[str, Any]:
    """The columns of a fingerprint row but `article_id` and `created_at`."""
    _check(encoded, what)
    return {
        **{name: encoded.params[name] for name in PARAMS},
        "signature": encoded.signature,
        "windows": encoded.windows,
        "n_windows": encoded.n_windows,
        "bags": encoded.bags,
        **{name: (encoded.bag_params or {}).get(name) for name in BAG_PARAMS},
    }


def _check(encoded: EncodedFingerprint, what: str) -> None:
    """Refuse what `encode` would never make: the bytes are read back by their lengths alone."""
    params = encoded.params
    if set(params) != set(PARAMS):
        raise StorageError(f"{what}: fingerprint params must be exactly {PARAMS}, got {sorted(params)}")
    if len(encoded.signature) != 4 * params["num_perm"] or len(encoded.windows) != 8 * encoded.n_windows:
        raise StorageError(f"{what}: encoded fingerprint lengths do not match num_perm and n_windows")
    if encoded.bags is not None and (
        len(encoded.bags) % 8 or set(encoded.bag_params or {}) != set(BAG_PARAMS)
    ):
        raise StorageError(f"{what}: bag keys must be whole uint64 values, with exactly {BAG_PARAMS}")


def _stored(row: FingerprintRow) -> Stored:
    params = {name: getattr(row, name) for name in PARAMS}
    bags = bytes(row.bags) if row.bags is not None else None
    bag_params = {name: getattr(row, name) for name in BAG_PARAMS} if bags is not None else None
    encoded = EncodedFingerprint(
        params, bytes(row.signature), bytes(row.windows), row.n_windows, bags, bag_params
    )
    return StoredFingerprint(id=row.id, article_id=row.article_id, fingerprint=encoded)


def replace(
    session: Session, article_ids: list[int], prints: dict[str, dict[str, Any]], ids: dict[str, int]
) -> None:
    """Delete the fingerprints of `article_ids`, insert `prints` (url -> columns) as new rows.

    `ids` gives the article id of each url in `prints`.
    """
    remove_of_articles(session, article_ids)
    rows = [{**columns, "article_id": ids[url]} for url, columns in prints.items()]
    if rows:
        session.execute(insert(FINGERPRINTS), rows)


def remove_of_articles(session: Session, article_ids: Iterable[int]) -> None:
    """Delete the fingerprints of these articles, logging each removal."""
    for chunk in chunks(sorted(set(article_ids))):
        gone = session.scalars(select(FingerprintRow.id).where(FingerprintRow.article_id.in_(chunk))).all()
        if not gone:
            continue
        log_removals(session, gone)
        session.execute(
            delete(FingerprintRow)
            .where(FingerprintRow.id.in_(gone))
            .execution_options(synchronize_session=False)
        )


def log_removals(session: Session, fingerprint_ids: Sequence[int]) -> None:
    """Log these fingerprints as removed (the caller deletes them in the same transaction)."""
    if fingerprint_ids:
        session.execute(insert(FINGERPRINT_REMOVALS), [{"fingerprint_id": int(i)} for i in fingerprint_ids])


def state(session: Session) -> tuple[int, int]:
    """(highest fingerprint id or 0, highest removal id or 0)."""
    top = session.scalar(select(func.coalesce(func.max(FingerprintRow.id), 0)))
    removed = session.scalar(select(func.coalesce(func.max(FingerprintRemovalRow.id), 0)))
    return int(top or 0), int(removed or 0)


def removals_after(session: Session, last_removal: int) -> list[tuple[int, int]]:
    """(removal id, fingerprint id) of the removals logged after `last_removal`, by removal id."""
    query = (
        select(FingerprintRemovalRow.id, FingerprintRemovalRow.fingerprint_id)
        .where(FingerprintRemovalRow.id > last_removal)
        .order_by(FingerprintRemovalRow.id)
    )
    return [(int(a), int(b)) for a, b in session.execute(query)]


def live_ids(session: Session) -> array[int]:
    """The ids of every stored fingerprint, ascending, as 64-bit integers (8 bytes an id)."""
    return array("q", session.scalars(select(FingerprintRow.id).order_by(FingerprintRow.id)))


def page_after(session: Session, last_id: int, batch: int) -> list[Stored]:
    """Up to `batch` fingerprints with an id above `last_id`, by id."""
    query = select(FingerprintRow).where(FingerprintRow.id > last_id).order_by(FingerprintRow.id).limit(batch)
    return [_stored(row) for row in session.scalars(query)]


def with_ids(session: Session, ids: Iterable[int]) -> list[Stored]:
    """The fingerprints with these ids, by id; ids no longer stored are left out."""
    found: list[Stored] = []
    for chunk in chunks(sorted(set(ids))):
        query = select(FingerprintRow).where(FingerprintRow.id.in_(chunk))
        found.extend(_stored(row) for row in session.scalars(query))
    return sorted(found, key=lambda stored: stored.id)
