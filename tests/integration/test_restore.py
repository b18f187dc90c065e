"""`pool db restore BACKUP`: a backup that is at this schema revision and verifies is swapped in
atomically while nothing else holds the database, keeping the replaced file; anything else is
refused with a sentence and the database stays as it was. PostgreSQL prints the procedure."""

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.driver import Pool
from support.ledger import MONTHS, actual_rows, assert_verified, counts, fresh_pool, import_actuals

from pool.domain import tokens


@pytest.fixture
def pool(tmp_path: Path, sqlite_template: Path) -> Iterator[Pool]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tokens, "_N", 2**8)
        built, drop = fresh_pool("sqlite", tmp_path / "db", sqlite_template, None)
        import_actuals(built, tmp_path / "q3.csv", actual_rows(MONTHS[:3]))
        built.ok("city-office", "settle", "2024-09")
    yield built
    built.close()
    drop()


def _live(pool: Pool) -> Path:
    return Path(pool.url.removeprefix("sqlite:///"))


def test_a_verified_backup_is_swapped_in_and_the_replaced_file_kept(pool: Pool, tmp_path: Path) -> None:
    backup = tmp_path / "backup.db"
    pool.ok("city-office", "db", "backup", str(backup))
    at_backup = counts(pool)
    import_actuals(pool, tmp_path / "q4.csv", actual_rows(MONTHS[3:6]))
    pool.ok("city-office", "settle", "2024-12")
    later = counts(pool)
    assert later != at_backup
    pool.close()
    result = pool.run("city-office", "db", "restore", str(backup))
    assert result.exit_code == 0, (result.output, result.stderr)
    assert "The replaced database is kept as" in result.stdout
    assert counts(pool) == at_backup
    kept = [p for p in _live(pool).parent.iterdir() if ".replaced-" in p.name]
    assert len(kept) == 1
    assert Pool(f"sqlite:///{kept[0]}").rows("settlement_runs")[-1]["through"] == 2024 * 12 + 11
    restored = [a for a in pool.rows("audit_log") if a["action"] == "db.restore"]
    assert [a["outcome"] for a in restored] == ["ok"] and restored[0]["actor"] == "city-office"
    assert_verified(pool)
    assert sorted(p.name for p in _live(pool).parent.iterdir() if p.name.startswith(".")) == []


def test_refused_restores_change_nothing(pool: Pool, tmp_path: Path) -> None:
    backup = tmp_path / "backup.db"
    pool.ok("city-office", "db", "backup", str(backup))
    tampered = tmp_path / "tampered.db"
    older = tmp_path / "older.db"
    for copy in (tampered, older):
        copy.write_bytes(backup.read_bytes())
    conn = sqlite3.connect(tampered)
    conn.execute("DROP TRIGGER transfers_no_update")
    conn.execute("UPDATE transfers SET to_region = 'zhenan' WHERE id = 1")
    conn.commit()
    conn.close()
    conn = sqlite3.connect(older)
    conn.execute("UPDATE alembic_version SET version_num = '0003'")
    conn.commit()
    conn.close()
    junk = tmp_path / "junk.db"
    junk.write_text("not a database", encoding="utf-8")
    cases: list[tuple[str, tuple[str, ...], int, str]] = [
        ("city-office", ("db", "restore", str(tmp_path / "none.db")), 1, "There is no backup file"),
        ("city-office", ("db", "restore", str(junk)), 1, "is not a pool database"),
        ("city-office", ("db", "restore", str(older)), 1, "is at schema revision 0003"),
        ("city-office", ("db", "restore", str(tampered)), 1, "does not verify (payables of shangzhou"),
        ("city-office", ("db", "restore", str(_live(pool))), 1, "is the database itself"),
        ("zhashui-bureau", ("db", "restore", str(backup)), 3, "may not restore the database"),
    ]
    before = counts(pool)
    for actor, args, code, message in cases:
        pool.close()
        result = pool.run(actor, *args)
        assert result.exit_code == code and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.output
        assert counts(pool) == before
    assert not [p for p in _live(pool).parent.iterdir() if ".replaced-" in p.name or p.name.startswith(".")]
    failed = [a for a in pool.rows("audit_log") if a["action"] == "db.restore"]
    assert {a["outcome"] for a in failed} == {"invalid"}


def test_a_database_in_use_is_not_swapped(pool: Pool, tmp_path: Path) -> None:
    backup = tmp_path / "backup.db"
    pool.ok("city-office", "db", "backup", str(backup))
    pool.close()
    other: Any = sqlite3.connect(_live(pool))  # another process reading
    other.execute("BEGIN")
    other.execute("SELECT count(*) FROM projects").fetchone()
    try:
        result = pool.run("city-office", "db", "restore", str(backup))
    finally:
        other.rollback()
        other.close()
    assert result.exit_code == 4 and "is in use" in result.stderr, result.stderr
    assert not [p for p in _live(pool).parent.iterdir() if ".replaced-" in p.name]
    assert_verified(pool)


@pytest.mark.postgres
def test_postgres_prints_the_restore_procedure(
    tmp_path: Path, sqlite_template: Path, pg_schemas: Any
) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tokens, "_N", 2**8)
        pool, drop = fresh_pool("postgres", tmp_path / "db", sqlite_template, pg_schemas)
    try:
        result = pool.run("city-office", "db", "restore", str(tmp_path / "pool.dump"))
        assert (
            result.exit_code == 0
            and "pg_restore" in result.stdout
            and "ledger verify --deep" in result.stdout
        )
    finally:
        drop()
