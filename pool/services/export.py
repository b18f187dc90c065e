"""`pool ledger export`: the ledger as a journal for ledger-cli/hledger, beancount, or CSV.

The postings are streamed from the database in chain order and written out one transaction at a
time, so memory does not grow with the ledger. City office and auditors only.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

from pool.domain.text import spreadsheet_safe
from pool.ledger import journal
from pool.services import commands
from pool.services.auth import require_role
from pool.services.runtime import Runtime
from pool.store.ledger_store import StoredEntry
from pool.store.models import Actor
from pool.store.uow import UnitOfWork

FORMATS = journal.FORMATS
Write = Callable[[str], Any]
Sink = Callable[[], AbstractContextManager[Write]]
EMPTY_LEDGER_OPEN = date(2000, 1, 1)  # only dates open directives when there are no entries


def export(rt: Runtime, fmt: str, sink: Sink) -> dict[str, int]:
    """Write the journal through `sink()` (opened only once the actor may export); return counts."""

    def body(uow: UnitOfWork, actor: Actor) -> dict[str, int]:
        require_role(actor, "city", "auditor", "county", doing="export the ledger")
        accounts = [(name, unit) for name, _, _, _, unit in uow.ledger.account_list()]
        units = dict(accounts)
        counts = {"entries": 0, "postings": 0}
        with sink() as write:
            for chunk in _header(fmt, accounts, uow.ledger.first_through()):
                write(chunk)
            for entry in entries(uow.ledger.entries()):
                counts["entries"] += 1
                counts["postings"] += len(entry.postings)
                write(_transaction(fmt, entry, units))
        return counts

    return commands.read(rt, body)


def entries(stored: Iterable[StoredEntry]) -> Iterator[journal.Entry]:
    """The streamed entries and their postings as journal entries, one at a time."""
    for (seq, run, transfer, share, book, through, _, hash_), postings in stored:
        yield journal.Entry(seq, run, transfer, share, book, through, hash_, tuple(postings))


def _header(fmt: str, accounts: list[tuple[str, str]], first: int | None) -> Iterator[str]:
    if fmt == "csv":
        yield _csv_line(journal.CSV_COLUMNS)
    elif fmt == "beancount":
        opened = journal.month_start(first) if first is not None else EMPTY_LEDGER_OPEN
        yield from (line + "\n" for line in journal.beancount_header(accounts, opened))
    else:
        yield from (line + "\n" for line in journal.ledger_header(accounts))


def _transaction(fmt: str, entry: journal.Entry, units: dict[str, str]) -> str:
    if fmt == "csv":
        return "".join(_csv_line(row) for row in journal.csv_rows(entry, units))
    if fmt == "beancount":
        return journal.beancount_transaction(entry, units) + "\n"
    return journal.ledger_transaction(entry, units) + "\n"


def _csv_line(cells: Iterable[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([spreadsheet_safe(c) for c in cells])
    return buf.getvalue()
