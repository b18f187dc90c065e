"""`pool ledger checkpoint` and `pool ledger verify --checkpoint`: an insider who drops the
triggers, rewrites an early posting and recomputes every later hash, every balance and every
position leaves a ledger that plain `verify` accepts — and that a checkpoint taken before the
rewrite refuses, naming the checkpoint's entry. A ledger cut back below the checkpoint too."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from support.databases import BACKENDS
from support.driver import Pool
from support.ledger import (
    APPEND_ONLY,
    MONTHS,
    actual_rows,
    assert_verified,
    fresh_pool,
    import_actuals,
    rewrite_summaries,
)

from pool.domain import tokens
from pool.domain.months import format_month
from pool.ledger.entries import entry_hash


@pytest.fixture(params=BACKENDS)
def settled(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_schemas: Any
) -> Iterator[tuple[Pool, Path, int]]:
    """A pool settled through 2024-09, checkpointed into a file, then settled through 2024-12."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tokens, "_N", 2**8)
        pool, drop = fresh_pool(request.param, tmp_path / "db", sqlite_template, pg_schemas)
        import_actuals(pool, tmp_path / "q3.csv", actual_rows(MONTHS[:3]))
        pool.ok("city-office", "settle", "2024-09")
        checkpoint = tmp_path / "checkpoint-2024-09.json"
        result = pool.ok("audit-bureau", "ledger", "checkpoint", "--out", str(checkpoint))
        entries = json.loads(checkpoint.read_text())["entries"]
        assert f"Checkpoint: {entries} entries" in result.stderr
        import_actuals(pool, tmp_path / "q4.csv", actual_rows(MONTHS[3:6]))
        pool.ok("city-office", "settle", "2024-12")
    assert len(pool.rows("ledger_entries")) > entries > 3
    try:
        yield pool, checkpoint, entries
    finally:
        drop()


def test_checkpoint_file_records_count_head_and_time(settled: tuple[Pool, Path, int]) -> None:
    pool, checkpoint, entries = settled
    data = json.loads(checkpoint.read_text())
    assert set(data) == {"entries", "head", "inputs", "inputs_head", "at", "database"}
    assert data["head"] == pool.rows("ledger_entries")[entries - 1]["hash"]
    journal = pool.rows("input_journal")
    assert data["inputs_head"] == journal[data["inputs"] - 1]["hash"]
    assert data["at"].endswith("Z") and "***" not in pool.url
    printed = json.loads(pool.ok("city-office", "ledger", "checkpoint").stdout)
    assert printed["entries"] == len(pool.rows("ledger_entries"))
    assert printed["head"] == pool.rows("ledger_entries")[-1]["hash"]


def test_honest_ledger_extends_its_checkpoint(settled: tuple[Pool, Path, int]) -> None:
    pool, checkpoint, entries = settled
    for actor in ("city-office", "audit-bureau"):
        result = pool.run(actor, "ledger", "verify", "--checkpoint", str(checkpoint))
        assert result.exit_code == 0, (result.stdout, result.stderr)
        assert "extends the checkpoint of" in result.stdout and f"(entry {entries}," in result.stdout
    data = pool.json("audit-bureau", "ledger", "verify", "--checkpoint", str(checkpoint))
    assert data["ok"] is True and data["checkpoint"]["ok"] is True


class Insider:
    """Direct SQL with the append-only triggers dropped."""

    def __init__(self, pool: Pool) -> None:
        self.engine = create_engine(pool.url)  # plain: on SQLite, foreign keys stay off
        postgres = self.engine.dialect.name == "postgresql"
        with self.engine.begin() as conn:
            for table in APPEND_ONLY:
                if postgres:
                    conn.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
                    conn.execute(text(f"DROP TRIGGER {table}_no_truncate ON {table}"))
                else:
                    conn.execute(text(f"DROP TRIGGER {table}_no_update"))
                    conn.execute(text(f"DROP TRIGGER {table}_no_delete"))

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(text(sql), params).mappings()]

    def sql(self, sql: str, **params: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(sql), params)

    def postings(self, seq: int) -> list[dict[str, Any]]:
        return self.rows(
            "SELECT p.id, p.account_id, p.amount, a.name, a.region FROM ledger_postings p "
            "JOIN ledger_accounts a ON a.id = p.account_id WHERE p.entry_seq = :s "
            "ORDER BY p.id",
            s=seq,
        )

    def rehash_from(self, first: int) -> None:
        """Recompute every hash from entry `first` to the end, as the code would have."""
        entries = self.rows("SELECT * FROM ledger_entries WHERE seq >= :s ORDER BY seq", s=first)
        prev = self.rows("SELECT hash FROM ledger_entries WHERE seq = :s", s=first - 1)[0]["hash"]
        for e in entries:
            content = [(p["name"], p["amount"]) for p in self.postings(e["seq"])]
            new = entry_hash(
                prev,
                e["seq"],
                e["run_id"],
                format_month(e["through"]),
                e["transfer_id"],
                e["share"],
                e["book"],
                content,
            )
            self.sql(
                "UPDATE ledger_entries SET prev_hash = :p, hash = :h WHERE seq = :s",
                p=prev,
                h=new,
                s=e["seq"],
            )
            prev = new

    def unsummarise(self, seq: int) -> None:
        entry = self.rows("SELECT * FROM ledger_entries WHERE seq = :s", s=seq)[0]
        for p in self.postings(seq):
            self.sql(
                "UPDATE ledger_accounts SET balance = balance - :a WHERE id = :i",
                a=p["amount"],
                i=p["account_id"],
            )
            self.sql(
                "UPDATE transfer_positions SET amount = amount - :a WHERE transfer_id = :t "
                "AND share = :s AND region = :r",
                a=p["amount"],
                t=entry["transfer_id"],
                s=entry["share"],
                r=p["region"],
            )

    def close(self) -> None:
        self.engine.dispose()


def _refused(pool: Pool, checkpoint: Path, entries: int) -> str:
    result = pool.run("audit-bureau", "ledger", "verify", "--checkpoint", str(checkpoint))
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert f"the first bad entry is {entries}:" in result.stderr and "Traceback" not in result.stderr
    return result.stderr


def test_rewritten_history_with_every_hash_recomputed_is_caught_only_by_the_checkpoint(
    settled: tuple[Pool, Path, int],
) -> None:
    pool, checkpoint, entries = settled
    insider = Insider(pool)
    try:
        seq = 2  # an early entry, well inside the checkpoint
        entry = insider.rows("SELECT * FROM ledger_entries WHERE seq = :s", s=seq)[0]
        postings = insider.postings(seq)
        party = next(p for p in postings if p["region"] != "@source")
        source = next(p for p in postings if p["region"] == "@source")
        for p, delta in ((party, 5000), (source, -5000)):  # still balances
            insider.sql("UPDATE ledger_postings SET amount = amount + :d WHERE id = :i", d=delta, i=p["id"])
            insider.sql(
                "UPDATE ledger_accounts SET balance = balance + :d WHERE id = :i", d=delta, i=p["account_id"]
            )
        insider.sql(
            "UPDATE transfer_positions SET amount = amount + 5000 WHERE transfer_id = :t "
            "AND share = :s AND region = :r",
            t=entry["transfer_id"],
            s=entry["share"],
            r=party["region"],
        )
        rewrite_summaries(insider.sql)  # the yearly positions and payables too
        insider.rehash_from(seq)
    finally:
        insider.close()
    assert_verified(pool)  # without the checkpoint, the forgery passes
    out = _refused(pool, checkpoint, entries)
    assert f"entry {entries}: the checkpoint taken" in out and "were rewritten" in out
    data = pool.run("audit-bureau", "--format", "json", "ledger", "verify", "--checkpoint", str(checkpoint))
    assert data.exit_code == 1
    result = json.loads(data.stdout)
    assert result["checkpoint"]["ok"] is False and result["first_bad_entry"] == entries


def test_ledger_cut_back_below_the_checkpoint_is_caught(settled: tuple[Pool, Path, int]) -> None:
    pool, checkpoint, entries = settled
    last = len(pool.rows("ledger_entries"))
    insider = Insider(pool)
    try:
        for seq in range(last, entries - 2, -1):  # leaves entries - 2
            insider.unsummarise(seq)
            insider.sql("DELETE FROM ledger_postings WHERE entry_seq = :s", s=seq)
            insider.sql("DELETE FROM ledger_entries WHERE seq = :s", s=seq)
        rewrite_summaries(insider.sql)
    finally:
        insider.close()
    assert_verified(pool)
    out = _refused(pool, checkpoint, entries)
    assert f"records {entries} entries, but the ledger now has only {entries - 2}" in out


def test_a_file_that_is_not_a_checkpoint_is_one_sentence(
    settled: tuple[Pool, Path, int], tmp_path: Path
) -> None:
    pool, _, _ = settled
    for content, words in (
        ("not json", "it is not JSON"),
        ('{"entries": 3, "head": "abc"}', "`head` must be"),
        ('{"entries": -1, "head": "' + "0" * 64 + '"}', "`entries` must"),
    ):
        bad = tmp_path / "bad.json"
        bad.write_text(content)
        result = pool.run("audit-bureau", "ledger", "verify", "--checkpoint", str(bad))
        assert result.exit_code == 1 and words in result.stderr, result.stderr
        assert result.stderr.startswith("Error: ")


def test_checkpoint_never_overwrites_and_refuses_a_broken_ledger(settled: tuple[Pool, Path, int]) -> None:
    pool, checkpoint, _ = settled
    before = checkpoint.read_text()
    result = pool.run("city-office", "ledger", "checkpoint", "--out", str(checkpoint))
    assert result.exit_code == 1 and "never overwritten" in result.stderr
    assert checkpoint.read_text() == before
    insider = Insider(pool)
    try:
        insider.sql(
            "UPDATE ledger_postings SET amount = amount + 1 WHERE id = (SELECT MIN(id) FROM ledger_postings)"
        )
    finally:
        insider.close()
    result = pool.run("city-office", "ledger", "checkpoint")
    assert result.exit_code == 1 and "does not verify" in result.stderr and result.stdout == ""


def test_settle_prints_the_head_a_county_can_keep(settled: tuple[Pool, Path, int]) -> None:
    pool, _, _ = settled
    out = pool.ok("city-office", "settle", "2024-12").stdout
    last = pool.rows("ledger_entries")[-1]
    assert f"Ledger head: entry {last['seq']}, hash {last['hash']}" in out
    data = pool.json("city-office", "settle", "2024-12")
    assert data["ledger_entries"] == last["seq"] and data["head"] == last["hash"]
