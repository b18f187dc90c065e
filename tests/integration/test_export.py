"""`pool ledger export`: journals that beancount, hledger and ledger-cli accept, whose balances are
`pool report balances`, on SQLite and PostgreSQL."""

import csv
import io
import re
import shutil
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import account as bean_account
from beancount.core import data
from support.databases import BACKENDS, in_ci
from support.driver import Pool
from support.reports import BALANCES, balance_map, fen, settled_pool

from benchmarks import peers
from pool.bootstrap import bootstrap
from pool.config import Settings
from pool.ledger import journal
from pool.services import export as export_service

Key = tuple[str, str, str, str]  # book, region, share, unit


@pytest.fixture
def pool(db_url: str) -> Iterator[Pool]:
    p = settled_pool(db_url)
    yield p
    p.close()


def party_balances(pool: Pool) -> dict[Key, int]:
    return balance_map(pool.json("audit-bureau", "report", "balances"))


def split(pool_name: str, unit: str) -> Key:
    book, region, share = pool_name.split(":")
    return book, region, share, unit


def beancount_balances(text: str) -> dict[Key, int]:
    entries, errors, _ = loader.load_string(text)
    assert errors == [], errors
    sums: dict[Key, int] = defaultdict(int)
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                number = posting.units.number * 100
                assert number == int(number)
                sums[split(journal.pool_account(posting.account), posting.units.currency)] += int(number)
    return dict(sums)


def parties(sums: dict[Key, int]) -> dict[Key, int]:
    return {k: v for k, v in sums.items() if k[1] != "@source"}


def check_sources(sums: dict[Key, int]) -> None:
    """Each share's source account is the opposite of its party accounts."""
    by_share: dict[tuple[str, str, str], int] = defaultdict(int)
    for (book, _, share, unit), amount in sums.items():
        by_share[(book, share, unit)] += amount
    assert set(by_share.values()) == {0}


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_beancount_export_loads_and_matches_balances(pool: Pool) -> None:
    text = pool.ok("audit-bureau", "ledger", "export", "--format", "beancount").stdout
    sums = beancount_balances(text)
    assert parties(sums) == party_balances(pool) == balance_map(BALANCES)
    check_sources(sums)
    entries, _, _ = loader.load_string(text)
    transactions = [e for e in entries if isinstance(e, data.Transaction)]
    assert len(transactions) == len(pool.rows("ledger_entries")) == 8
    last = transactions[-1]
    assert str(last.date) == "2024-10-31"  # the last day of the month settled through
    stored = pool.rows("ledger_entries")[-1]
    assert last.meta["hash"] == stored["hash"] and last.meta["seq"] == 8
    assert f"hash {stored['hash'][:12]}" in last.narration and "transfer 1" in last.narration
    # Party accounts are assets, sources income; USD stays USD.
    assert "2024-08-01 open Assets:Statistics:Zhashui:Fdi USD" in text
    assert "open Income:Fiscal:Source:Tax CNY" in text


POSTING = re.compile(r"  (\S+)  +(-?\d+\.\d\d) ([A-Z][A-Z0-9'._-]*[A-Z0-9])")
HEADER = re.compile(r"(\d{4}-\d\d-\d\d) \* transfer \d+ share \w+ run \d+ seq \d+ hash [0-9a-f]{12}")


def ledger_balances(text: str) -> dict[Key, int]:
    """Parse the ledger-format journal strictly: every line is a known kind; every transaction
    balances per commodity."""
    sums: dict[Key, int] = defaultdict(int)
    current: dict[str, int] | None = None
    for line in text.splitlines():
        if line == "" or line.startswith("; ") or re.fullmatch(r"account [A-Z][\w:-]*", line):
            if current is not None:
                assert set(current.values()) <= {0}, current
                current = None
            continue
        if HEADER.fullmatch(line):
            assert current is None
            current = defaultdict(int)
            continue
        if re.fullmatch(r"  ; (seq|run|transfer): \d+|  ; hash: [0-9a-f]{64}", line):
            continue
        m = POSTING.fullmatch(line)
        assert m and current is not None, line
        amount = fen(m.group(2))
        current[m.group(3)] += amount
        sums[split(journal.pool_account(m.group(1)), m.group(3))] += amount
    assert current is None or set(current.values()) <= {0}
    return dict(sums)


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_ledger_export_is_well_formed_and_matches_balances(pool: Pool, tmp_path: Path) -> None:
    out = tmp_path / "pool.journal"
    result = pool.ok("city-office", "ledger", "export", "--format", "ledger", "--out", str(out))
    assert result.stdout == "" and "8 entries" in result.stderr
    text = out.read_text(encoding="utf-8")
    assert text == pool.ok("audit-bureau", "ledger", "export").stdout  # ledger is the default
    sums = ledger_balances(text)
    assert parties(sums) == party_balances(pool)
    check_sources(sums)
    for tool in peers.LEDGER_LIKE:  # hledger and ledger-cli, parsed by the benchmark's parser
        if shutil.which(tool):
            assert parties(peers.tool_balances(tool, out)) == party_balances(pool), tool
        elif in_ci():
            pytest.fail(f"CI=true but {tool} is not installed: its balances cannot be checked.")


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_csv_export_one_row_per_posting(pool: Pool) -> None:
    text = pool.ok("audit-bureau", "ledger", "export", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "seq",
        "date",
        "transfer",
        "share",
        "book",
        "account",
        "region",
        "amount",
        "unit",
        "hash",
    ]
    assert len(rows) == len(pool.rows("ledger_postings"))
    sums: dict[Key, int] = defaultdict(int)
    for row in rows:
        book, region, share = row["account"].split(":")
        assert row["region"] == ("" if region == "@source" else region)
        assert (row["book"], row["share"]) == (book, share)
        sums[(book, region, share, row["unit"])] += fen(row["amount"])
    assert parties(sums) == party_balances(pool)
    check_sources(sums)
    first = rows[0]
    assert first["seq"] == "1" and first["date"] == "2024-08-31" and len(first["hash"]) == 64


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_policy_staff_may_not_export(pool: Pool, tmp_path: Path) -> None:
    for actor in ("policy-desk",):
        out = tmp_path / f"{actor}.beancount"
        refused = pool.run(actor, "ledger", "export", "--format", "beancount", "--out", str(out))
        assert refused.exit_code == 3 and "may not export the ledger" in refused.stderr
        assert refused.stdout == "" and not out.exists()
    assert pool.run("zhashui-bureau", "ledger", "export", token="wrong").exit_code == 3
    county = tmp_path / "county.beancount"
    assert pool.run("zhashui-bureau", "ledger", "export", "--out", str(county)).exit_code == 0
    assert county.exists()
    assert pool.run("audit-bureau", "ledger", "export", "--format", "xml").exit_code == 2
    nowhere = pool.run("audit-bureau", "ledger", "export", "--out", str(tmp_path / "no" / "x.j"))
    assert nowhere.exit_code == 1
    assert f"{tmp_path / 'no'} is not a directory; create it first." in nowhere.stderr


def test_export_streams_one_transaction_at_a_time(db_url: str) -> None:
    pool = settled_pool(db_url)
    writes: list[str] = []

    @contextmanager
    def sink() -> Iterator[export_service.Write]:
        yield writes.append

    rt = bootstrap(Settings(database_url=db_url, actor="audit-bureau", token=pool.tokens["audit-bureau"]))
    try:
        counts = export_service.export(rt, "beancount", sink)
    finally:
        rt.close()
        pool.close()
    assert counts == {"entries": 8, "postings": 22}
    transactions = [w for w in writes if re.match(r"\d{4}-\d\d-\d\d \*", w)]
    assert len(transactions) == 8 and all(w.count(" * ") == 1 for w in transactions)


def test_empty_ledger_exports_load(db_url: str) -> None:
    pool = Pool(db_url)
    try:
        pool.init()
        for fmt in ("beancount", "ledger", "csv"):
            text = pool.ok("city-office", "ledger", "export", "--format", fmt).stdout
            if fmt == "beancount":
                assert beancount_balances(text) == {}
            elif fmt == "ledger":
                assert ledger_balances(text) == {}
            else:
                assert text.splitlines() == [",".join(journal.CSV_COLUMNS)]
    finally:
        pool.close()


def test_journal_names_are_legal_and_reversible() -> None:
    for name in (
        "fiscal:shangzhou:tax",
        "statistics:new_area:fai_2",
        "assessment:@source:credit",
        "fiscal:a1:b_c_d",
        "statistics:@source:funds_domestic",
    ):
        bean = journal.account_name(name)
        assert bean_account.is_valid(bean), bean
        assert journal.pool_account(bean) == name
    assert journal.account_name("fiscal:new_area:tax") == "Assets:Fiscal:New-area:Tax"
    assert journal.account_name("fiscal:@source:tax") == "Income:Fiscal:Source:Tax"
    assert [journal.commodity(u) for u in ("CNY", "usd", "t", "万元")] == ["CNY", "USD", "UTX", "UX"]


def test_underscored_regions_load_in_beancount() -> None:
    units = {"fiscal:new_area:tax": "CNY", "fiscal:@source:tax": "CNY", "fiscal:old_town_2:tax": "CNY"}
    entry = journal.Entry(
        1,
        1,
        7,
        "tax",
        "fiscal",
        2024 * 12 + 1,
        "ab" * 32,
        (("fiscal:@source:tax", -1001), ("fiscal:new_area:tax", 600), ("fiscal:old_town_2:tax", 401)),
    )
    text = "\n".join(journal.beancount_header(sorted(units.items()), date(2024, 2, 1)))
    text += "\n" + journal.beancount_transaction(entry, units)
    sums = beancount_balances(text)
    assert sums[("fiscal", "old_town_2", "tax", "CNY")] == 401
    assert journal.entry_date(2024 * 12 + 1).isoformat() == "2024-02-29"
    assert Decimal("4.01") == Decimal(401) / 100
