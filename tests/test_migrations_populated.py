"""Alembic upgrades a populated database from the first revision to the last without loss.

The test walks whatever revisions exist, oldest first: at each one it fills every table that
revision created with two rows of values generated from the column types (foreign keys pointing
at rows already there), then upgrades one revision and checks that every row kept so far is still
there with every value it was given. Representative, not random: each value says which table,
column and row it belongs to, so a value moved to the wrong row or column cannot pass.

A revision that renames or drops a column on purpose lists it in MOVED (table → {old: new or
None}); anything else missing is a loss.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from conftest import DATABASE_PARAMS
from databases import PostgresServer

from compliance.store.engine import alembic_config, make_engine, migrating, upgrade
from compliance.store.migrations import HEAD_REVISION

ROWS = 2  # per table: two, so that values swapped between rows are seen
MOVED: dict[str, dict[str, str | None]] = {}  # table → {column: its new name, or None if dropped}

Kept = dict[str, list[dict[str, Any]]]  # table → the rows inserted, as column → value


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


@pytest.fixture(params=DATABASE_PARAMS)
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to a database holding nothing at all: a SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    schema = server.new_schema()
    try:
        yield server.url_of(schema)
    finally:
        server.drop(schema)


def test_the_revisions_form_one_chain_ending_at_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    found = revisions()
    assert found[-1] == HEAD_REVISION == script.get_current_head()
    assert found[0] == "0001" and script.get_revision("0001").down_revision is None
    assert len(found) == len(set(found)) >= 7


def test_a_populated_database_upgrades_to_head_without_loss(blank_url: str) -> None:
    engine = make_engine(blank_url)
    config = alembic_config(blank_url)
    kept: Kept = {}
    try:
        for revision in revisions():
            command.upgrade(config, revision)
            assert_kept(engine, kept, revision)
            fill_new_tables(engine, kept)
        tables = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
        assert tables == set(kept), "every table of the newest revision holds rows"
        assert all(len(rows) == ROWS for rows in kept.values())
    finally:
        engine.dispose()


def test_the_check_sees_a_lost_value(blank_url: str) -> None:
    """The comparison can fail: a row changed behind its back is reported."""
    engine = make_engine(blank_url)
    kept: Kept = {}
    try:
        command.upgrade(alembic_config(blank_url), "0001")
        fill_new_tables(engine, kept)
        table = sa.Table("articles", sa.MetaData(), autoload_with=engine)
        with engine.begin() as connection:
            connection.execute(
                table.update().where(table.c.id == kept["articles"][1]["id"]).values(title="x")
            )
        with pytest.raises(AssertionError, match=r"articles.*title"):
            assert_kept(engine, kept, "0001")
    finally:
        engine.dispose()


def test_a_sqlite_batch_migration_keeps_the_rows_that_cascade_from_its_table(tmp_path: Path) -> None:
    """A batch migration recreates a table (copy, drop, rename); with foreign keys on, dropping
    `scans` would delete every `scan_pages` row (ON DELETE CASCADE). `migrating` turns them off."""

    def add_a_column_to_scans(connection: sa.Connection) -> None:
        operations = Operations(MigrationContext.configure(connection, opts={"render_as_batch": True}))
        with operations.batch_alter_table("scans", recreate="always") as batch:
            batch.add_column(sa.Column("probe", sa.Boolean(), server_default=sa.false(), nullable=False))

    for name, transaction in (("plain", sa.Engine.begin), ("migrating", migrating)):
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        try:
            upgrade(engine)
            kept: Kept = {}
            fill_new_tables(engine, kept)
            with transaction(engine) as connection:
                add_a_column_to_scans(connection)
            with engine.connect() as connection:
                left = connection.exec_driver_sql("SELECT count(*) FROM scan_pages").scalar_one()
            if name == "plain":
                assert left == 0, "without `migrating` the cascade deletes the rows: the test can fail"
            else:
                assert left == ROWS
                assert_kept(engine, kept, "a batch recreation of scans")
        finally:
            engine.dispose()


# --- filling and checking ---------------------------------------------------------------------------


def fill_new_tables(engine: sa.Engine, kept: Kept) -> None:
    """Insert ROWS rows in every table not filled yet, referenced tables first."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            if table.name in kept or table.name == "alembic_version":
                continue
            rows = kept.setdefault(table.name, [])
            for n in range(1, ROWS + 1):
                row = {c.name: value_for(c, n, kept) for c in table.columns if not generated(c)}
                result = connection.execute(table.insert().values(row))
                rows.append({**row, **dict(zip(keys(table), result.inserted_primary_key, strict=True))})


def assert_kept(engine: sa.Engine, kept: Kept, revision: str) -> None:
    """Every row inserted so far is still there, by primary key, with every value it was given."""
    metadata = sa.MetaData()
    metadata.reflect(engine, only=list(kept))
    with engine.connect() as connection:
        for name, rows in kept.items():
            table = metadata.tables[name]
            moved = MOVED.get(name, {})
            for row in rows:
                key = [table.c[column] == row[column] for column in keys(table)]
                found = connection.execute(sa.select(table).where(*key)).mappings().one_or_none()
                assert found is not None, f"at {revision}: a row of {name} was lost ({key_of(table, row)})"
                for column, value in row.items():
                    if column in moved and moved[column] is None:
                        continue
                    stored = found[moved.get(column) or column]
                    assert same(stored, value), (
                        f"at {revision}: {name}.{column} of {key_of(table, row)} is {stored!r}, was {value!r}"
                    )


def generated(column: sa.Column[Any]) -> bool:
    """A column the database numbers: a lone integer primary key, unless declared otherwise."""
    return bool(
        column.primary_key
        and len(column.table.primary_key.columns) == 1
        and isinstance(column.type, sa.Integer)
        and not column.foreign_keys
        and column.autoincrement is not False
    )


def value_for(column: sa.Column[Any], n: int, kept: Kept) -> Any:
    """A value for row `n` of `column` that names where it belongs; a foreign key's is a kept row's."""
    for foreign in column.foreign_keys:
        target = foreign.column
        rows = kept.get(target.table.name, [])
        if target.table is column.table or not rows:  # itself, or a table not filled yet
            if column.nullable:
                return None
            pytest.fail(f"{column.table.name}.{column.name} needs a row of {target.table.name} first")
        return rows[(n - 1) % len(rows)][target.name]
    kind = column.type
    label = f"{column.table.name}.{column.name} n°{n} : élève « œuvre »"
    if isinstance(kind, sa.Boolean):
        return n % 2 == 1
    if isinstance(kind, sa.Integer):
        return 1000 * n + len(column.name)
    if isinstance(kind, sa.Float | sa.Numeric):
        return n + 0.25
    if isinstance(kind, sa.DateTime):
        moment = datetime(2024, 3, 12, 9, 30, n, tzinfo=UTC)
        return moment if kind.timezone else moment.replace(tzinfo=None)
    if isinstance(kind, sa.Date):
        return date(2024, 3, n)
    if isinstance(kind, sa.JSON):
        return {"n": n, "champ": label, "liste": [1, "deux"]}
    if isinstance(kind, sa.LargeBinary):
        return bytes([n, 0, 255]) + label.encode()
    if isinstance(kind, sa.Uuid):
        return uuid.UUID(int=n)
    if isinstance(kind, sa.Enum):
        return kind.enums[n % len(kind.enums)]
    if isinstance(kind, sa.String):  # Text too
        return label[: kind.length] if kind.length else label
    pytest.fail(f"no representative value for {column.table.name}.{column.name} of type {kind!r}: add one")


def same(stored: Any, value: Any) -> bool:
    """Equal once both datetimes are in UTC (SQLite gives them back without a zone)."""
    if isinstance(stored, datetime) and isinstance(value, datetime):
        return as_utc(stored) == as_utc(value)
    if isinstance(value, bool):
        return stored == value and stored in (True, False, 0, 1)
    return bool(stored == value)


def as_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def keys(table: sa.Table) -> list[str]:
    """The names of the table's primary key columns."""
    return [column.name for column in table.primary_key.columns]


def key_of(table: sa.Table, row: dict[str, Any]) -> str:
    return ", ".join(f"{column}={row[column]!r}" for column in keys(table))
