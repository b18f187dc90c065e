"""An insider with the database's password and the triggers dropped, against the input journal.

Each test starts from a settled pool with a checkpoint filed away, changes an input directly in
SQL, and shows which check catches it:

- a plain edit (an agreement, an actual's amount, a revision, a project's planned investment, a
  rule text, a transfer's host, an account's region, a deleted transfer) is caught by `ledger
  verify` itself: the stored row no longer equals its journal record, the current actual is not
  its latest revision, or a column disagrees with what the hashes cover;
- the same edit with the journal rewritten and every hash recomputed, as a careful insider would,
  passes `verify`, but `--deep` recomputes the targets from the rewritten inputs and names the
  first position that disagrees, and `--checkpoint` finds the journal no longer extends the head
  it recorded.

What each misses on its own is shown at the end: plain `verify` misses the consistent rewrite;
`--deep` misses a rewrite that moves no money (a project's name); `--checkpoint` misses a forged
input appended after it was taken.
"""

import hashlib
import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from support.databases import BACKENDS
from support.driver import Pool
from support.ledger import actual_rows, fresh_pool, import_actuals, rewrite_summaries, settled_history

from pool.domain import tokens
from pool.domain.records import COLUMNS, COMPUTED, GENESIS, canonical, record_hash, selected
from pool.store.journal_store import Journal


@pytest.fixture(scope="module", params=BACKENDS)
def settled(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    pg_schemas: Any,
) -> Iterator[tuple[Pool, Any]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tokens, "_N", 2**8)
        directory = tmp_path_factory.mktemp("inputs")
        pool, drop = fresh_pool(request.param, directory, sqlite_template, pg_schemas)
        settled_history(pool, directory)
        pool.close()
    try:
        yield pool, request.param
    finally:
        drop()


@pytest.fixture
def insider(settled: tuple[Pool, Any], tmp_path: Path) -> Iterator["Insider"]:
    """A copy of the settled pool, its checkpoint, and an insider on it."""
    template, backend = settled
    if backend == "sqlite":
        path = tmp_path / "pool.db"
        shutil.copy(template.url.removeprefix("sqlite:///"), path)
        url, drop = f"sqlite:///{path}", None
    else:
        base = template.engine.url
        name = f"pool_tamper_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {base.database}"))
        url = base.set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()

    pool = Pool(url)
    pool.tokens.update(template.tokens)
    checkpoint = tmp_path / "checkpoint.json"
    pool.ok("audit-bureau", "ledger", "checkpoint", "--out", str(checkpoint))
    for args in (("ledger", "verify", "--deep"), ("ledger", "verify", "--checkpoint", str(checkpoint))):
        assert pool.run("zhashui-bureau", *args).exit_code == 0
    who = Insider(pool, checkpoint)
    try:
        yield who
    finally:
        who.engine.dispose()
        pool.close()
        if drop is not None:
            drop()


class Insider:
    def __init__(self, pool: Pool, checkpoint: Path) -> None:
        self.pool = pool
        self.checkpoint = checkpoint
        self.engine = create_engine(pool.url)  # plain: on SQLite, foreign keys stay off
        self.postgres = self.engine.dialect.name == "postgresql"
        with self.engine.begin() as conn:
            if self.postgres:
                found = conn.execute(
                    text(
                        "SELECT tgname, relname FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid "
                        "WHERE NOT tgisinternal AND relnamespace = 'public'::regnamespace"
                    )
                ).all()
                for name, table in found:
                    conn.execute(text(f"DROP TRIGGER {name} ON {table}"))
            else:
                names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
                for name in list(names):
                    conn.execute(text(f"DROP TRIGGER {name}"))

    def sql(self, statement: str, **params: Any) -> None:
        with self.engine.begin() as conn:
            if self.postgres:  # foreign keys unenforced, as on a plain SQLite connection
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(statement), params)

    def rewrite_journal(self) -> None:
        """Make the journal record every input as stored now, recomputing every hash, and the
        settlement runs' recorded heads and the kept payables with it: what verify alone cannot
        tell from honest."""
        with self.engine.begin() as conn:
            stored: dict[tuple[str, int], dict[str, Any]] = {}
            for kind, columns in COLUMNS.items():
                if kind in COMPUTED:
                    continue
                table = {
                    "ruleset": "ruleset_versions",
                    "project": "projects",
                    "transfer": "transfers",
                    "agreement": "agreement_revisions",
                    "cancel": "transfer_cancellations",
                    "actual": "actual_revisions",
                    "close": "period_closes",
                }[kind]
                for row in conn.execute(text(f"SELECT id, {', '.join(columns)} FROM {table}")).mappings():
                    stored[(kind, row["id"])] = {c: row[c] for c in columns}
            with Session(bind=conn) as session:  # each import as its actual revisions are now
                for ref, *values in Journal(session).stored("import"):
                    stored[("import", ref)] = dict(zip(selected("import"), values, strict=True))
            records = conn.execute(text("SELECT * FROM input_journal ORDER BY seq")).mappings().all()
            latest = {(r["kind"], r["ref"]): r["seq"] for r in records}
            conn.execute(text("DELETE FROM input_journal"))
            seq, prev, heads = 0, GENESIS, {}
            for r in records:
                key = (r["kind"], r["ref"])
                if key not in stored:
                    heads[r["seq"]] = (seq, prev)
                    continue  # the row is gone: so is its record
                body = json.loads(r["body"])
                row = stored[key] if latest[key] == r["seq"] else body["row"]
                text_ = canonical(row, body["reason"])
                seq += 1
                digest = record_hash(prev, seq, r["kind"], r["ref"], text_)
                conn.execute(
                    text(
                        "INSERT INTO input_journal (seq, kind, ref, project_id, body, prev_hash, hash) "
                        "VALUES (:seq, :kind, :ref, :project_id, :body, :prev, :hash)"
                    ),
                    {**r, "seq": seq, "body": text_, "prev": prev, "hash": digest},
                )
                heads[r["seq"]] = (seq, digest)
                prev = digest
            for run, old in conn.execute(text("SELECT id, journal_seq FROM settlement_runs")).all():
                if old:
                    new_seq, new_head = heads[old]
                    conn.execute(
                        text("UPDATE settlement_runs SET journal_seq = :s, journal_head = :h WHERE id = :i"),
                        {"s": new_seq, "h": new_head, "i": run},
                    )
        rewrite_summaries(self.sql)  # and every summary kept beside the ledger

    def verify(self, *extra: str) -> tuple[int, str]:
        result = self.pool.run("luonan-bureau", "ledger", "verify", *extra)
        assert "Traceback" not in result.output
        return result.exit_code, result.stdout + result.stderr

    def caught(self, message: str, *extra: str) -> None:
        code, out = self.verify(*extra)
        assert code == 1 and "FAILED" in out and message in out, out

    def passes(self, *extra: str) -> None:
        code, out = self.verify(*extra)
        assert code == 0, out

    def checkpoint_catches(self) -> None:
        self.caught("the checkpoint taken", "--checkpoint", str(self.checkpoint))


LATEST_TAX = "SELECT MAX(id) FROM actual_revisions WHERE metric = 'tax_local' AND period = 24296"

# Each edit an insider makes, and what plain verify then says.
EDITS = {
    "agreement": (
        ['UPDATE transfers SET agreement = \'{"origin_tax_share": "1/2"}\' WHERE id = 1'],
        "transfer 1: its agreement is",
    ),
    "actual amount": (
        ["UPDATE actuals SET amount = amount + 100000000 WHERE id = (SELECT MIN(id) FROM actuals)"],
        "is not its latest revision",
    ),
    "actual put back to an earlier revision": (
        [  # the restated figures' current values made their first revision's again
            "UPDATE actuals SET revision = 1, amount = (SELECT r.amount FROM actual_revisions r "
            "WHERE r.project_id = actuals.project_id AND r.period = actuals.period "
            "AND r.metric = actuals.metric AND r.revision = 1) WHERE revision = 2"
        ],
        "as revision 1) is not its latest revision",
    ),
    "deleted actual": (
        ["DELETE FROM actuals WHERE id = (SELECT MIN(id) FROM actuals)"],
        "the current value (no current value) is not its latest revision",
    ),
    "revision": (
        [  # the latest revision of a 2024-09 tax figure, and its current value
            "UPDATE actuals SET amount = amount + 100000000 WHERE (project_id, period, metric) = "
            f"(SELECT project_id, period, metric FROM actual_revisions WHERE id = ({LATEST_TAX}))",
            f"UPDATE actual_revisions SET amount = amount + 100000000 WHERE id = ({LATEST_TAX})",
        ],
        "its actual revisions are no longer those the input journal records",
    ),
    "deleted revision": (
        [f"DELETE FROM actual_revisions WHERE id = ({LATEST_TAX})"],
        "one of them was changed, added or removed",
    ),
    "planned investment": (
        ["UPDATE projects SET planned_investment = 100 WHERE code = 'ZS-001'"],
        "its planned_investment is 100",
    ),
    "rule text": (
        ["UPDATE ruleset_versions SET text = REPLACE(text, 'default: 40%', 'default: 45%')"],
        "its text no longer matches its sha256",
    ),
    "transfer host": (
        ["UPDATE transfers SET to_region = 'zhenan' WHERE id = 1"],
        "transfer 1: its to_region is 'zhenan'",
    ),
    "deleted transfer": (
        [
            "DELETE FROM transfers WHERE id = 2",
            "UPDATE projects SET host = origin WHERE id = 2",
        ],
        "transfer 2 is in the input journal but no longer stored",
    ),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_plain_edit_is_caught_by_verify(insider: Insider, edit: str) -> None:
    statements, message = EDITS[edit]
    for statement in statements:
        insider.sql(statement)
    insider.caught(message)


def test_an_account_region_edit_is_caught_by_verify(insider: Insider) -> None:
    insider.sql("UPDATE ledger_accounts SET region = 'zhenan' WHERE name = 'fiscal:zhashui:tax'")
    insider.caught("account fiscal:zhashui:tax: its columns say book fiscal, region zhenan")


def test_a_rewritten_rule_text_is_not_applied(insider: Insider) -> None:
    insider.sql("UPDATE ruleset_versions SET text = REPLACE(text, 'default: 40%', 'default: 45%')")
    result = insider.pool.run("city-office", "settle", "2025-02")
    assert result.exit_code == 1 and "no longer matches the sha256" in result.stderr


# The money-moving edits, rewritten consistently into the journal: verify passes, --deep and
# --checkpoint catch them.
MOVES_MONEY = ("agreement", "revision", "planned investment", "transfer host", "deleted transfer")


@pytest.mark.parametrize("edit", MOVES_MONEY)
def test_a_rewritten_journal_is_caught_by_deep_and_checkpoint(insider: Insider, edit: str) -> None:
    for statement in EDITS[edit][0]:
        insider.sql(statement)
    insider.rewrite_journal()
    insider.passes()
    insider.caught("the ledger holds", "--deep")
    insider.checkpoint_catches()


def test_a_rewritten_rule_text_with_its_hash_is_caught_by_deep_and_checkpoint(insider: Insider) -> None:
    with insider.engine.connect() as conn:
        ruleset_id, body = conn.execute(
            text("SELECT id, text FROM ruleset_versions WHERE ruleset = 'shangluo-default'")
        ).one()
    forged = body.replace("{years: 1-3, origin: 50%}", "{years: 1-3, origin: 40%}")
    assert forged != body

    insider.sql(
        "UPDATE ruleset_versions SET text = :t, sha256 = :h WHERE id = :i",
        t=forged,
        h=hashlib.sha256(forged.encode()).hexdigest(),
        i=ruleset_id,
    )
    insider.rewrite_journal()
    insider.passes()
    insider.caught("the ledger holds", "--deep")
    insider.checkpoint_catches()


def test_what_each_check_misses_on_its_own(insider: Insider) -> None:
    # A rewrite that moves no money: verify and --deep pass; only the checkpoint catches it.
    insider.sql("UPDATE projects SET name = '改名' WHERE code = 'ZS-001'")
    insider.rewrite_journal()
    insider.passes()
    insider.passes("--deep")
    insider.checkpoint_catches()


def test_the_checkpoint_misses_what_is_appended_after_it(insider: Insider) -> None:
    # A forged restatement appended consistently after the checkpoint, as an import would have
    # written it (but with no audit row): every check passes, the checkpoint included; only the
    # next checkpoint, compared with this one by the counties, or the audit log can tell.
    with insider.engine.begin() as conn:
        row = conn.execute(text("SELECT * FROM actuals ORDER BY id LIMIT 1")).mappings().one()
        forged = conn.execute(text("SELECT * FROM actual_imports ORDER BY id LIMIT 1")).mappings().one()
        import_id = conn.execute(text("SELECT MAX(id) + 1 FROM actual_imports")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO actual_imports (id, actor_id, at, file_name, sha256, rows, added, restated, "
                "unchanged, reason) VALUES (:i, :actor, :at, 'fix.csv', :sha, 1, 0, 1, 0, 'fix')"
            ),
            {"i": import_id, "actor": forged["actor_id"], "at": forged["at"], "sha": forged["sha256"]},
        )
        revision = row["revision"] + 1
        conn.execute(
            text(
                "INSERT INTO actual_revisions (project_id, period, metric, revision, amount, note, "
                "import_id) VALUES (:p, :per, :m, :r, :a, '', :i)"
            ),
            {"p": row["project_id"], "per": row["period"], "m": row["metric"], "r": revision, "a": 1,
             "i": import_id},
        )  # fmt: skip
        conn.execute(
            text("UPDATE actuals SET amount = 1, revision = :r, import_id = :imp WHERE id = :i"),
            {"r": revision, "imp": import_id, "i": row["id"]},
        )
    with insider.engine.begin() as conn, Session(bind=conn) as session:  # committed with conn
        Journal(session).record_import(import_id)
    insider.passes()
    insider.passes("--checkpoint", str(insider.checkpoint))


def test_a_pool_upgraded_with_its_history_gets_a_journal_that_verifies(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """Down below the revision that made the journal and up again: the journal is filled with a
    record of every stored input, in the form the running code writes, so verify passes; --deep
    waits for the next settlement, which records the journal's head."""
    import importlib.util

    from pool.store import migrate
    from pool.store.engine import make_engine

    # one backend is enough to check the backfill's form; the migration test runs both
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tokens, "_N", 2**8)
        pool, _ = fresh_pool("sqlite", tmp_path, sqlite_template, None)
        settled_history(pool, tmp_path)
    revision = next(Path(migrate.scripts()).glob("versions/*_corrections_and_input_journal.py"))
    spec = importlib.util.spec_from_file_location("journal_revision", revision)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pool.ok("city-office", "period", "close", "2024-12")
    engine = make_engine(pool.url)
    try:
        before = pool.rows("input_journal")
        migrate.downgrade(engine, module.down_revision)
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    after = pool.rows("input_journal")
    assert len(after) > 0 and {r["kind"] for r in after} == {
        "ruleset",
        "project",
        "transfer",
        "actual",  # the backfill records each actual revision, as imports once did
        "close",
    }
    revisions = {("actual", r["id"]) for r in pool.rows("actual_revisions")}
    assert {(r["kind"], r["ref"]) for r in after} == {
        (r["kind"], r["ref"]) for r in before if r["kind"] != "import"
    } | revisions
    result = pool.run("audit-bureau", "ledger", "verify", "--deep")
    assert result.exit_code == 0, result.output
    assert "the last settlement ran before the input journal" in result.stdout
    pool.ok("city-office", "settle", "2025-02")
    assert "equal the ledger's positions" in pool.ok("audit-bureau", "ledger", "verify", "--deep").stdout

    # a later import is recorded whole, beside the revisions recorded one by one
    import_actuals(pool, tmp_path / "mar.csv", actual_rows(["2025-03"]))
    kinds = [r["kind"] for r in pool.rows("input_journal")]
    assert kinds[-1] == "import" and kinds.count("import") == 1
    pool.ok("city-office", "settle", "2025-03")
    assert "equal the ledger's positions" in pool.ok("audit-bureau", "ledger", "verify", "--deep").stdout
    # and a revision recorded on its own is still compared with its own record
    first = min(r["id"] for r in pool.rows("actual_revisions"))
    with pool.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS actual_revisions_no_update"))
        conn.execute(text("UPDATE actual_revisions SET amount = amount + 1 WHERE id = :i"), {"i": first})
    result = pool.run("audit-bureau", "ledger", "verify")
    assert result.exit_code == 1 and f"actual {first}: its amount is" in result.output, result.output
    pool.close()
