"""Security behaviours: revocation, token hygiene, equal work for a wrong token,
spreadsheet formula cells in CSV outputs, and database passwords never printed."""

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import support.ledger
from click.testing import Result
from sqlalchemy import MetaData, select
from support.databases import BACKENDS
from support.driver import Pool, seeded
from support.ledger import MONTHS, actual_rows, fresh_pool, import_actuals, ledger_pool, write_csv

from pool.cli import main
from pool.config import Settings
from pool.domain import tokens
from pool.files.output import csv_cell
from pool.services.runtime import Runtime


@pytest.fixture
def pool(db_url: str) -> Iterator[Pool]:
    p = seeded(db_url)
    yield p
    p.close()


def _denied(result: Result) -> None:
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr


# -- revocation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_revoked_actor_can_do_nothing(pool: Pool) -> None:
    result = pool.ok("city-office", "actor", "revoke", "zhashui-bureau")
    assert "Revoked actor zhashui-bureau (county)" in result.stdout
    assert pool.last_audit()["action"] == "actor.revoke"
    assert pool.last_audit()["target"] == "actor:zhashui-bureau"
    assert pool.one("actors", name="zhashui-bureau")["revoked_at"] is not None
    before, audits = pool.snapshot(), len(pool.rows("audit_log"))
    for args in (
        ["project", "list"],
        ["listing", "withdraw", "1"],
        ["project", "stage", "ZS-001", "negotiating"],
    ):
        result = pool.run("zhashui-bureau", *args)
        _denied(result)
        assert "was revoked on" in result.stderr and "can no longer act" in result.stderr
    assert pool.snapshot() == before
    denied = pool.rows("audit_log")[audits:]
    assert [(a["actor"], a["action"], a["outcome"]) for a in denied] == [
        ("zhashui-bureau", "listing.withdraw", "denied"),
        ("zhashui-bureau", "project.stage", "denied"),
    ]
    # A wrong token for a revoked actor learns nothing about the revocation.
    result = pool.run("zhashui-bureau", "project", "list", token="not-the-token")
    _denied(result)
    assert "revoked" not in result.stderr
    listed = {a["actor"]: a for a in pool.json("city-office", "actor", "list")}
    assert listed["zhashui-bureau"]["revoked_at"] and listed["city-office"]["revoked_at"] is None
    # The name stays taken; revoking again is a state conflict; an unknown name is invalid.
    assert (
        pool.run(
            "city-office", "actor", "add", "zhashui-bureau", "--role", "county", "--region", "zhashui"
        ).exit_code
        == 1
    )
    again = pool.run("city-office", "actor", "revoke", "zhashui-bureau")
    assert again.exit_code == 4 and "already revoked" in again.stderr
    assert pool.run("city-office", "actor", "revoke", "nobody").exit_code == 1
    # The other actors keep working.
    pool.ok("shangzhou-bureau", "project", "list")


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_last_active_city_actor_cannot_be_revoked(pool: Pool) -> None:
    before = pool.snapshot()
    result = pool.run("city-office", "actor", "revoke", "city-office")
    assert result.exit_code == 1 and "last active city actor" in result.stderr
    assert pool.snapshot() == before
    assert pool.last_audit()["outcome"] == "invalid"
    pool.add_actor("city-deputy", "city")
    pool.ok("city-office", "actor", "revoke", "city-office")  # itself: another city remains
    _denied(pool.run("city-office", "actor", "list"))
    result = pool.run("city-deputy", "actor", "revoke", "city-deputy")
    assert result.exit_code == 1 and "last active city actor" in result.stderr
    pool.ok("city-deputy", "actor", "revoke", "audit-bureau")


# -- tokens ----------------------------------------------------------------------------------------


class RecordingPool(Pool):
    """Remembers every command's arguments and everything it printed."""

    outputs: list[tuple[tuple[str, ...], str]] = []

    def run(self, actor: str | None, *args: str, token: str | None = None) -> Result:
        result = super().run(actor, *args, token=token)
        RecordingPool.outputs.append((args, result.stdout + result.stderr))
        return result


WRONG = "Wr0ngT0ken-that-must-never-be-stored-or-shown-anywhere-xyz"


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_tokens_are_shown_once_and_stored_nowhere(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    RecordingPool.outputs = []
    monkeypatch.setattr(support.ledger, "Pool", RecordingPool)
    pool = ledger_pool(db_url)  # init, actors of every role, rulesets, four moves and a chain
    import_actuals(pool, tmp_path / "q3.csv", actual_rows(MONTHS[:3]))
    pool.ok("city-office", "settle", "2024-09")
    pool.ok("audit-bureau", "ledger", "verify")
    pool.ok("audit-bureau", "ledger", "export", "--format", "csv")
    pool.ok("city-office", "audit", "--format", "csv")
    pool.ok("city-office", "actor", "revoke", "luonan-bureau")
    for actor, args in (
        ("city-office", ["settle", "2024-10"]),
        ("zhashui-bureau", ["listing", "open", "DF-002", "--reason", "x"]),
        ("no-such-actor", ["project", "list"]),
        ("city-office", ["actuals", "import", str(tmp_path / "q3.csv")]),
    ):
        _denied(pool.run(actor, *args, token=WRONG))
    _denied(pool.run("luonan-bureau", "project", "list"))  # revoked, with its real token
    assert (
        pool.run(
            "city-office",
            "actuals",
            "import",
            str(write_csv(tmp_path / "bad.csv", [("NOPE", "2024-07", "tax_local", "1")])),
        ).exit_code
        == 1
    )
    assert len(pool.tokens) == 7

    created = {}  # token -> the one output allowed to show it
    for args, output in RecordingPool.outputs:
        if "init" in args or ("actor" in args and "add" in args):
            shown = [t for t in pool.tokens.values() if t in output]
            assert len(shown) == 1, args
            created[shown[0]] = args
    assert set(created) == set(pool.tokens.values())
    for args, output in RecordingPool.outputs:
        assert WRONG not in output
        for token, where in created.items():
            assert token not in output or args is where, (args, output)

    meta = MetaData()
    meta.reflect(pool.engine)
    secrets = [*pool.tokens.values(), WRONG]
    with pool.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                text = json.dumps([str(v) for v in row], ensure_ascii=False)
                for secret in secrets:
                    assert secret not in text, table.name
        hashes = [r.token_hash for r in conn.execute(select(meta.tables["actors"]))]
    assert len(hashes) == 7 and all(h.startswith("scrypt$") for h in hashes)
    pool.close()


def test_internal_error_never_shows_token_or_password(pool: Pool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The catch-all error path prints the exception; even one that formats the runtime (its
    settings) shows neither the token nor a database password."""
    from pool.services import regions

    def broken(rt: Runtime) -> Any:
        raise RuntimeError(f"broke on {rt!r} with {rt.settings!r}")

    monkeypatch.setattr(regions, "list_regions", broken)
    monkeypatch.delenv("POOL_DEBUG", raising=False)
    token = pool.tokens["city-office"]
    result = pool.runner.invoke(
        main,
        ["--db", pool.url, "--as", "city-office", "region", "list"],
        env={"POOL_TOKEN": token, "POOL_DEBUG": None},
        catch_exceptions=False,
    )
    assert result.exit_code == 1 and "internal error" in result.stderr
    assert "RuntimeError" in result.stderr and "Traceback" not in result.stderr
    assert token not in result.output
    settings = Settings("postgresql+psycopg://pool:hunter2@db.example/pool", "a", token)
    assert token not in repr(settings) and "hunter2" not in repr(settings)


@pytest.mark.parametrize("who", ["right", "wrong", "unknown", "revoked", "revoked-wrong"])
def test_every_token_check_runs_scrypt_once(pool: Pool, monkeypatch: pytest.MonkeyPatch, who: str) -> None:
    """A wrong token, or an actor that does not exist or is revoked, costs exactly the scrypt
    work a right token costs: the code path is the same, so the time is too."""
    pool.ok("city-office", "actor", "revoke", "danfeng-bureau")
    calls: list[int] = []
    real = tokens._scrypt

    def counting(token: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        calls.append(n)
        return real(token, salt, n, r, p)

    compares: list[int] = []
    real_compare = tokens.hmac.compare_digest

    def comparing(a: bytes, b: bytes) -> bool:
        compares.append(1)
        return real_compare(a, b)

    monkeypatch.setattr(tokens, "_scrypt", counting)
    monkeypatch.setattr(tokens.hmac, "compare_digest", comparing)
    actor, token = {
        "right": ("policy-desk", None),
        "wrong": ("policy-desk", "x" * 43),
        "unknown": ("nobody", "x" * 43),
        "revoked": ("danfeng-bureau", None),
        "revoked-wrong": ("danfeng-bureau", "x" * 43),
    }[who]
    result = pool.run(actor, "region", "list", token=token)
    assert result.exit_code == (0 if who == "right" else 3)
    assert calls == [tokens._N], calls  # one scrypt, at the cost every stored hash carries
    assert compares == ([] if who == "unknown" else [1])


# -- spreadsheet formulas ------------------------------------------------------------------------

FORMULAS = ('=HYPERLINK("http://x","y")', "@SUM(1)", "+1+1", "-1+1", "\tcmd", "\r=1")


def test_csv_cell_neutralises_formulas_and_keeps_negative_amounts() -> None:
    for text in FORMULAS:
        assert csv_cell(text) == "'" + text
    for text in ("-12.50", "-1", "12.50", "0.00", "商州区", "", "a=b", "1-2"):
        assert csv_cell(text) == text
    assert csv_cell(None) == ""
    assert csv_cell("-inf") == "'-inf" and csv_cell("-1e5") == "'-1e5"


def _csv(result: Result) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(result.stdout.removeprefix("\ufeff"))))


def test_csv_outputs_neutralise_formula_cells(pool: Pool, tmp_path: Path) -> None:
    name, investor, reason, note = FORMULAS[:4]
    pool.ok(
        "zhashui-bureau",
        "project",
        "add",
        "ZS-100",
        "--name",
        name,
        "--investor",
        investor,
        "--chain",
        "electronics",
        "--kind",
        "manufacturing",
        "--investment",
        "50000000",
        "--capital-source",
        "out_of_city",
    )
    listing = pool.json("zhashui-bureau", "listing", "open", "ZS-100", "--reason", reason)
    pool.ok("danfeng-bureau", "claim", "submit", str(listing["id"]), "--note", note)
    projects = {r["code"]: r for r in _csv(pool.ok("city-office", "--format", "csv", "project", "list"))}
    assert projects["ZS-100"]["name"] == "'" + name
    assert projects["ZS-100"]["investor"] == "'" + investor
    listings = {r["id"]: r for r in _csv(pool.ok("city-office", "--format", "csv", "listing", "list"))}
    assert listings[str(listing["id"])]["reason"] == "'" + reason
    # Actuals notes and restatement reasons, through `actuals list --revisions`.
    first = tmp_path / "a.csv"
    first.write_text(
        "project,period,metric,amount,note\nZS-100,2024-03,tax_local,100.00,-1+1\n", encoding="utf-8"
    )
    pool.ok("city-office", "actuals", "import", str(first))
    second = tmp_path / "b.csv"
    second.write_text(
        "project,period,metric,amount,note\nZS-100,2024-03,tax_local,90.00,@SUM(1)\n", encoding="utf-8"
    )
    pool.ok("city-office", "actuals", "import", str(second), "--restate", "--reason", "+1+1")
    revisions = _csv(pool.ok("city-office", "actuals", "list", "--revisions", "--format", "csv"))
    assert [(r["note"], r["reason"]) for r in revisions] == [("'-1+1", ""), ("'@SUM(1)", "'+1+1")]
    assert [r["amount"] for r in revisions] == ["100.00", "90.00"]
    # Nothing leaks through an unguarded cell: no CSV cell anywhere starts a formula.
    for args in (
        ["project", "list"],
        ["listing", "list"],
        ["audit"],
        ["actor", "list"],
        ["actuals", "list", "--revisions"],
        ["transfer", "list"],
    ):
        for row in csv.reader(io.StringIO(pool.ok("city-office", "--format", "csv", *args).stdout)):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (args, cell)


def test_ledger_export_csv_keeps_negative_amounts_as_numbers(tmp_path: Path, sqlite_template: Path) -> None:
    pool, drop = fresh_pool("sqlite", tmp_path / "db", sqlite_template, None)
    try:
        import_actuals(pool, tmp_path / "q3.csv", actual_rows(MONTHS[:3]))
        pool.ok("city-office", "settle", "2024-09")
        rows = _csv(pool.ok("audit-bureau", "ledger", "export", "--format", "csv"))
        negatives = [r["amount"] for r in rows if r["amount"].startswith("-")]
        assert negatives and all(a[1:].replace(".", "").isdigit() for a in negatives)
        assert not any(v.startswith("'") for r in rows for v in r.values())
    finally:
        drop()


# -- database passwords --------------------------------------------------------------------------

SECRET = "s3cr3t-pa55word"


# Every form a credential takes in a URL: the password field, and query parameters.
CREDENTIAL_URLS = {
    "pool:***@127.0.0.1:1/pool": f"postgresql+psycopg://pool:{SECRET}@127.0.0.1:1/pool",
    "pool@127.0.0.1:1/pool?password=***": f"postgresql+psycopg://pool@127.0.0.1:1/pool?password={SECRET}",
    "pool@127.0.0.1:1/pool?sslmode=prefer&sslpassword=***": (
        f"postgresql+psycopg://pool@127.0.0.1:1/pool?sslmode=prefer&sslpassword={SECRET}"
    ),
}


@pytest.mark.parametrize("shown", list(CREDENTIAL_URLS))
@pytest.mark.parametrize(
    "args",
    [
        ["region", "list"],
        ["db", "current"],
        ["db", "upgrade"],
        ["init", "--admin", "city-office"],
        ["ledger", "verify"],
        ["db", "backup", "x.dump"],
    ],
)
def test_database_password_is_never_printed(args: list[str], shown: str) -> None:
    url = CREDENTIAL_URLS[shown]  # nothing listens on port 1
    result = Pool(url).runner.invoke(
        main,
        ["--db", url, "--as", "a", *args],
        env={"POOL_TOKEN": "t", "POOL_DATABASE_URL": None},
        catch_exceptions=False,
    )
    assert result.exit_code == 1, result.output
    assert SECRET not in result.output and result.stderr.startswith("Error: ")
    if args[0] in ("region", "ledger") or args[:2] == ["db", "backup"]:  # via the schema check
        assert shown in result.stderr, result.stderr


def test_unparseable_url_with_a_password_is_masked() -> None:
    url = f"postgresql+psycopg://pool:{SECRET}@host:notaport/pool"
    result = Pool("sqlite://").runner.invoke(main, ["--db", url, "db", "current"], catch_exceptions=False)
    assert result.exit_code == 1 and SECRET not in result.output, result.output


def test_no_pool_message_masks_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    from pool.bootstrap import bootstrap
    from pool.store import migrate

    monkeypatch.setattr(migrate, "current", lambda engine: None)
    rt = bootstrap(Settings(f"postgresql+psycopg://pool:{SECRET}@127.0.0.1:1/p", None, None))
    with pytest.raises(Exception) as raised:
        rt.database.require_schema()
    assert "holds no pool" in str(raised.value) and SECRET not in str(raised.value)
    assert "pool:***@127.0.0.1" in str(raised.value)


def test_ledger_export_csv_lines_are_guarded_too() -> None:
    """Export cells come from codes and amounts that cannot start a formula today; the writer
    guards them anyway, so a looser share name later cannot open a hole."""
    from pool.services.export import _csv_line

    assert _csv_line(["=1+1", "-12.50", "@x", "tax"]) == "'=1+1,-12.50,'@x,tax\n"
