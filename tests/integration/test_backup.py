"""`pool db backup` taken while another process imports and settles: every backup, restored,
is a whole pool at the head of the migration history whose ledger verifies. SQLite copies with
the online backup API; PostgreSQL runs the pg_dump and pg_restore commands the CLI prints."""

import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from support.driver import Pool
from support.ledger import (
    MONTHS,
    ROOT,
    actual_rows,
    assert_verified,
    fresh_pool,
    import_actuals,
    pool_command,
    write_csv,
)

from pool.domain import tokens
from pool.store import migrate
from pool.store.engine import make_engine


@pytest.fixture
def busy_pool(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_schemas: Any
) -> Iterator[Pool]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tokens, "_N", 2**8)
        pool, drop = fresh_pool(request.param, tmp_path / "db", sqlite_template, pg_schemas)
        import_actuals(pool, tmp_path / "q3.csv", actual_rows(MONTHS[:3]))
        pool.ok("city-office", "settle", "2024-09")
    try:
        yield pool
    finally:
        drop()


def _activity(pool: Pool, directory: Path) -> subprocess.Popen[str]:
    """One process importing and settling the months after 2024-09, one after another."""
    steps = []
    for month in MONTHS[3:]:
        path = write_csv(directory / f"{month}.csv", actual_rows([month]))
        for args in (["actuals", "import", str(path)], ["settle", month]):
            argv, env = pool_command(pool, "city-office", *args)
            steps.append(shlex.join(argv))
    _, env = pool_command(pool, "city-office")
    return subprocess.Popen(
        ["sh", "-c", " && ".join(steps)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _during(pool: Pool, directory: Path, take: Any) -> list[Any]:
    """Call `take(i)` repeatedly while the activity runs; at least twice while it is busy."""
    proc = _activity(pool, directory)
    taken, busy = [], 0
    try:
        while proc.poll() is None or busy < 2:
            taken.append(take(len(taken)))
            busy += proc.poll() is None
            if proc.poll() is not None and busy < 2:
                break
            time.sleep(0.2)
    finally:
        out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, (out, err)
    assert busy >= 2, "the activity ended before two backups were taken"
    return taken


def _restored_pool_verifies(url: str, pool: Pool) -> int:
    engine = make_engine(url)
    try:
        assert migrate.current(engine) == migrate.head()
    finally:
        engine.dispose()
    restored = Pool(url)
    restored.tokens.update(pool.tokens)
    assert_verified(restored)
    entries = len(restored.rows("ledger_entries"))
    runs = restored.rows("settlement_runs")
    restored.close()
    assert runs, "a restored pool lost its settlements"
    return entries


@pytest.mark.reliability
@pytest.mark.parametrize("busy_pool", ["sqlite"], indirect=True)
def test_sqlite_backup_during_activity_restores_and_verifies(busy_pool: Pool, tmp_path: Path) -> None:
    pool = busy_pool
    backups = tmp_path / "backups"
    backups.mkdir()

    def take(i: int) -> Path:
        dest = backups / f"pool-{i}.db"
        result = pool.ok("city-office", "db", "backup", str(dest))
        assert result.stdout.startswith(f"Backed up to {dest} (") and "schema" in result.stdout
        return dest

    taken = _during(pool, tmp_path, take)
    final = len(pool.rows("ledger_entries"))
    seen = []
    # Restore three of them, the first, a middle and the last, however many this machine took.
    sample = sorted({0, len(taken) // 2, len(taken) - 1})
    for i, backup in ((i, taken[i]) for i in sample):
        restored = tmp_path / f"restored-{i}" / "pool.db"  # restore: the copy put in place
        restored.parent.mkdir()
        shutil.copy(backup, restored)
        seen.append(_restored_pool_verifies(f"sqlite:///{restored}", pool))
    assert seen == sorted(seen) and seen[-1] <= final
    assert not list(backups.glob(".*partial")), "a partial file was left behind"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_backup_refuses_to_overwrite_and_is_city_only(db_url: str, tmp_path: Path) -> None:
    pool = Pool(db_url)
    pool.init()
    pool.add_actor("audit-bureau", "auditor")
    dest = tmp_path / "b.db"
    dest.write_text("keep me")
    result = pool.run("city-office", "db", "backup", str(dest))
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert dest.read_text() == "keep me"
    result = pool.run("audit-bureau", "db", "backup", str(tmp_path / "c.db"))
    assert result.exit_code == 3 and not (tmp_path / "c.db").exists()
    result = pool.run("city-office", "db", "backup", str(tmp_path / "missing" / "c.db"))
    assert result.exit_code == 1 and "not a directory" in result.stderr
    data = pool.json("city-office", "db", "backup", str(tmp_path / "d.db"))
    assert data["backend"] == "sqlite" and data["revision"] == migrate.head()
    pool.close()


@pytest.mark.postgres
@pytest.mark.reliability
@pytest.mark.parametrize("busy_pool", ["postgres"], indirect=True)
def test_postgres_backup_prints_pg_dump_which_restores_and_verifies(busy_pool: Pool, tmp_path: Path) -> None:
    pool = busy_pool
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed")
    base = make_url(pool.url)

    def take(i: int) -> Path:
        dest = tmp_path / f"pool-{i}.dump"
        data = pool.json("city-office", "db", "backup", str(dest))
        assert data["backend"] == "postgresql" and data["command"].startswith("pg_dump ")
        dumped = subprocess.run(shlex.split(data["command"]), capture_output=True, text=True)
        assert dumped.returncode == 0, dumped.stderr
        return dest

    taken = _during(pool, tmp_path, take)
    admin = make_engine(base.set(database="postgres").render_as_string(hide_password=False))
    restore = pool.json("city-office", "db", "backup", str(taken[-1]))["restore"]
    try:
        for dump in (taken[0], taken[-1]):
            name = f"pool_restored_{uuid.uuid4().hex[:10]}"
            with admin.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text(f"CREATE DATABASE {name}"))
            url = base.set(database=name).render_as_string(hide_password=False)
            target = base.set(drivername="postgresql", database=name)
            dbname = f"--dbname={target.render_as_string(hide_password=False)}"
            argv = [dbname if a.startswith("--dbname=") else a for a in shlex.split(restore)[:-1]] + [
                str(dump)
            ]
            restored = subprocess.run(argv, capture_output=True, text=True)
            try:
                assert restored.returncode == 0, restored.stderr
                _restored_pool_verifies(url, pool)
            finally:
                with admin.connect() as conn:
                    conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                        text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                    )
    finally:
        admin.dispose()


def test_pg_backup_command_hides_the_password(tmp_path: Path) -> None:
    from pool.store.backup import pg_dump_command

    dump, restore, hidden = pg_dump_command(
        "postgresql+psycopg://pool:hunter2@db.example:5433/pool?options=-csearch_path%3Dx",
        tmp_path / "p.dump",
    )
    assert hidden and "hunter2" not in dump + restore
    assert dump.startswith("pg_dump --format=custom --no-owner --file=")
    assert "--dbname=postgresql://pool@db.example:5433/pool" in dump
