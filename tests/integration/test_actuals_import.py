"""The actuals import as a service: the ledger lock it shares with settlement, and files larger
than a batch (rows staged in several batches, bad rows found at the end)."""

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from support.databases import BACKENDS
from support.driver import Pool

from pool.bootstrap import bootstrap
from pool.config import Settings
from pool.domain.errors import InvalidInput
from pool.services import actuals
from pool.store.actuals_store import BATCH
from pool.store.engine import make_engine
from pool.store.locks import LEDGER_LOCK

LIBRARY = Path(__file__).resolve().parents[2] / "pool" / "rules" / "library"
HEADER = "project,period,metric,amount\n"


@pytest.fixture
def pool(db_url: str) -> Iterator[Pool]:
    p = Pool(db_url)
    p.init()
    p.add_actor("policy-desk", "policy")
    p.ok("policy-desk", "rules", "publish", str(LIBRARY / "shangluo-default.yaml"))
    p.ok(
        "city-office",
        "project",
        "add",
        "ZS-001",
        "--name",
        "项目",
        "--investor",
        "公司",
        "--chain",
        "electronics",
        "--kind",
        "manufacturing",
        "--investment",
        "1",
        "--capital-source",
        "local",
        "--origin",
        "zhashui",
    )
    yield p
    p.close()


def _file(tmp_path: Path, rows: int, tail: str = "") -> str:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write(HEADER)
        for n in range(rows):
            year, month = divmod(1950 * 12 + n // 4, 12)
            metric = ("tax_local", "funds_domestic", "fdi", "fai")[n % 4]
            f.write(f"ZS-001,{year}-{month + 1:02d},{metric},{n}.{n % 100:02d}\n")
        f.write(tail)
    return str(path)


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_files_larger_than_a_batch(pool: Pool, tmp_path: Path) -> None:
    rows = BATCH * 2 + 17
    rt = bootstrap(Settings(database_url=pool.url, actor="city-office", token=pool.tokens["city-office"]))
    try:
        seen: list[int] = []
        result = actuals.import_file(rt, _file(tmp_path, rows), progress=seen.append)
        assert (result["rows"], result["added"]) == (rows, rows)
        assert seen == [BATCH, 2 * BATCH, rows]
        with pool.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM actuals")) == rows
            assert conn.scalar(text("SELECT count(*) FROM actual_revisions")) == rows
            assert conn.scalar(text("SELECT sum(amount) FROM actuals")) == sum(
                n * 100 + n % 100 for n in range(rows)
            )

        # The same file with two bad rows after the last batch: refused, nothing changed.
        bad = _file(tmp_path, rows, tail="ZS-001,1950-01,tax_local,1\nZS-002,2024-01,fai,1\n")
        with pytest.raises(InvalidInput) as refused:
            actuals.import_file(rt, bad)
        message = str(refused.value)
        assert (
            f"row {rows + 2}: repeats the project, period and metric of row 2; ZS-001 1950-01 "
            "tax_local is stored as 0.00" in message
        )
        assert f"row {rows + 3}: project 'ZS-002' is not registered" in message
        with pool.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM actual_imports")) == 1
    finally:
        rt.close()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_an_import_waits_for_the_ledger_lock(pool: Pool, tmp_path: Path) -> None:
    """A settlement holding the ledger lock makes an import wait until it commits."""
    path = str(tmp_path / "a.csv")
    Path(path).write_text(HEADER + "ZS-001,2024-01,tax_local,1\n", encoding="utf-8")
    holder = make_engine(pool.url)
    done: list[float] = []
    rt = bootstrap(Settings(database_url=pool.url, actor="city-office", token=pool.tokens["city-office"]))
    try:
        with holder.connect() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LEDGER_LOCK})
            worker = threading.Thread(
                target=lambda: (actuals.import_file(rt, path), done.append(time.monotonic()))
            )
            worker.start()
            time.sleep(1.0)
            assert not done, "the import did not wait for the ledger lock"
            released = time.monotonic()
            conn.commit()
        worker.join(timeout=30)
        assert done and done[0] >= released
        assert len(pool.rows("actuals")) == 1
    finally:
        rt.close()
        holder.dispose()
