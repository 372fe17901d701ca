"""Fingerprints made with an older normalization: found with their article, replaced in batches.

In: an open Session and the current normalization version. Out: (fingerprint id, `records.Article`)
pairs to fingerprint again, and the replacement of a batch by the new fingerprints. Like every
fingerprint, a recomputed one is a new row with a new id (the passage index follows by id); the
old row goes in the same transaction, its removal logged.

A fingerprint is replaced only if its row is still there when the batch is written: an article
updated in the meantime already has a new fingerprint, made from its new text, which stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from compliance.records import Article, EncodedFingerprint
from compliance.store import articles, fingerprints
from compliance.store.shared import chunks
from compliance.store.tables import FINGERPRINTS, ArticleRow, FingerprintRow


def count(session: Session, normalization: int) -> int:
    """How many fingerprints were made with a normalization older than `normalization`."""
    query = select(func.count(FingerprintRow.id)).where(FingerprintRow.normalization < normalization)
    return session.scalar(query) or 0


def page_after(session: Session, normalization: int, last_id: int, batch: int) -> list[tuple[int, Article]]:
    """Up to `batch` (fingerprint id, article) pairs of older fingerprints with an id above `last_id`."""
    query = (
        select(FingerprintRow.id, ArticleRow)
        .join(ArticleRow, ArticleRow.id == FingerprintRow.article_id)
        .where(FingerprintRow.normalization < normalization, FingerprintRow.id > last_id)
        .order_by(FingerprintRow.id)
        .limit(batch)
    )
    return [(print_id, articles.article_value(row)) for print_id, row in session.execute(query)]


def replace(session: Session, made: Sequence[tuple[int, EncodedFingerprint]], at: datetime) -> int:
    """Replace each fingerprint id of `made` by its new fingerprint; how many were replaced.

    An id no longer stored (its article was updated or deleted since it was read) is skipped.
    """
    articles.one_writer(session)
    new = dict(made)
    replaced = 0
    for chunk in chunks(list(new)):
        query = (
            delete(FingerprintRow)
            .where(FingerprintRow.id.in_(chunk))
            .returning(FingerprintRow.id, FingerprintRow.article_id)  # rows of two values, not scalars
            .execution_options(synchronize_session=False)
        )
        gone = session.execute(query).all()
        fingerprints.log_removals(session, [old_id for old_id, _ in gone])
        rows = [_row(new[old_id], old_id, owner, at) for old_id, owner in gone]
        if rows:
            session.execute(insert(FINGERPRINTS), rows)
        replaced += len(rows)
    return replaced


def _row(encoded: EncodedFingerprint, old_id: int, article_id: int, at: datetime) -> dict[str, object]:
    """The columns of the fingerprint row replacing `old_id`."""
    columns = fingerprints.values(encoded, f"fingerprint {old_id}")
    return {**columns, "article_id": article_id, "created_at": at}
