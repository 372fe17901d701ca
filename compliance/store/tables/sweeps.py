"""Tables of the sweeps: sweeps of WARC and WET files, their files, their parts, each record's outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from compliance.store.tables.base import Base, UTCDateTime


class SweepRow(Base):
    """One sweep; one left `running` (killed) is resumed by `compliance sweep` on the same files."""

    __tablename__ = "sweeps"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16))
    part_records: Mapped[int]


class SweepFileRow(Base):
    """One file of a sweep: its path, size and the SHA-256 of its first bytes (its identity)."""

    __tablename__ = "sweep_files"
    __table_args__ = (UniqueConstraint("sweep_id", "path", name="uq_sweep_files_sweep_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sweep_id: Mapped[int] = mapped_column(ForeignKey("sweeps.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    head_sha256: Mapped[str] = mapped_column(String(64))
    gzipped: Mapped[bool]


class SweepPartRow(Base):
    """A range of one file's records (by byte offset): what one process or worker runs at a time."""

    __tablename__ = "sweep_parts"
    __table_args__ = (UniqueConstraint("file_id", "number", name="uq_sweep_parts_file_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sweep_id: Mapped[int] = mapped_column(ForeignKey("sweeps.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("sweep_files.id", ondelete="CASCADE"))
    number: Mapped[int]
    start_offset: Mapped[int] = mapped_column(BigInteger)
    end_offset: Mapped[int] = mapped_column(BigInteger)
    records: Mapped[int]  # records to check in the range
    records_done: Mapped[int]  # ...with an outcome stored (kept in step with sweep_records)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SweepRecordRow(Base):
    """One record's outcome, never twice: unique on (file, offset), stored with its findings."""

    __tablename__ = "sweep_records"
    __table_args__ = (UniqueConstraint("file_id", "offset", name="uq_sweep_records_file_offset"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("sweep_parts.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("sweep_files.id", ondelete="CASCADE"))
    offset: Mapped[int] = mapped_column(BigInteger)
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    findings: Mapped[list[int]] = mapped_column(JSON)
    new_findings: Mapped[list[int]] = mapped_column(JSON)
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
