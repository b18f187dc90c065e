"""Helpers for the settlement and ledger tests: a pool with transfers under library rulesets,
actuals imported through `pool actuals import`, the ledger's summaries read back, real `pool`
processes, and bulk transfers written straight into the tables for the long runs."""

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from benchmarks.bulk import Move, MovedProject, write_moved_projects
from support.driver import Pool

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "pool" / "rules" / "library"

# Tables a command that is refused, or that only reads, must leave exactly as they were.
LEDGER_TABLES = (
    "actual_imports",
    "actuals",
    "actual_revisions",
    "settlement_runs",
    "ledger_accounts",
    "ledger_entries",
    "ledger_postings",
    "transfer_positions",
    "period_closes",
    "share_sums",
    "payable_sums",
    "position_years",
)
STATE_TABLES = (
    "regions",
    "chains",
    "actors",
    "projects",
    "listings",
    "claims",
    "ruleset_versions",
    "transfers",
) + LEDGER_TABLES

# The append-only ledger tables and their triggers (migration 0002).
APPEND_ONLY = ("actual_revisions", "settlement_runs", "ledger_entries", "ledger_postings", "period_closes")

# (code, origin county, host county, effective month, ruleset, agreement) of the standard pool.
PROJECTS = (
    ("ZS-001", "zhashui", "shangzhou", "2024-08", "shangluo-default", ("origin_tax_share=40%",)),
    ("DF-002", "danfeng", "zhashui", "2024-09", "shangluo-default", ("origin_tax_share=1/3",)),
    ("SZ-003", "shangzhou", "danfeng", "2024-08", "chuanzhe", ("floor_origin_per_year=150000",)),
    ("LN-004", "luonan", "danfeng", "2024-10", "kunming-2024", ("origin_share=30%",)),
)
METRICS = {
    "shangluo-default": ("tax_local", "funds_domestic", "fdi", "fai"),
    "chuanzhe": ("vat_local", "cit_local", "value_added"),
    "kunming-2024": ("tax_county", "incentives", "fai", "output", "funds_out_of_province", "fdi"),
}
MONTHS = ("2024-07", "2024-08", "2024-09", "2024-10", "2024-11", "2024-12", "2025-01", "2025-02")


def month_int(period: str) -> int:
    year, month = period.split("-")
    return int(year) * 12 + int(month) - 1


def ledger_pool(url: str) -> Pool:
    """A pool with an actor of every role, three library rulesets published and the projects of
    PROJECTS registered, listed, claimed and approved through the command line; a chain moves
    ZS-001 on from shangzhou to luonan in 2024-11."""
    pool = Pool(url)
    pool.init()
    for county in ("zhashui", "shangzhou", "danfeng", "luonan"):
        pool.add_actor(f"{county}-bureau", "county", county)
    pool.add_actor("policy-desk", "policy")
    pool.add_actor("audit-bureau", "auditor")
    for ruleset in ("shangluo-default", "chuanzhe", "kunming-2024"):
        pool.ok("policy-desk", "rules", "publish", str(LIBRARY / f"{ruleset}.yaml"))
    for code, origin, host, effective, ruleset, agreement in PROJECTS:
        pool.ok(
            f"{origin}-bureau",
            "project",
            "add",
            code,
            "--name",
            f"{code} 项目",
            "--investor",
            f"{code} 投资方",
            "--chain",
            "new_materials",
            "--kind",
            "manufacturing",
            "--investment",
            "300000000",
            "--capital-source",
            "out_of_city",
        )
        move(pool, code, origin, host, effective, ruleset, agreement)
    move(pool, "ZS-001", "shangzhou", "luonan", "2024-11", "shangluo-default", ("origin_tax_share=40%",))
    return pool


def move(
    pool: Pool, code: str, host: str, to: str, effective: str, ruleset: str, agreement: Sequence[str]
) -> dict[str, Any]:
    """List CODE from its host, claim it for `to`, approve; returns the transfer."""
    listing = pool.json(f"{host}-bureau", "listing", "open", code, "--reason", "用地不足")
    claim = pool.json(f"{to}-bureau", "claim", "submit", str(listing["id"]))
    args = ["claim", "approve", str(claim["id"]), "--effective", effective, "--ruleset", ruleset]
    for value in agreement:
        args += ["--agreement", value]
    return pool.json("city-office", *args)


def amount(code: str, metric: str, period: str, salt: int = 0) -> str:
    """A deterministic amount with fen, different per key (and per `salt`)."""
    seed = sum(ord(c) * (i + 7) for i, c in enumerate(f"{code}|{metric}|{period}|{salt}"))
    return f"{seed * 37 % 900000 + 1000}.{seed % 100:02d}"


def actual_rows(periods: Iterable[str], salt: int = 0) -> list[tuple[str, str, str, str]]:
    """Actuals of every standard project and metric for `periods`."""
    rows = []
    for period in periods:
        for code, _o, _h, _e, ruleset, _a in PROJECTS:
            for metric in METRICS[ruleset]:
                rows.append((code, period, metric, amount(code, metric, period, salt)))
    return rows


def write_csv(path: Path, rows: Iterable[Sequence[Any]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["project", "period", "metric", "amount"])
        w.writerows(rows)
    return path


def import_actuals(pool: Pool, path: Path, rows: Iterable[Sequence[Any]], reason: str | None = None) -> None:
    """`pool actuals import` as the city office; with `reason`, a restatement."""
    args = ["actuals", "import", str(write_csv(path, rows))]
    if reason is not None:
        args += ["--restate", "--reason", reason]
    pool.ok("city-office", *args)


def balances(pool: Pool) -> dict[str, int]:
    """Account name -> stored balance, accounts that are zero left out."""
    return {r["name"]: r["balance"] for r in pool.rows("ledger_accounts") if r["balance"]}


def positions(pool: Pool) -> dict[tuple[int, str, str], tuple[str, int]]:
    return {
        (r["transfer_id"], r["share"], r["region"]): (r["book"], r["amount"])
        for r in pool.rows("transfer_positions")
        if r["amount"]
    }


def counts(pool: Pool, tables: Sequence[str] = STATE_TABLES) -> dict[str, int]:
    pool.meta.reflect(pool.engine)
    with pool.engine.connect() as conn:
        return {t: conn.scalar(select(func.count()).select_from(pool.meta.tables[t])) for t in tables}


def ledger_state(pool: Pool) -> dict[str, Any]:
    """Everything settlement summarises: balances, positions, and every entry with postings."""
    with pool.engine.connect() as conn:
        entries = [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT e.seq, e.run_id, e.transfer_id, e.share, e.book, e.hash, a.name, p.amount "
                    "FROM ledger_entries e JOIN ledger_postings p ON p.entry_seq = e.seq "
                    "JOIN ledger_accounts a ON a.id = p.account_id ORDER BY e.seq, p.id"
                )
            )
        ]
    return {"balances": balances(pool), "positions": positions(pool), "entries": entries}


def verify(pool: Pool, actor: str = "audit-bureau") -> Any:
    return pool.run(actor, "ledger", "verify")


def assert_verified(pool: Pool) -> None:
    result = verify(pool)
    assert result.exit_code == 0, (result.output, result.stderr)
    assert "Ledger verified" in result.stdout


# -- real processes ------------------------------------------------------------------------------


def pool_command(pool: Pool, actor: str, *args: str) -> tuple[list[str], dict[str, str]]:
    """argv and environment for a real `pool` process acting as `actor`."""
    env = {
        **os.environ,
        "POOL_DATABASE_URL": pool.url,
        "POOL_ACTOR": actor,
        "POOL_TOKEN": pool.tokens[actor],
        "PYTHONPATH": str(ROOT),
    }
    env.pop("POOL_DEBUG", None)
    return [sys.executable, str(ROOT / "cli.py"), *args], env


def start(pool: Pool, actor: str, *args: str) -> subprocess.Popen[str]:
    argv, env = pool_command(pool, actor, *args)
    return subprocess.Popen(
        argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


# -- bulk transfers, written set-based -----------------------------------------------------------


def bulk_transfers(pool: Pool, n: int, template_code: str = "DF-002") -> list[str]:
    """Add `n` projects moved like `template_code`'s first transfer (same regions, ruleset
    version, agreement and effective month), written straight into the tables in one
    transaction. Returns the new project codes."""
    with pool.engine.begin() as conn:
        p = (
            conn.execute(text("SELECT * FROM projects WHERE code = :c"), {"c": template_code})
            .mappings()
            .one()
        )
        t = (
            conn.execute(text("SELECT * FROM transfers WHERE project_id = :p ORDER BY id"), {"p": p["id"]})
            .mappings()
            .first()
        )
        assert t is not None
        move = Move(t["from_region"], t["to_region"], t["effective"], t["ruleset_version_id"], t["agreement"])
        codes = [f"BULK-{i:05d}" for i in range(n)]
        facts = {k: p[k] for k in p.keys() if k not in ("id", "registered_by", "registered_at")}
        projects = [
            MovedProject(
                {
                    **facts,
                    "code": c,
                    "name": f"{c} 批量项目",
                    "lead_name": f"{c.lower()} 批量项目",
                    "lead_investor": f"{c.lower()} investor",
                    "investor": f"{c} investor",
                },
                [move],
            )
            for c in codes
        ]
        write_moved_projects(conn, projects, t["approved_by"], datetime(2024, 9, 1))
    return codes


def bulk_rows(codes: Iterable[str], periods: Iterable[str], salt: int = 0) -> list[tuple[str, str, str, str]]:
    periods = list(periods)
    return [
        (c, p, m, amount(c, m, p, salt)) for c in codes for p in periods for m in METRICS["shangluo-default"]
    ]


def dump(result: Any) -> str:
    return json.dumps({"stdout": result.stdout, "stderr": result.stderr})


# -- databases the module-scoped fixtures own ----------------------------------------------------


class _Built:
    """ledger_pool() built once per test process and per backend, then copied: a file copy on
    SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL (in the server of POOL_TEST_POSTGRES_URL)."""

    sqlite: tuple[Path, dict[str, str]] | None = None
    postgres: tuple[str, dict[str, str]] | None = None


def _pg_admin() -> Any:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(os.environ["POOL_TEST_POSTGRES_URL"]).set(drivername="postgresql+psycopg")
    return base, create_engine(base, isolation_level="AUTOCOMMIT")


def _drop_pg_template() -> None:
    if _Built.postgres is not None:
        _base, admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {_Built.postgres[0]} WITH (FORCE)"))
        admin.dispose()


def fresh_pool(backend: str, directory: Path, sqlite_template: Path, pg_schemas: Any) -> tuple[Pool, Any]:
    """A copy of the standard ledger_pool() on `backend`, and a function that removes it."""
    import atexit
    import shutil
    import uuid

    directory.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        if _Built.sqlite is None:
            import tempfile

            home = Path(tempfile.mkdtemp(prefix="pool-ledger-"))
            url, _ = new_database("sqlite", home, sqlite_template, None)
            built = ledger_pool(url)
            built.close()
            _Built.sqlite = (home / "pool.db", dict(built.tokens))
            atexit.register(shutil.rmtree, home, True)
        path = directory / "pool.db"
        shutil.copy(_Built.sqlite[0], path)
        pool = Pool(f"sqlite:///{path}")
        pool.tokens.update(_Built.sqlite[1])
        return pool, lambda: None
    base, admin = _pg_admin()
    if _Built.postgres is None:
        from support.databases import upgraded

        name = f"pool_ledger_tpl_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        atexit.register(_drop_pg_template)
        _Built.postgres = (name, {})
        built = ledger_pool(upgraded(base.set(database=name).render_as_string(hide_password=False)))
        built.close()
        _Built.postgres = (name, dict(built.tokens))
    name = f"pool_ledger_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {_Built.postgres[0]}"))
    pool = Pool(base.set(database=name).render_as_string(hide_password=False))
    pool.tokens.update(_Built.postgres[1])

    def drop() -> None:
        pool.close()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()

    return pool, drop


def new_database(backend: str, directory: Path, sqlite_template: Path, pg_schemas: Any) -> tuple[str, Any]:
    """A database at head for `backend`, and a function that removes it."""
    if backend == "sqlite":
        import shutil

        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "pool.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}", lambda: None
    from support.databases import upgraded

    assert pg_schemas is not None
    schema, url = pg_schemas.create()
    return upgraded(url), lambda: pg_schemas.drop(schema)


def settled_history(pool: Pool, directory: Path) -> None:
    """Several settlements of the standard pool, one re-run, and a restatement adjusted by the
    next settlement: 2024-09, 2024-12, 2024-12 again after restating, 2025-02."""
    import_actuals(pool, directory / "q3.csv", actual_rows(MONTHS[:3]))
    pool.ok("city-office", "settle", "2024-09")
    import_actuals(pool, directory / "q4.csv", actual_rows(MONTHS[3:6]))
    pool.ok("city-office", "settle", "2024-12")
    import_actuals(pool, directory / "fix.csv", RESTATED, reason="税务局更正申报")
    assert "nothing new" not in pool.ok("city-office", "settle", "2024-12").stdout
    import_actuals(pool, directory / "jan-feb.csv", actual_rows(MONTHS[6:]))
    pool.ok("city-office", "settle", "2025-02")


# Restatements of values actual_rows(MONTHS) reported, in settled periods.
RESTATED = (
    ("ZS-001", "2024-09", "tax_local", "123456.78"),
    ("DF-002", "2024-10", "funds_domestic", "2.50"),
    ("LN-004", "2024-11", "incentives", "0"),
)


def final_rows() -> list[tuple[str, str, str, str]]:
    """actual_rows(MONTHS) with RESTATED applied: what a pool holds after settled_history."""
    fixed = {r[:3]: r for r in RESTATED}
    return [fixed.get(r[:3], r) for r in actual_rows(MONTHS)]


def rewrite_summaries(sql: Any) -> None:
    """What an insider who rewrites every summary does to the kept payables and yearly positions:
    sums them again from the postings as they now are (`sql` runs one statement)."""
    sql("DELETE FROM payable_sums")
    sql(
        "INSERT INTO payable_sums (payer, payee, unit, through, amount) "
        "SELECT t.to_region, a.region, a.unit, e.through, SUM(p.amount) FROM ledger_postings p "
        "JOIN ledger_entries e ON e.seq = p.entry_seq JOIN ledger_accounts a ON a.id = p.account_id "
        "JOIN transfers t ON t.id = e.transfer_id "
        "WHERE e.book = 'fiscal' AND a.region <> '@source' AND a.region <> t.to_region "
        "GROUP BY t.to_region, a.region, a.unit, e.through"
    )
    sql("DELETE FROM position_years")
    sql(
        "INSERT INTO position_years (transfer_id, share, region, year, book, amount) "
        "SELECT e.transfer_id, e.share, a.region, e.through / 12, a.book, SUM(p.amount) "
        "FROM ledger_postings p JOIN ledger_entries e ON e.seq = p.entry_seq "
        "JOIN ledger_accounts a ON a.id = p.account_id WHERE a.region <> '@source' "
        "GROUP BY e.transfer_id, e.share, a.region, e.through / 12, a.book"
    )
