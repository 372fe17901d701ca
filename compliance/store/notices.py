"""Notice repository: notices drafted from cases, their approval and how they were sent.

In: an open Session and `records.Notice` values (drafted by `compliance.cases.notices`). Out:
`records.Notice` values with their id. A sent notice is never changed again.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from compliance.errors import NotFoundError
from compliance.records import Notice, NoticeKind, NoticeState, Sending
from compliance.store.tables import NoticeRow


def insert(session: Session, notice: Notice) -> Notice:
    """Store a new draft; the notice with its id."""
    row = NoticeRow(case_id=notice.case_id, drafted_by=notice.drafted_by, drafted_at=notice.drafted_at)
    _write(row, notice)
    session.add(row)
    session.flush()
    return replace(notice, id=row.id)


def save(session: Session, notice: Notice) -> None:
    """Write an approved or sent notice over its row."""
    row = session.get(NoticeRow, notice.id)
    assert row is not None  # loaded in the same transaction
    _write(row, notice)
    session.flush()


def get(session: Session, notice_id: int, lock: bool = False) -> Notice:
    """The notice with this id; NotFoundError if there is none."""
    row = session.get(NoticeRow, notice_id, with_for_update=lock)
    if row is None:
        raise NotFoundError(f"no notice with id {notice_id}")
    return _notice(row)


def of_case(session: Session, case_id: int) -> list[Notice]:
    """Every notice of a case, oldest first."""
    query = select(NoticeRow).where(NoticeRow.case_id == case_id).order_by(NoticeRow.id)
    return [_notice(row) for row in session.scalars(query)]


def _write(row: NoticeRow, notice: Notice) -> None:
    row.kind, row.language, row.state = notice.kind, notice.language, notice.state
    row.recipient, row.body = notice.recipient, notice.body
    row.elements, row.missing = dict(notice.elements), list(notice.missing)
    row.approved_by, row.approved_at = notice.approved_by, notice.approved_at
    sending = notice.sending
    if sending is not None:
        row.sent_at, row.sent_by, row.channel = sending.sent_at, sending.by, sending.channel
        row.sent_to, row.proof = sending.recipient, sending.proof


def _notice(row: NoticeRow) -> Notice:
    sending = None
    if row.sent_at is not None:
        sending = Sending(
            row.channel or "", row.sent_to or "", row.sent_at, row.proof or "", row.sent_by or ""
        )
    return Notice(
        id=row.id,
        case_id=row.case_id,
        kind=NoticeKind(row.kind),
        language=row.language,
        state=NoticeState(row.state),
        recipient=row.recipient,
        body=row.body,
        elements=dict(row.elements),
        missing=tuple(row.missing),
        drafted_by=row.drafted_by,
        drafted_at=row.drafted_at,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        sending=sending,
    )
