"""Corrections in the open, by hand: an agreement amended from 40% to 50% after four settled
months, and a cancelled transfer, each settled by the next run as ordinary adjusting entries;
bad corrections refused with a sentence and nothing changed; a reissued token.

LN-1 (luonan found it) moves to shangzhou in 2024-08 under shangluo-default, origin_tax_share
40%. Reported tax_local: 2024-08 1000.01, 2024-09 2000.00, 2024-10 333.33, 2024-11 0.05, and
funds_domestic 10.00 in 2024-08. Through 2024-11 the tax term's first year holds
C = 100001 + 200000 + 33333 + 5 = 333339 fen.

  at 40%: luonan 133335.6, shangzhou 200003.4 -> floors 133335 + 200003 = 333338; the leftover
          fen goes to the larger remainder (0.6, luonan): luonan 133336, shangzhou 200003.
  at 50%: 166669.5 each -> floors 166669 + 166669; the leftover fen ties and goes to the host:
          shangzhou 166670, luonan 166669.
  difference: luonan +33333, shangzhou -33333 — one entry, nothing else.

funds (mode origin): luonan 1000; credit (split 50%): 500 each.
"""

from pathlib import Path

import pytest
from sqlalchemy import text
from support.databases import BACKENDS
from support.driver import Pool
from support.ledger import LIBRARY, STATE_TABLES, counts, move, write_csv

pytestmark = pytest.mark.parametrize("db_url", BACKENDS, indirect=True)

ACTUALS = [
    ("LN-1", "2024-08", "tax_local", "1000.01"),
    ("LN-1", "2024-08", "funds_domestic", "10.00"),
    ("LN-1", "2024-09", "tax_local", "2000.00"),
    ("LN-1", "2024-10", "tax_local", "333.33"),
    ("LN-1", "2024-11", "tax_local", "0.05"),
]
MONTHS = ("2024-08", "2024-09", "2024-10", "2024-11")


def _pool(url: str, tmp_path: Path) -> Pool:
    pool = Pool(url)
    pool.init()
    pool.add_actor("luonan-bureau", "county", "luonan")
    pool.add_actor("shangzhou-bureau", "county", "shangzhou")
    pool.add_actor("policy-desk", "policy")
    pool.add_actor("audit-bureau", "auditor")
    pool.ok("policy-desk", "rules", "publish", str(LIBRARY / "shangluo-default.yaml"))
    pool.ok(
        "luonan-bureau", "project", "add", "LN-1", "--name", "钼精深加工", "--investor", "金钼股份",
        "--chain", "new_materials", "--kind", "manufacturing", "--investment", "350000000",
        "--capital-source", "out_of_city",
    )  # fmt: skip
    move(pool, "LN-1", "luonan", "shangzhou", "2024-08", "shangluo-default", ("origin_tax_share=40%",))
    pool.ok("city-office", "actuals", "import", str(write_csv(tmp_path / "a.csv", ACTUALS)))
    for month in MONTHS:
        pool.ok("city-office", "settle", month)
    return pool


def _positions(pool: Pool) -> dict[tuple[str, str], int]:
    return {(r["share"], r["region"]): r["amount"] for r in pool.rows("transfer_positions") if r["amount"]}


def _verified(pool: Pool) -> None:
    for args in (("ledger", "verify"), ("ledger", "verify", "--deep")):
        result = pool.run("audit-bureau", *args)
        assert result.exit_code == 0, (args, result.output, result.stderr)
    data = pool.json("luonan-bureau", "ledger", "verify", "--deep")
    assert data["ok"] and data["deep"]["problems"] == [] and data["deep"]["transfers"] >= 0


def test_amended_agreement_posts_exactly_the_difference(db_url: str, tmp_path: Path) -> None:
    pool = _pool(db_url, tmp_path)
    assert _positions(pool) == {
        ("tax", "luonan"): 133336,
        ("tax", "shangzhou"): 200003,
        ("funds", "luonan"): 1000,
        ("credit", "luonan"): 500,
        ("credit", "shangzhou"): 500,
    }
    _verified(pool)
    entries = len(pool.rows("ledger_entries"))
    shown = pool.json(
        "city-office", "transfer", "amend", "1", "--agreement", "origin_tax_share=50%", "--reason", "补签协议"
    )
    assert shown["agreement"] == {"origin_tax_share": "50%"} and shown["revision"] == 2
    history = pool.json("shangzhou-bureau", "transfer", "show", "1", "--revisions")["revisions"]
    assert [(r["revision"], r["agreement"], r["reason"]) for r in history] == [
        (1, {"origin_tax_share": "40%"}, None),
        (2, {"origin_tax_share": "50%"}, "补签协议"),
    ]
    pool.ok("city-office", "settle", "2024-11")
    new = pool.rows("ledger_entries")[entries:]
    assert [(e["transfer_id"], e["share"]) for e in new] == [(1, "tax")]
    with pool.engine.connect() as conn:
        postings = conn.execute(
            text(
                "SELECT a.name, p.amount FROM ledger_postings p JOIN ledger_accounts a "
                "ON a.id = p.account_id WHERE p.entry_seq = :s ORDER BY a.name"
            ),
            {"s": new[0]["seq"]},
        ).all()
    assert [tuple(p) for p in postings] == [("fiscal:luonan:tax", 33333), ("fiscal:shangzhou:tax", -33333)]
    assert _positions(pool)[("tax", "luonan")] == 166669
    assert _positions(pool)[("tax", "shangzhou")] == 166670
    _verified(pool)
    audit = [a for a in pool.rows("audit_log") if a["action"] == "transfer.amend"]
    assert [a["outcome"] for a in audit] == ["ok"] and "补签协议" in audit[0]["detail"]


def test_cancelled_transfer_is_reversed_to_zero(db_url: str, tmp_path: Path) -> None:
    pool = _pool(db_url, tmp_path)
    shown = pool.json("city-office", "transfer", "cancel", "1", "--reason", "审批有误")
    assert shown["status"] == "cancelled" and shown["cancelled"]["reason"] == "审批有误"
    shown_project = pool.json("luonan-bureau", "project", "show", "LN-1")
    assert shown_project["host"] == "luonan" and shown_project["transfers"][0]["status"] == "cancelled"
    explained = pool.run("luonan-bureau", "explain", "1", "--through", "2024-11")
    assert explained.exit_code == 1 and "Transfer 1 was cancelled on" in explained.stderr
    pool.ok("city-office", "settle", "2024-11")
    assert _positions(pool) == {}
    assert {r["name"]: r["balance"] for r in pool.rows("ledger_accounts") if r["balance"]} == {}
    assert len(pool.rows("transfers")) == 1  # kept, marked cancelled
    _verified(pool)
    # The project can move again from its origin.
    again = move(pool, "LN-1", "luonan", "shangzhou", "2024-11", "shangluo-default", ())
    assert again["from"] == "luonan" and again["status"] == "in_force"


def test_bad_corrections_are_refused_and_change_nothing(db_url: str, tmp_path: Path) -> None:
    pool = _pool(db_url, tmp_path)
    cases = [
        (
            "city-office",
            ("transfer", "amend", "1", "--agreement", "origin_tax_share=50%"),
            1,
            "needs a --reason",
        ),
        (
            "city-office",
            ("transfer", "amend", "1", "--agreement", "origin_tax_share=60%", "--reason", "x"),
            1,
            "origin_tax_share",
        ),
        (
            "city-office",
            ("transfer", "amend", "1", "--agreement", "origin_tax_share=40%", "--reason", "x"),
            1,
            "already has these values",
        ),
        ("city-office", ("transfer", "amend", "1", "--agreement", "nokey=1", "--reason", "x"), 1, "nokey"),
        (
            "city-office",
            ("transfer", "amend", "9", "--agreement", "origin_tax_share=50%", "--reason", "x"),
            1,
            "There is no transfer 9",
        ),  # fmt: skip
        (
            "shangzhou-bureau",
            ("transfer", "amend", "1", "--agreement", "origin_tax_share=50%", "--reason", "x"),
            3,
            "may not amend transfers",
        ),  # fmt: skip
        ("city-office", ("transfer", "cancel", "1"), 1, "needs a --reason"),
        ("luonan-bureau", ("transfer", "cancel", "1", "--reason", "x"), 3, "may not cancel transfers"),
        ("luonan-bureau", ("project", "edit", "LN-1", "--name", "新名", "--reason", "x"), 3, "may not edit"),
        (
            "shangzhou-bureau",
            ("project", "edit", "LN-1", "--name", "新名", "--reason", "x"),
            3,
            "only the city office may edit it now",
        ),  # fmt: skip
        ("city-office", ("project", "edit", "LN-1", "--name", "新名"), 1, "needs a --reason"),
        ("city-office", ("project", "edit", "LN-1", "--reason", "x"), 1, "Give at least one of"),
        ("city-office", ("project", "edit", "LN-1", "--kind", "mine", "--reason", "x"), 1, "not a kind"),
        ("city-office", ("project", "edit", "LN-1", "--investment", "-1", "--reason", "x"), 1, ""),
        (
            "city-office",
            ("project", "edit", "LN-1", "--name", "钼精深加工", "--reason", "x"),
            1,
            "nothing was changed",
        ),
        ("luonan-bureau", ("actor", "reissue", "shangzhou-bureau"), 3, "may not reissue tokens"),
        ("city-office", ("actor", "reissue", "nobody"), 1, "There is no actor named 'nobody'"),
    ]
    for actor, args, code, message in cases:
        before = counts(
            pool, (*STATE_TABLES, "input_journal", "agreement_revisions", "transfer_cancellations")
        )
        result = pool.run(actor, *args)
        assert result.exit_code == code, (args, result.output, result.stderr)
        assert message in result.stderr and "Traceback" not in result.output, (args, result.stderr)
        assert (
            counts(pool, (*STATE_TABLES, "input_journal", "agreement_revisions", "transfer_cancellations"))
            == before
        )
    # A cancelled transfer cannot be amended or cancelled again (exit 4); only the latest cancels.
    pool.ok("city-office", "transfer", "cancel", "1", "--reason", "审批有误")
    for args in (
        ("transfer", "amend", "1", "--agreement", "origin_tax_share=50%", "--reason", "x"),
        ("transfer", "cancel", "1", "--reason", "x"),
    ):
        result = pool.run("city-office", *args)
        assert result.exit_code == 4 and "was cancelled on" in result.stderr, result.stderr
    denied = [a for a in pool.rows("audit_log") if a["outcome"] == "denied"]
    assert {a["action"] for a in denied} >= {
        "transfer.amend",
        "transfer.cancel",
        "project.edit",
        "actor.reissue",
    }


def test_only_the_latest_transfer_cancels(db_url: str, tmp_path: Path) -> None:
    pool = _pool(db_url, tmp_path)
    pool.add_actor("danfeng-bureau", "county", "danfeng")
    move(pool, "LN-1", "shangzhou", "danfeng", "2024-11", "shangluo-default", ())
    result = pool.run("city-office", "transfer", "cancel", "1", "--reason", "x")
    assert result.exit_code == 1 and "transfer 2 is" in result.stderr
    pool.ok("city-office", "transfer", "cancel", "2", "--reason", "x")
    assert pool.json("city-office", "project", "show", "LN-1")["host"] == "shangzhou"
    pool.ok("city-office", "settle", "2024-11")
    _verified(pool)


def test_project_edit_keeps_revisions_and_checks_the_lead(db_url: str, tmp_path: Path) -> None:
    pool = _pool(db_url, tmp_path)
    pool.ok(
        "luonan-bureau", "project", "add", "LN-2", "--name", "钒电池", "--investor", "陕西钒业",
        "--chain", "new_energy", "--kind", "manufacturing", "--investment", "50000000",
        "--capital-source", "out_of_city",
    )  # fmt: skip
    edited = pool.json(
        "luonan-bureau", "project", "edit", "LN-2", "--investment", "60000000", "--reason", "补充协议"
    )
    assert edited["planned_investment"] == "60000000.00"
    duplicate = pool.run(
        "luonan-bureau", "project", "edit", "LN-2", "--investor", "金钼股份", "--name", "钼精深加工",
        "--reason", "x",
    )  # fmt: skip
    assert duplicate.exit_code == 1 and "already registered as project LN-1" in duplicate.stderr
    records = [r for r in pool.rows("input_journal") if r["kind"] == "project" and r["ref"] == edited["id"]]
    assert len(records) == 2 and "补充协议" in records[-1]["body"]
    # the city may edit a moved project; the next settlement adjusts what the facts change
    pool.ok("city-office", "project", "edit", "LN-1", "--kind", "real_estate", "--reason", "性质更正")
    pool.ok("city-office", "settle", "2024-11")
    assert _positions(pool) == {
        ("tax", "shangzhou"): 333339,
        ("funds", "shangzhou"): 1000,
        ("credit", "shangzhou"): 1000,
    }
    _verified(pool)


def test_reissued_token_replaces_the_old_one(db_url: str, tmp_path: Path) -> None:
    pool = _pool(db_url, tmp_path)
    old = pool.tokens["luonan-bureau"]
    data = pool.json("city-office", "actor", "reissue", "luonan-bureau")
    assert set(data) == {"actor", "role", "region", "token"} and data["region"] == "luonan"
    assert data["token"] != old
    assert pool.run("luonan-bureau", "project", "list", token=old).exit_code == 3
    assert pool.run("luonan-bureau", "project", "list", token=data["token"]).exit_code == 0
    text = pool.run("city-office", "actor", "reissue", "luonan-bureau")
    assert text.exit_code == 0 and "New token for actor luonan-bureau (county, luonan)." in text.stdout
    pool.ok("city-office", "actor", "revoke", "audit-bureau")
    revoked = pool.run("city-office", "actor", "reissue", "audit-bureau")
    assert revoked.exit_code == 4 and "revoked" in revoked.stderr


def test_a_lead_is_found_twice_through_its_legal_form(db_url: str, tmp_path: Path) -> None:
    pool = _pool(db_url, tmp_path)
    before = counts(pool, STATE_TABLES)
    for investor in ("金钼股份有限公司", "金钼股份（中国）有限公司", " 金钼股份 集团 "):
        result = pool.run(
            "shangzhou-bureau", "project", "add", "SZ-9", "--name", "钼精深加工", "--investor", investor,
            "--chain", "new_materials", "--kind", "manufacturing", "--investment", "1",
            "--capital-source", "out_of_city",
        )  # fmt: skip
        assert result.exit_code == 1 and "already registered as project LN-1 by luonan" in result.stderr
    assert counts(pool, STATE_TABLES) == before
    found = pool.json("shangzhou-bureau", "project", "list", "--search", "金钼股份有限公司")
    assert [p["code"] for p in found] == ["LN-1"]
    assert [p["code"] for p in pool.json("shangzhou-bureau", "project", "list", "--search", "精深")] == [
        "LN-1"
    ]
    assert pool.json("shangzhou-bureau", "project", "list", "--search", "100%") == []
    empty = pool.run("shangzhou-bureau", "project", "list", "--search", "  ")
    assert empty.exit_code == 1 and "may not be empty" in empty.stderr
