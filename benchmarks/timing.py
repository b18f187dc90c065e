"""The measurements of the province benchmark: settlement, reports, verify and export through
their services, and the floor (raw sqlite3 inserts and a bare largest-remainder loop)."""

import contextlib
import cProfile
import hashlib
import io
import itertools
import pstats
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pool.bootstrap import bootstrap
from pool.config import Settings
from pool.domain.months import format_month
from pool.domain.tokens import verify_token
from pool.services import bulletin, export, reports, settlement, verify
from pool.services.runtime import Runtime
from pool.store import raw

T = TypeVar("T")
ADMIN = "bench-city"


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, result


def city(url: str, token: str) -> Runtime:
    return bootstrap(Settings(database_url=url, actor=ADMIN, token=token))


def copy_database(url: str, suffix: str) -> str:
    """A copy of the (closed) database: a file copy on SQLite, CREATE DATABASE … TEMPLATE on
    PostgreSQL. Returns its URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = Path(str(parsed.database))
        target = source.with_name(f"{source.stem}-{suffix}{source.suffix}")
        for extra in ("", "-wal", "-shm"):
            if Path(f"{source}{extra}").exists():
                shutil.copy(f"{source}{extra}", f"{target}{extra}")
        return f"sqlite:///{target}"
    name = f"{parsed.database}_{suffix}"
    admin = create_engine(
        parsed.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def drop_copy(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for extra in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{extra}").unlink(missing_ok=True)
        return
    admin = create_engine(
        parsed.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def settle_once(url: str, token: str, through: str, profile: bool = False) -> tuple[float, dict[str, Any]]:
    """One settlement through `through`, timed (its result with "writes", see `writes_timed`);
    with `profile` the top 15 cumulative entries of its cProfile are printed on stderr."""
    rt = city(url, token)
    rt.database.require_schema()
    profiler = cProfile.Profile() if profile else None
    try:
        with writes_timed() as writes:
            if profiler is None:
                spent, result = timed(lambda: settlement.settle(rt, through))
            else:
                spent, result = timed(lambda: profiler.runcall(settlement.settle, rt, through))
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(15)
                print(out.getvalue(), file=sys.stderr)
        return spent, {**result, "writes": writes}
    finally:
        rt.close()


def settle_month(url: str, token: str, month: str) -> dict[str, Any]:
    """One month-end run, `pool settle MONTH`, timed (its result with "seconds" and "writes")."""
    rt = city(url, token)
    rt.database.require_schema()
    try:
        with writes_timed() as writes:
            spent, result = timed(lambda: settlement.settle(rt, month))
    finally:
        rt.close()
    return {**result, "seconds": spent, "writes": writes}


@contextlib.contextmanager
def writes_timed() -> Iterator[dict[str, float]]:
    """Seconds the driver spends appending or upserting rows of each table (`raw.insert`,
    `raw.upsert`; the rows are built before the call) while the block runs. On PostgreSQL an
    upsert's own COPY into its temporary table counts towards the upsert."""
    spent: dict[str, float] = {}
    depth = 0
    originals = {name: getattr(raw, name) for name in ("insert", "upsert")}

    def timing(fn: Callable[..., None]) -> Callable[..., None]:
        def timed_write(session: Any, table: str, *args: Any, **kwargs: Any) -> None:
            nonlocal depth
            depth += 1
            began = time.perf_counter()
            try:
                fn(session, table, *args, **kwargs)
            finally:
                depth -= 1
                if depth == 0:
                    spent[table] = spent.get(table, 0.0) + time.perf_counter() - began

        return timed_write

    for name, fn in originals.items():
        setattr(raw, name, timing(fn))
    try:
        yield spent
    finally:
        for name, fn in originals.items():
            setattr(raw, name, fn)


@contextlib.contextmanager
def warm(url: str, token: str) -> Iterator[Runtime]:
    """A runtime whose connection and schema check a first read has warmed, as in a command
    that has started."""
    rt = city(url, token)
    rt.database.require_schema()
    try:
        reports.balances(rt)
        yield rt
    finally:
        rt.close()


def bulletin_once(url: str, token: str, through: str) -> tuple[float, dict[str, Any]]:
    """`pool report bulletin --period THROUGH` through its service, timed: every project's
    attribution at the months the bulletin reads, on the current actuals."""
    with warm(url, token) as rt:
        return timed(lambda: bulletin.bulletin(rt, through))


def reads(url: str, token: str, year: int) -> dict[str, Any]:
    """The balances and the payables of `year` through their services, each timed, and the
    actor's authentication alone."""
    with warm(url, token) as rt:
        auth_s, _ = timed(lambda: verify_token(rt.settings.token or "", _token_hash(rt)))
        balances_s, rows = timed(lambda: reports.balances(rt))
        payables_s, _ = timed(lambda: reports.payables(rt, year))
    return {
        "auth_ms": auth_s * 1000,
        "balances_ms": balances_s * 1000,
        "balance_rows": len(rows),
        "payables_ms": payables_s * 1000,
    }


def verify_once(url: str, token: str, deep: bool) -> dict[str, Any]:
    """`pool ledger verify [--deep]` through its service, timed."""
    with warm(url, token) as rt:
        seconds, checked = timed(lambda: verify.verify(rt, deep_check=deep))
    if deep:
        return {"verify_deep_s": seconds, "verify_deep_ok": bool(checked["ok"])}
    return {
        "verify_s": seconds,
        "verify_ok": bool(checked["ok"]),
        "verify_entries": checked["entries"],
        "verify_postings": checked["postings"],
        "verify_inputs": checked["inputs"],
    }


def export_once(url: str, token: str, journal: Path) -> dict[str, Any]:
    """`pool ledger export --format ledger` through its service, timed."""
    with warm(url, token) as rt:
        seconds, exported = timed_export(rt, "ledger", journal)
    return {
        "export_s": seconds,
        "export_entries": exported["entries"],
        "export_mb": journal.stat().st_size / 1e6,
    }


def timed_export(rt: Runtime, fmt: str, path: Path) -> tuple[float, dict[str, int]]:
    """`pool ledger export --format FMT --out PATH` through its service, timed."""

    @contextlib.contextmanager
    def sink() -> Iterator[Callable[[str], Any]]:
        with path.open("w", encoding="utf-8") as f:
            yield f.write

    return timed(lambda: export.export(rt, fmt, sink))


def _token_hash(rt: Runtime) -> str | None:
    with rt.uow() as uow:
        actor = uow.actors.by_name(ADMIN)
        return actor.token_hash if actor else None


def floor_insert(rows: int, path: Path) -> float:
    """Raw sqlite3: `rows` posting rows into a table shaped like ledger_postings, with no index but
    its key, in multi-row INSERTs as settlement writes its own (a statement of 333 rows binds 999
    parameters, SQLite's oldest default limit)."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE postings (id INTEGER PRIMARY KEY, entry_seq INTEGER NOT NULL, "
        "account_id INTEGER NOT NULL, amount BIGINT NOT NULL)"
    )
    data = [(i // 3, i % 50, (i * 7919) % 1_000_000 - 500_000) for i in range(rows)]
    head = "INSERT INTO postings (entry_seq, account_id, amount) VALUES "
    per = 333
    began = time.perf_counter()
    with conn:
        for at in range(0, rows, per):
            chunk = data[at : at + per]
            values = ", ".join(["(?, ?, ?)"] * len(chunk))
            conn.execute(head + values, list(itertools.chain.from_iterable(chunk)))
    seconds = time.perf_counter() - began
    conn.close()
    path.unlink(missing_ok=True)
    return seconds


def floor_allocate(amounts: list[int], weights: tuple[int, ...] = (40, 55, 5)) -> float:
    """A bare integer largest-remainder split of every amount among three parties."""
    total = sum(weights)
    began = time.perf_counter()
    check = 0
    for amount in amounts:
        parts, rems = [], []
        for w in weights:
            q, r = divmod(amount * w, total)
            parts.append(q)
            rems.append(r)
        left = amount - sum(parts)
        for i in sorted(range(len(weights)), key=lambda k: -rems[k])[:left]:
            parts[i] += 1
        check += parts[0]
    seconds = time.perf_counter() - began
    assert check >= 0
    return seconds


def verify_bare(url: str) -> float | None:
    """What `ledger verify` recomputes (hash chain, each entry balanced, account balances,
    transfer positions) over raw sqlite3 rows, with no checks beyond asserts: the bare cost to
    compare verify_s with. SQLite only."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    conn = sqlite3.connect(str(parsed.database))
    began = time.perf_counter()
    prev = "0" * 64
    sums: dict[int, int] = {}
    positions: dict[tuple[int, str, str], int] = {}
    current: Any = None
    postings: list[tuple[str, int]] = []
    for row in conn.execute(
        "SELECT e.seq, e.run_id, e.transfer_id, e.share, e.book, e.through, e.hash, "
        "a.name, p.account_id, p.amount FROM ledger_entries e "
        "LEFT JOIN ledger_postings p ON p.entry_seq = e.seq "
        "LEFT JOIN ledger_accounts a ON a.id = p.account_id ORDER BY e.seq, p.id"
    ):
        if current is not None and row[0] != current[0]:
            prev = _entry_hash(prev, current, postings)
            postings = []
        current = row
        if row[7] is not None:
            postings.append((row[7], row[9]))
            sums[row[8]] = sums.get(row[8], 0) + row[9]
            key = (row[2], row[3], row[7].split(":", 2)[1])
            positions[key] = positions.get(key, 0) + row[9]
    if current is not None:
        prev = _entry_hash(prev, current, postings)
    for account, balance in conn.execute("SELECT id, balance FROM ledger_accounts"):
        assert sums.get(account, 0) == balance
    for transfer, share, region, amount in conn.execute(
        "SELECT transfer_id, share, region, amount FROM transfer_positions"
    ):
        assert positions.get((transfer, share, region), 0) == amount
    seconds = time.perf_counter() - began
    conn.close()
    return seconds


def _entry_hash(prev: str, e: Any, postings: list[tuple[str, int]]) -> str:
    body = "\n".join(f"{a}={v}" for a, v in sorted(postings))
    assert sum(v for _, v in postings) == 0
    digest = hashlib.sha256(
        f"{prev}\n{e[0]}\n{e[1]}\n{format_month(e[5])}\n{e[2]}\n{e[3]}\n{e[4]}\n{body}".encode()
    ).hexdigest()
    assert digest == e[6], f"entry {e[0]}"
    return digest
