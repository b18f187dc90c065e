"""Plain-text journals of the ledger for ledger-cli, hledger and beancount, and export CSV rows.

Pure formatting: an entry (seq, run, transfer, share, book, through, hash) and its postings
(pool account name, amount in minor units) become one transaction. Each transaction is dated the
last day of the month the entry was settled through. Pool account names become hierarchical names
legal in all three tools:

    fiscal:shangzhou:tax     -> Assets:Fiscal:Shangzhou:Tax
    fiscal:@source:tax       -> Income:Fiscal:Source:Tax
    statistics:new_area:fai  -> Assets:Statistics:New-area:Fai

Every component is capitalised and `_` becomes `-` (codes are `[a-z][a-z0-9_]*`, so `-` never
occurs in them and `pool_account` turns a journal name back into the pool's).
"""

import calendar
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from pool.domain.accounts import SOURCE, party_account, source_account, split_account
from pool.domain.money import format_amount
from pool.domain.months import Month

PARTY_ROOT = "Assets"
SOURCE_ROOT = "Income"
SOURCE_COMPONENT = "Source"
HASH_PREFIX = 12
FORMATS = ("ledger", "beancount", "csv")  # what `pool ledger export` writes
CSV_COLUMNS = ("seq", "date", "transfer", "share", "book", "account", "region", "amount", "unit", "hash")
_COMMODITY = re.compile(r"[A-Z][A-Z0-9'._-]{0,22}[A-Z0-9]")


@dataclass(frozen=True)
class Entry:
    seq: int
    run: int
    transfer: int
    share: str
    book: str
    through: Month
    hash: str
    postings: tuple[tuple[str, int], ...]  # (pool account name, amount in minor units)


def entry_date(through: Month) -> date:
    """The last day of the month an entry was settled through."""
    year, month = divmod(through, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def month_start(through: Month) -> date:
    year, month = divmod(through, 12)
    return date(year, month + 1, 1)


def _component(code: str) -> str:
    return code[:1].upper() + code[1:].replace("_", "-")


def _code(component: str) -> str:
    return component[:1].lower() + component[1:].replace("-", "_")


def account_name(name: str) -> str:
    """The journal name of a pool account: `Assets:Book:Region:Share` or `Income:Book:Source:Share`."""
    book, region, share = split_account(name)
    if region == SOURCE:
        return f"{SOURCE_ROOT}:{_component(book)}:{SOURCE_COMPONENT}:{_component(share)}"
    return f"{PARTY_ROOT}:{_component(book)}:{_component(region)}:{_component(share)}"


def pool_account(journal_name: str) -> str:
    """The pool account name of a journal account name (the inverse of `account_name`)."""
    root, book, region, share = journal_name.split(":")
    if root == SOURCE_ROOT:
        return source_account(_code(book), _code(share))
    return party_account(_code(book), _code(region), _code(share))


def commodity(unit: str) -> str:
    """A commodity symbol legal in beancount: CNY and USD stay; others are upper-cased and
    stripped of characters beancount refuses."""
    symbol = re.sub(r"[^A-Z0-9'._-]", "", unit.upper())
    if not _COMMODITY.fullmatch(symbol):
        symbol = ("U" + re.sub(r"[^A-Z0-9]", "", symbol) + "X")[:24]
    return symbol


def narration(entry: Entry) -> str:
    return (
        f"transfer {entry.transfer} share {entry.share} run {entry.run} seq {entry.seq} "
        f"hash {entry.hash[:HASH_PREFIX]}"
    )


def _posting_lines(entry: Entry, units: dict[str, str]) -> Iterator[str]:
    """`  Account  amount UNIT`, at least two spaces before the amount, amounts right-aligned."""
    names = [account_name(a) for a, _ in entry.postings]
    numbers = [format_amount(fen) for _, fen in entry.postings]
    width = max(len(n) for n in names) + max(len(n) for n in numbers)
    for name, number, (account, _) in zip(names, numbers, entry.postings):
        pad = " " * (width - len(name) - len(number))
        yield f"  {name}  {pad}{number} {commodity(units[account])}"


# -- ledger-cli / hledger --------------------------------------------------------------------
def ledger_header(accounts: Iterable[tuple[str, str]]) -> Iterator[str]:
    """Comment lines and an `account` directive for each (pool account name, unit)."""
    yield "; pool ledger export (ledger-cli / hledger journal)"
    yield "; one transaction per ledger entry, dated the last day of the month settled through"
    yield ""
    for name, _ in accounts:
        yield f"account {account_name(name)}"
    yield ""


def ledger_transaction(entry: Entry, units: dict[str, str]) -> str:
    head = f"{entry_date(entry.through).isoformat()} * {narration(entry)}"
    meta = [
        f"  ; seq: {entry.seq}",
        f"  ; run: {entry.run}",
        f"  ; transfer: {entry.transfer}",
        f"  ; hash: {entry.hash}",
    ]
    return "\n".join([head, *meta, *_posting_lines(entry, units)]) + "\n"


# -- beancount ---------------------------------------------------------------------------------
def beancount_header(accounts: Sequence[tuple[str, str]], opened: date) -> Iterator[str]:
    """Options, commodities and an `open` directive (with its currency) for every account."""
    yield "; pool ledger export (beancount)"
    yield 'option "title" "pool ledger"'
    units = sorted({commodity(u) for _, u in accounts})
    if units:
        yield f'option "operating_currency" "{units[0] if "CNY" not in units else "CNY"}"'
    yield ""
    for unit in units:
        yield f"{opened.isoformat()} commodity {unit}"
    yield ""
    for name, unit in accounts:
        yield f"{opened.isoformat()} open {account_name(name)} {commodity(unit)}"
    yield ""


def beancount_transaction(entry: Entry, units: dict[str, str]) -> str:
    head = f'{entry_date(entry.through).isoformat()} * "transfer {entry.transfer}" "{narration(entry)}"'
    meta = [
        f"  seq: {entry.seq}",
        f"  run: {entry.run}",
        f"  transfer: {entry.transfer}",
        f'  share: "{entry.share}"',
        f'  hash: "{entry.hash}"',
    ]
    return "\n".join([head, *meta, *_posting_lines(entry, units)]) + "\n"


# -- CSV ---------------------------------------------------------------------------------------
def csv_rows(entry: Entry, units: dict[str, str]) -> Iterator[tuple[str, ...]]:
    """One row per posting, in CSV_COLUMNS order. The source account's region cell is empty."""
    day = entry_date(entry.through).isoformat()
    for account, fen in entry.postings:
        _, region, _ = split_account(account)
        yield (
            str(entry.seq),
            day,
            str(entry.transfer),
            entry.share,
            entry.book,
            account,
            "" if region == SOURCE else region,
            format_amount(fen),
            units[account],
            entry.hash,
        )
