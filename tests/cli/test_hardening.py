"""Regression tests for defects an adversarial review found: each reproduces the defect and
shows the fixed behaviour, asserting the message, the exit code and that nothing changed."""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from support.databases import BACKENDS
from support.driver import Pool
from support.ledger import LEDGER_TABLES, actual_rows, fresh_pool, import_actuals

from pool.bootstrap import Adapters


@pytest.fixture
def pool(tmp_path: Path, sqlite_template: Path) -> Iterator[Pool]:
    p, drop = fresh_pool("sqlite", tmp_path / "pool", sqlite_template, None)
    yield p
    p.close()
    drop()


def ledger_rows(pool: Pool) -> dict[str, list[dict[str, Any]]]:
    return {t: pool.rows(t) for t in LEDGER_TABLES}


def at(pool: Pool, when: datetime) -> None:
    pool.adapters = Adapters(clock=lambda: when)


# D1, D25: a month after the current one would become the last settled period (or the month a
# project last moved) and block every real month after it.


def test_settle_close_and_approve_refuse_a_month_after_the_current_one(
    pool: Pool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_actuals(pool, tmp_path / "a.csv", actual_rows(["2024-08", "2024-09"]))
    at(pool, datetime(2024, 9, 15, 8, 0))
    before = ledger_rows(pool)
    for args, what in (
        (("settle", "2205-08"), "the month to settle"),
        (("settle", "2024-10"), "the month to settle"),
        (("period", "close", "2024-10"), "the month to close"),
    ):
        refused = pool.run("city-office", *args)
        assert refused.exit_code == 1, refused.output
        assert f"{args[-1]} is after the current month; {what} is 2024-09 at the latest." in refused.stderr
        assert ledger_rows(pool) == before
        assert pool.last_audit()["outcome"] == "invalid"

    listing = pool.json("danfeng-bureau", "listing", "open", "LN-004", "--reason", "用地不足")
    claim = pool.json("zhashui-bureau", "claim", "submit", str(listing["id"]))
    state = pool.snapshot()
    refused = pool.run(
        "city-office",
        "claim",
        "approve",
        str(claim["id"]),
        "--effective",
        "9999-12",
        "--ruleset",
        "kunming-2024",
        "--agreement",
        "origin_share=30%",
    )
    assert refused.exit_code == 1
    assert (
        "9999-12 is after the current month; a transfer's effective month is 2024-09 at the "
        "latest." in refused.stderr
    )
    assert pool.snapshot() == state

    # The current month itself is allowed; the month is the offices' (UTC+8): at 17:00 UTC on
    # 30 September it is already October in Shanghai.
    assert pool.json("city-office", "settle", "2024-09")["period"] == "2024-09"
    at(pool, datetime(2024, 9, 30, 17, 0))
    assert pool.json("city-office", "settle", "2024-10")["period"] == "2024-10"
    pool.ok("city-office", "period", "close", "2024-10")


# D2: an export aimed at the live database truncated it; one aimed at a kept checkpoint
# replaced it.


def test_export_never_overwrites_a_file_unless_forced_and_never_the_database(
    pool: Pool, tmp_path: Path
) -> None:
    import_actuals(pool, tmp_path / "a.csv", actual_rows(["2024-08", "2024-09"]))
    pool.ok("city-office", "settle", "2024-09")
    database = Path(pool.url.removeprefix("sqlite:///"))
    kept = tmp_path / "checkpoint.json"
    pool.ok("audit-bureau", "ledger", "checkpoint", "--out", str(kept))
    checkpoint_text = kept.read_text()
    database_bytes = database.read_bytes()

    for target in (database, Path(f"{database}-wal")):
        for force in ([], ["--force"]):
            refused = pool.run("audit-bureau", "ledger", "export", "--out", str(target), *force)
            assert refused.exit_code == 1, refused.output
            assert f"{target} is the database this command uses" in refused.stderr
    assert database.read_bytes() == database_bytes
    refused = pool.run("audit-bureau", "ledger", "export", "--out", str(kept))
    assert refused.exit_code == 1
    assert f"{kept} already exists; nothing was written" in refused.stderr
    assert "--force" in refused.stderr
    assert kept.read_text() == checkpoint_text
    pool.ok("audit-bureau", "ledger", "verify", "--checkpoint", str(kept))

    fresh = tmp_path / "journal.ledger"
    pool.ok("audit-bureau", "ledger", "export", "--out", str(fresh))
    assert fresh.read_text().count("Assets:") > 0
    pool.ok("audit-bureau", "ledger", "export", "--format", "csv", "--out", str(fresh), "--force")
    assert fresh.read_text().startswith("seq,")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")) == []


# D19: `pool demo --dir` replaced the files it writes when they already existed.


def test_demo_never_overwrites_a_file_in_its_directory(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pool.cli import main

    mine = tmp_path / "actuals-2024-08.csv"
    mine.write_text("important\n")
    refused = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path)])
    assert refused.exit_code == 1
    assert f"{tmp_path} already holds actuals-2024-08.csv; the demo never overwrites a file" in refused.stderr
    assert mine.read_text() == "important\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["actuals-2024-08.csv"]


# D10: a password given as a query parameter was printed in checkpoints, the pg_dump command
# and errors.


@pytest.mark.postgres
def test_a_password_in_the_url_query_is_never_written_or_printed(
    tmp_path: Path, sqlite_template: Path, pg_schemas: Any
) -> None:
    secret = "S3CRET-in-query"
    pool, drop = fresh_pool("postgres", tmp_path / "pool", sqlite_template, pg_schemas)
    try:
        joiner = "&" if "?" in pool.url else "?"
        with_password = Pool(f"{pool.url}{joiner}password={secret}")  # trust authentication ignores it
        with_password.tokens.update(pool.tokens)
        out = tmp_path / "checkpoint.json"
        with_password.ok("audit-bureau", "ledger", "checkpoint", "--out", str(out))
        assert secret not in out.read_text() and "password=***" in out.read_text()
        backup = with_password.ok("city-office", "db", "backup", str(tmp_path / "pool.dump"))
        assert secret not in backup.output and "Give the password in PGPASSWORD" in backup.stdout
        with_password.close()
    finally:
        pool.close()
        drop()


# D20: a mistyped SQLite path created an empty database; a database in a read-only directory
# could not even be read, because every connection set WAL mode.


def test_a_database_file_that_does_not_exist_is_refused_not_created(tmp_path: Path) -> None:
    typo = tmp_path / "shangluo-typo.db"
    for args in (["--as", "x", "project", "list"], ["db", "current"], ["db", "upgrade"]):
        result = Pool(f"sqlite:///{typo}").run(None, *args)
        assert result.exit_code == 1, result.output
        assert f"There is no database file {typo}; check --db or POOL_DATABASE_URL" in result.stderr
        assert not typo.exists()
    created = Pool(f"sqlite:///{typo}")
    created.init()
    assert typo.exists() and created.json("city-office", "region", "list")


def test_a_pool_in_a_read_only_directory_can_be_read(pool: Pool, tmp_path: Path) -> None:
    import os
    import shutil
    import stat
    import subprocess
    import sys
    import tempfile

    shelf = Path(tempfile.mkdtemp(prefix="pool-shelf-"))  # outside pytest's private directories
    pool.ok("city-office", "db", "backup", str(shelf / "copy.db"))
    shelf.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    (shelf / "copy.db").chmod(0o444)
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    if as_nobody and not shutil.which("setpriv"):
        pytest.fail("running as root, the test needs setpriv to read as another user")
    env = {**os.environ, "POOL_TOKEN": pool.tokens["audit-bureau"], "POOL_DATABASE_URL": ""}
    db = f"sqlite:///{shelf / 'copy.db'}"

    def pool_as_reader(*args: str) -> subprocess.CompletedProcess[str]:
        code = "from pool.cli import main; main()"
        return subprocess.run(
            [*as_nobody, sys.executable, "-c", code, "--db", db, "--as", "audit-bureau", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=Path(__file__).resolve().parents[2],
        )

    kept = sorted(p.name for p in shelf.iterdir())
    try:
        read = pool_as_reader("report", "balances", "--format", "json")
        assert read.returncode == 0, read.stderr
        assert read.stdout.startswith("[")
        verified = pool_as_reader("ledger", "verify")
        assert verified.returncode == 0 and "Ledger verified" in verified.stdout, verified.stderr
        written = pool_as_reader("ledger", "checkpoint", "--out", str(shelf / "c.json"))
        assert written.returncode == 1 and "Traceback" not in written.stderr
        assert sorted(p.name for p in shelf.iterdir()) == kept
    finally:
        shelf.chmod(0o755)
        shutil.rmtree(shelf)


# D9: invisible characters made a second registration of another county's lead look new, and
# made look-alike ruleset versions.

INVISIBLE = ["\u200b", "\u00ad", "\u2060", "\u200e", "\ufe0f", "\ufeff", "\U000e0100"]


@pytest.mark.parametrize("mark", INVISIBLE)
def test_invisible_characters_do_not_make_a_lead_new(pool: Pool, mark: str) -> None:
    """ZS-001 is zhashui's lead (`ZS-001 投资方`, `ZS-001 项目`); shangzhou retypes it with an
    invisible character inside the investor and the name."""
    before = pool.snapshot()
    refused = pool.run(
        "shangzhou-bureau",
        "project",
        "add",
        "SZ-STEAL",
        "--name",
        f"ZS-00{mark}1 项目",
        "--investor",
        f"ZS-0{mark}01 投资方",
        "--chain",
        "new_materials",
        "--kind",
        "manufacturing",
        "--investment",
        "300000000",
        "--capital-source",
        "out_of_city",
    )
    assert refused.exit_code == 1, refused.output
    assert "already registered as project ZS-001 by zhashui" in refused.stderr
    assert pool.snapshot() == before


def test_typed_names_are_stored_without_invisible_characters(pool: Pool) -> None:
    made = pool.json(
        "shangzhou-bureau",
        "project",
        "add",
        "SZ-NEW",
        "--name",
        "新\u200b项目",
        "--investor",
        "某\u2060公司",
        "--chain",
        "new_materials",
        "--kind",
        "manufacturing",
        "--investment",
        "1",
        "--capital-source",
        "out_of_city",
    )
    assert (made["name"], made["investor"]) == ("新项目", "某公司")


@pytest.mark.parametrize("version", ["2024.1 ", " 2024.1", "2024.1\u200b", "2024 .1", "", "x" * 41])
def test_a_ruleset_version_is_visible_characters_only(tmp_path: Path, version: str) -> None:
    from support.ledger import LIBRARY

    text = (LIBRARY / "shangluo-default.yaml").read_text(encoding="utf-8")
    path = tmp_path / "v.yaml"
    path.write_text(text.replace('version: "2024.1"', f'version: "{version}"'), encoding="utf-8")
    checked = Pool("sqlite://").run(None, "rules", "check", str(path))
    assert checked.exit_code == 1
    assert "is not a version; write up to 40 letters, digits, '.', '-' or '_'" in checked.output
    line = text.splitlines().index('version: "2024.1"') + 1
    assert f"{path}:{line}: version:" in checked.output


# D17: control characters, terminal escapes and bidirectional overrides were stored and printed
# raw, and an unauthenticated caller could write a 100 KB escape-laden name into the audit log.

CONTROLS = ["\x1b[31m", "\x07", "\u202e", "\x1b]0;pwned\x07", "\x00", "\u2066", "\r"]


@pytest.mark.parametrize("control", CONTROLS)
def test_control_characters_in_typed_text_are_refused(pool: Pool, control: str) -> None:
    before = pool.snapshot()
    for args in (
        [
            "project",
            "add",
            "SZ-X",
            "--name",
            f"厂{control}房",
            "--investor",
            "某公司",
            "--chain",
            "new_materials",
            "--kind",
            "manufacturing",
            "--investment",
            "1",
            "--capital-source",
            "local",
        ],
        ["listing", "open", "SZ-003", "--reason", f"用地{control}不足"],
        ["listing", "open", "SZ-003", "--reason", "用地不足", "--need", f"water=1{control}"],
    ):
        refused = pool.run("shangzhou-bureau" if args[0] == "project" else "danfeng-bureau", *args)
        assert refused.exit_code == 1, (args, refused.output)
        assert "contains the control character U+" in refused.stderr
        assert "retype it without it" in refused.stderr
        assert pool.snapshot() == before
        assert pool.last_audit()["outcome"] == "invalid"


def test_an_unauthenticated_name_is_audited_cut_and_printable(pool: Pool) -> None:
    claimed = "city2\u202e\x07\x1b[31mFAKE-ok-row" + "A" * 100_000
    refused = pool.run(claimed, "settle", "2024-09", token="x")
    assert refused.exit_code == 3
    row = pool.last_audit()
    assert row["outcome"] == "denied" and row["action"] == "settle"
    assert len(row["actor"]) <= 100 and row["actor"].startswith("city2\\u202e\\u0007\\u001b[31m")
    assert row["actor"].endswith("…[100023 characters]")
    assert "\x1b" not in row["actor"] and "\u202e" not in row["actor"]


# D7: attempts that ended in an internal error or a database refusal left no audit row, and on
# PostgreSQL an argument longer than the audit column kept a denied attempt out of the log.


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_attempt_is_audited_even_a_refusal_by_the_database(
    backend: str, tmp_path: Path, sqlite_template: Path, pg_schemas: Any
) -> None:
    pool, drop = fresh_pool(backend, tmp_path / "pool", sqlite_template, pg_schemas)
    try:
        long_code = "Z" * 300
        denied = pool.run(
            "shangzhou-bureau",
            "project",
            "add",
            long_code,
            "--name",
            "a",
            "--investor",
            "b",
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
        assert denied.exit_code == 3, denied.output
        row = pool.last_audit()
        assert (row["action"], row["outcome"]) == ("project.add", "denied")
        assert len(row["target"]) <= 200 and row["target"].endswith("…[308 characters]")

        import_actuals(pool, tmp_path / "a.csv", actual_rows(["2024-08"]))
        refuse = (
            [
                "CREATE TRIGGER refuse_entries BEFORE INSERT ON ledger_entries "
                "BEGIN SELECT RAISE(ABORT, 'entries refused by the database'); END"
            ]
            if backend == "sqlite"
            else [
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'entries refused by the database'; END $$",
                "CREATE TRIGGER refuse_entries BEFORE INSERT ON ledger_entries FOR EACH ROW "
                "EXECUTE FUNCTION refuse()",
            ]
        )
        with pool.engine.begin() as conn:
            for statement in refuse:
                conn.exec_driver_sql(statement)
        before = ledger_rows(pool)
        refused = pool.run("city-office", "settle", "2024-08")
        assert refused.exit_code == 1 and "entries refused by the database" in refused.stderr
        assert ledger_rows(pool) == before
        row = pool.last_audit()
        assert (row["action"], row["outcome"]) == ("settle", "failed")
        assert "entries refused by the database" in row["detail"]
    finally:
        pool.close()
        drop()


def test_an_internal_error_is_audited(pool: Pool, monkeypatch: pytest.MonkeyPatch) -> None:
    from pool.services import periods

    def broken(*args: Any) -> None:
        raise ZeroDivisionError("a defect")

    monkeypatch.setattr(periods, "require_not_future", broken)
    failed = pool.run("city-office", "period", "close", "2024-09")
    assert failed.exit_code == 1 and "internal error stopped the command (ZeroDivisionError" in failed.stderr
    row = pool.last_audit()
    assert (row["action"], row["outcome"]) == ("period.close", "failed")
    assert "internal error (ZeroDivisionError: a defect)" in row["detail"]


# D16: a token that is not UTF-8 told known actors from unknown ones, and was not audited.


def test_a_token_that_is_not_utf8_is_a_wrong_token_for_any_actor(pool: Pool) -> None:
    import os
    import subprocess
    import sys

    results = {}
    for actor in ("shangzhou-bureau", "no-such-actor"):
        env = {k.encode(): v.encode() for k, v in os.environ.items() if k != "POOL_TOKEN"}
        env[b"POOL_TOKEN"] = b"\xff\xfe"
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "from pool.cli import main; main()",
                "--db",
                pool.url,
                "--as",
                actor,
                "listing",
                "withdraw",
                "1",
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        results[actor] = (done.returncode, done.stderr.strip())
        row = pool.last_audit()
        assert (row["actor"], row["action"], row["outcome"]) == (actor, "listing.withdraw", "denied")
    assert results == {
        actor: (3, f"Error: Actor '{actor}' is unknown or the token does not match.") for actor in results
    }


# D18: a settlement that committed exited 1 with an internal error when its output pipe closed.


def test_a_committed_command_whose_reader_went_away_exits_0(pool: Pool, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    import_actuals(pool, tmp_path / "a.csv", actual_rows(["2024-08", "2024-09"]))
    runs = len(pool.rows("settlement_runs"))
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line is written
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pool.cli import main; main()",
            "--db",
            pool.url,
            "--as",
            "city-office",
            "settle",
            "2024-09",
        ],
        env={**os.environ, "POOL_TOKEN": pool.tokens["city-office"]},
        stdout=write,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(write)
    assert done.returncode == 0, done.stderr
    assert "internal error" not in done.stderr
    assert len(pool.rows("settlement_runs")) == runs + 1


# D23: odd input ended in "internal error" instead of a sentence.


@pytest.mark.parametrize(
    "args",
    [
        ["listing", "show", str(10**20)],
        ["transfer", "show", str(10**20)],
        ["explain", str(10**20)],
        ["claim", "approve", str(10**20), "--effective", "2024-09"],
        ["listing", "withdraw", str(10**20)],
    ],
)
def test_an_id_beyond_any_row_is_not_there(pool: Pool, args: list[str]) -> None:
    state = pool.snapshot()
    result = pool.run("city-office", *args)
    assert result.exit_code == 1, result.output
    assert f"There is no {args[0]} {10**20}" in result.stderr or f"no transfer {10**20}" in result.stderr
    assert "internal error" not in result.stderr
    assert pool.snapshot() == state


def test_a_deeply_nested_checkpoint_file_is_refused_with_a_sentence(pool: Pool, tmp_path: Path) -> None:
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000)
    result = pool.run("audit-bureau", "ledger", "verify", "--checkpoint", str(nested))
    assert result.exit_code == 1
    assert f"{nested} is not a checkpoint: it is not JSON." in result.stderr


def test_a_backup_onto_a_full_disk_is_refused_with_a_sentence(pool: Pool, tmp_path: Path) -> None:
    import os
    import resource
    import signal
    import subprocess
    import sys

    def small_files() -> None:  # as if the disk filled after 64 KB
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))

    dest = tmp_path / "copy.db"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pool.cli import main; main()",
            "--db",
            pool.url,
            "--as",
            "city-office",
            "db",
            "backup",
            str(dest),
        ],
        env={**os.environ, "POOL_TOKEN": pool.tokens["city-office"]},
        capture_output=True,
        text=True,
        preexec_fn=small_files,
    )
    assert done.returncode == 1, done.stderr
    assert (
        f"The backup could not be written to {dest}" in done.stderr
        and "nothing was left there" in done.stderr
    )
    assert not dest.exists() and not list(tmp_path.glob(".copy.db*"))


@pytest.mark.postgres
def test_pool_init_three_times_at_once_makes_one_pool(empty_url_postgres: str) -> None:
    import threading

    from pool.bootstrap import bootstrap
    from pool.config import Settings
    from pool.domain.errors import PoolError
    from pool.services import setup

    outcomes: list[object] = [None] * 3
    barrier = threading.Barrier(3)

    def init(i: int) -> None:
        rt = bootstrap(Settings(empty_url_postgres, None, None))
        barrier.wait()
        try:
            outcomes[i] = setup.init(rt, regions="shangluo", admin=f"office-{i}")
        except PoolError as exc:
            outcomes[i] = exc
        finally:
            rt.close()

    threads = [threading.Thread(target=init, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    made = [o for o in outcomes if isinstance(o, setup.NewActor)]
    refused = [o for o in outcomes if isinstance(o, PoolError)]
    assert len(made) == 1 and len(refused) == 2, outcomes
    assert all("already initialised" in str(e) and e.exit_code == 1 for e in refused)
    assert len(Pool(empty_url_postgres).rows("actors")) == 1


@pytest.fixture
def empty_url_postgres(pg_schemas: Any) -> Iterator[str]:
    assert pg_schemas is not None
    schema, url = pg_schemas.create()
    yield url
    pg_schemas.drop(schema)


# D24: amounts summing past 2^63 fen made settlement crash; the run is refused with a sentence.


class _Ledger:
    """The ledger as the entry writer sees it, with one account near the largest balance."""

    def __init__(self, balance: int) -> None:
        self.balance = balance

    def head(self) -> tuple[int, None]:
        return 0, None

    def accounts(self) -> dict[str, int]:
        return {"fiscal:zhashui:tax": 1, "fiscal:@source:tax": 2}

    def balances_of(self, ids: list[int]) -> dict[int, int]:
        return {1: self.balance, 2: -self.balance}

    def add_accounts(self, rows: Any) -> None: ...

    def add_entries(self, entries: Any, postings: Any) -> None: ...

    def set_positions(self, changed: Any) -> None: ...

    def add_to_years(self, rows: Any) -> None: ...

    def add_to_balances(self, deltas: Any) -> None:
        raise AssertionError("an overflowing balance was written")


def test_an_amount_the_ledger_cannot_hold_refuses_the_run() -> None:
    from pool.domain.errors import InvalidInput
    from pool.domain.money import LEDGER_MAX
    from pool.rules.facts import Target
    from pool.services.posting import EntryWriter

    writer = EntryWriter(_Ledger(0), 1, 2024 * 12)  # type: ignore[arg-type]
    too_much = [Target(1, "tax", "fiscal", "zhashui", LEDGER_MAX + 1)]
    with pytest.raises(InvalidInput, match="beyond the 92233720368547758.07 the ledger can hold"):
        writer.post(too_much, {}, {"tax": "CNY"}, {1: "shangzhou"})

    writer = EntryWriter(_Ledger(LEDGER_MAX - 100), 1, 2024 * 12)  # type: ignore[arg-type]
    writer.post([Target(1, "tax", "fiscal", "zhashui", 101)], {}, {"tax": "CNY"}, {1: "shangzhou"})
    with pytest.raises(InvalidInput, match="the balance of fiscal:zhashui:tax 92233720368547758.08"):
        writer.finish()


# D8: the host county, which owes the origin, moved the milestone that starts its own sharing
# term (to 2099-01) after settlement, and the next run took the origin's share back.


def test_a_settled_term_milestone_moves_only_by_the_city_with_a_reason(pool: Pool, tmp_path: Path) -> None:
    from support.ledger import LIBRARY, move, write_csv

    pool.ok("policy-desk", "rules", "publish", str(LIBRARY / "jjj-2015.yaml"))
    pool.ok(
        "zhashui-bureau",
        "project",
        "add",
        "ZS-J",
        "--name",
        "迁建项目",
        "--investor",
        "某集团",
        "--chain",
        "new_materials",
        "--kind",
        "manufacturing",
        "--investment",
        "300000000",
        "--capital-source",
        "out_of_city",
    )
    move(
        pool,
        "ZS-J",
        "zhashui",
        "shangzhou",
        "2024-08",
        "jjj-2015",
        ["pre_move_tax_3y=60000000", "government_led=true"],
    )
    # Before any settlement the host may still set and correct its milestones.
    pool.ok("shangzhou-bureau", "project", "stage", "ZS-J", "--milestone", "full_capacity=2024-09")
    pool.ok("shangzhou-bureau", "project", "stage", "ZS-J", "--milestone", "full_capacity=2024-08")
    rows = [("ZS-J", m, "tax_three_local", "1000000.00") for m in ("2024-08", "2024-09", "2024-10")]
    pool.ok("city-office", "actuals", "import", str(write_csv(tmp_path / "t.csv", rows)))
    pool.ok("city-office", "settle", "2024-10")
    balances_before = {r["name"]: r["balance"] for r in pool.rows("ledger_accounts")}
    state = pool.snapshot()

    far = pool.run("shangzhou-bureau", "project", "stage", "ZS-J", "--milestone", "full_capacity=2099-01")
    assert far.exit_code == 1 and "2099-01 is after the current month" in far.stderr
    host = pool.run("shangzhou-bureau", "project", "stage", "ZS-J", "--milestone", "full_capacity=2024-10")
    assert host.exit_code == 3
    assert "The full_capacity month of ZS-J starts the sharing term of transfer" in host.stderr
    assert "only the city office may move it, with a reason" in host.stderr
    assert (pool.last_audit()["actor"], pool.last_audit()["outcome"]) == ("shangzhou-bureau", "denied")
    bare = pool.run("city-office", "project", "stage", "ZS-J", "--milestone", "full_capacity=2024-10")
    assert bare.exit_code == 1 and "give the --reason for moving it" in bare.stderr
    assert pool.snapshot() == state
    pool.ok("city-office", "settle", "2024-10")
    assert {r["name"]: r["balance"] for r in pool.rows("ledger_accounts")} == balances_before

    pool.ok(
        "city-office",
        "project",
        "stage",
        "ZS-J",
        "--milestone",
        "full_capacity=2024-10",
        "--reason",
        "投产验收推迟至10月",
    )
    assert pool.one("projects", code="ZS-J")["full_capacity"] == 2024 * 12 + 9
    audited = pool.last_audit()
    assert audited["outcome"] == "ok" and "投产验收推迟至10月" in audited["detail"]


def test_tables_show_escapes_instead_of_acting_on_the_terminal(pool: Pool) -> None:
    """Text stored before typed text was checked may still hold escapes: tables show them."""
    from sqlalchemy import text

    with pool.engine.begin() as conn:
        conn.execute(
            text("UPDATE projects SET name = :n WHERE code = 'ZS-001'"),
            {"n": "商洛\x1b[2J\x1b]0;pwned\x07默认\u202e项目"},
        )
    shown = pool.ok("zhashui-bureau", "project", "list").stdout
    assert "商洛\\u001b[2J\\u001b]0;pwned\\u0007默认\\u202e项目" in shown
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown


# D23, D17: a workbook whose sheet declares a DTD (entity bombs, external entities) gave an
# internal error; a note with terminal escapes was stored raw.

DOCTYPES = {
    "laughs": '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
    "external": '<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
}


@pytest.mark.parametrize("kind", DOCTYPES)
def test_a_workbook_declaring_a_dtd_is_refused_with_a_sentence(pool: Pool, tmp_path: Path, kind: str) -> None:
    import zipfile

    import openpyxl

    plain, bad = tmp_path / "plain.xlsx", tmp_path / f"{kind}.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["project", "period", "metric", "amount", "note"])
    sheet.append(["ZS-001", "2024-08", "tax_local", 5, "&d;" if kind == "laughs" else "&x;"])
    book.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(bad, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                at = text.index("<worksheet")
                text = text[:at] + DOCTYPES[kind] + text[at:]
                data = text.replace("&amp;d;", "&d;").replace("&amp;x;", "&x;").encode()
            out.writestr(item, data)
    before = ledger_rows(pool)
    refused = pool.run("city-office", "actuals", "import", str(bad))
    assert refused.exit_code == 1, refused.output
    assert refused.stderr.startswith("Error: ") and "internal error" not in refused.stderr
    assert "declares a document type or entities, which Excel and WPS never write" in refused.stderr
    assert "root:" not in refused.output
    assert ledger_rows(pool) == before
    assert pool.last_audit()["outcome"] == "invalid"


def test_a_note_with_control_characters_refuses_its_row(pool: Pool, tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text(
        "project,period,metric,amount,note\n"
        'ZS-001,2024-08,tax_local,1.00,"a\x1b[31mb"\n'
        'ZS-001,2024-09,tax_local,1.00,"多行\n备注"\n'
        "ZS-001,2024-10,tax_local,1.00,零\u200b宽\n",
        encoding="utf-8",
    )
    before = ledger_rows(pool)
    refused = pool.run("city-office", "actuals", "import", str(path))
    assert refused.exit_code == 1
    assert "row 2: The note contains the control character U+001B" in refused.stderr
    assert "row 3" not in refused.stderr and "row 5" not in refused.stderr
    assert ledger_rows(pool) == before
    path.write_text(path.read_text(encoding="utf-8").replace("a\x1b[31mb", "ab"), encoding="utf-8")
    pool.ok("city-office", "actuals", "import", str(path))
    notes = {r["period"]: r["note"] for r in pool.rows("actual_revisions") if r["note"]}
    assert notes[2024 * 12 + 8] == "多行\n备注" and notes[2024 * 12 + 9] == "零宽"
