"""`pool ledger verify` on an honest ledger, and on ledgers tampered with directly in SQL after
the append-only triggers were dropped; and, with the triggers in place, the database itself
refusing UPDATE and DELETE on the append-only ledger tables.

What verify can detect: any change to an entry or posting (the entry's hash), a gap in the chain
(the next entry names the missing one), an entry inserted with a made-up hash, an entry inserted
with a correctly computed hash in the middle (the entry after it no longer links), postings with
no entry, and stored balances or positions that disagree with the postings. What it cannot detect
without an outside anchor: the chain cut back at its end, or rewritten from some entry to the end,
with the balances and positions rewritten to match — the ledger is then a consistent shorter or
different history. Those tests assert the head hash verify reports changes, which is what an
auditor who recorded the head compares.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from support.databases import BACKENDS
from support.driver import Pool
from support.ledger import (
    APPEND_ONLY,
    LEDGER_TABLES,
    assert_verified,
    counts,
    fresh_pool,
    ledger_state,
    rewrite_summaries,
    settled_history,
)

from pool.domain import tokens
from pool.domain.months import format_month
from pool.ledger.entries import entry_hash

SNAPSHOT = (
    "ledger_accounts",
    "ledger_entries",
    "ledger_postings",
    "transfer_positions",
    "payable_sums",
    "position_years",
)


@contextmanager
def _database(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    pg_schemas: Any,
) -> Iterator[Pool]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tokens, "_N", 2**8)
        directory = tmp_path_factory.mktemp("ledger")
        pool, drop = fresh_pool(request.param, directory, sqlite_template, pg_schemas)
        settled_history(pool, directory)
    try:
        yield pool
    finally:
        drop()


@pytest.fixture(scope="module", params=BACKENDS)
def honest(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    pg_schemas: Any,
) -> Iterator[Pool]:
    """A settled ledger with its triggers and a closed period; the tests using it change nothing."""
    with _database(request, tmp_path_factory, sqlite_template, pg_schemas) as pool:
        pool.ok("city-office", "period", "close", "2024-12")
        yield pool


class Tamperer:
    """Direct SQL on a ledger whose append-only triggers were dropped (and, on PostgreSQL, the
    check of the postings' references and the accounts' refusal of DELETE, so an entry can vanish
    under its postings as SQLite allows when foreign keys are off). Every tampering is undone by
    `restore`."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.engine = create_engine(pool.url)  # plain: on SQLite, foreign keys stay off
        self.postgres = self.engine.dialect.name == "postgresql"
        with self.engine.begin() as conn:
            for table in APPEND_ONLY:
                if self.postgres:
                    conn.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
                    conn.execute(text(f"DROP TRIGGER {table}_no_truncate ON {table}"))
                else:
                    conn.execute(text(f"DROP TRIGGER {table}_no_update"))
                    conn.execute(text(f"DROP TRIGGER {table}_no_delete"))
            if self.postgres:
                conn.execute(text("DROP TRIGGER ledger_postings_references ON ledger_postings"))
                conn.execute(text("DROP TRIGGER ledger_accounts_kept ON ledger_accounts"))
            self.saved = {
                t: [dict(r) for r in conn.execute(text(f"SELECT * FROM {t}")).mappings()] for t in SNAPSHOT
            }
        self.entries = {r["seq"]: r for r in self.saved["ledger_entries"]}
        self.last = max(self.entries)
        self.head = self.entries[self.last]["hash"]

    def sql(self, statement: str, **params: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(statement), params)

    def scalar(self, statement: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(statement), params).scalar()

    def postings(self, seq: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [
                dict(r)
                for r in conn.execute(
                    text(
                        "SELECT p.id, p.account_id, p.amount, a.name, a.region FROM ledger_postings p "
                        "JOIN ledger_accounts a ON a.id = p.account_id WHERE p.entry_seq = :s ORDER BY p.id"
                    ),
                    {"s": seq},
                ).mappings()
            ]

    def hash_of(self, entry: dict[str, Any], postings: list[tuple[str, int]], seq: int, prev: str) -> str:
        return entry_hash(
            prev,
            seq,
            entry["run_id"],
            format_month(entry["through"]),
            entry["transfer_id"],
            entry["share"],
            entry["book"],
            postings,
        )

    def unsummarise(self, seq: int) -> None:
        """Take entry `seq`'s postings out of the stored balances and positions."""
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
                t=self.entries[seq]["transfer_id"],
                s=self.entries[seq]["share"],
                r=p["region"],
            )

    def restore(self) -> None:
        with self.engine.begin() as conn:
            for table in (
                "ledger_postings",
                "transfer_positions",
                "ledger_entries",
                "ledger_accounts",
                "payable_sums",
                "position_years",
            ):
                conn.execute(text(f"DELETE FROM {table}"))
            for table in SNAPSHOT:
                rows = self.saved[table]
                cols = list(rows[0])
                conn.execute(
                    text(
                        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"
                    ),
                    rows,
                )

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def tamper_db(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    pg_schemas: Any,
) -> Iterator[Tamperer]:
    with _database(request, tmp_path_factory, sqlite_template, pg_schemas) as pool:
        t = Tamperer(pool)
        try:
            yield t
        finally:
            t.close()


@pytest.fixture
def tamper(tamper_db: Tamperer) -> Iterator[Tamperer]:
    """The tampered ledger, verified whole before the test and restored after it."""
    assert_verified(tamper_db.pool)
    try:
        yield tamper_db
    finally:
        tamper_db.restore()
    assert_verified(tamper_db.pool)


def failed(pool: Pool, first_bad: int | None = None) -> str:
    """Run verify (as the city office this time), expect exit 1, return what it printed."""
    result = pool.run("city-office", "ledger", "verify")
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert "Ledger verification FAILED" in result.stderr and "Traceback" not in result.output
    if first_bad is not None:
        assert f"the first bad entry is {first_bad}:" in result.stderr, result.stderr
    else:
        assert "first bad entry" not in result.stderr, result.stderr
    return result.stderr


def account_problem(name: str) -> str:
    return f"account {name}: stored balance"


# -- honest ledger --------------------------------------------------------------------------------


def test_honest_ledger_verifies(honest: Pool) -> None:
    runs = honest.rows("settlement_runs")
    assert [format_month(r["through"]) for r in runs] == ["2024-09", "2024-12", "2024-12", "2025-02"]
    # The restatement was adjusted by an entry of run 3, for the restated shares only.
    adjusting = {(e["transfer_id"], e["share"]) for e in honest.rows("ledger_entries", run_id=3)}
    assert adjusting and {s for _, s in adjusting} <= {"tax", "funds", "credit"}
    for actor in ("city-office", "audit-bureau"):
        result = honest.run(actor, "ledger", "verify")
        assert result.exit_code == 0, result.output
        entries = len(honest.rows("ledger_entries"))
        head = honest.rows("ledger_entries")[-1]["hash"]
        inputs = honest.rows("input_journal")
        assert result.stdout.strip().splitlines() == [
            f"Ledger verified: {entries} entries, "
            f"{len(honest.rows('ledger_postings'))} postings; head "
            f"{head[:16]}.",
            f"Inputs verified: {len(inputs)} input records; head {inputs[-1]['hash'][:16]}.",
        ]
    data = honest.json("audit-bureau", "ledger", "verify")
    assert data["ok"] is True and data["problems"] == [] and data["first_bad_entry"] is None


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_triggers_refuse_update_and_delete(honest: Pool, table: str) -> None:
    before = ledger_state(honest), counts(honest, LEDGER_TABLES), honest.rows(table)
    assert before[2], f"{table} is empty; the refusal would prove nothing"
    column = {
        "actual_revisions": "amount",
        "settlement_runs": "through",
        "ledger_entries": "through",
        "ledger_postings": "amount",
        "period_closes": "through",
    }[table]
    key = "seq" if table == "ledger_entries" else "id"
    for statement in (
        f"UPDATE {table} SET {column} = {column} + 1",
        f"UPDATE {table} SET {column} = {column} + 1 WHERE {key} = (SELECT MAX({key}) FROM {table})",
        f"DELETE FROM {table} WHERE {key} = (SELECT MAX({key}) FROM {table})",
        f"DELETE FROM {table}",
    ):
        with pytest.raises(DBAPIError) as refused:
            with honest.engine.begin() as conn:
                conn.execute(text(statement))
        assert "append-only" in str(refused.value) or "refuse" in str(refused.value).lower()
    if honest.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError):
            with honest.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {table} CASCADE"))
    assert (ledger_state(honest), counts(honest, LEDGER_TABLES), honest.rows(table)) == before
    assert_verified(honest)


NOWHERE = 999_999  # no run, transfer, entry or account has this id
REFERRING = {
    "entry of no run": "INSERT INTO ledger_entries (seq, run_id, transfer_id, share, book, through, "
    f"prev_hash, hash) SELECT MAX(seq) + 1, {NOWHERE}, MIN(transfer_id), 's', 'fiscal', 0, 'p', 'h' "
    "FROM ledger_entries",
    "entry of no transfer": "INSERT INTO ledger_entries (seq, run_id, transfer_id, share, book, "
    f"through, prev_hash, hash) SELECT MAX(seq) + 1, MIN(run_id), {NOWHERE}, 's', 'fiscal', 0, 'p', "
    "'h' FROM ledger_entries",
    # a statement of two postings, one of them of no entry: refused whole
    "posting of no entry": "INSERT INTO ledger_postings (entry_seq, account_id, amount) "
    f"SELECT seq, (SELECT MIN(id) FROM ledger_accounts), 0 FROM ledger_entries WHERE seq IN "
    f"((SELECT MAX(seq) FROM ledger_entries), {NOWHERE}) UNION ALL SELECT {NOWHERE}, "
    "(SELECT MIN(id) FROM ledger_accounts), 0",
    "posting to no account": "INSERT INTO ledger_postings (entry_seq, account_id, amount) "
    f"SELECT MAX(seq), {NOWHERE}, 0 FROM ledger_entries",
    "position of no transfer": "INSERT INTO transfer_positions (transfer_id, share, region, book, "
    f"amount) VALUES ({NOWHERE}, 's', 'r', 'fiscal', 1)",
    "sums of no transfer": "INSERT INTO share_sums (transfer_id, share, year, start, cover_from, "
    f"cover_end, amount) VALUES ({NOWHERE}, 's', 1, NULL, 0, NULL, 1)",
    "year of no transfer": "INSERT INTO position_years (transfer_id, share, region, year, book, "
    f"amount) VALUES ({NOWHERE}, 's', 'r', 2025, 'fiscal', 1)",
    "position moved to no transfer": f"UPDATE transfer_positions SET transfer_id = {NOWHERE} "
    "WHERE transfer_id = (SELECT MIN(transfer_id) FROM transfer_positions)",
    "sums moved to no transfer": f"UPDATE share_sums SET transfer_id = {NOWHERE} "
    "WHERE transfer_id = (SELECT MIN(transfer_id) FROM share_sums)",
    "account renumbered": "UPDATE ledger_accounts SET id = id + 100000",
    "account deleted": "DELETE FROM ledger_accounts",
    # the figures: a revision or current value of no project or no import, and what they refer to
    "revision of no project": "INSERT INTO actual_revisions (project_id, period, metric, revision, "
    f"amount, note, import_id) SELECT {NOWHERE}, 1, 'tax_local', 1, 1, '', MIN(id) FROM actual_imports",
    "revision of no import": "INSERT INTO actual_revisions (project_id, period, metric, revision, "
    f"amount, note, import_id) SELECT MIN(id), 1, 'tax_local', 1, 1, '', {NOWHERE} FROM projects",
    "actual of no project": "INSERT INTO actuals (project_id, period, metric, amount, revision, "
    f"import_id) SELECT {NOWHERE}, 1, 'tax_local', 1, 1, MIN(id) FROM actual_imports",
    "actual moved to no import": f"UPDATE actuals SET import_id = {NOWHERE} "
    "WHERE id = (SELECT MIN(id) FROM actuals)",
    "project renumbered": "UPDATE projects SET id = id + 100000",
    "project deleted": "DELETE FROM projects",
    "import renumbered": "UPDATE actual_imports SET id = id + 100000",
    "import deleted": "DELETE FROM actual_imports",
}


@pytest.mark.parametrize("statement", REFERRING.values(), ids=list(REFERRING))
def test_no_row_refers_to_nothing(honest: Pool, statement: str) -> None:
    """A row of the ledger that would refer to no run, transfer, entry or account is refused
    (by foreign keys on SQLite; on PostgreSQL by one check per statement, and by the refusal of
    what would take a referred row away or change a referring key), and nothing changes."""
    before = ledger_state(honest), counts(honest, LEDGER_TABLES)
    with pytest.raises(IntegrityError) as refused:
        with honest.engine.begin() as conn:
            conn.execute(text(statement))
    message = str(refused.value.orig)
    if honest.engine.dialect.name == "postgresql":
        assert refused.value.orig.sqlstate == "23503"  # type: ignore[union-attr]
        assert re.search(r"is not in \w+|keeps (the (transfer_id|id) of )?its rows", message), message
    else:
        assert "FOREIGN KEY constraint failed" in message
    if honest.engine.dialect.name == "postgresql":
        for table in ("ledger_accounts", "projects", "actual_imports"):
            with pytest.raises(IntegrityError, match=f"{table} keeps its rows: TRUNCATE refused"):
                with honest.engine.begin() as conn:
                    conn.execute(text(f"TRUNCATE {table} CASCADE"))
    assert (ledger_state(honest), counts(honest, LEDGER_TABLES)) == before


# -- tampering --------------------------------------------------------------------------------


def test_posting_amount_changed(tamper: Tamperer) -> None:
    seq = tamper.last // 2
    posting = tamper.postings(seq)[0]
    tamper.sql("UPDATE ledger_postings SET amount = amount + 100 WHERE id = :i", i=posting["id"])
    out = failed(tamper.pool, seq)
    assert f"entry {seq}: its hash does not match its content." in out
    assert f"entry {seq}: its postings sum to 1.00, not zero." in out
    assert account_problem(posting["name"]) in out


def test_balanced_change_with_summaries_rewritten_still_breaks_the_hash(tamper: Tamperer) -> None:
    """A party posting raised and the source posting lowered by the same amount, so the entry
    still balances, and the stored balance and position moved to match: only the hash tells."""
    seq = tamper.last // 3
    entry = tamper.entries[seq]
    party = next(p for p in tamper.postings(seq) if p["region"] != "@source")
    source = next(p for p in tamper.postings(seq) if p["region"] == "@source")
    for p, delta in ((party, 5000), (source, -5000)):
        tamper.sql("UPDATE ledger_postings SET amount = amount + :d WHERE id = :i", d=delta, i=p["id"])
        tamper.sql(
            "UPDATE ledger_accounts SET balance = balance + :d WHERE id = :i", d=delta, i=p["account_id"]
        )
    tamper.sql(
        "UPDATE transfer_positions SET amount = amount + 5000 WHERE transfer_id = :t AND "
        "share = :s AND region = :r",
        t=entry["transfer_id"],
        s=entry["share"],
        r=party["region"],
    )
    rewrite_summaries(tamper.sql)
    out = failed(tamper.pool, seq)
    assert out.count("\n  ") == 1, out  # the hash is the one problem left
    assert f"entry {seq}: its hash does not match its content." in out


@pytest.mark.parametrize("with_postings", [True, False], ids=["with-postings", "entry-only"])
def test_middle_entry_deleted(tamper: Tamperer, with_postings: bool) -> None:
    seq = tamper.last // 2
    names = [p["name"] for p in tamper.postings(seq)]
    if with_postings:
        tamper.sql("DELETE FROM ledger_postings WHERE entry_seq = :s", s=seq)
    tamper.sql("DELETE FROM ledger_entries WHERE seq = :s", s=seq)
    out = failed(tamper.pool, seq + 1)
    assert (
        f"entry {seq + 1}: the chain jumps from entry {seq - 1} to {seq + 1}; entry {seq} is missing."
    ) in out
    assert f"entry {seq + 1}: its previous hash does not match the entry before it." in out
    assert account_problem(names[0]) in out
    if not with_postings:
        assert f"{len(names)} postings belong to no entry." in out


@pytest.mark.parametrize("with_postings", [True, False], ids=["with-postings", "entry-only"])
def test_last_entry_deleted(tamper: Tamperer, with_postings: bool) -> None:
    """The chain before it is whole, so no entry can be named; the balances that still count
    its postings name its accounts."""
    names = [p["name"] for p in tamper.postings(tamper.last)]
    if with_postings:
        tamper.sql("DELETE FROM ledger_postings WHERE entry_seq = :s", s=tamper.last)
    tamper.sql("DELETE FROM ledger_entries WHERE seq = :s", s=tamper.last)
    out = failed(tamper.pool, None)
    for name in names:
        assert account_problem(name) in out
    assert "stored position" in out
    if not with_postings:
        assert f"{len(names)} postings belong to no entry." in out


def test_last_entry_cut_off_with_summaries_rewritten_changes_the_head(tamper: Tamperer) -> None:
    """Not detectable inside the database: a consistent shorter ledger. The head verify reports
    is the previous entry's, so an auditor comparing with the recorded head sees it."""
    assert tamper.pool.json("audit-bureau", "ledger", "verify")["head"] == tamper.head
    tamper.unsummarise(tamper.last)
    tamper.sql("DELETE FROM ledger_postings WHERE entry_seq = :s", s=tamper.last)
    tamper.sql("DELETE FROM ledger_entries WHERE seq = :s", s=tamper.last)
    rewrite_summaries(tamper.sql)
    data = tamper.pool.json("audit-bureau", "ledger", "verify")
    assert data["ok"] is True
    assert data["head"] == tamper.entries[tamper.last - 1]["hash"] != tamper.head
    assert data["entries"] == tamper.last - 1


def _fabricate(tamper: Tamperer, seq: int, prev: str, hash_: str | None) -> tuple[str, int]:
    """A balanced entry moving 500.00 from a share's source to a party; returns the party
    account's name and the hash stored."""
    model = tamper.entries[1]
    postings = tamper.postings(1)
    party = next(p for p in postings if p["region"] != "@source")
    source = next(p for p in postings if p["region"] == "@source")
    content = sorted([(party["name"], 50000), (source["name"], -50000)])
    stored = hash_ or tamper.hash_of(model, content, seq, prev)
    tamper.sql(
        "INSERT INTO ledger_entries (seq, run_id, transfer_id, share, book, through, "
        "prev_hash, hash) VALUES (:seq, :run, :t, :s, :b, :th, :prev, :h)",
        seq=seq,
        run=model["run_id"],
        t=model["transfer_id"],
        s=model["share"],
        b=model["book"],
        th=model["through"],
        prev=prev,
        h=stored,
    )
    next_id = tamper.scalar("SELECT MAX(id) FROM ledger_postings") + 1
    for i, (account, amount) in enumerate([(party, 50000), (source, -50000)]):
        tamper.sql(
            "INSERT INTO ledger_postings (id, entry_seq, account_id, amount) VALUES (:i, :s, :a, :m)",
            i=next_id + i,
            s=seq,
            a=account["account_id"],
            m=amount,
        )
    return party["name"], stored


def test_fabricated_entry_with_made_up_hash(tamper: Tamperer) -> None:
    seq = tamper.last + 1
    party, _ = _fabricate(tamper, seq, tamper.head, "f" * 64)
    out = failed(tamper.pool, seq)
    assert f"entry {seq}: its hash does not match its content." in out
    assert account_problem(party) in out


def test_fabricated_entry_appended_with_summaries_rewritten(tamper: Tamperer) -> None:
    """A made-up hash is caught by the hash alone, even when balances and positions agree."""
    seq = tamper.last + 1
    _fabricate(tamper, seq, tamper.head, "e" * 64)
    for p in tamper.postings(seq):
        tamper.sql(
            "UPDATE ledger_accounts SET balance = balance + :a WHERE id = :i",
            a=p["amount"],
            i=p["account_id"],
        )
    first = tamper.entries[1]
    for p in tamper.postings(seq):
        tamper.sql(
            "UPDATE transfer_positions SET amount = amount + :a WHERE transfer_id = :t "
            "AND share = :s AND region = :r",
            a=p["amount"],
            t=first["transfer_id"],
            s=first["share"],
            r=p["region"],
        )
    rewrite_summaries(tamper.sql)
    out = failed(tamper.pool, seq)
    assert out.count("\n  ") == 1 and f"entry {seq}: its hash does not match its content." in out


def _make_room(tamper: Tamperer, at: int) -> None:
    """Renumber entries at..last to at+1..last+1, postings following."""
    big = 1_000_000
    for table, column in (("ledger_entries", "seq"), ("ledger_postings", "entry_seq")):
        tamper.sql(f"UPDATE {table} SET {column} = {column} + {big} WHERE {column} >= :at", at=at)
        tamper.sql(f"UPDATE {table} SET {column} = {column} - {big - 1} WHERE {column} >= :b", b=big)


def test_entry_with_recomputed_hash_inserted_in_the_middle(tamper: Tamperer) -> None:
    """The inserted entry itself is whole (its hash and its link are right); the entry after it
    no longer links to it, and the balances do not count it."""
    at = tamper.last // 2
    _make_room(tamper, at)
    party, _ = _fabricate(tamper, at, tamper.entries[at - 1]["hash"], None)
    out = failed(tamper.pool, at + 1)
    assert f"entry {at}:" not in out
    assert f"entry {at + 1}: its previous hash does not match the entry before it." in out
    # Every later entry's hash covered its old number; verify prints the first twenty problems,
    # so the balances that do not count the inserted postings come after those shown.
    assert f"entry {at + 1}: its hash does not match its content." in out
    assert f"entry {at + 2}: its hash does not match its content." in out
    assert party


def test_tail_rehashed_after_an_insertion_changes_the_head(tamper: Tamperer) -> None:
    """The whole tail rehashed and the summaries rewritten is a consistent other ledger, not
    detectable inside the database; the reported head differs from the recorded one."""
    at = tamper.last // 2
    _make_room(tamper, at)
    _, prev = _fabricate(tamper, at, tamper.entries[at - 1]["hash"], None)
    for p in tamper.postings(at):
        tamper.sql(
            "UPDATE ledger_accounts SET balance = balance + :a WHERE id = :i",
            a=p["amount"],
            i=p["account_id"],
        )
        first = tamper.entries[1]
        tamper.sql(
            "UPDATE transfer_positions SET amount = amount + :a WHERE transfer_id = :t "
            "AND share = :s AND region = :r",
            a=p["amount"],
            t=first["transfer_id"],
            s=first["share"],
            r=p["region"],
        )
    for old in range(at, tamper.last + 1):
        seq = old + 1
        content = [(p["name"], p["amount"]) for p in tamper.postings(seq)]
        new = tamper.hash_of(tamper.entries[old], content, seq, prev)
        tamper.sql("UPDATE ledger_entries SET prev_hash = :p, hash = :h WHERE seq = :s", p=prev, h=new, s=seq)
        prev = new
    rewrite_summaries(tamper.sql)
    data = tamper.pool.json("audit-bureau", "ledger", "verify")
    assert data["ok"] is True and data["entries"] == tamper.last + 1
    assert data["head"] == prev != tamper.head


def test_stored_balance_changed(tamper: Tamperer) -> None:
    account = next(r for r in tamper.saved["ledger_accounts"] if r["region"] == "danfeng")
    tamper.sql("UPDATE ledger_accounts SET balance = balance + 1 WHERE id = :i", i=account["id"])
    out = failed(tamper.pool, None)
    assert out.count("\n  ") == 1
    assert account_problem(account["name"]) in out
    assert "but its postings sum to" in out


def test_source_balance_changed(tamper: Tamperer) -> None:
    account = next(r for r in tamper.saved["ledger_accounts"] if r["region"] == "@source")
    tamper.sql("UPDATE ledger_accounts SET balance = 0 WHERE id = :i", i=account["id"])
    out = failed(tamper.pool, None)
    assert account_problem(account["name"]) in out


def test_stored_position_changed(tamper: Tamperer) -> None:
    pos = next(r for r in tamper.saved["transfer_positions"] if r["amount"])
    tamper.sql(
        "UPDATE transfer_positions SET amount = amount - 7 WHERE transfer_id = :t AND "
        "share = :s AND region = :r",
        t=pos["transfer_id"],
        s=pos["share"],
        r=pos["region"],
    )
    out = failed(tamper.pool, None)
    assert out.count("\n  ") == 1
    assert (
        f"transfer {pos['transfer_id']} share {pos['share']} region {pos['region']}: stored position"
    ) in out


def test_stored_position_deleted(tamper: Tamperer) -> None:
    pos = next(r for r in tamper.saved["transfer_positions"] if r["amount"])
    tamper.sql(
        "DELETE FROM transfer_positions WHERE transfer_id = :t AND share = :s AND region = :r",
        t=pos["transfer_id"],
        s=pos["share"],
        r=pos["region"],
    )
    out = failed(tamper.pool, None)
    assert (
        f"transfer {pos['transfer_id']} share {pos['share']} region {pos['region']}: postings sum to"
    ) in out and "no position is stored" in out


def test_kept_payables_changed_are_caught_and_are_what_the_report_shows(tamper: Tamperer) -> None:
    kept = next(r for r in tamper.saved["payable_sums"] if r["amount"])
    year = kept["through"] // 12
    before = tamper.pool.json("audit-bureau", "report", "payables", "--year", str(year))
    tamper.sql(
        "UPDATE payable_sums SET amount = amount + 1 WHERE payer = :p AND payee = :q AND through = :t",
        p=kept["payer"],
        q=kept["payee"],
        t=kept["through"],
    )
    out = failed(tamper.pool, None)
    assert out.count("\n  ") == 1
    month = format_month(kept["through"])
    assert f"payables of {kept['payer']} to {kept['payee']} in {month} ({kept['unit']}): kept" in out
    after = tamper.pool.json("audit-bureau", "report", "payables", "--year", str(year))
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert len(changed) == 1 and changed[0][0]["payer"] == kept["payer"]
    assert changed[0][1]["months"][month] != changed[0][0]["months"][month]


def test_kept_yearly_positions_changed_are_caught_and_are_what_the_statement_shows(tamper: Tamperer) -> None:
    kept = next(r for r in tamper.saved["position_years"] if r["amount"] and not r["region"].startswith("@"))
    year = str(kept["year"])
    before = tamper.pool.json("audit-bureau", "report", "statement", kept["region"], "--year", year)
    tamper.sql(
        "UPDATE position_years SET amount = amount + 1 "
        "WHERE transfer_id = :t AND share = :s AND region = :r AND year = :y",
        t=kept["transfer_id"],
        s=kept["share"],
        r=kept["region"],
        y=kept["year"],
    )
    out = failed(tamper.pool, None)
    assert out.count("\n  ") == 1
    assert (
        f"transfer {kept['transfer_id']} share {kept['share']} region {kept['region']} in {year}: kept"
    ) in out and "but the postings of the year sum to" in out
    after = tamper.pool.json("audit-bureau", "report", "statement", kept["region"], "--year", year)
    assert before != after  # the statement reads the kept sums: verify is what catches the edit


def test_kept_yearly_positions_deleted_are_caught(tamper: Tamperer) -> None:
    kept = next(r for r in tamper.saved["position_years"] if r["amount"])
    tamper.sql(
        "DELETE FROM position_years WHERE transfer_id = :t AND share = :s AND region = :r AND year = :y",
        t=kept["transfer_id"],
        s=kept["share"],
        r=kept["region"],
        y=kept["year"],
    )
    out = failed(tamper.pool, None)
    assert f"region {kept['region']} in {kept['year']}: the postings of the year sum to" in out
    assert "but nothing is kept for it" in out
